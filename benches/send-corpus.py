#!/usr/bin/env python3
"""Sends every *.eml of a directory to an SMTP server over SESSIONS
concurrent connections (each reused for its share of the files), then
prints "sent N failed M seconds S" on one line. Standard library only.

Usage: send-corpus.py DIR HOST:PORT [SESSIONS]
Used by benches/e2e.sh (CORPUS=DIR); the files come from
`cargo run --release --example mixed_corpus -- DIR COUNT`.
"""
import pathlib
import smtplib
import sys
import threading
import time


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    files = sorted(pathlib.Path(sys.argv[1]).glob("*.eml"))
    host, port = sys.argv[2].rsplit(":", 1)
    sessions = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    messages = [f.read_bytes() for f in files]
    lock = threading.Lock()
    state = {"next": 0, "sent": 0, "failed": 0}

    def worker():
        with smtplib.SMTP(host, int(port), timeout=300) as smtp:
            smtp.ehlo("bench.example.com")
            while True:
                with lock:
                    i = state["next"]
                    state["next"] += 1
                if i >= len(messages):
                    return
                try:
                    smtp.sendmail("sender@example.com", ["staff@example.lg.jp"], messages[i])
                    with lock:
                        state["sent"] += 1
                except smtplib.SMTPException:
                    with lock:
                        state["failed"] += 1

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"sent {state['sent']} failed {state['failed']} seconds {time.monotonic() - start:.2f}")


if __name__ == "__main__":
    main()
