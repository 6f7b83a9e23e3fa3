"""state_signals_rs against a real Redis: the documented behaviour of the
state-signals 1.0.1 API, with exporters and responders in separate
processes (multiprocessing, forked after an exporter exists), and interop
with the real package in both directions.

Every wait synchronizes on something observable (a queue message from a
child that is subscribed, a subscriber count); no test sleeps.
"""

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap

import pytest
import redis

import state_signals_rs as state_signals

FORK = multiprocessing.get_context("fork")
EVENTS = ["benchmark-start", "benchmark-stop"]


def _answer(module_name, port, ready, responder_id=None, lock_tag=None):
    """A responder process: joins on `initialization`, answers ras 0 for
    tag "bad" and ras 1 with a message describing the signal otherwise,
    ends at `shutdown`."""
    module = __import__(module_name)
    kwargs = {"redis_port": port, "responder_name": "worker", "log_level": "WARNING"}
    if responder_id:
        kwargs["responder_id"] = responder_id
    responder = module.SignalResponder(**kwargs)
    if lock_tag:
        responder.lock_tag(lock_tag)
    ready.put(responder.responder_id)
    for sig in responder.listen():
        if sig.event == "initialization":
            responder.srespond(sig)
        elif sig.event == "shutdown":
            return
        elif sig.tag == "bad":
            responder.srespond(sig, 0, "refused tag bad")
        else:
            detail = f"{sig.event} sample={sig.sample_no} tag={sig.tag} meta={json.dumps(sig.metadata)}"
            responder.srespond(sig, 1, detail)


def start_responder(port, module_name="state_signals_rs", **kwargs):
    """Starts a responder process; returns it and its responder id once it
    is subscribed."""
    ready = FORK.Queue()
    proc = FORK.Process(target=_answer, args=(module_name, port, ready), kwargs=kwargs, daemon=True)
    proc.start()
    return proc, ready.get(timeout=30)


def exporter(port, name="bench", **kwargs):
    return state_signals.SignalExporter(name, redis_port=port, log_level="WARNING", **kwargs)


def test_publish_round_trip_with_metadata_across_processes(redis_port):
    exp = exporter(redis_port)  # exists before the responder's process is forked
    proc, rid = start_responder(redis_port)
    assert exp.initialize_and_wait(1, EVENTS, timeout=30) == 0
    assert rid in exp.subs and rid.startswith("worker-") and rid.endswith("-resp")
    code, msgs = exp.publish_signal("benchmark-start", sample=0, metadata={"iteration": 3})
    assert code == state_signals.ResultCodes.ALL_SUBS_SUCCESS
    assert msgs == {rid: 'benchmark-start sample=0 tag=No tag specified meta={"iteration": 3}'}
    code, _ = exp.publish_signal("benchmark-stop", tag="run-1")
    assert code == 0
    exp.shutdown()
    proc.join(timeout=30)
    assert proc.exitcode == 0
    assert len(exp.subs) == 0


def test_periodic_initialization_reaches_a_responder_that_starts_late(redis_port):
    exp = exporter(redis_port)
    # The responder starts after the first initialization was published.
    exp.initialize(EVENTS)
    assert len(exp.subs) == 0
    proc, rid = start_responder(redis_port)
    assert exp.initialize_and_wait(1, EVENTS, timeout=30, periodic=True) == 0
    assert rid in exp.subs
    exp.shutdown()
    proc.join(timeout=30)


def test_illegal_and_reserved_events_raise_the_packages_value_errors(redis_port):
    exp = exporter(redis_port)
    assert exp.initialize_and_wait(0, EVENTS) == 0
    with pytest.raises(ValueError) as error:
        exp.publish_signal("benchmark-pause")
    assert str(error.value) == (
        "Event benchmark-pause not one of legal events: ['benchmark-start', 'benchmark-stop']"
    )
    with pytest.raises(ValueError) as error:
        exp.publish_signal("initialization")
    assert str(error.value) == (
        "Please use the 'initialize()' method for publishing 'initialization' signals"
    )
    with pytest.raises(ValueError) as error:
        exp.publish_signal("shutdown")
    assert str(error.value) == "Please use the 'shutdown()' method for 'shutdown' signals"
    # Floats are a documented extension (the package takes ints only).
    with pytest.raises(TypeError):
        exp.publish_signal("benchmark-start", timeout="1.5")
    with pytest.raises(TypeError):
        exp.initialize("benchmark-start")
    # No subscribers: 0 at once.
    assert exp.publish_signal("benchmark-start") == (0, {})


