"""deploy/nginx/coopkg.conf in front of a live coopkg server (Debian's nginx on loopback): it
passes pages and queries on, holds slow clients, closes a request head that trickles past its
deadline, and refuses a big body before reading it."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import pytest
import requests
from nginx_proxy import NginxMissing, nginx_proxy
from sparql_server import free_port

SLOW_SOCKETS = 150
HEADER_DEADLINE = 10  # client_header_timeout in deploy/nginx/coopkg.conf


@pytest.fixture(scope="module")
def proxy(server, tmp_path_factory) -> Iterator[str]:
    upstream = int(server.url.rstrip("/").rsplit(":", 1)[1])
    try:
        with nginx_proxy(tmp_path_factory.mktemp("nginx"), free_port(), upstream) as url:
            yield url
    except NginxMissing as missing:
        pytest.fail(str(missing))


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=30)


def _closed(sock: socket.socket) -> bool:
    """Return whether the peer has closed `sock` (or answered on it)."""
    sock.setblocking(False)
    try:
        sock.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return False
    except OSError:
        return True
    return True


def test_pages_and_queries_pass_through(proxy):
    assert requests.get(proxy + "health", timeout=30).status_code == 200
    home = requests.get(proxy, headers={"Accept": "text/html"}, timeout=30)
    assert home.status_code == 200 and "text/html" in home.headers["Content-Type"]
    asked = requests.post(
        proxy + "sparql",
        data={"query": "ASK { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert asked.json()["boolean"] is True


def test_slow_sockets_do_not_deny_service_and_are_closed_past_the_deadline(proxy):
    sockets = [_connect(proxy) for _ in range(SLOW_SOCKETS)]
    try:
        for sock in sockets:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        assert requests.get(proxy + "health", timeout=30).status_code == 200
        deadline = time.monotonic() + HEADER_DEADLINE + 20
        while time.monotonic() < deadline:
            for sock in sockets:
                if not _closed(sock):
                    with contextlib.suppress(OSError):
                        sock.send(b"x")  # one more byte: never idle, yet past the deadline
            if all(_closed(sock) for sock in sockets):
                break
            time.sleep(2)
        assert all(_closed(sock) for sock in sockets)
    finally:
        for sock in sockets:
            sock.close()


def test_a_100_mb_body_is_refused_before_it_is_read(proxy):
    with _connect(proxy) as sock:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {100 * 2**20}\r\nConnection: close\r\n\r\n".encode()
        )
        answer = b""
        with contextlib.suppress(ConnectionResetError):  # nginx may reset once it has answered
            while chunk := sock.recv(65536):
                answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split()[1] == b"413"
    assert b"Request Entity Too Large" in body
