# The extension module under `state_signals_rs` (private: use the package's
# classes). Types for the type checker that reads `__init__.pyi`.
from typing import List, Optional, Tuple

SignalTuple = Tuple[str, str, str, str, int, str, Optional[str]]

class Exporter:
    def __init__(
        self,
        process_name: str,
        url: str,
        runner_host: Optional[str] = None,
        conn_timeout: float = 20.0,
        ca_pem: Optional[bytes] = None,
        client_pem: Optional[Tuple[bytes, bytes]] = None,
        insecure: bool = False,
    ) -> None: ...
    @property
    def pub_id(self) -> str: ...
    @property
    def runner_host(self) -> str: ...
    def is_initialized(self) -> bool: ...
    def subscribers(self) -> List[str]: ...
    def add_subscriber(self, responder_id: str) -> bool: ...
    def remove_subscriber(self, responder_id: str) -> bool: ...
    def initialize(
        self,
        legal_events: List[str],
        tag: Optional[str] = None,
        expected: Optional[List[str]] = None,
    ) -> None: ...
    def initialize_and_wait(
        self,
        count: int,
        legal_events: List[str],
        tag: Optional[str] = None,
        expected: Optional[List[str]] = None,
        timeout_s: Optional[float] = None,
        periodic: bool = False,
    ) -> int: ...
    def publish(
        self,
        event: str,
        sample: int = -1,
        tag: Optional[str] = None,
        metadata_json: Optional[str] = None,
        timeout_s: Optional[float] = None,
    ) -> Tuple[int, List[Tuple[str, str]], List[str], List[str]]: ...
    def shutdown(self, tag: Optional[str] = None) -> None: ...

class Responder:
    def __init__(
        self,
        url: str,
        name: Optional[str] = None,
        responder_id: Optional[str] = None,
        conn_timeout: float = 20.0,
        ca_pem: Optional[bytes] = None,
        client_pem: Optional[Tuple[bytes, bytes]] = None,
        insecure: bool = False,
    ) -> None: ...
    @property
    def responder_id(self) -> str: ...
    def next_signal(self) -> Optional[SignalTuple]: ...
    def respond(
        self,
        publisher_id: str,
        event: str,
        ras: Optional[int] = None,
        message: Optional[str] = None,
        sample_no: Optional[int] = None,
        tag: Optional[str] = None,
    ) -> None: ...
    def lock_id(self, publisher_id: str) -> None: ...
    def lock_tag(self, tag: str) -> None: ...
    def unlock(self) -> None: ...
