"""A Python state-signals 1.0.1 exporter driven by the Rust interop tests.

argv[1] is a JSON object: {"port", "tls_ca"? (a CA file: connect over TLS), "process", "await", "legal", "tag"?,
"expected"?, "timeout"?, "steps": [{"event", "sample"?, "tag"?, "metadata"?,
"timeout"?}]}. It prints JSON lines on stdout: {"publisher_id", "init",
"subs"} after initialize_and_wait, then {"event", "code", "msgs"} for every
step, and always shuts down.
"""
import json
import sys

from state_signals import SignalExporter

config = json.loads(sys.argv[1])
if config.get("tls_ca"):
    # Over TLS: a redis-py client handed in as `existing_redis_conn`.
    import redis

    conn = redis.Redis(
        host="127.0.0.1", port=config["port"], ssl=True, ssl_ca_certs=config["tls_ca"]
    )
    exporter = SignalExporter(config["process"], existing_redis_conn=conn, log_level="WARNING")
else:
    exporter = SignalExporter(
        config["process"],
        redis_host="127.0.0.1",
        redis_port=config["port"],
        log_level="WARNING",
    )


def emit(obj):
    print(json.dumps(obj), flush=True)


try:
    rc = exporter.initialize_and_wait(
        config["await"],
        config["legal"],
        tag=config.get("tag"),
        expected_resps=config.get("expected"),
        timeout=config.get("timeout", 10),
    )
    emit({"publisher_id": exporter.pub_id, "init": rc, "subs": sorted(exporter.subs)})
    for step in config["steps"]:
        code, msgs = exporter.publish_signal(
            step["event"],
            sample=step.get("sample", -1),
            tag=step.get("tag"),
            metadata=step.get("metadata"),
            timeout=step.get("timeout", 10),
        )
        emit({"event": step["event"], "code": int(code), "msgs": msgs})
finally:
    exporter.shutdown(tag=config.get("tag"))
