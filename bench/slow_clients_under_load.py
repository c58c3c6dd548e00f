#!/usr/bin/env python3
"""Idle and slow clients against a running Portico server that is also under wrk load.

bench/run.sh starts the server (with --header-timeout-ms 3000) on the generated dataset and
calls this with a logged-in page to load. It reuses the client code of
tests/robustness/slow_clients.py: it opens IDLE keep-alive connections (each after one GET /),
starts wrk on the page, then holds SLOWLORIS connections sending one header byte a second while
checking that a fresh client gets /healthz within 2 s. At the end the slowloris connections must
have been closed by the server and the idle ones must still serve a request. wrk's own result
line (BENCH ...) is printed for the table, so the page's req/s and p99 under these connections
can be compared with the same scenario without them.

Loopback only; bounded (the whole run is limited to DURATION + 60 s). Exits non-zero on failure.

    bench/slow_clients_under_load.py --port P --url URL --cookie 'portico_session=…' \
        [--duration 10] [--idle 2000] [--slowloris 100]
"""

import argparse
import importlib.util
import os
import selectors
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_robustness_module():
    path = os.path.join(ROOT, "tests", "robustness", "slow_clients.py")
    spec = importlib.util.spec_from_file_location("slow_clients", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sc = load_robustness_module()


def log(message):
    print(f"[slow_clients_under_load] {message}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--url", required=True, help="the page wrk loads meanwhile")
    parser.add_argument("--cookie", default="", help="Cookie header value for wrk")
    parser.add_argument("--duration", type=int, default=10, help="wrk seconds (at least 7)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--idle", type=int, default=2000)
    parser.add_argument("--slowloris", type=int, default=100)
    args = parser.parse_args()
    duration = max(7, min(args.duration, 120))
    if not (0 < args.idle <= 5000 and 0 < args.slowloris <= 500):
        parser.error("--idle must be 1..5000 and --slowloris 1..500")

    def on_alarm(signum, frame):
        raise sc.Failure(f"the run exceeded {duration + 60} s")
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(duration + 60)

    sc.raise_fd_limit(args.idle + args.slowloris + 200)
    failures = []
    conns_idle, conns_slow = [], []
    wrk = None
    port = args.port
    try:
        # 1. Idle keep-alive connections, each after one GET /.
        t = time.monotonic()
        selector = selectors.DefaultSelector()
        request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        for first in range(0, args.idle, 250):
            batch = sc.open_connections(port, min(250, args.idle - first))
            conns_idle += batch
            sc.request_on_all(batch, selector, request, time.monotonic() + 30)
        ok = sum(1 for c in conns_idle if c.status == 200 and not c.closed)
        log(f"{ok}/{args.idle} idle connections got GET / 200 ({time.monotonic() - t:.1f} s)")
        if ok != args.idle:
            failures.append(f"only {ok} of {args.idle} connections got GET / 200")

        # 2. Load: wrk on the page for the whole check.
        command = ["wrk", "-t1", f"-c{args.connections}", f"-d{duration}s", "--latency",
                   "-s", os.path.join(ROOT, "bench", "wrk", "report.lua")]
        if args.cookie:
            command += ["-H", f"Cookie: {args.cookie}"]
        command.append(args.url)
        wrk = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        time.sleep(1.0)

        # 3. Slowloris connections, one header byte per second each, while /healthz is checked.
        slow_bytes = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 64
        conns_slow = sc.open_connections(port, args.slowloris)
        slow_start = time.monotonic()
        sent = 0
        checks_at = [0.5, 1.5, 2.5, 3.5, 4.5]
        worst = 0.0
        while time.monotonic() - slow_start < sc.SLOWLORIS_CLOSE_LIMIT_S:
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
                seconds, error = sc.healthz_time(port)
                if seconds is None:
                    failures.append(f"/healthz at t={elapsed:.1f}s failed: {error}")
                else:
                    worst = max(worst, seconds)
            sc.poll_closed(conns_slow, time.monotonic() - slow_start)
            if all(c.closed for c in conns_slow) and not checks_at:
                break
            time.sleep(0.05)
        closed = sum(1 for c in conns_slow if c.closed)
        log(f"slowloris: {closed}/{args.slowloris} closed by the server; /healthz under load "
            f"at most {worst * 1000:.1f} ms")
        if closed != args.slowloris:
            failures.append(f"{args.slowloris - closed} slowloris connections still open after "
                            f"{sc.SLOWLORIS_CLOSE_LIMIT_S} s")

        # 4. wrk's result, then the idle connections must still work.
        out, _ = wrk.communicate(timeout=duration + 30)
        wrk = None
        bench_lines = [line for line in out.splitlines() if line.startswith("BENCH ")]
        if not bench_lines:
            failures.append("wrk printed no result:\n" + out[-2000:])
        else:
            print(bench_lines[-1], flush=True)
        sample = conns_idle[:: max(1, len(conns_idle) // 50)]
        sc.poll_closed(sample, 0)
        sc.request_on_all([c for c in sample if not c.closed], selector,
                          b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                          time.monotonic() + 5)
        alive = sum(1 for c in sample if c.status == 200 and not c.closed)
        log(f"{alive}/{len(sample)} sampled idle connections still serve /healthz")
        if alive != len(sample):
            failures.append(f"only {alive} of {len(sample)} idle connections still served")
        selector.close()
    except sc.Failure as e:
        failures.append(str(e))
    finally:
        signal.alarm(0)
        if wrk is not None and wrk.poll() is None:
            wrk.kill()
            wrk.wait()
        for c in conns_idle + conns_slow:
            c.sock.close()

    for f in failures:
        log(f"FAIL: {f}")
    log("RESULT: " + ("FAIL" if failures else "PASS"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
