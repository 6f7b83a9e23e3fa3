"""A Python state-signals 1.0.1 responder driven by the Rust interop tests.

argv[1] is a JSON object: {"port", "tls_ca"? (a CA file: connect over TLS), "name", "lock_tag"?, "lock_id"?,
"module"? (the package to import, default "state_signals"; "state_signals_rs" for the drop-in),
"ras"?: {event: int}, "message"?: {event: str}}. It prints JSON lines on
stdout: {"ready": responder_id} once subscribed, then {"signal": {...}} for
every signal it yields; it answers initialization with srespond(signal) (no
ras), every other event with ras (default 1) and message, and exits after a
shutdown signal.
"""
import importlib
import json
import sys

config = json.loads(sys.argv[1])
SignalResponder = importlib.import_module(config.get("module", "state_signals")).SignalResponder
if config.get("tls_ca"):
    # Over TLS: a redis-py client handed in as `existing_redis_conn`.
    import redis

    conn = redis.Redis(
        host="127.0.0.1", port=config["port"], ssl=True, ssl_ca_certs=config["tls_ca"]
    )
    responder = SignalResponder(
        existing_redis_conn=conn, responder_name=config["name"], log_level="WARNING"
    )
else:
    responder = SignalResponder(
        redis_host="127.0.0.1",
        redis_port=config["port"],
        responder_name=config["name"],
        log_level="WARNING",
    )
if config.get("lock_tag"):
    responder.lock_tag(config["lock_tag"])
if config.get("lock_id"):
    responder.lock_id(config["lock_id"])


def emit(obj):
    print(json.dumps(obj), flush=True)


emit({"ready": responder.responder_id})
for signal in responder.listen():
    emit({"signal": signal.__dict__})
    if signal.event == "initialization":
        responder.srespond(signal)
    elif signal.event == "shutdown":
        break
    else:
        ras = config.get("ras", {}).get(signal.event, 1)
        message = config.get("message", {}).get(signal.event)
        responder.srespond(signal, ras, message)
