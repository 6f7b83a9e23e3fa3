"""A drop-in for the ``state-signals`` package (1.0.1), built on the
``state-signals`` Rust library.

``import state_signals_rs as state_signals`` is the whole migration: the
classes, functions, argument names and defaults, exceptions and logger
names are the package's. What changes is underneath: waits are event
driven (a publish returns as soon as the last answer arrives instead of on
a 100 ms polling tick, and an initialized exporter uses no CPU), the GIL is
released while waiting, Ctrl-C interrupts a wait, and the connection is
re-established and re-subscribed after a drop.

Differences worth knowing:

- Redis >= 6 (the library speaks RESP3) and Python >= 3.9.
- Objects do not cross a ``fork``: an exporter or responder used in a
  process other than the one that created it raises ``RuntimeError``.
- ``sample=0`` is sent as 0 (the package sends -1 for it).
- ``existing_redis_conn`` is read for its connection parameters (host,
  port, db, username, password, unix socket path, SSL with its CA and
  client certificate files, or no verification); this module opens its own
  connection from them. Timeouts, client names, retry policies and
  connection-pool settings of that client are not carried over.
- Timeouts also take non-negative floats and ``float("inf")``; NaN and
  negative values other than -1 are a ``ValueError``.
- A second thread iterating ``listen()`` of a responder that another
  thread is waiting in gets ``ValueError: generator already executing``.
- The Rust library's own logs (a lost connection, a reconnection) go to
  ``logging`` under ``state-signals.<module>`` loggers.
"""

import collections.abc
import json
import logging
import platform
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple, Union
from urllib.parse import quote

from . import _native

try:  # `except redis.ConnectionError` in user code keeps working.
    import redis as _redis
except ImportError:  # pragma: no cover - redis-py is optional
    _redis = None

__all__ = [
    "ResultCodes",
    "Signal",
    "Response",
    "SignalExporter",
    "SignalResponder",
]

_DEFAULT_TAG = "No tag specified"


def _create_logger(class_name: str, process_name: str, log_level: str) -> logging.Logger:
    """The package's logger: ``state-signals.<class>.<name>``, with a
    stream handler at ``log_level``."""
    logger = logging.getLogger("state-signals").getChild(class_name).getChild(process_name)
    try:
        logger.setLevel(log_level)
        handler = logging.StreamHandler()
        handler.setLevel(log_level)
        handler.setFormatter(
            logging.Formatter("%(asctime)s - %(name)s - %(levelname)s - %(message)s")
        )
        logger.addHandler(handler)
    except ValueError:
        raise ValueError("Legal log levels: [DEBUG, INFO, WARNING, ERROR, CRITICAL]")
    return logger


def _connection_error(error: Exception) -> Exception:
    """``redis.ConnectionError`` when redis-py is importable."""
    if _redis is not None:
        return _redis.ConnectionError(str(error))
    return ConnectionError(str(error))


class ResultCodes(IntEnum):
    """What ``publish_signal`` returns first."""

    ALL_SUBS_SUCCESS = 0
    SUB_FAILED = 1
    MISSING_RESPONSE = 2


#: ``ResultCodes`` by value, without the enum's call on the hot path.
_RESULT_CODES = tuple(ResultCodes)


def _check_fields(obj: Any, optional: Tuple[str, ...]) -> None:
    for name, kind in obj.__annotations__.items():
        if name in optional:
            kind = kind.__args__
        if not isinstance(obj.__dict__[name], kind):
            raise TypeError(
                f"The field {name} should be type {kind}, not {type(obj.__dict__[name])}"
            )


@dataclass
class Signal:
    """A state signal, as the exporter publishes it."""

    publisher_id: str
    process_name: str
    event: str
    runner_host: str
    sample_no: int = -1
    tag: str = _DEFAULT_TAG
    metadata: Optional[Dict] = None

    def __post_init__(self) -> None:
        _check_fields(self, ("metadata",))

    def to_json_str(self) -> str:
        """The signal's JSON (without ``metadata`` when it is ``None``)."""
        payload = {k: v for k, v in self.__dict__.items() if not (k == "metadata" and v is None)}
        return json.dumps(payload)


