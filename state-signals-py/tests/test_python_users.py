"""What a Python developer meets beyond the package's own API: threads,
huge or odd timeouts, the library's logs in ``logging``, and types for
mypy. Each case failed on the module before it was fixed (a frozen
interpreter, a ``PanicException``, no record, no ``py.typed``)."""

import logging
import math
import os
import queue
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest
import redis

import state_signals_rs as state_signals

EVENTS = ["benchmark-start", "benchmark-stop"]


@pytest.mark.parametrize("threads", [2, 4])
def test_concurrent_listens_are_refused_and_the_first_keeps_serving(redis_port, threads):
    # In a child process: a frozen interpreter fails the test by its
    # timeout instead of hanging the suite.
    script = textwrap.dedent(
        f"""
        import threading, state_signals_rs as ss
        responder = ss.SignalResponder(redis_port={redis_port}, log_level="WARNING")
        refused, served = [], []
        def listen():
            try:
                for sig in responder.listen():
                    if sig.event == "shutdown":
                        return
                    responder.srespond(sig, 1, f"served {{sig.event}}")
                    served.append(sig.event)
            except ValueError as error:
                refused.append(str(error))
        workers = [threading.Thread(target=listen) for _ in range({threads})]
        for w in workers:
            w.start()
        # One of them waits for a signal, holding the stream; the others
        # are refused at once (observed before anything is published). The
        # main thread keeps running Python meanwhile.
        for _ in range(3000):
            if len(refused) == {threads} - 1:
                break
            threading.Event().wait(0.01)
        assert refused == ["generator already executing"] * ({threads} - 1), refused
        # It drives an exporter that the remaining thread answers.
        exp = ss.SignalExporter("bench", redis_port={redis_port}, log_level="WARNING")
        assert exp.initialize_and_wait(1, ["benchmark-start"], timeout=30) == 0
        assert exp.publish_signal("benchmark-start", timeout=30) == (0, {{responder.responder_id: "served benchmark-start"}})
        exp.shutdown()
        for w in workers:
            w.join(timeout=30)
            assert not w.is_alive()
        assert served == ["initialization", "benchmark-start"], served
        print("ok", flush=True)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_huge_and_infinite_timeouts_wait_as_long_as_it_takes(redis_port):
    responder = state_signals.SignalResponder(
        redis_port=redis_port, log_level="WARNING", conn_timeout=10**30
    )
    answered = []

    def serve():
        for sig in responder.listen():
            if sig.event == "shutdown":
                return
            responder.srespond(sig, 1, "ok")
            answered.append(sig.event)

    worker = threading.Thread(target=serve)
    worker.start()
    exp = state_signals.SignalExporter(
        "bench", redis_port=redis_port, log_level="WARNING", conn_timeout=float("inf")
    )
    assert exp.initialize_and_wait(1, EVENTS, timeout=10**30) == 0
    assert exp.publish_signal("benchmark-start", timeout=float("inf"))[0] == 0
    assert exp.publish_signal("benchmark-stop", timeout=2**64)[0] == 0
    assert exp.publish_signal("benchmark-start", timeout=2.5)[0] == 0
    exp.shutdown()
    worker.join(timeout=30)
    assert answered == ["initialization", "benchmark-start", "benchmark-stop", "benchmark-start"]


@pytest.mark.parametrize("bad", [float("nan"), -2, -0.5, float("-inf")])
def test_nan_and_negative_timeouts_are_value_errors_naming_the_argument(redis_port, bad):
    exp = state_signals.SignalExporter("bench", redis_port=redis_port, log_level="WARNING")
    with pytest.raises(ValueError, match="'timeout'"):
        exp.initialize_and_wait(0, EVENTS, timeout=bad)
    with pytest.raises(ValueError, match="'timeout'"):
        exp.publish_signal("benchmark-start", timeout=bad)
    with pytest.raises(ValueError, match="'conn_timeout'"):
        state_signals.SignalResponder(redis_port=redis_port, conn_timeout=bad)
    with pytest.raises(TypeError, match="'timeout' arg must be an int value"):
        exp.publish_signal("benchmark-start", timeout="20")


NUMBERS = [0, 1, -1, -2, 2**31, 2**63, 2**64, 10**30, -(10**30), 0.5, -0.0, 1e20, 1e308,
           float("inf"), float("-inf"), float("nan"), True]


def test_no_numeric_argument_panics(redis_port):
    """Every numeric argument of the public API, with extreme values: a
    result or an ordinary exception (ValueError, TypeError, OverflowError,
    a connection error for a zero connect timeout) — never the
    ``PanicException`` that ``except Exception`` does not catch."""
    exp = state_signals.SignalExporter("bench", redis_port=redis_port, log_level="CRITICAL")
    exp.initialize(EVENTS)
    responder = state_signals.SignalResponder(redis_port=redis_port, log_level="CRITICAL")
    calls = {
        "SignalExporter(conn_timeout)": lambda v: state_signals.SignalExporter(
            "x", redis_port=redis_port, conn_timeout=v, log_level="CRITICAL"),
        "SignalResponder(conn_timeout)": lambda v: state_signals.SignalResponder(
            redis_port=redis_port, conn_timeout=v, log_level="CRITICAL"),
        "initialize_and_wait(count, timeout=0)": lambda v: exp.initialize_and_wait(
            v, EVENTS, timeout=0),
        "initialize_and_wait(0, timeout)": lambda v: exp.initialize_and_wait(0, EVENTS, timeout=v),
        "publish_signal(sample)": lambda v: exp.publish_signal("benchmark-start", sample=v, timeout=0),
        "publish_signal(timeout)": lambda v: exp.publish_signal("benchmark-start", timeout=v),
        "respond(ras)": lambda v: responder.respond(exp.pub_id, "benchmark-start", ras=v),
        "Signal(sample_no)": lambda v: state_signals.Signal("p", "n", "e", "h", sample_no=v),
        "Response(ras)": lambda v: state_signals.Response("r", "p", "e", ras=v),
    }
    panics = []
    for name, call in calls.items():
        for value in NUMBERS:
            try:
                call(value)
            except Exception:  # noqa: BLE001 - any ordinary exception is a fine answer
                pass
            except BaseException as error:  # noqa: BLE001 - the point of the test
                panics.append(f"{name} with {value!r}: {type(error).__name__}: {error}")
    assert panics == []


def _start_redis(port):
    return subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def _wait_up(port):
    client = redis.Redis(port=port)
    for _ in range(500):
        try:
            client.ping()
            return
        except redis.ConnectionError:
            time.sleep(0.02)
    pytest.fail(f"redis-server on port {port} did not come up")


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = queue.Queue()

    def emit(self, record):
        self.records.put(record)


def test_the_librarys_warnings_reach_python_logging(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not on PATH: install it (Debian: apt-get install redis-server)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = _Records()
    logging.getLogger().addHandler(handler)
    server = _start_redis(port)
    try:
        _wait_up(port)
        responder = state_signals.SignalResponder(redis_port=port, log_level="WARNING")
        server.kill()
        server.wait()
        server = _start_redis(port)
        _wait_up(port)
        deadline = time.monotonic() + 30
        while True:
            record = handler.records.get(timeout=max(0.0, deadline - time.monotonic()))
            if record.name.startswith("state-signals.") and record.levelno == logging.WARNING:
                break
        assert record.name.startswith("state-signals.transport"), record.name
        assert "connection" in record.getMessage(), record.getMessage()
        del responder
    finally:
        logging.getLogger().removeHandler(handler)
        server.kill()
        server.wait()


TYPICAL = """
import state_signals_rs as state_signals

def exporter() -> None:
    exp = state_signals.SignalExporter("fio", redis_host="localhost", redis_port=6379)
    code: int = exp.initialize_and_wait(2, ["start", "stop"], timeout=30.5, periodic=True)
    result, messages = exp.publish_signal("start", metadata={"block": 4}, timeout=float("inf"))
    for responder_id, message in messages.items():
        print(responder_id.upper(), message.lower(), result == state_signals.ResultCodes.ALL_SUBS_SUCCESS, code)
    exp.shutdown(tag="run-1")

def responder() -> None:
    resp = state_signals.SignalResponder(responder_name="collector", conn_timeout=-1)
    resp.lock_tag("run-1")
    for signal in resp.listen():
        resp.srespond(signal, 1, f"sample {signal.sample_no}")
        if signal.event == "shutdown":
            break
"""


WRONG = """
import state_signals_rs

state_signals_rs.SignalExporter("x").publish_signal(event=5)
"""


def test_mypy_strict_accepts_typical_use_and_reports_a_wrong_type(tmp_path):
    try:
        import mypy  # noqa: F401
    except ImportError:
        pytest.fail("mypy is not installed in the venv: pip install mypy")
    (tmp_path / "typical.py").write_text(TYPICAL)
    (tmp_path / "wrong.py").write_text(WRONG)
    package_root = os.path.dirname(os.path.dirname(state_signals.__file__))
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         "--cache-dir", str(tmp_path / "cache"),
         str(tmp_path / "typical.py"), str(tmp_path / "wrong.py")],
        capture_output=True, text=True, env=dict(os.environ, MYPYPATH=package_root),
        timeout=300,
    )
    errors = [line for line in out.stdout.splitlines() if ": error:" in line]
    assert [e for e in errors if "typical.py" in e] == [], out.stdout
    assert len(errors) == 1, out.stdout
    assert 'Argument "event" to "publish_signal" of "SignalExporter" has incompatible type "int"; expected "str"' in errors[0]


def test_the_package_ships_its_types():
    root = os.path.dirname(state_signals.__file__)
    for name in ("py.typed", "__init__.pyi", "_native.pyi"):
        assert os.path.exists(os.path.join(root, name)), name
