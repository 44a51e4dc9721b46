"""Send a `coopkg serve` on loopback the hostile inputs of issue #10, one row each.

Usage: python bench/hostile.py [--slow-sockets N] [--slow-seconds S]   (from the project root)

SERVICE spellings pointed at a bait (a loopback listener counting connections), the Oxigraph
ORDER BY panic, slow sockets trickling a header byte every 3 s while normal requests are
timed, a query past the time limit (before and after the first rows), 100 MB bodies (alone
and four at once, with the server's peak memory), a hostile Host header, invalid UTF-8 on
every transport, a query in a direct POST's URL, unknown dataset graphs, a 64 KB POST query
and format=n3. Prints what the server answered, as Markdown tables. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import socket
import statistics
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness import (
    Answer,
    Server,
    commit,
    has_traceback,
    markdown_table,
    prepare_releases,
    request,
    scratch,
    stop_on_sigterm,
)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}
JSON = {"Accept": "application/sparql-results+json"}
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ROWS_THEN_STALL = (
    "SELECT ?a WHERE { { SELECT DISTINCT ?a { ?a ?b ?c } LIMIT 50 } UNION "
    '{ ?a ?y ?z . ?d ?e ?f . ?g ?h ?i FILTER(CONCAT(STR(?z), STR(?f), STR(?i)) = "no") } }'
)
PANIC_VALUES = " ".join([str(n) for n in range(1, 12)] + [f'"{n}"' for n in range(1, 12)])
PANIC = f"SELECT ?x WHERE {{ VALUES ?x {{ {PANIC_VALUES} }} }} ORDER BY ?x"


class Bait:
    """A TCP listener on 127.0.0.1 that counts connections and answers a SPARQL JSON result."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        body = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://bait/"}}]}}'
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            with connection:
                try:
                    connection.settimeout(2)
                    connection.recv(65536)
                    connection.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
                    )
                except OSError:
                    pass


def service_spellings(url: str) -> list[tuple[str, str]]:
    """(name, query) pairs: the spellings the issue found getting past the guard, and others."""
    return [
        ("plain IRI", f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"),
        ("comment ending in CR", f"SELECT * WHERE {{ #c\rSERVICE <{url}> {{ ?s ?p ?o }} }}"),
        ("comment ending in CR inside the clause", f"SELECT * WHERE {{ SERVICE#c\r<{url}>#c\r{{ ?s ?p ?o }} }}"),
        ("keyword touching a number", f"SELECT * {{ ?a ?b 1.SERVICE <{url}> {{ ?s ?p ?o }} }}"),
        ("\\u escape of the keyword", f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}"),
        ("lower case, SILENT", f"SELECT * WHERE {{ service silent <{url}> {{ ?s ?p ?o }} }}"),
        ("SPARQL 1.2 VERSION", f'VERSION "1.2" SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}'),
        (
            "SPARQL 1.2 triple term",
            f"SELECT * {{ BIND(<<( <http://a/s> <http://a/p> <http://a/o> )>> AS ?t) SERVICE <{url}> {{ ?s ?p ?o }} }}",
        ),
        ("inside FILTER EXISTS", f"ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}"),
        ("in a subquery", f"SELECT * {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} LIMIT 1 }} }}"),
        ("in OPTIONAL", f"SELECT * {{ ?a ?b ?c OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} LIMIT 1"),
        ("a variable as the service", f"SELECT * {{ BIND(<{url}> AS ?w) SERVICE ?w {{ ?s ?p ?o }} }}"),
        ("prefixed name", f"PREFIX b: <{url[:-6]}> SELECT * {{ SERVICE b:sparql {{ ?s ?p ?o }} }}"),
    ]


def send_query(port: int, query: str, transport: str, extra: str = "", timeout: float = 15.0) -> Answer:
    if transport == "GET":
        return request(
            port, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}) + extra, headers=JSON, timeout=timeout
        )
    if transport == "form":
        body = urllib.parse.urlencode({"query": query}).encode()
        return request(
            port,
            "POST",
            "/sparql" + (("?" + extra[1:]) if extra else ""),
            body=body,
            headers={**FORM, **JSON},
            timeout=timeout,
        )
    return request(
        port,
        "POST",
        "/sparql" + (("?" + extra[1:]) if extra else ""),
        body=query.encode(),
        headers={**DIRECT, **JSON},
        timeout=timeout,
    )


