#!/usr/bin/env python3
"""The exporter's memory under forged answers.

One `state-signals run` (the exporter) publishes one signal to one real
responder; while the responder holds its answer back, an attacker who may
publish on the response channel sends N forged answers (invented responder
ids, the real publisher id and event) with messages of S bytes, then the
real responder answers. Redis' pub/sub output-buffer limit is off, so that
nothing but the exporter stands between the flood and its memory.

Prints the exporter's peak RSS (from /usr/bin/time), how many warning lines
it printed, and its report's code and `outsiders_seen`.

    cargo build --release -p state-signals-cli
    .venv/bin/python bench/forged_answers.py [--answers 30000] [--bytes 65536]

STATE_SIGNALS_CLI=path/to/state-signals measures another build.
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

import redis

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.environ.get("STATE_SIGNALS_CLI", os.path.join(ROOT, "target", "release", "state-signals"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, what, limit=30.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    sys.exit(f"timed out waiting for {what}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=30_000)
    parser.add_argument("--bytes", type=int, default=64 * 1024)
    args = parser.parse_args()
    if not os.path.exists(CLI):
        sys.exit(f"{CLI} is missing: cargo build --release -p state-signals-cli")

    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
         "--client-output-buffer-limit", "pubsub 0 0 0"],
        stdout=subprocess.DEVNULL,
    )
    work = tempfile.mkdtemp()
    release = os.path.join(work, "release")
    url = f"redis://127.0.0.1:{port}"
    try:
        r = redis.Redis(port=port)
        wait_for(lambda: _pings(r), "redis-server")
        responder = subprocess.Popen(
            [CLI, "--redis", url, "respond", "--id", "real", "--exec",
             f"while [ ! -e {release} ]; do sleep 0.02; done"],
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: r.pubsub_numsub("event-signal-pubsub")[0][1] >= 1, "the responder")
        watch = r.pubsub()
        watch.subscribe("event-signal-pubsub")
        exporter = subprocess.Popen(
            ["/usr/bin/time", "-f", "peak_rss_kib=%M", CLI, "--redis", url, "run",
             "--process", "bench", "--await", "1", "--timeout", "600", "start"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        publisher_id = None
        while publisher_id is None:
            message = watch.get_message(timeout=30)
            if message and message["type"] == "message":
                signal = json.loads(message["data"])
                if signal["event"] == "start":
                    publisher_id = signal["publisher_id"]
        text = "x" * args.bytes
        started = time.monotonic()
        pipe = r.pipeline(transaction=False)
        for n in range(args.answers):
            answer = {"responder_id": f"forged-{n}", "publisher_id": publisher_id,
                      "event": "start", "ras": 1, "message": text}
            pipe.publish("event-signal-response", json.dumps(answer))
            if n % 500 == 499:
                pipe.execute()
        pipe.execute()
        flood = time.monotonic() - started
        open(release, "w").close()
        out, err = exporter.communicate(timeout=600)
        responder.wait(timeout=30)
    finally:
        server.terminate()
    report = json.loads(out.splitlines()[-1])
    peak = int(re.search(r"peak_rss_kib=(\d+)", err).group(1))
    warnings = sum(1 for line in err.splitlines() if "WARN" in line)
    print(f"forged answers: {args.answers} of {args.bytes} bytes "
          f"({args.answers * args.bytes / 2**20:.0f} MiB, sent in {flood:.1f} s)")
    print(f"exporter peak RSS: {peak / 1024:.1f} MiB")
    print(f"exporter warning lines: {warnings}")
    print(f"report: code {report['code']}, real answered: {'real' in report['responses']}, "
          f"outsiders counted: {report.get('outsiders', 'not reported')}")


def _pings(r):
    try:
        return r.ping()
    except redis.exceptions.ConnectionError:
        return False


if __name__ == "__main__":
    main()