def test_a_failed_answer_gives_1_with_its_message(redis_port):
    exp = exporter(redis_port)
    proc, rid = start_responder(redis_port)
    assert exp.initialize_and_wait(1, EVENTS, timeout=30) == 0
    assert exp.publish_signal("benchmark-start", tag="bad") == (1, {rid: "refused tag bad"})
    assert exp.last_failed == {rid}
    exp.shutdown()
    proc.join(timeout=30)


def test_a_fake_subscriber_gives_2_and_the_real_message_is_kept(redis_port):
    exp = exporter(redis_port)
    proc, rid = start_responder(redis_port)
    assert exp.initialize_and_wait(1, EVENTS, timeout=30) == 0
    exp.subs.add("fake-subscriber")
    assert exp.subs == {rid, "fake-subscriber"}
    code, msgs = exp.publish_signal("benchmark-start", timeout=1)
    assert code == state_signals.ResultCodes.MISSING_RESPONSE
    assert msgs[rid].startswith("benchmark-start")
    assert exp.last_missing == {"fake-subscriber"}
    exp.subs = {rid}  # assignable, as Python users do
    assert exp.publish_signal("benchmark-stop")[0] == 0
    exp.subs.discard(rid)
    assert exp.publish_signal("benchmark-stop") == (0, {})
    exp.shutdown()
    proc.join(timeout=30)


def test_an_initialization_timeout_returns_1(redis_port):
    exp = exporter(redis_port)
    assert exp.initialize_and_wait(1, EVENTS, timeout=1) == 1
    assert exp.init_listener.is_alive()
    exp.shutdown()
    assert not exp.init_listener.is_alive()


def test_an_existing_redis_conn_is_read_for_its_parameters(redis_port):
    admin = redis.Redis(port=redis_port)
    admin.config_set("requirepass", "pw#1/@")
    conn = redis.Redis(port=redis_port, password="pw#1/@", db=2)
    exp = state_signals.SignalExporter("bench", existing_redis_conn=conn, log_level="WARNING")
    assert exp.conn_type == "existing" and exp.redis is conn
    proc, rid = start_responder_with_password(redis_port, "pw#1/@")
    assert exp.initialize_and_wait(1, EVENTS, timeout=30) == 0
    assert exp.publish_signal("benchmark-start")[0] == 0
    exp.shutdown()
    proc.join(timeout=30)
    # Without the password: the server's refusal, as redis.ConnectionError.
    with pytest.raises(redis.ConnectionError, match="NOAUTH"):
        state_signals.SignalExporter("plain", redis_port=redis_port, log_level="CRITICAL")


def _answer_with_password(port, password, ready):
    conn = redis.Redis(port=port, password=password)
    responder = state_signals.SignalResponder(existing_redis_conn=conn, log_level="WARNING")
    assert responder.conn_type == "existing"
    ready.put(responder.responder_id)
    for sig in responder.listen():
        if sig.event == "shutdown":
            return
        responder.srespond(sig, None if sig.event == "initialization" else 1)


def start_responder_with_password(port, password):
    ready = FORK.Queue()
    proc = FORK.Process(target=_answer_with_password, args=(port, password, ready), daemon=True)
    proc.start()
    return proc, ready.get(timeout=30)


def test_locks_filter_signals(redis_port):
    exp = exporter(redis_port)
    proc, rid = start_responder(redis_port, lock_tag="mine")
    assert exp.initialize_and_wait(1, EVENTS, timeout=30, tag="mine") == 0
    # Filtered out by the lock: never answered.
    assert exp.publish_signal("benchmark-start", tag="other", timeout=1)[0] == 2
    code, msgs = exp.publish_signal("benchmark-start", tag="mine")
    assert code == 0 and "tag=mine" in msgs[rid]
    exp.shutdown(tag="mine")
    proc.join(timeout=30)
    responder = state_signals.SignalResponder(redis_port=redis_port, log_level="WARNING")
    responder.lock_id("someone")
    responder.lock_tag("t")
    responder.unlock()
    with pytest.raises(TypeError):
        responder.lock_tag(3)


def test_a_fixed_responder_id_satisfies_expected_resps(redis_port):
    exp = exporter(redis_port)
    proc, rid = start_responder(redis_port, responder_id="collector-7")
    assert rid == "collector-7"
    exp.initialize(EVENTS, expected_resps=["collector-7"])
    assert exp.subs == {"collector-7"}
    assert exp.publish_signal("benchmark-start")[0] == 0
    exp.shutdown()
    proc.join(timeout=30)


def test_unreachable_redis_raises_redis_connection_error():
    with pytest.raises(redis.ConnectionError):
        state_signals.SignalExporter("bench", redis_port=1, conn_timeout=1, log_level="CRITICAL")
    with pytest.raises(redis.ConnectionError):
        state_signals.SignalResponder(redis_port=1, conn_timeout=1, log_level="CRITICAL")