@dataclass
class Response:
    """A responder's answer to a signal."""

    responder_id: str
    publisher_id: str
    event: str
    ras: Optional[int] = None
    message: Optional[str] = None

    def __post_init__(self) -> None:
        _check_fields(self, ("ras", "message"))

    def to_json_str(self) -> str:
        """The response's JSON (without ``ras`` / ``message`` when ``None``)."""
        payload = {
            k: v
            for k, v in self.__dict__.items()
            if not (k in ("ras", "message") and v is None)
        }
        return json.dumps(payload)


def _target(existing: Any, host: str, port: int) -> Tuple[str, Dict[str, Any]]:
    """A URL (and TLS material) for a host and port, or for the connection
    parameters of a redis-py client."""
    if existing is None:
        return f"redis://{_host(host)}:{port}/0", {}
    pool = existing.connection_pool
    kwargs = pool.connection_kwargs
    user, password = kwargs.get("username"), kwargs.get("password")
    db = kwargs.get("db", 0) or 0
    if kwargs.get("path"):
        query = [f"db={db}"]
        if user:
            query.append(f"user={quote(user, safe='')}")
        if password is not None:
            query.append(f"pass={quote(password, safe='')}")
        return f"unix://{kwargs['path']}?{'&'.join(query)}", {}
    auth = ""
    if user or password is not None:
        auth = quote(user or "", safe="")
        if password is not None:
            auth += ":" + quote(password, safe="")
        auth += "@"
    ssl = pool.connection_class.__name__ == "SSLConnection" or bool(kwargs.get("ssl"))
    scheme = "rediss" if ssl else "redis"
    tls: Dict[str, Any] = {}
    if ssl:
        if kwargs.get("ssl_ca_certs"):
            with open(kwargs["ssl_ca_certs"], "rb") as f:
                tls["ca_pem"] = f.read()
        if kwargs.get("ssl_certfile") and kwargs.get("ssl_keyfile"):
            with open(kwargs["ssl_certfile"], "rb") as c, open(kwargs["ssl_keyfile"], "rb") as k:
                tls["client_pem"] = (c.read(), k.read())
        if kwargs.get("ssl_cert_reqs") in (None, "none", 0):
            tls["insecure"] = True
    host = kwargs.get("host", "localhost")
    port = kwargs.get("port", 6379)
    return f"{scheme}://{auth}{_host(host)}:{port}/{db}", tls


def _redis_client(existing: Any, host: str, port: int) -> Any:
    """The package's ``.redis`` attribute: the caller's client, or a
    redis-py client for host and port (not connected until used; ``None``
    without redis-py). This module does not use it."""
    if existing is not None or _redis is None:
        return existing
    return _redis.Redis(host=host, port=port, db=0)


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


#: At least this many seconds (about 31 years) is "practically never".
_NEVER = 1e9


def _seconds(name: str, timeout: Union[int, float]) -> Optional[float]:
    """A timeout argument, in seconds; ``None`` for no timeout.

    The package's ints (any size; ``-1``: no timeout) and, as an
    extension, non-negative floats and ``float("inf")``. NaN and other
    negative values are a ``ValueError`` naming the argument; anything else
    a ``TypeError``."""
    if not isinstance(timeout, (int, float)):
        raise TypeError(f"'{name}' arg must be an int value")
    if timeout == -1:
        return None
    if timeout != timeout:
        raise ValueError(f"'{name}' must be a number of seconds (or -1 for none), not NaN")
    if timeout < 0:
        raise ValueError(f"'{name}' must be at least 0 seconds (or -1 for none), not {timeout}")
    if timeout >= _NEVER:
        return None
    return float(timeout)


def _count(name: str, count: int) -> int:
    """A count as the package takes it: any int; below 0 is 0, and more
    than can ever subscribe is as good as the largest count."""
    if not isinstance(count, int):
        raise TypeError(f"'{name}' arg must be an int value")
    return max(0, min(count, 2**63 - 1))