def brief(answer: Answer, limit: int = 140) -> str:
    text = answer.body.decode("utf-8", "replace").strip().replace("\n", " ")
    text = re.sub(r"\s+", " ", text)
    return f"**{answer.status}** {text[:limit]}" + ("…" if len(text) > limit else "")


def service_table(server: Server) -> str:
    bait = Bait()
    url = f"http://127.0.0.1:{bait.port}/sparql"
    rows = []
    for name, query in service_spellings(url):
        before = bait.connections
        answers = [send_query(server.port, query, t) for t in ("GET", "form", "direct")]
        leaked = any(b"bait" in a.body for a in answers)
        statuses = " / ".join(str(a.status) for a in answers)
        rows.append([name, statuses, bait.connections - before, "yes" if leaked else "no", brief(answers[0], 90)])
    bait.server.close()
    total = sum(row[2] for row in rows)
    table = markdown_table(
        ["SERVICE spelling", "GET / form / direct", "bait connections", "bait's answer returned", "first answer"], rows
    )
    return table + f"\n\nBait connections in all: **{total}** ({len(rows) * 3} requests).\n"


def panic_row(server: Server) -> list:
    answers = [send_query(server.port, PANIC, "GET") for _ in range(3)]
    variant = send_query(server.port, PANIC + " # another text", "direct")
    time.sleep(1.5)
    health = server.request("GET", "/health")
    workers = re.search(rb'"alive":(\d+)', health.body)
    crashes = re.search(rb'"crashes":(\d+)', health.body)
    return [
        "Oxigraph ORDER BY panic (docs/oxigraph-order-by-panic.md), 3 times, then one character changed",
        ", ".join(str(a.status) for a in answers) + f"; variant {variant.status}",
        f"{brief(answers[0], 120)}; later: {brief(answers[1], 60)}; /health {health.status}, workers alive "
        f"{workers.group(1).decode() if workers else '?'}, crashes {crashes.group(1).decode() if crashes else '?'}",
    ]


def overrun_rows(server: Server) -> list[list]:
    rows = []
    for name, query, transport in (
        ("query past the time limit before its first row (COUNT of a cross product)", EXPENSIVE, "GET"),
        ("the same by direct POST", EXPENSIVE, "direct"),
        (
            "query past the time limit whose first 50 rows are found at once (UNION of them and a stall)",
            ROWS_THEN_STALL,
            "GET",
        ),
    ):
        answer = send_query(server.port, query, transport, timeout=30)
        size = f"{len(answer.body)} bytes" if answer.status == 200 else ""
        rows.append([name, answer.status, f"{brief(answer, 120)} {size} after {answer.seconds:.1f} s"])
    return rows


def memory(pid: int) -> dict[str, int]:
    """Return VmRSS and VmHWM (peak) of process `pid` in MB."""
    text = Path(f"/proc/{pid}/status").read_text()
    return {key: int(re.search(rf"{key}:\s+(\d+)", text).group(1)) // 1024 for key in ("VmRSS", "VmHWM")}


def big_body(port: int, headers: dict, size: int, chunked: bool = False, timeout: float = 60) -> tuple[str, float, int]:
    """POST `size` bytes (declared, or chunked); return (answer, seconds, bytes the server took)."""
    started = time.perf_counter()
    head = ["POST /sparql HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}")
    sent, status = 0, "no answer"
    block = (b"query=" if headers.get("Content-Type", "").startswith("application/x-www") else b"") + b"#" * (1 << 20)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
            try:
                while sent < size:
                    piece = block[: min(len(block), size - sent)]
                    sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                    sent += len(piece)
                if chunked:
                    sock.sendall(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered and closed before the body was all sent
            reply = b""
            try:
                while chunk := sock.recv(65536):
                    reply += chunk
            except ConnectionResetError:
                pass
            match = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
            body = re.sub(r"\s+", " ", reply.partition(b"\r\n\r\n")[2].decode("utf-8", "replace")).strip()[:90]
            status = f"**{match.group(1).decode()}** {body}" if match else "reset, no answer"
    except TimeoutError:
        status = "timeout"
    return status, time.perf_counter() - started, sent


def body_rows(server: Server) -> list[list]:
    rows, size = [], 100 << 20
    for name, headers, chunked in (
        ("100 MB form POST (Content-Length)", FORM, False),
        ("100 MB direct POST (Content-Length)", DIRECT, False),
        ("100 MB direct POST, chunked (no length)", DIRECT, True),
    ):
        before = memory(server.process.pid)
        status, seconds, sent = big_body(server.port, headers, size, chunked)
        after = memory(server.process.pid)
        rows.append(
            [
                name,
                status,
                f"in {seconds:.1f} s; the client could send {sent >> 20} MB; server RSS "
                f"{before['VmRSS']} → {after['VmRSS']} MB, peak {before['VmHWM']} → {after['VmHWM']} MB",
            ]
        )
    before = memory(server.process.pid)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: big_body(server.port, FORM, size), range(4)))
    after = memory(server.process.pid)
    rows.append(
        [
            "four 100 MB form POSTs at once",
            "; ".join(sorted({r[0][:40] for r in results})),
            f"in {max(r[1] for r in results):.1f} s; the clients could send {sum(r[2] for r in results) >> 20} MB; "
            f"server peak RSS {before['VmHWM']} → {after['VmHWM']} MB",
        ]
    )
    return rows


