#!/usr/bin/python3
"""smtp_sink.py - the submission server zestd talks to during benchmarks.

Usage: smtp_sink.py --port P --dir D     (127.0.0.1 only; stops on SIGTERM)

Stores each message as D/<n>.eml with its envelope in X-Sink-From and
X-Sink-To, like the sendmail stand-in ../shared/bench/dovecot-up.sh gives
Dovecot, so outgoing mail (vacation, enotify mailto, redirect) costs both
sides one stored file.
"""
import argparse
import asyncio
import itertools
import os
import signal

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, directory):
        self.dir = directory
        self.seq = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        n = next(self.seq)
        tmp = os.path.join(self.dir, "tmp.%d" % n)
        with open(tmp, "wb") as fh:
            fh.write(b"X-Sink-From: %s\r\nX-Sink-To: %s\r\n" % (
                envelope.mail_from.encode(), ",".join(envelope.rcpt_tos).encode()))
            fh.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(self.dir, "%d.eml" % n))
        return "250 OK"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    ctl = Controller(Store(a.dir), hostname="127.0.0.1", port=a.port)
    ctl.start()
    loop = asyncio.new_event_loop()
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, lambda: stop.done() or stop.set_result(None))
    loop.add_signal_handler(signal.SIGINT, lambda: stop.done() or stop.set_result(None))
    print("smtp_sink: listening on 127.0.0.1:%d" % a.port, flush=True)
    loop.run_until_complete(stop)
    ctl.stop()


if __name__ == "__main__":
    main()