def _native_seconds(name: str, timeout: Union[int, float]) -> float:
    """``_seconds`` for the native constructors: ``-1.0`` is no timeout."""
    seconds = _seconds(name, timeout)
    return -1.0 if seconds is None else seconds


def _valid_str_list(names: Any) -> bool:
    return bool(names) and isinstance(names, list) and all(isinstance(n, str) for n in names)


class _SubscriberSet(collections.abc.MutableSet):
    """A live view of an exporter's subscriber set: ``add``, ``discard``,
    ``remove``, ``clear``, ``in``, ``len`` and iteration act on the set the
    exporter waits for."""

    def __init__(self, native: "_native.Exporter") -> None:
        self._native = native

    def __contains__(self, responder_id: object) -> bool:
        return responder_id in self._native.subscribers()

    def __iter__(self) -> Iterator[str]:
        return iter(self._native.subscribers())

    def __len__(self) -> int:
        return len(self._native.subscribers())

    def add(self, responder_id: str) -> None:
        self._native.add_subscriber(responder_id)

    def discard(self, responder_id: str) -> None:
        self._native.remove_subscriber(responder_id)

    def copy(self) -> set:
        return set(self)

    def __repr__(self) -> str:
        return repr(set(self))


class _InitListener:
    """What the package's ``init_listener`` thread was: alive while the
    exporter accepts subscribers (no thread here: nothing polls)."""

    def __init__(self, native: "_native.Exporter") -> None:
        self._native = native

    def is_alive(self) -> bool:
        return self._native.is_initialized()

    def stop(self) -> None:
        """Kept for compatibility; ``shutdown()`` stops accepting subscribers."""

    def join(self, timeout: Optional[float] = None) -> None:
        """Kept for compatibility; returns at once."""


class _Client:
    """What exporters and responders share: the connection attributes the
    package has, and its exception for connection failures."""

    def _connect(self, existing: Any, host: str, port: int, make: Any) -> Any:
        """Sets ``failed_conn_attempts``, ``conn_type`` and ``redis``, then
        returns ``make(url, tls)``: the native object, connected."""
        self.failed_conn_attempts = 0
        self.conn_type = "existing" if existing else "new"
        self.redis = _redis_client(existing, host, port)
        url, tls = _target(existing, host, port)
        try:
            return make(url, tls)
        except ConnectionError as error:
            self.logger.debug(f"Failed to connect to redis: {error}")
            raise _connection_error(error) from None

    @staticmethod
    def _call(method: Any, *args: Any) -> Any:
        """``method(*args)``, a connection failure as the package raises it."""
        try:
            return method(*args)
        except ConnectionError as error:
            raise _connection_error(error) from None


