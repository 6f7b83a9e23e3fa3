# Types of the public API, for IDEs and type checkers. The signatures are
# the `state-signals` 1.0.1 package's; timeouts also take floats (a
# documented extension: non-negative seconds, or float("inf")).
import logging
from enum import IntEnum
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple, Union

from . import _native

__all__ = [
    "ResultCodes",
    "Signal",
    "Response",
    "SignalExporter",
    "SignalResponder",
]

Seconds = Union[int, float]

class ResultCodes(IntEnum):
    ALL_SUBS_SUCCESS = 0
    SUB_FAILED = 1
    MISSING_RESPONSE = 2

class Signal:
    publisher_id: str
    process_name: str
    event: str
    runner_host: str
    sample_no: int
    tag: str
    metadata: Optional[Dict[str, Any]]
    def __init__(
        self,
        publisher_id: str,
        process_name: str,
        event: str,
        runner_host: str,
        sample_no: int = -1,
        tag: str = "No tag specified",
        metadata: Optional[Dict[str, Any]] = None,
    ) -> None: ...
    def to_json_str(self) -> str: ...

class Response:
    responder_id: str
    publisher_id: str
    event: str
    ras: Optional[int]
    message: Optional[str]
    def __init__(
        self,
        responder_id: str,
        publisher_id: str,
        event: str,
        ras: Optional[int] = None,
        message: Optional[str] = None,
    ) -> None: ...
    def to_json_str(self) -> str: ...

class _InitListener:
    def is_alive(self) -> bool: ...
    def stop(self) -> None: ...
    def join(self, timeout: Optional[float] = None) -> None: ...

class _SubscriberSet:
    def __contains__(self, responder_id: object) -> bool: ...
    def __iter__(self) -> Iterator[str]: ...
    def __len__(self) -> int: ...
    def add(self, responder_id: str) -> None: ...
    def discard(self, responder_id: str) -> None: ...
    def remove(self, responder_id: str) -> None: ...
    def clear(self) -> None: ...
    def copy(self) -> Set[str]: ...

class SignalExporter:
    logger: logging.Logger
    proc_name: str
    runner_host: str
    pub_id: str
    redis: Any
    conn_type: str
    failed_conn_attempts: int
    init_listener: Optional[_InitListener]
    legal_events: Optional[List[str]]
    last_failed: Set[str]
    last_missing: Set[str]
    def __init__(
        self,
        process_name: str,
        existing_redis_conn: Any = None,
        redis_host: str = "localhost",
        redis_port: int = 6379,
        runner_host: str = ...,
        conn_timeout: Seconds = 20,
        log_level: str = "INFO",
    ) -> None: ...
    @property
    def subs(self) -> _SubscriberSet: ...
    @subs.setter
    def subs(self, responder_ids: Any) -> None: ...
    def initialize(
        self,
        legal_events: List[str],
        tag: Optional[str] = None,
        expected_resps: Optional[List[str]] = None,
    ) -> None: ...
    def initialize_and_wait(
        self,
        await_sub_count: int,
        legal_events: List[str],
        tag: Optional[str] = None,
        expected_resps: Optional[List[str]] = None,
        timeout: Seconds = 60,
        periodic: bool = False,
    ) -> int: ...
    def publish_signal(
        self,
        event: str,
        sample: int = -1,
        tag: Optional[str] = None,
        metadata: Optional[Dict[str, Any]] = None,
        timeout: Seconds = 20,
    ) -> Tuple[int, Dict[str, str]]: ...
    def shutdown(self, tag: Optional[str] = None) -> None: ...

class SignalResponder:
    logger: logging.Logger
    responder_id: str
    redis: Any
    conn_type: str
    failed_conn_attempts: int
    def __init__(
        self,
        existing_redis_conn: Any = None,
        redis_host: str = "localhost",
        redis_port: int = 6379,
        responder_name: str = ...,
        conn_timeout: Seconds = 20,
        log_level: str = "INFO",
        responder_id: Optional[str] = None,
    ) -> None: ...
    def listen(self) -> Iterator[Signal]: ...
    def respond(
        self,
        publisher_id: str,
        event: str,
        ras: Optional[int] = None,
        message: Optional[str] = None,
    ) -> None: ...
    def srespond(
        self, signal: Signal, ras: Optional[int] = None, message: Optional[str] = None
    ) -> None: ...
    def lock_id(self, publisher_id: str) -> None: ...
    def lock_tag(self, tag: str) -> None: ...
    def unlock(self) -> None: ...
