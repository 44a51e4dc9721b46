"""`coopkg serve`: refuses, with a clear reason, data that fails the shapes; says when it is ready."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from sparql_server import free_port, server_environment


def test_serve_refuses_data_that_does_not_conform(project_copy):
    (project_copy / "graph" / "unnamed.ttl").write_text(
        "<https://w3id.org/coopkg/id/person/nobody> a <http://xmlns.com/foaf/0.1/Person> .\n",
        encoding="utf-8",
    )
    env = server_environment(root=project_copy, release_dir=project_copy / "releases")
    port = free_port()
    command = [sys.executable, "-m", "server", "serve", "--port", str(port)]
    done = subprocess.run(command, cwd=project_copy, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 1
    assert "refusing to serve: the data does not conform to the shapes" in done.stderr
    assert "person/nobody" in done.stderr  # the report names the entity at fault
    assert "listening" not in done.stdout and "serving on" not in done.stdout


def test_serve_says_when_it_is_ready_and_answers(serve):
    with serve() as server:
        answer = requests.get(server.sparql, params={"query": "ASK { ?s ?p ?o }", "format": "json"}, timeout=60)
        assert answer.json()["boolean"] is True
        ready = re.search(r"ready in (\d+\.\d+) s; serving on (\S+)", server.output())
        assert ready and ready.group(2) == server.url
        # One log line per request, once its answer is sent.
        logged = re.compile(
            r"^\S+ \S+ INFO coopkg\.request GET /sparql\?query=ASK\S* 200 \d+\.\dms \d+B$", re.MULTILINE
        )
        deadline = time.monotonic() + 10
        while not logged.search(server.output()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert logged.search(server.output()), server.output()


def test_sigterm_stops_the_server_and_its_query_workers(serve):
    with serve() as server:
        workers = server.children()
        assert workers
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=60) == 0
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    """Return whether process `pid` exists and is not a zombie waiting to be reaped."""
    try:
        status = (Path(f"/proc/{pid}/status")).read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status
