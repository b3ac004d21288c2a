#!/usr/bin/env python3
"""A real SMTP peer for end-to-end tests: accepts every message on
127.0.0.1 and writes each one, as received, to <dir>/<n>.eml.

Usage: smtp_sink.py --dir DIR [--down] [--delay SECONDS]

The sink binds a port the system picks and prints "port <n>" on stdout
first, so the tests never guess a free port (and never race another
process for it). Then it listens and prints "ready".

With --down it holds the port bound but does not listen, so connections
are refused as by a mail server that is down, until a line "up" arrives on
stdin; then it listens and prints "ready".

With --delay it waits that long after the data before it keeps the message
and answers, like a slow relay. A client that hangs up meanwhile cancels
the wait: that message was never accepted and is not kept.
"""
import argparse
import asyncio
import itertools
import os
import signal
import socket
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, directory, delay):
        self.directory = directory
        self.delay = delay
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        n = next(self.counter)
        tmp = os.path.join(self.directory, f".{n}.tmp")
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        # The rename comes before the 250, so a message the client counts as
        # delivered is always in the directory.
        os.rename(tmp, os.path.join(self.directory, f"{n:05d}.eml"))
        return "250 Message accepted for delivery"


async def serve(sock, handler, down):
    loop = asyncio.get_running_loop()
    if down:
        # Until then SIGTERM stops the sink the default way.
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if line.strip() != "up":
            return
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # A fixed hostname: the default looks up this machine's FQDN, which can
    # stall on DNS.
    server = await loop.create_server(lambda: SMTP(handler, hostname="smtp-sink.test"), sock=sock)
    print("ready", flush=True)
    try:
        await stop.wait()
    finally:
        server.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--down", action="store_true")
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    # Bound but not yet listening: Linux refuses connections to it.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    print(f"port {sock.getsockname()[1]}", flush=True)
    asyncio.run(serve(sock, Sink(args.dir, args.delay), args.down))


if __name__ == "__main__":
    main()