def wait_for_health(server: Server, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.request("GET", "/health", timeout=5).status != 200:
        time.sleep(0.2)


def slow_socket_row(server: Server, count: int, seconds: float) -> list:
    """Open `count` sockets that trickle one header byte every 3 s; time normal requests meanwhile."""
    sockets, closed = [], 0
    for _ in range(count):
        try:
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            sock.setblocking(False)
            sockets.append(sock)
        except OSError:
            closed += 1
    stop = time.monotonic() + seconds

    def trickle() -> None:
        while time.monotonic() < stop:
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.send(b"a")
            time.sleep(3)

    trickler = threading.Thread(target=trickle)
    trickler.start()
    normal: list[Answer] = []
    while time.monotonic() < stop:
        normal.append(server.request("GET", "/health", timeout=5))
        normal.append(server.request("GET", "/id/organisation/cc-zou", timeout=5))
        time.sleep(0.2)
    trickler.join()
    alive = 0
    for sock in sockets:
        try:
            alive += (sock.recv(1) == b"" and 0) or 1
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
    for sock in sockets:
        sock.close()
    time.sleep(0.5)
    after = server.request("GET", "/health", timeout=10)
    ok = [a for a in normal if a.status == 200]
    latencies = sorted(a.seconds * 1000 for a in normal)
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(_count(a.status for a in normal).items()))
    p50 = statistics.median(latencies) if latencies else 0
    return [
        f"{count} slow sockets trickling a header byte every 3 s for {seconds:.0f} s",
        f"normal requests: {statuses}",
        f"{len(ok)}/{len(normal)} normal requests answered 200 (client timeout 5 s); latency p50 {p50:.0f} ms, "
        f"max {latencies[-1] if latencies else 0:.0f} ms; slow sockets the server kept open: {alive}/{len(sockets)}; "
        f"once they closed, /health answered {after.status} in {after.seconds * 1000:.0f} ms",
    ]


def _count(values) -> dict:
    counts: dict = {}
    for value in values:
        counts[str(value)] = counts.get(str(value), 0) + 1
    return counts


