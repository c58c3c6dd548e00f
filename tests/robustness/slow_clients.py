#!/usr/bin/env python3
"""Slow and idle clients must not starve a Portico server.

Starts `portico serve` (SQLite in a temporary folder, --header-timeout-ms 3000), then holds
2,000 idle keep-alive connections (each made one GET / first) and 100 slowloris connections
(header bytes at 1 byte/s). While they are held, a fresh client must get /healthz 200 within
2 s (a correctness bound, not a benchmark); within ~5 s the server must have closed every
slowloris connection; the idle connections must still work; SIGTERM must stop the server with
exit code 0 and no sanitizer report.

Only 127.0.0.1 is used. Standard library only. Runs in about 15 s; exits non-zero on failure.

    tests/robustness/slow_clients.py --binary build/sanitize/portico [--data-dir data]
"""

import argparse
import http.client
import os
import resource
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time

HEALTHZ_LIMIT_S = 2.0
SLOWLORIS_CLOSE_LIMIT_S = 5.5  # header timeout 3 s after the first byte, plus slack


class Failure(Exception):
    pass


def log(message):
    print(f"[slow_clients] {message}", flush=True)


def raise_fd_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed if hard == resource.RLIM_INFINITY else min(max(needed, soft), hard)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        raise Failure(f"open-files limit is {soft} (hard {hard}); {needed} are needed")
    return soft


def start_server(args, workdir):
    port_file = os.path.join(workdir, "port")
    command = [
        args.binary, "serve",
        "--listen", "127.0.0.1:0",
        "--port-file", port_file,
        "--database-url", "sqlite:" + os.path.join(workdir, "portico.db"),
        "--header-timeout-ms", "3000",
        "--log-level", "warn",
    ]
    if args.data_dir:
        command += ["--data-dir", args.data_dir]
    stderr = open(os.path.join(workdir, "stderr"), "wb")
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=stderr)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with open(port_file) as f:
                text = f.read()
            if text.endswith("\n"):
                return process, int(text)
        except FileNotFoundError:
            pass
        if process.poll() is not None:
            raise Failure(f"server exited with {process.returncode} before listening:\n"
                          + read_stderr(workdir))
        time.sleep(0.02)
    raise Failure("server did not write its port file within 15 s")


def read_stderr(workdir):
    try:
        with open(os.path.join(workdir, "stderr"), errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


class Conn:
    """A non-blocking client connection that reads one HTTP response at a time."""

    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        self.sock.connect_ex(("127.0.0.1", port))
        self.buffer = b""
        self.status = None
        self.closed = False
        self.closed_at = None

    def response_complete(self):
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = self.buffer[:end].decode("latin-1")
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if len(self.buffer) < end + 4 + length:
            return False
        self.status = int(head.split(" ", 2)[1])
        self.buffer = self.buffer[end + 4 + length:]
        return True


def request_on_all(conns, selector, request, deadline):
    """Sends request on every connection and waits for every response (status kept)."""
    for c in conns:
        c.status = None
        try:
            c.sock.sendall(request)
        except BlockingIOError:
            pass
    waiting = {c.sock.fileno(): c for c in conns}
    for c in conns:
        selector.register(c.sock, selectors.EVENT_READ, c)
    try:
        while waiting and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=0.5):
                c = key.data
                try:
                    data = c.sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except ConnectionError:
                    data = b""
                if not data:
                    c.closed = True
                    waiting.pop(c.sock.fileno(), None)
                    selector.unregister(c.sock)
                    continue
                c.buffer += data
                if c.response_complete():
                    waiting.pop(c.sock.fileno(), None)
                    selector.unregister(c.sock)
    finally:
        for c in waiting.values():
            selector.unregister(c.sock)
    return len(waiting)


def open_connections(port, count):
    conns = [Conn(port) for _ in range(count)]
    # Wait until every connect() has completed.
    selector = selectors.DefaultSelector()
    for c in conns:
        selector.register(c.sock, selectors.EVENT_WRITE, c)
    pending = len(conns)
    deadline = time.monotonic() + 10
    while pending and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.5):
            err = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                raise Failure(f"connect failed: {os.strerror(err)}")
            selector.unregister(key.fileobj)
            pending -= 1
    selector.close()
    if pending:
        raise Failure(f"{pending} of {count} connections did not connect within 10 s")
    return conns


def healthz_time(port):
    start = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HEALTHZ_LIMIT_S)
    try:
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        response.read()
        status = response.status
    except (OSError, http.client.HTTPException) as e:
        return None, f"{type(e).__name__}: {e}"
    finally:
        conn.close()
    elapsed = time.monotonic() - start
    if status != 200:
        return None, f"status {status}"
    return elapsed, None