def _use_inherited(exp, out):
    try:
        exp.publish_signal("benchmark-start")
        out.put("no error")
    except RuntimeError as error:
        out.put(f"RuntimeError: {error}")


def test_an_object_used_across_a_fork_raises_runtime_error(redis_port):
    exp = exporter(redis_port)
    assert exp.initialize_and_wait(0, EVENTS) == 0
    out = FORK.Queue()
    child = FORK.Process(target=_use_inherited, args=(exp, out))
    child.start()
    message = out.get(timeout=30)
    child.join(timeout=30)
    assert message.startswith("RuntimeError: this SignalExporter was created in process"), message
    assert "objects do not cross a fork" in message
    # The parent's exporter still works after the fork.
    assert exp.publish_signal("benchmark-start") == (0, {})


@pytest.mark.parametrize("direction", ["rust-exporter", "package-exporter"])
def test_interop_with_the_python_package(redis_port, direction):
    import state_signals as package

    if direction == "rust-exporter":
        exp = exporter(redis_port)
        proc, rid = start_responder(redis_port, module_name="state_signals")
    else:
        exp = package.SignalExporter("bench", redis_port=redis_port, log_level="WARNING")
        proc, rid = start_responder(redis_port)
    assert exp.initialize_and_wait(1, EVENTS, timeout=30) == 0
    code, msgs = exp.publish_signal("benchmark-start", sample=4, metadata={"k": "v"})
    assert code == 0
    assert msgs == {rid: 'benchmark-start sample=4 tag=No tag specified meta={"k": "v"}'}
    exp.shutdown()
    proc.join(timeout=30)
    assert proc.exitcode == 0


def test_ctrl_c_interrupts_a_wait(redis_port):
    script = textwrap.dedent(
        f"""
        import sys, state_signals_rs
        responder = state_signals_rs.SignalResponder(redis_port={redis_port}, log_level="WARNING")
        try:
            print("listening", flush=True)
            for _ in responder.listen():
                pass
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(3)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "listening"
    # Subscribed: the responder is in its wait now or about to be.
    child.send_signal(signal.SIGINT)
    assert child.wait(timeout=30) == 3
    assert child.stdout.readline().strip() == "interrupted"


def test_signal_and_response_are_the_packages_dataclasses():
    sig = state_signals.Signal("p", "proc", "e", "host")
    assert (sig.sample_no, sig.tag, sig.metadata) == (-1, "No tag specified", None)
    assert json.loads(sig.to_json_str()) == {
        "publisher_id": "p", "process_name": "proc", "event": "e",
        "runner_host": "host", "sample_no": -1, "tag": "No tag specified",
    }
    with pytest.raises(TypeError):
        state_signals.Signal("p", "proc", "e", "host", sample_no="zero")
    resp = state_signals.Response("r", "p", "e")
    assert json.loads(resp.to_json_str()) == {"responder_id": "r", "publisher_id": "p", "event": "e"}
    assert [c.name for c in state_signals.ResultCodes] == [
        "ALL_SUBS_SUCCESS", "SUB_FAILED", "MISSING_RESPONSE",
    ]


def test_logger_names_are_the_packages(redis_port):
    exp = exporter(redis_port, name="fio")
    assert exp.logger.name == "state-signals.SignalExporter.fio"
    assert exp.conn_type == "new" and exp.redis.ping()
    with pytest.raises(ValueError):
        state_signals.SignalExporter("x", redis_port=redis_port, log_level="LOUD")


def test_the_gil_is_released_while_a_publish_waits(redis_port):
    import threading

    exp = exporter(redis_port)
    exp.initialize(EVENTS, expected_resps=["late-answerer"])
    wire = redis.Redis(port=redis_port).pubsub()
    wire.subscribe("event-signal-pubsub")
    assert wire.get_message(timeout=30)["type"] == "subscribe"
    result = {}
    waiting = threading.Thread(
        target=lambda: result.update(report=exp.publish_signal("benchmark-start", timeout=-1))
    )
    waiting.start()
    # This thread runs Python (redis-py) while the other one waits for the
    # answer it gives: it could not if the wait held the GIL.
    message = wire.get_message(timeout=30)
    while message is None or message["type"] != "message":
        message = wire.get_message(timeout=30)
    publisher_id = json.loads(message["data"])["publisher_id"]
    answer = {"responder_id": "late-answerer", "publisher_id": publisher_id,
              "event": "benchmark-start", "ras": 1, "message": "answered meanwhile"}
    redis.Redis(port=redis_port).publish("event-signal-response", json.dumps(answer))
    waiting.join(timeout=30)
    assert not waiting.is_alive()
    assert result["report"] == (0, {"late-answerer": "answered meanwhile"})