class SignalExporter(_Client):
    """Publishes state signals and waits for its subscribers' answers."""

    def __init__(
        self,
        process_name: str,
        existing_redis_conn: Any = None,
        redis_host: str = "localhost",
        redis_port: int = 6379,
        runner_host: str = platform.node(),
        conn_timeout: int = 20,
        log_level: str = "INFO",
    ) -> None:
        self.logger = _create_logger("SignalExporter", process_name, log_level)
        self.proc_name = process_name
        self.runner_host = runner_host
        self._native = self._connect(
            existing_redis_conn,
            redis_host,
            redis_port,
            lambda url, tls: _native.Exporter(
                process_name, url, runner_host, _native_seconds("conn_timeout", conn_timeout), **tls
            ),
        )
        self.pub_id = self._native.pub_id
        self.init_listener: Optional[_InitListener] = None
        self.legal_events: Optional[List[str]] = None
        #: Who answered with another ras than 1 at the last publish.
        self.last_failed: set = set()
        #: Who did not answer at the last publish.
        self.last_missing: set = set()

    @property
    def subs(self) -> _SubscriberSet:
        """The subscriber set (a live view: editing it edits the set)."""
        return _SubscriberSet(self._native)

    @subs.setter
    def subs(self, responder_ids: Any) -> None:
        wanted = set(responder_ids)
        current = set(self._native.subscribers())
        for gone in current - wanted:
            self._native.remove_subscriber(gone)
        for new in wanted - current:
            self._native.add_subscriber(new)

    def _signal(self, event: str, sample: int, tag: Optional[str], metadata: Any) -> Signal:
        """Checks the arguments' types as the package's ``Signal`` does."""
        return Signal(
            self.pub_id,
            self.proc_name,
            event,
            self.runner_host,
            sample,
            tag if tag else _DEFAULT_TAG,
            metadata if metadata else None,
        )

    def initialize(
        self, legal_events: List[str], tag: str = None, expected_resps: List[str] = None
    ) -> None:
        """Subscribes to answers, publishes ``initialization``, and accepts
        every responder that answers it as a subscriber."""
        self._check_init(legal_events, expected_resps)
        self.legal_events = legal_events
        self._call(self._native.initialize, legal_events, tag or None, expected_resps or None)
        self.init_listener = _InitListener(self._native)
        self.logger.debug("Initialization successful!")

    def initialize_and_wait(
        self,
        await_sub_count: int,
        legal_events: List[str],
        tag: str = None,
        expected_resps: List[str] = None,
        timeout: int = 60,
        periodic: bool = False,
    ) -> int:
        """``initialize``, then waits for ``await_sub_count`` subscribers
        (republishing ``initialization`` every second with ``periodic``):
        0 when they came, 1 on timeout (-1: no timeout)."""
        self._check_init(legal_events, expected_resps)
        seconds = _seconds("timeout", timeout)
        count = _count("await_sub_count", await_sub_count)
        self.legal_events = legal_events
        code = self._call(
            self._native.initialize_and_wait,
            count,
            legal_events,
            tag or None,
            expected_resps or None,
            seconds,
            periodic,
        )
        self.init_listener = _InitListener(self._native)
        if code:
            self.logger.error(
                f"Timeout after waiting {timeout} seconds for {await_sub_count} subs, "
                f"got {len(self.subs)}"
            )
        return code

    def publish_signal(
        self,
        event: str,
        sample: int = -1,
        tag: str = None,
        metadata: Dict = None,
        timeout: int = 20,
    ) -> Tuple[int, Dict[str, str]]:
        """Publishes a legal event and waits for every subscriber's answer
        (-1: no timeout). Returns a ``ResultCodes`` and the answers'
        messages by responder id."""
        seconds = _seconds("timeout", timeout)
        initialized = self._native.is_initialized()
        if not initialized:
            self.logger.warning(
                "Exporter is not initialized, not accepting subscribers and no event checking"
            )
        if event == "initialization":
            raise ValueError(
                "Please use the 'initialize()' method for publishing 'initialization' signals"
            )
        if event == "shutdown":
            raise ValueError("Please use the 'shutdown()' method for 'shutdown' signals")
        if initialized and event not in self.legal_events:
            raise ValueError(f"Event {event} not one of legal events: {self.legal_events}")
        tag = tag if tag else _DEFAULT_TAG
        metadata = metadata if metadata else None
        # The package's type checks (its `Signal` dataclass), without
        # building one when the types are plainly right: the hot path.
        if not (
            type(event) is str
            and type(sample) is int
            and type(tag) is str
            and (metadata is None or type(metadata) is dict)
        ):
            self._signal(event, sample, tag, metadata)
        metadata_json = json.dumps(metadata) if metadata is not None else None
        code, messages, failed, missing = self._call(
            self._native.publish, event, sample, tag, metadata_json, seconds
        )
        self.last_failed, self.last_missing = set(failed), set(missing)
        for responder_id in failed:
            self.logger.warning(f"Tool '{responder_id}' returned bad response for event '{event}'")
        if missing:
            self.logger.error(f"Timeout after waiting {timeout} seconds for sub response")
        if self.logger.isEnabledFor(logging.DEBUG):
            self.logger.debug(f"Signal published for event {event}")
        return _RESULT_CODES[code], dict(messages)

    def shutdown(self, tag: str = None) -> None:
        """Stops accepting subscribers, clears the set, publishes ``shutdown``."""
        self._call(self._native.shutdown, tag or None)
        self.logger.debug("Shutdown successful!")

    @staticmethod
    def _check_init(legal_events: Any, expected_resps: Any) -> None:
        if not _valid_str_list(legal_events):
            raise TypeError("'legal_events' arg must be a list of string event names")
        if expected_resps and not _valid_str_list(expected_resps):
            raise TypeError("'expected_resps' arg must be a list of string hostnames")


