"""The benchmark scenarios with the Python package state-signals 1.0.1.

Run by bench/compare.py with the interop tests' venv:

  python_bench.py exporter PORT K N [--external]   # JSON figures on stdout
  python_bench.py responder PORT                   # one responder; prints "ready"
  python_bench.py ctrl-c PORT                      # a responder waiting in listen();
                                                   # prints the time.time() of its KeyboardInterrupt

--module state_signals_rs runs any mode with the drop-in module instead of
the package (same code: the module's API is the package's).

`exporter` starts K responder threads (each with its own Redis connection),
unless --external says K responders already run elsewhere, then times
initialize_and_wait(K), one second of idle CPU, and N publishes.
"""
import json
import os
import sys
import threading
import time

import redis

MODULE = sys.argv[sys.argv.index("--module") + 1] if "--module" in sys.argv else "state_signals"
_module = __import__(MODULE)
SignalExporter, SignalResponder = _module.SignalExporter, _module.SignalResponder


def serve(responder):
    for signal in responder.listen():
        if signal.event == "initialization":
            responder.srespond(signal)
        elif signal.event != "shutdown":
            responder.srespond(signal, 1)


def wait_subscribed(port, count):
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.time() + 60
    while time.time() < deadline:
        if client.pubsub_numsub("event-signal-pubsub")[0][1] >= count:
            return
        time.sleep(0.01)
    raise SystemExit("responders did not subscribe")


def percentile(samples, q):
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), -(-int(q * len(ordered) * 1000) // 1000)))
    return ordered[rank - 1]


def exporter(port, k, n, external):
    if not external:
        for _ in range(k):
            responder = SignalResponder(redis_host="127.0.0.1", redis_port=port, log_level="ERROR")
            threading.Thread(target=serve, args=(responder,), daemon=True).start()
    wait_subscribed(port, k)
    exp = SignalExporter("bench", redis_host="127.0.0.1", redis_port=port, log_level="ERROR")
    started = time.perf_counter()
    rc = exp.initialize_and_wait(k, ["bench"], timeout=60)
    init_wait = time.perf_counter() - started
    if rc != 0:
        raise SystemExit("subscribers did not arrive")
    cpu = time.process_time()
    time.sleep(1)
    idle_cpu = time.process_time() - cpu
    # CPU while a publish waits: a subscriber that never answers, 1 s timeout.
    exp.subs.add("never-answers")
    cpu = time.process_time()
    exp.publish_signal("bench", sample=10**6, timeout=1)
    waiting_cpu = time.process_time() - cpu
    exp.subs.discard("never-answers")
    for i in range(2):
        exp.publish_signal("bench", sample=i + 1, timeout=10)
    samples, lost = [], 0
    cpu = time.process_time()
    loop_start = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        code, _ = exp.publish_signal("bench", sample=i + 1, timeout=10)
        samples.append(time.perf_counter() - t)
        lost += int(code == 2)
    total = time.perf_counter() - loop_start
    cpu_used = time.process_time() - cpu
    exp.shutdown()
    us = lambda s: round(s * 1e6, 1)
    print(json.dumps({
        "round_trip": {
            "p50_us": us(percentile(samples, 0.5)),
            "p90_us": us(percentile(samples, 0.9)),
            "p99_us": us(percentile(samples, 0.99)),
            "max_us": us(max(samples)),
        },
        "signals_per_s": round(n / total, 1),
        "init_wait_ms": round(init_wait * 1e3, 2),
        "cpu_per_signal_us": us(cpu_used / n),
        "idle_cpu_ms_per_s": round(idle_cpu * 1e3, 1),
        "waiting_cpu_ms_per_s": round(waiting_cpu * 1e3, 1),
        "lost_publishes": lost,
    }), flush=True)
    os._exit(0)  # responder threads block in listen()


def responder(port):
    r = SignalResponder(redis_host="127.0.0.1", redis_port=port, log_level="ERROR")
    print("ready", flush=True)
    serve(r)


def ctrl_c(port):
    r = SignalResponder(redis_host="127.0.0.1", redis_port=port, log_level="ERROR")
    try:
        print("ready", flush=True)
        for _ in r.listen():
            pass
    except KeyboardInterrupt:
        print(time.time(), flush=True)
        os._exit(0)


if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "exporter":
        exporter(port, int(sys.argv[3]), int(sys.argv[4]), "--external" in sys.argv)
    elif mode == "ctrl-c":
        ctrl_c(port)
    else:
        responder(port)
