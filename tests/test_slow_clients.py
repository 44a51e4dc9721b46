"""The production server against slow clients and big bodies: sockets that trickle a request head
do not deny service to others; a body past the limit is refused before it is read, and the
server's memory stays put. (The long measurement is bench/slow_clients.py.)"""

from __future__ import annotations

import io
import json
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sparql_server import server_environment
from werkzeug.test import EnvironBuilder, run_wsgi_app

from server.config import Settings

LIMITS = Settings()
OLD_CONNECTION_LIMIT = 100  # waitress's default, which about 100 slow sockets used to exhaust
HUNDRED_MB = 100 * 2**20
FORM = "application/x-www-form-urlencoded"


def _trickling_sockets(url: str, count: int) -> list[socket.socket]:
    """Return `count` sockets, each holding a request head that has not ended."""
    host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    sockets = []
    for _ in range(count):
        sock = socket.create_connection((host, int(port)), timeout=5)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        sockets.append(sock)
    return sockets


def _still_open(sock: socket.socket) -> bool:
    """Return whether the server has neither answered nor closed `sock`."""
    sock.setblocking(False)
    try:
        sock.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def test_slow_sockets_past_the_old_limit_do_not_deny_service(server):
    sockets = _trickling_sockets(server.url, OLD_CONNECTION_LIMIT + 50)
    try:
        for sock in sockets:  # one more byte each, as a trickling client sends
            sock.sendall(b"x")
        health = requests.get(server.url + "health", timeout=30)
        home = requests.get(server.url, headers={"Accept": "text/html"}, timeout=30)
        assert health.status_code == 200
        assert home.status_code == 200
        assert all(_still_open(sock) for sock in sockets)  # held, not dropped to make room
    finally:
        for sock in sockets:
            sock.close()


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for process {pid}")


def _post_head(url: str, path: str, content_type: str, length: int) -> socket.socket:
    host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\n\r\n".encode()
    )
    return sock


def _answer(sock: socket.socket) -> bytes:
    """Return what the server sends on `sock` until it closes it."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/sparql", FORM), ("/sparql", "application/sparql-query"), ("/", FORM)],
    ids=["sparql form", "sparql direct", "page"],
)
def test_a_100_mb_body_is_refused_before_it_is_read(server, path, content_type):
    sock = _post_head(server.url, path, content_type, HUNDRED_MB)
    with sock:  # the head alone is answered: not one byte of the body has been sent
        status_line, _, rest = _answer(sock).partition(b"\r\n")
    assert status_line.split()[1] == b"413"
    assert b"Request Entity Too Large" in rest.partition(b"\r\n\r\n")[2]  # a message, not an empty answer


def test_big_bodies_sent_in_full_leave_the_servers_memory_bounded(server):
    before = _rss_kib(server.process.pid)
    megabyte = b"query=" + b"a" * (2**20 - 6)
    answers = []
    for content_type in (FORM, FORM, "application/sparql-query", FORM):
        sock = _post_head(server.url, "/sparql", content_type, HUNDRED_MB)
        with sock:
            try:
                for _ in range(HUNDRED_MB // len(megabyte)):
                    sock.sendall(megabyte)
            except OSError:  # the server answered and closed: the rest is not read
                pass
            answers.append(_answer(sock).split(b"\r\n", 1)[0])
    assert all(answer.split()[1] == b"413" for answer in answers), answers
    assert _rss_kib(server.process.pid) - before < 50 * 1024


def test_a_body_just_past_the_limit_gets_the_apps_message(server):
    body = b"query=" + b"a" * LIMITS.max_post_length
    answer = requests.post(server.sparql, data=body, headers={"Content-Type": FORM}, timeout=60)
    assert answer.status_code == 413
    assert f"limit of {LIMITS.max_post_length} bytes" in answer.text


def test_flask_refuses_a_body_past_the_limit_unread(client):
    body = io.BytesIO(b"query=" + b"a" * 2 * LIMITS.max_post_length)
    answer = client.post("/sparql", input_stream=body, content_type=FORM)
    assert answer.status_code == 413
    assert f"limit of {LIMITS.max_post_length} bytes" in answer.text
    assert body.tell() == 0
    assert client.post("/", input_stream=io.BytesIO(b"x" * 2 * LIMITS.max_post_length)).status_code in (405, 413)


def _post_chunked(app, body: bytes, content_type: str) -> tuple[int, str, io.BytesIO]:
    """POST `body` to /sparql as a server passes a chunked one on (no length declared, input
    terminated); return the status, the text of the answer and the body's stream."""
    stream = io.BytesIO(body)
    environ = EnvironBuilder(
        path="/sparql",
        method="POST",
        input_stream=stream,
        content_type=content_type,
        headers={"Accept": "application/sparql-results+json"},
        environ_overrides={"wsgi.input_terminated": True},
    ).get_environ()
    del environ["CONTENT_LENGTH"]  # (the test client would put it back)
    answer, status, _ = run_wsgi_app(app, environ, buffered=True)
    return int(status.split()[0]), b"".join(answer).decode(), stream


@pytest.mark.parametrize("content_type", [FORM, "application/sparql-query"])
def test_a_chunked_body_past_the_limit_gets_the_endpoints_message(app, content_type):
    status, text, stream = _post_chunked(app, b"query=" + b"a" * 2 * LIMITS.max_post_length, content_type)
    assert status == 413
    assert f"limit of {LIMITS.max_post_length} bytes for a query" in text
    assert stream.tell() <= LIMITS.max_post_length + 2**16  # read up to the limit, not further


def test_a_chunked_body_of_exactly_the_limit_is_read_whole(app):
    query = "ASK { ?s ?p ?o }"
    body = (query + "#" * (LIMITS.max_post_length - len(query))).encode()
    status, text, _ = _post_chunked(app, body, "application/sparql-query")
    assert status == 200
    assert json.loads(text)["boolean"] is True


def _open_files_after(soft: int, hard: int, connections: int) -> tuple[int, int]:
    """Return (connections afforded, soft limit after) in a process started with these limits."""
    code = (
        "import resource; from server.http_server import _affordable_connections as a; "
        f"print(a({connections}), resource.getrlimit(resource.RLIMIT_NOFILE)[0])"
    )

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    done = subprocess.run(
        [sys.executable, "-c", code], env=server_environment(), preexec_fn=limit, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    afforded, after = done.stdout.split()
    return int(afforded), int(after)


def test_serve_raises_its_open_files_limit_or_lowers_the_connection_limit():
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < 700:
        pytest.fail(f"the hard limit of open files is {hard}: raise it to at least 700 (ulimit -Hn 700, as root)")
    assert _open_files_after(256, 700, 500) == (500, 628)  # raised to what 500 connections need
    assert _open_files_after(256, 600, 2000) == (472, 600)  # raised to the hard limit, and lowered


def test_a_connection_silent_past_channel_timeout_is_closed(serve):
    with serve(channel_timeout=2) as server:
        (sock,) = _trickling_sockets(server.url, 1)
        with sock:
            deadline = time.monotonic() + 30
            while _still_open(sock) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not _still_open(sock)