def protocol_rows(server: Server) -> list[list]:
    port, rows = server.port, []
    evil = {"Host": "evil.example"}
    description = request(port, "GET", "/sparql", headers={**evil, "Accept": "text/turtle"})
    page = request(port, "GET", "/sparql?query=ASK%7B%7D", headers={**evil, "Accept": "text/html"})
    catalog = request(port, "GET", "/catalog", headers={**evil, "Accept": "text/turtle"})
    reflected = [
        name
        for name, a in (("service description", description), ("query page", page), ("catalogue", catalog))
        if b"evil.example" in a.body
    ]
    rows.append(
        [
            "Host: evil.example (service description, query page, catalogue)",
            f"{description.status} / {page.status} / {catalog.status}",
            "reflected in: " + (", ".join(reflected) or "none"),
        ]
    )
    head = request(port, "GET", "/")
    rows.append(
        [
            "security headers on /",
            head.status,
            ", ".join(
                f"{n}: {head.headers.get(n, '(none)')[:60]}"
                for n in ("X-Content-Type-Options", "Content-Security-Policy")
            ),
        ]
    )
    get = request(port, "GET", "/sparql?query=ASK%20%7B%7D%FF", headers=JSON)
    form = request(port, "POST", "/sparql", body=b"query=ASK%20%7B%7D%FF", headers={**FORM, **JSON})
    direct = request(port, "POST", "/sparql", body=b"ASK {}\xff", headers={**DIRECT, **JSON})
    rows.append(
        [
            "invalid UTF-8 (%FF) in GET / form / direct POST",
            f"{get.status} / {form.status} / {direct.status}",
            brief(get, 110),
        ]
    )
    both = request(port, "POST", "/sparql?query=ASK%7B%7D", body=b"ASK {}", headers={**DIRECT, **JSON})
    rows.append(["query= in the URL of a direct POST", both.status, brief(both, 120)])
    unknown = send_query(port, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "GET", "&default-graph-uri=urn:x:unknown")
    named = send_query(port, "SELECT ?g { GRAPH ?g { ?s ?p ?o } } LIMIT 1", "GET", "&named-graph-uri=urn:x:unknown")
    from_clause = send_query(port, "SELECT * FROM <urn:x:unknown> { ?s ?p ?o } LIMIT 1", "GET")
    rows.append(
        [
            "unknown graph as default-graph-uri / named-graph-uri / FROM",
            f"{unknown.status} / {named.status} / {from_clause.status}",
            f"{brief(unknown, 70)}; FROM: {brief(from_clause, 60)}",
        ]
    )
    values = " ".join(f"<urn:x:{n:08d}>" for n in range(64 * 1024 // 14))
    big = f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?v {{ {values} }} }}"
    by_form, by_direct = send_query(port, big, "form"), send_query(port, big, "direct")
    by_get = send_query(port, big, "GET")
    rows.append(
        [
            f"{len(big) // 1024} KB query (VALUES list) by form POST / direct POST / GET",
            f"{by_form.status} / {by_direct.status} / {by_get.status}",
            f"{brief(by_form, 60)}; GET: {brief(by_get, 60)}",
        ]
    )
    n3 = request(
        port,
        "GET",
        "/sparql?" + urllib.parse.urlencode({"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2", "format": "n3"}),
    )
    rows.append(["format=n3 (SPARQLWrapper) on a CONSTRUCT", n3.status, n3.headers.get("Content-Type", "")])
    return rows


def run(slow_sockets: int, slow_seconds: float) -> None:
    work = scratch("hostile")
    try:
        releases = prepare_releases(work / "releases")
        with Server(releases) as server:
            print(f"## Hostile inputs ({commit()})\n")
            print("### SERVICE spellings against a bait listener\n")
            print(service_table(server))
            rows = [panic_row(server), *overrun_rows(server), *protocol_rows(server)]
            wait_for_health(server)  # a worker killed for the time limit is being replaced
            rows.append(slow_socket_row(server, slow_sockets, slow_seconds))
            rows += body_rows(server)
            time.sleep(1)
            health = server.request("GET", "/health")
            rows.append(["/health after all of the above", health.status, health.body.decode()[:200]])
            log = server.log()
        print("### Other hostile inputs\n")
        print(markdown_table(["input", "answer", "details"], rows))
        lines_5xx = [line for line in log.splitlines() if re.search(r"coopkg\.request \S+ \S+ 5\d\d ", line)]
        print(
            f"\nServer log: {log.count('Traceback (most recent call last)')} tracebacks; "
            f"{len(lines_5xx)} answers 5xx in the request log:"
        )
        for line in lines_5xx[:12]:
            print(f"- `{line[:240]}`")
        if has_traceback(log):
            at = log.find("Traceback (most recent call last)")
            print("\nFirst traceback:\n```\n" + log[max(0, at - 400) : at + 3000] + "\n```")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow-sockets", type=int, default=500)
    parser.add_argument("--slow-seconds", type=float, default=15.0)
    arguments = parser.parse_args()
    run(arguments.slow_sockets, arguments.slow_seconds)