def poll_closed(conns, now):
    """Marks connections the server has closed (recv returns EOF or an error)."""
    for c in conns:
        if c.closed:
            continue
        try:
            data = c.sock.recv(4096)
        except (BlockingIOError, InterruptedError):
            continue
        except ConnectionError:
            data = b""
        if not data:
            c.closed = True
            c.closed_at = now


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.environ.get("PORTICO_BINARY"),
                        help="the portico binary (default: $PORTICO_BINARY)")
    parser.add_argument("--data-dir", help="Portico's data folder (default: found by the binary)")
    parser.add_argument("--idle", type=int, default=2000, help="idle keep-alive connections")
    parser.add_argument("--slowloris", type=int, default=100, help="slowloris connections")
    args = parser.parse_args()
    if not args.binary:
        parser.error("--binary (or PORTICO_BINARY) is required")
    if not (0 < args.idle <= 5000 and 0 < args.slowloris <= 500):
        parser.error("--idle must be 1..5000 and --slowloris 1..500")

    # A hard bound on the whole run, whatever happens.
    def on_alarm(signum, frame):
        raise Failure("the run exceeded 90 s")
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(90)

    limit = raise_fd_limit(args.idle + args.slowloris + 200)
    log(f"open-files limit {limit}")

    failures = []
    workdir = tempfile.mkdtemp(prefix="portico-slow-")
    process = None
    conns_idle, conns_slow = [], []
    started = time.monotonic()
    try:
        process, port = start_server(args, workdir)
        log(f"server pid {process.pid} on 127.0.0.1:{port}")

        # 1. Idle keep-alive connections, each after one GET /.
        t = time.monotonic()
        selector = selectors.DefaultSelector()
        request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        for first in range(0, args.idle, 250):
            batch = open_connections(port, min(250, args.idle - first))
            conns_idle += batch
            request_on_all(batch, selector, request, time.monotonic() + 20)
        ok = sum(1 for c in conns_idle if c.status == 200 and not c.closed)
        log(f"{ok}/{args.idle} idle connections got GET / 200 ({time.monotonic() - t:.1f} s)")
        if ok != args.idle:
            failures.append(f"only {ok} of {args.idle} connections got GET / 200")

        # 2. Slowloris connections: one header byte per second each.
        slow_bytes = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 64
        conns_slow = open_connections(port, args.slowloris)
        slow_start = time.monotonic()
        sent = 0
        healthz = []
        checks_at = [0.5, 1.5, 2.5, 3.5, 4.5]
        while time.monotonic() - slow_start < SLOWLORIS_CLOSE_LIMIT_S:
            elapsed = time.monotonic() - slow_start
            if elapsed >= sent:
                for c in conns_slow:
                    if not c.closed:
                        try:
                            c.sock.send(slow_bytes[sent:sent + 1])
                        except (BlockingIOError, InterruptedError):
                            pass
                        except OSError:
                            c.closed = True
                            c.closed_at = time.monotonic() - slow_start
                sent += 1
            if checks_at and elapsed >= checks_at[0]:
                checks_at.pop(0)
                seconds, error = healthz_time(port)
                healthz.append((elapsed, seconds, error))
                if seconds is None:
                    failures.append(f"/healthz at t={elapsed:.1f}s failed: {error}")
                    log(f"/healthz at t={elapsed:.1f}s: FAILED ({error})")
                else:
                    log(f"/healthz at t={elapsed:.1f}s: 200 in {seconds * 1000:.1f} ms")
            poll_closed(conns_slow, time.monotonic() - slow_start)
            if all(c.closed for c in conns_slow) and not checks_at:
                break
            time.sleep(0.05)

        closed = [c for c in conns_slow if c.closed]
        times = sorted(c.closed_at for c in closed if c.closed_at is not None)
        if times:
            log(f"slowloris: {len(closed)}/{args.slowloris} closed by the server, after "
                f"{times[0]:.1f}–{times[-1]:.1f} s (header timeout 3 s)")
        if len(closed) != args.slowloris:
            failures.append(f"{args.slowloris - len(closed)} of {args.slowloris} slowloris "
                            f"connections still open after {SLOWLORIS_CLOSE_LIMIT_S} s")
        early = [t for t in times if t < 2.0]
        if early:
            failures.append(f"{len(early)} slowloris connections were closed before the 3 s "
                            f"header timeout (at {early[0]:.1f} s)")

        # 3. The idle connections still work (a sample; all were idle for the whole run).
        sample = conns_idle[:: max(1, len(conns_idle) // 50)]
        poll_closed(sample, 0)
        request_on_all([c for c in sample if not c.closed], selector,
                       b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                       time.monotonic() + 5)
        alive = sum(1 for c in sample if c.status == 200 and not c.closed)
        log(f"{alive}/{len(sample)} sampled idle connections still serve /healthz")
        if alive != len(sample):
            failures.append(f"only {alive} of {len(sample)} idle connections still served "
                            "a request")
        selector.close()

        # 4. SIGTERM with 2,000 open connections: exits 0, promptly, no sanitizer report.
        t = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
            failures.append("server ignored SIGTERM for 10 s")
        log(f"SIGTERM: exit code {code} after {time.monotonic() - t:.2f} s")
        if code != 0:
            failures.append(f"server exited with code {code}")
        stderr = read_stderr(workdir)
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if marker in stderr:
                failures.append("sanitizer report in the server's stderr")
                log(stderr[-4000:])
                break
    except Failure as e:
        failures.append(str(e))
    finally:
        signal.alarm(0)
        for c in conns_idle + conns_slow:
            c.sock.close()
        if process and process.poll() is None:
            process.kill()
            process.wait()
        if failures:
            tail = read_stderr(workdir)[-2000:]
            if tail:
                log("server stderr (tail):\n" + tail)
        subprocess.run(["rm", "-rf", workdir], check=False)

    log(f"finished in {time.monotonic() - started:.1f} s")
    if failures:
        for f in failures:
            log(f"FAIL: {f}")
        log("RESULT: FAIL")
        return 1
    log("RESULT: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
