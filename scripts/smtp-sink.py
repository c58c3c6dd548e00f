#!/usr/bin/python3
"""A real SMTP server for tests: accepts every message and stores it, byte for byte, in a Maildir.

    /usr/bin/python3 scripts/smtp-sink.py --port 2525 --maildir DIR [--port-file F]

Listens on 127.0.0.1 only. --port 0 picks a free port; --port-file then tells which (the file is
written atomically once the server accepts connections, so its existence means "ready"). Each
message becomes one file in DIR/new/ holding the DATA exactly as received (CRLF line endings,
dot-unstuffed), preceded by Return-Path and Delivered-To headers from the envelope. Exits with
status 0 on SIGTERM or SIGINT.

Needs aiosmtpd, which Debian ships as python3-aiosmtpd for /usr/bin/python3 only.
"""

import argparse
import asyncio
import itertools
import os
import signal
import sys
import time

from aiosmtpd.smtp import SMTP


class MaildirHandler:
    """aiosmtpd handler that delivers each message into a Maildir (tmp/ then rename to new/)."""

    def __init__(self, maildir):
        self.maildir = maildir
        self.counter = itertools.count(1)
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        headers = "Return-Path: <{}>\r\n".format(envelope.mail_from or "")
        for rcpt in envelope.rcpt_tos:
            headers += "Delivered-To: {}\r\n".format(rcpt)
        content = envelope.original_content
        if content is None:
            content = envelope.content if isinstance(envelope.content, bytes) else b""
        name = "{}.{}_{}.smtp-sink".format(time.time_ns(), os.getpid(), next(self.counter))
        tmp_path = os.path.join(self.maildir, "tmp", name)
        with open(tmp_path, "wb") as f:
            f.write(headers.encode("utf-8") + content)
        os.rename(tmp_path, os.path.join(self.maildir, "new", name))
        return "250 OK: stored as {}".format(name)


def write_port_file(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("{}\n".format(port))
    os.rename(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="TCP port, 0 for any free one")
    parser.add_argument("--maildir", required=True, help="Maildir to deliver into (created)")
    parser.add_argument("--port-file", help="write the bound port here once ready")
    args = parser.parse_args()

    handler = MaildirHandler(args.maildir)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(
            lambda: SMTP(handler, hostname="smtp-sink.localhost", loop=loop),
            host="127.0.0.1",
            port=args.port,
        )
    )
    port = server.sockets[0].getsockname()[1]
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    if args.port_file:
        write_port_file(args.port_file, port)
    print("smtp-sink: listening on 127.0.0.1:{}, delivering to {}".format(port, args.maildir),
          file=sys.stderr, flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
