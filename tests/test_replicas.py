"""Stateless replicas behind nginx (deploy/nginx/coopkg-replicas.conf, Debian's nginx on
loopback): two `coopkg serve` on one shared releases folder. The load is spread over both; a
replica killed (SIGKILL) under load costs no request beyond those it held; a rolling switch to a
new release (built into the shared folder, then each replica restarted in turn) answers every
request from exactly one release, header, validators and body alike."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from bs4 import BeautifulSoup
from nginx_proxy import NginxMissing, nginx_replicas
from sparql_server import LiveServer, free_port, live_server, server_environment

from server.config import PROJECT_ROOT

REPLICAS = 2
CLIENTS = 4  # client threads, each one request at a time: at most this many requests in flight
LOOP_SECONDS = 3.0
PARTS = ("ontology", "shapes", "graph", "catalog", "sources")
PERSON = "id/person/georges-siffredi"
LABELS = {1: "Georges Siffredi", 2: "Georges Siffredi (release 2)"}  # the person's label in each release
DCAT_VERSION = ox.NamedNode("http://www.w3.org/ns/dcat#version")


class Replicas:
    """`coopkg serve` replicas on fixed loopback ports, all on one releases folder and one
    copy of the sources; each can be stopped (as Ctrl+C does), killed, or started again."""

    def __init__(self, folder: Path, root: Path, releases: Path, count: int) -> None:
        self.folder, self.root, self.releases = folder, root, releases
        self.ports = [free_port() for _ in range(count)]
        self.servers: dict[int, LiveServer] = {}
        self.logs: dict[int, list[Path]] = {i: [] for i in range(count)}
        self._stacks: dict[int, ExitStack] = {}
        self._starts = 0

    def start(self, i: int) -> LiveServer:
        self._starts += 1
        stack = ExitStack()
        folder = self.folder / f"replica-{i}-{self._starts}"
        folder.mkdir()
        self.servers[i] = stack.enter_context(
            live_server(folder, release_dir=self.releases, port=self.ports[i], root=self.root, query_workers=1)
        )
        self._stacks[i] = stack
        self.logs[i].append(self.servers[i].log)
        return self.servers[i]

    def stop(self, i: int) -> None:
        self.servers.pop(i)
        self._stacks.pop(i).close()

    def kill(self, i: int) -> None:
        """SIGKILL replica `i` (its query workers see their pipe close and leave)."""
        server = self.servers[i]
        workers = server.children()
        server.process.kill()
        server.process.wait()
        self.stop(i)
        _reap(workers)

    def requests_seen(self, i: int, marker: str) -> int:
        """Return how many requests whose target holds `marker` replica `i` logged (coopkg.request)."""
        lines = (line for log in self.logs[i] for line in log.read_text(errors="replace").splitlines())
        return sum(1 for line in lines if " coopkg.request GET " in line and marker in line)

    def wait_for_traffic(self, i: int, marker: str, timeout: float = 20.0) -> None:
        """Wait until replica `i`, since it last started, logged a request whose target holds
        `marker`: nginx sends it requests again (it may have marked it unavailable for
        `fail_timeout` while it was down). Raises AssertionError past `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if marker in self.logs[i][-1].read_text(errors="replace"):
                return
            time.sleep(0.1)
        raise AssertionError(f"nginx sent replica {i} no request in {timeout:.0f} s after it started again")

    def close(self) -> None:
        for i in list(self._stacks):
            self.stop(i)


def _reap(pids: set[int], timeout: float = 10.0) -> None:
    """Wait for the processes `pids` to leave; kill by id those that linger."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in pids):
        time.sleep(0.1)
    for pid in pids:
        if Path(f"/proc/{pid}").exists():
            os.kill(pid, signal.SIGKILL)


def _release(root: Path, releases: Path, *options: str) -> str:
    """Build a release of the sources in `root` into `releases` as an operator does; return its version."""
    env = server_environment(root=root, release_dir=releases)
    done = subprocess.run(
        [sys.executable, "-m", "server", "release", *options], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return os.readlink(releases / "current")


@dataclass
class Site:
    url: str
    replicas: Replicas
    root: Path
    releases: Path
    versions: dict[int, str]  # release number (1, 2) -> version


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("replicas")
    root, releases = folder / "project", folder / "releases"
    for part in PARTS:
        shutil.copytree(PROJECT_ROOT / part, root / part)
    versions = {1: _release(root, releases)}
    replicas = Replicas(folder, root, releases, REPLICAS)
    try:
        for i in range(REPLICAS):
            replicas.start(i)
        with nginx_replicas(folder / "nginx", free_port(), replicas.ports) as url:
            yield Site(url, replicas, root, releases, versions)
    except NginxMissing as missing:
        pytest.fail(str(missing))
    finally:
        replicas.close()


@dataclass
class Outcome:
    path: str
    release: str | None = None  # the X-Coopkg-Release the answer named
    problem: str | None = None  # why the answer is not a good one, or None


def _check(site: Site, path: str, answer: requests.Response) -> Outcome:
    """Return what `answer` to GET `path` says, and what is wrong with it: each answer must name
    one known release, and its validators and body must come from that same release."""
    release = answer.headers.get("X-Coopkg-Release")
    outcome = Outcome(path, release)
    known = {version: number for number, version in site.versions.items()}
    if answer.status_code != 200:
        outcome.problem = f"status {answer.status_code}"
    elif release not in known:
        outcome.problem = f"X-Coopkg-Release {release!r} names none of {sorted(known)}"
    elif path == PERSON:
        heading = BeautifulSoup(answer.text, "html.parser").h1
        title = " ".join(heading.get_text().split()) if heading else None
        if not answer.headers.get("ETag", "").startswith(f'W/"{release}-'):
            outcome.problem = f"ETag {answer.headers.get('ETag')!r} is not of release {release}"
        elif title != LABELS[known[release]]:
            outcome.problem = f"the page of release {release} is titled {title!r}"
    elif path == "catalog":
        triples = ox.parse(answer.content, ox.RdfFormat.TURTLE)
        stated = {str(t.object.value) for t in triples if t.predicate == DCAT_VERSION}
        if stated != {release}:
            outcome.problem = f"the catalogue of release {release} states the versions {sorted(stated)}"
    return outcome


def _load(site: Site, paths: list[str], seconds: float, during: Callable[[], None] | None = None) -> list[Outcome]:
    """Run CLIENTS threads that GET `paths` in turn through nginx for `seconds`, or until
    `during` (called from this thread meanwhile) has returned if it takes longer; return every
    outcome (a failed request is one with a problem)."""
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    done = threading.Event()

    def client(offset: int) -> None:
        with requests.Session() as session:
            n = offset
            while not done.is_set():
                path = paths[n % len(paths)]
                n += 1
                try:
                    outcome = _check(site, path, session.get(site.url + path, timeout=30))
                except requests.RequestException as error:
                    outcome = Outcome(path, problem=f"{type(error).__name__}: {error}")
                with lock:
                    outcomes.append(outcome)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        if during is not None:
            during()
        time.sleep(max(0.0, started + seconds - time.monotonic()))
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=60)
    return outcomes


def _failures(outcomes: list[Outcome]) -> list[str]:
    return [f"{o.path}: {o.problem}" for o in outcomes if o.problem]


def test_the_load_is_spread_over_the_replicas(site):
    marker = "spread-probe"
    outcomes = _load(site, [f"health?{marker}", "", f"catalog?{marker}"], LOOP_SECONDS)
    assert not _failures(outcomes)
    seen = [site.replicas.requests_seen(i, marker) for i in range(REPLICAS)]
    sent = sum(1 for o in outcomes if marker in o.path)
    assert sum(seen) == sent
    assert all(count >= sent / REPLICAS / 2 for count in seen), f"{sent} requests, per replica: {seen}"


def test_a_replica_killed_under_load_costs_no_request_beyond_those_in_flight(site):
    marker = "kill-probe"
    served_before_kill = []

    def kill_one() -> None:
        time.sleep(LOOP_SECONDS / 3)
        served_before_kill.append(site.replicas.requests_seen(0, marker))
        site.replicas.kill(0)

    try:
        outcomes = _load(site, ["", PERSON, "catalog", f"health?{marker}"], LOOP_SECONDS, during=kill_one)
    finally:
        site.replicas.start(0)
    failures = _failures(outcomes)
    assert served_before_kill[0] > 0  # it was taking its share of the load when it was killed
    assert len(outcomes) > 20
    assert len(failures) <= CLIENTS, failures  # one request in flight per client at most
    assert all("status" not in failure for failure in failures), failures  # no 502: nginx took the other one


def test_a_rolling_switch_answers_every_request_from_one_release(site):
    person = site.root / "graph" / "press-release-zou-delegation" / "actors.ttl"
    old = f'rdfs:label "{LABELS[1]}"@fr ;'
    text = person.read_text(encoding="utf-8")
    assert text.count(old) == 1
    person.write_text(text.replace(old, f'rdfs:label "{LABELS[2]}"@fr ;'), encoding="utf-8")
    site.versions[2] = _release(site.root, site.releases)
    assert site.versions[2] != site.versions[1]

    # The running replicas keep the release they opened, though `current` names the new one.
    before = _load(site, [PERSON, "catalog"], 1.0)
    assert not _failures(before)
    assert {o.release for o in before} == {site.versions[1]}

    def switch() -> None:
        for i in range(REPLICAS):
            site.replicas.stop(i)
            site.replicas.start(i)
            site.replicas.wait_for_traffic(i, f"GET /{PERSON}")  # before the next one stops

    during = _load(site, [PERSON, "catalog", ""], LOOP_SECONDS, during=switch)
    assert not _failures(during), Counter(_failures(during))
    after = _load(site, [PERSON, "catalog"], 1.0)
    assert not _failures(after)
    assert {o.release for o in after} == {site.versions[2]}
    served = Counter(o.release for o in during)
    assert set(served) == {site.versions[1], site.versions[2]}, served  # both served a while, each answer whole
