"""Fixtures: a redis-server of its own per test (pub/sub channels are
global to a server), on a free port."""

import shutil
import socket
import subprocess
import time

import pytest
import redis


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_port():
    """The port of a fresh redis-server, stopped after the test."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not on PATH: install it (Debian: apt-get install redis-server)")
    for _ in range(5):
        port = _free_port()
        server = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=port)
        for _ in range(200):
            if server.poll() is not None:
                break  # the port was taken: try another
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.02)
        if server.poll() is None:
            try:
                yield port
            finally:
                server.kill()
                server.wait()
            return
    pytest.fail("could not start redis-server on a free port")