class SignalResponder(_Client):
    """Receives state signals and answers them."""

    def __init__(
        self,
        existing_redis_conn: Any = None,
        redis_host: str = "localhost",
        redis_port: int = 6379,
        responder_name: str = platform.node(),
        conn_timeout: int = 20,
        log_level: str = "INFO",
        responder_id: Optional[str] = None,
    ) -> None:
        """``responder_id`` (not in the package): a fixed id instead of
        ``<responder_name>-<uuid4>-resp``, so that an exporter's
        ``expected_resps`` can name this responder."""
        self.logger = _create_logger("SignalResponder", responder_name, log_level)
        self._native = self._connect(
            existing_redis_conn,
            redis_host,
            redis_port,
            lambda url, tls: _native.Responder(
                url, responder_name, responder_id, _native_seconds("conn_timeout", conn_timeout), **tls
            ),
        )
        self.responder_id = self._native.responder_id
        self._locked_id: Optional[str] = None
        self._locked_tag: Optional[str] = None

    def listen(self) -> Iterator[Signal]:
        """Yields every well-formed signal that passes the locks; malformed
        payloads are logged and skipped. Ctrl-C interrupts the wait."""
        while True:
            item = self._native.next_signal()
            if item is None:
                return
            publisher_id, process_name, event, runner_host, sample_no, tag, metadata = item
            yield Signal(
                publisher_id,
                process_name,
                event,
                runner_host,
                sample_no,
                tag,
                json.loads(metadata) if metadata is not None else None,
            )

    def respond(
        self, publisher_id: str, event: str, ras: int = None, message: str = None
    ) -> None:
        """Publishes a response to ``publisher_id``'s ``event`` (``ras`` is
        needed for every event but ``initialization``)."""
        Response(self.responder_id, publisher_id, event, ras, message)  # type checks
        self._call(self._native.respond, publisher_id, event, ras, message)
        self.logger.debug(f"Published response for event {event} from {publisher_id}")

    def srespond(self, signal: Signal, ras: int = None, message: str = None) -> None:
        """Answers ``signal`` (naming its sample and tag, so that a late
        answer is never counted for a later signal)."""
        Response(self.responder_id, signal.publisher_id, signal.event, ras, message)
        self._call(
            self._native.respond,
            signal.publisher_id,
            signal.event,
            ras,
            message,
            signal.sample_no,
            signal.tag,
        )
        self.logger.debug(
            f"Published response for event {signal.event} from {signal.publisher_id}"
        )

    def lock_id(self, publisher_id: str) -> None:
        """Only yields signals from ``publisher_id``."""
        if not isinstance(publisher_id, str):
            raise TypeError("Unsuccessful lock, 'publisher_id' must be type str")
        self._locked_id = publisher_id
        self._native.lock_id(publisher_id)
        self.logger.debug(f"Locked onto id: {publisher_id}")

    def lock_tag(self, tag: str) -> None:
        """Only yields signals tagged ``tag``."""
        if not isinstance(tag, str):
            raise TypeError("Unsuccessful lock, 'tag' must be type str")
        self._locked_tag = tag
        self._native.lock_tag(tag)
        self.logger.debug(f"Locked onto tag: {tag}")

    def unlock(self) -> None:
        """Releases both locks."""
        self.logger.debug(
            f"Released locks on tag '{self._locked_tag}' and published_id '{self._locked_id}'"
        )
        self._locked_id = None
        self._locked_tag = None
        self._native.unlock()
