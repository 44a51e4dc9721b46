"""Fuzz `/sparql`, the entity paths and the page parameters of a `coopkg serve` on loopback.

Usage: python bench/fuzz.py [--inputs N] [--seed S] [--clients C]   (from the project root)

A seeded random generator (the seed is printed; the same seed sends the same inputs) builds
N requests: SPARQL queries (the competency queries, mutated, and random token soup) by GET,
form POST and direct POST with random parameters, headers, charsets and huge values; entity
paths under /id/, /def/ and /shapes/ with suffixes, dots, percent-encodings and unicode (some
sent as raw bytes on a socket, which http.client would refuse to send); and the parameters
`lang`, `page`, `format`, `q`, `in` on the pages. Each request has a client timeout. Prints
the answers counted by status, every 5xx and traceback found (in a body or the server log),
the timeouts, and a final /health. Exit 1 when a 5xx (other than the documented 503 of a
query past its time limit), a traceback or a timeout was seen.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import socket
import sys
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness import (
    ROOT,
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

CLIENT_TIMEOUT = 10.0  # the query time limit is 5 s: an answer slower than this is a hang
QUERIES = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))] + [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 5",
    "ASK { ?s a ?c }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3",
    "DESCRIBE <https://w3id.org/coopkg/id/organisation/cc-zou>",
    "PREFIX coop: <https://w3id.org/coopkg/def/> SELECT ?x (COUNT(*) AS ?n) WHERE { ?x a coop:Convention } GROUP BY ?x",
    'SELECT ?l WHERE { ?s rdfs:label ?l FILTER(LANG(?l) = "fr") } ORDER BY ?l LIMIT 10',
    "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 2",
]
TOKENS = [
    "SELECT",
    "ASK",
    "CONSTRUCT",
    "DESCRIBE",
    "WHERE",
    "{",
    "}",
    "(",
    ")",
    ".",
    ";",
    ",",
    "?x",
    "$y",
    "*",
    "FILTER",
    "OPTIONAL",
    "UNION",
    "MINUS",
    "GRAPH",
    "SERVICE",
    "SILENT",
    "VALUES",
    "BIND",
    "AS",
    "ORDER BY",
    "GROUP BY",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "1",
    "-0.5e9",
    "9" * 40,
    '"x"@fr',
    '"""a"""',
    "'b'",
    "<urn:x>",
    "<http://127.0.0.1:9/>",
    "rdf:type",
    "a",
    "#c\r",
    "\\u0053",
    "\u00e9",
    "\U0001f600",
    "\x00",
    "\ufeff",
    "<<",
    ">>",
    "<<(",
    ")>>",
    "VERSION",
    "FROM",
    "NAMED",
    "LOAD",
    "INSERT DATA",
    "DELETE",
    "CLEAR ALL",
    'REGEX(?x, "(a+)+$")',
    "COUNT(*)",
    "STRLEN(?x)",
    "NOW()",
    "RAND()",
    "UUID()",
    "^^xsd:int",
    "&&",
    "||",
]
FORMATS = [
    "json",
    "xml",
    "csv",
    "tsv",
    "turtle",
    "ntriples",
    "rdfxml",
    "jsonld",
    "nquads",
    "trig",
    "n3",
    "html",
    "ttl",
    "nt",
    "rdf",
    "",
    "JSON",
    "text/csv",
    "application/sparql-results+json",
    "x" * 300,
    "%FF",
    "\u00e9",
]
ACCEPTS = [
    "*/*",
    "text/html",
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
    "text/plain",
    "image/png",
    "",
    "text/html;q=0.1, text/turtle;q=0.9",
    "*/*;q=abc",
    ";;;",
    "a/b/c",
    "text/*",
    "x" * 5000,
]
LANGS = ["fr", "en", "de", "", "EN", "fr-FR", "x" * 1000, "\u00e9", "en;q=0.5", "*"]
CONTENT_TYPES = [
    "application/sparql-query",
    "application/sparql-query; charset=utf-8",
    "application/sparql-query; charset=latin-1",
    'application/sparql-query; charset="UTF-8"',
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    "application/sparql-update",
    "text/plain",
    "multipart/form-data; boundary=x",
    "",
    ";",
    "application/json",
]
SUFFIXES = [
    "",
    ".ttl",
    ".jsonld",
    ".nt",
    ".rdf",
    ".html",
    ".xml",
    ".",
    "..",
    ".ttl.ttl",
    ".TTL",
    ".gz",
    "/",
    "/.ttl",
    ";x",
    "%2Ettl",
    ".json",
    ".n3",
]
JUNK_SEGMENTS = [
    "..",
    ".",
    "%2e%2e",
    "%2F",
    "%00",
    "%FF",
    "%C0%AF",
    "\u00e9",
    "%C3%A9",
    "\u202e",
    "\U0001f600",
    "a" * 3000,
    "%",
    "%zz",
    "~",
    "CON",
    "index.html",
    ".git",
    "x;y",
    "@",
    "+",
    "%20",
]


class Inputs:
    """The seeded generator of fuzzed requests: each is (kind, method, target, headers, body, raw)."""

    def __init__(self, seed: int, stems: list[str]):
        self.rnd = random.Random(seed)
        self.stems = stems

    def query(self) -> str:
        rnd = self.rnd
        choice = rnd.random()
        if choice < 0.45:
            return self.mutated(rnd.choice(QUERIES))
        if choice < 0.7:
            return " ".join(rnd.choice(TOKENS) for _ in range(rnd.randint(1, 30)))
        if choice < 0.92:
            return rnd.choice(QUERIES)
        return "".join(
            chr(rnd.choice([rnd.randint(0, 127), rnd.randint(128, 0x2FFF)])) for _ in range(rnd.randint(1, 200))
        )

    def mutated(self, text: str) -> str:
        rnd, chars = self.rnd, list(text)
        for _ in range(rnd.randint(1, 6)):
            where = rnd.randint(0, len(chars))
            action = rnd.random()
            if action < 0.3 and chars:
                del chars[min(where, len(chars) - 1)]
            elif action < 0.6:
                chars.insert(where, rnd.choice(TOKENS) + " ")
            elif action < 0.8:
                chars[where:where] = list(rnd.choice(["{", "}", "?", '"', "<", "#", "\\", "\n", "\r", "'"]))
            else:
                chars = chars[: rnd.randint(0, len(chars))]
        return "".join(chars)

    def value(self, pool: list[str]) -> str:
        return self.rnd.choice(pool) if self.rnd.random() < 0.85 else self.mutated(self.rnd.choice(pool))

    def headers(self) -> dict:
        rnd, headers = self.rnd, {}
        if rnd.random() < 0.7:
            headers["Accept"] = self.value(ACCEPTS)
        if rnd.random() < 0.3:
            headers["Accept-Language"] = self.value(LANGS)
        if rnd.random() < 0.1:
            headers["Accept-Charset"] = rnd.choice(["latin-1", "utf-8", "*", "x" * 200])
        if rnd.random() < 0.1:
            headers["If-None-Match"] = rnd.choice(['"x"', "*", 'W/"1"', '"' * 30])
        if rnd.random() < 0.05:
            headers["Range"] = rnd.choice(["bytes=0-10", "bytes=-1", "bytes=9-1", "bytes=x", "bytes=0-0,1-1," * 50])
        return headers

    def sparql(self) -> tuple:
        rnd = self.rnd
        query = self.query()
        if rnd.random() < 0.02:
            query = query + " " + "#" * rnd.choice([19_000, 21_000, 300_000])  # around and past the limits
        params = [("query", query)] if rnd.random() < 0.95 else []
        for name, pool in (
            ("format", FORMATS),
            (
                "default-graph-uri",
                ["https://w3id.org/coopkg/graph/data", "urn:x", "http://127.0.0.1:9/", "not an iri", ""],
            ),
            ("named-graph-uri", ["urn:y", "<x>"]),
            ("lang", LANGS),
            ("update", ["CLEAR ALL"]),
            ("timeout", ["0", "-1", "1e9"]),
        ):
            if rnd.random() < (0.35 if name == "format" else 0.06):
                params.append((name, self.value(pool)))
        if rnd.random() < 0.04:
            params.append(("query", self.query()))  # two queries
        headers = self.headers()
        transport = rnd.choice(["get", "get", "form", "direct"])
        encoded = self.encode(params)
        if transport == "get":
            return ("sparql GET", "GET", "/sparql?" + encoded, headers, None)
        if transport == "form":
            headers["Content-Type"] = (
                rnd.choice(CONTENT_TYPES[4:6]) if rnd.random() < 0.9 else self.value(CONTENT_TYPES)
            )
            url = "/sparql" + (("?" + self.encode([("format", rnd.choice(FORMATS))])) if rnd.random() < 0.2 else "")
            return ("sparql form POST", "POST", url, headers, encoded.encode("ascii"))
        headers["Content-Type"] = rnd.choice(CONTENT_TYPES[:4]) if rnd.random() < 0.9 else self.value(CONTENT_TYPES)
        body = query.encode(rnd.choice(["utf-8"] * 8 + ["latin-1", "utf-16"]), errors="replace")
        if rnd.random() < 0.05:
            body = body[: rnd.randint(0, len(body))] + bytes([rnd.randint(128, 255)])  # invalid UTF-8
        extra = [(n, v) for n, v in params if n != "query"]
        if rnd.random() < 0.05:
            extra.append(("query", "ASK {}"))
        url = "/sparql" + ("?" + self.encode(extra) if extra else "")
        return ("sparql direct POST", "POST", url, headers, body)

    def encode(self, params: list[tuple[str, str]]) -> str:
        """URL-encode, sometimes with raw invalid bytes (%FF, %C0%AF) or '+' and ';' games."""
        encoded = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        if self.rnd.random() < 0.05:
            where = self.rnd.randint(0, len(encoded))
            encoded = (
                encoded[:where]
                + self.rnd.choice(["%FF", "%C0%AF", "%", "%E9", "%00", "&&", "=", ";"])
                + encoded[where:]
            )
        return encoded

    def entity(self) -> tuple:
        rnd = self.rnd
        stem = rnd.choice(self.stems) if rnd.random() < 0.7 else rnd.choice(["id/", "def/", "shapes/"]) + "x"
        parts = stem.split("/")
        if rnd.random() < 0.4:
            parts[rnd.randrange(len(parts))] = rnd.choice(JUNK_SEGMENTS)
        if rnd.random() < 0.2:
            parts.insert(rnd.randrange(len(parts) + 1), rnd.choice(JUNK_SEGMENTS))
        path = "/" + "/".join(parts) + rnd.choice(SUFFIXES)
        if rnd.random() < 0.15:
            path = urllib.parse.quote(path, safe="/")  # percent-encode what is there
        params = []
        for name, pool in (
            ("lang", LANGS),
            ("page", ["0", "1", "-1", "9" * 7, "1e3", "x", "", "\u0661"]),
            ("format", FORMATS),
            ("in", ["rdfs:label", "x", "https://w3id.org/coopkg/def/partner"]),
        ):
            if rnd.random() < 0.2:
                params.append((name, self.value(pool)))
        target = path + ("?" + self.encode(params) if params else "")
        raw = any(ord(c) > 127 for c in target) or ("%" not in target and rnd.random() < 0.1)
        return ("entity path", "GET", target, self.headers(), None, raw)

    def page(self) -> tuple:
        rnd = self.rnd
        route = rnd.choice(
            [
                "/",
                "/search",
                "/search.json",
                "/catalog",
                "/classes",
                "/classes/coop:Convention",
                "/classes/coop:x",
                "/classes/:",
                "/def/",
                "/shapes",
                "/.well-known/void",
                "/sparql",
                "/dumps/coopkg.ttl",
                "/dumps/coopkg.x",
                "/dumps/",
                "/sitemap.xml",
                "/robots.txt",
                "/health",
                "/sources/x",
                "/static/../server/cli.py",
            ]
        )
        params = []
        for name, pool in (
            ("lang", LANGS),
            ("page", ["0", "2", "-1", "9" * 8, "x", "\u0661"]),
            ("format", FORMATS),
            (
                "q",
                [
                    "zou",
                    "béninoise",
                    "",
                    "*",
                    "%",
                    "a" * 5000,
                    "\x00",
                    "\U0001f600",
                    "' OR 1=1 --",
                    "<script>alert(1)</script>",
                    "zo?",
                    "(",
                    "\\",
                ],
            ),
        ):
            if rnd.random() < 0.4:
                params.append((name, self.value(pool)))
        if rnd.random() < 0.05:
            params = params * 50  # repeated parameters
        target = route + ("?" + self.encode(params) if params else "")
        raw = any(ord(c) > 127 or ord(c) < 33 for c in target)
        return ("page parameters", "GET", target, self.headers(), None, raw)

    def next(self) -> tuple:
        draw = self.rnd.random()
        if draw < 0.5:
            return (*self.sparql(), False)
        return self.entity() if draw < 0.78 else self.page()


def raw_request(port: int, method: str, target: str, headers: dict, body: bytes | None, timeout: float) -> Answer:
    """Send a request as raw bytes: the request line and headers as given (UTF-8, control
    characters and all), which http.client would refuse to send; read until the server closes."""
    started = time.perf_counter()
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", errors="surrogatepass") + (body or b"")
    chunks, reset = [], False
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            try:
                sock.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                reset = True  # the server answered and closed before reading all: read its answer
            try:
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
            except ConnectionResetError:
                reset = True
    except TimeoutError:
        return Answer("timeout", seconds=time.perf_counter() - started)
    except OSError as error:
        return Answer(f"error:{type(error).__name__}", seconds=time.perf_counter() - started)
    if reset and not chunks:
        return Answer("reset before any answer", seconds=time.perf_counter() - started)
    reply = b"".join(chunks)
    match = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
    body_received = reply.partition(b"\r\n\r\n")[2]
    return Answer(int(match.group(1)) if match else "no status line", body_received, {}, time.perf_counter() - started)


def _unsendable(text: str) -> bool:
    return any(ord(c) > 127 or ord(c) < 32 for c in text)


def send(port: int, item: tuple) -> tuple[tuple, Answer]:
    _kind, method, target, headers, body, raw = item
    if raw or any(_unsendable(v) for v in headers.values()):
        return item, raw_request(port, method, target, headers, body, CLIENT_TIMEOUT)
    if _unsendable(target) or " " in target:
        target = urllib.parse.quote(target, safe="/?&=%;+")
    return item, request(port, method, target, body=body, headers=headers, timeout=CLIENT_TIMEOUT)


def entity_stems(release_dir: Path) -> list[str]:
    sitemap = (release_dir / "current" / "sitemap.xml").read_text(encoding="utf-8")
    stems = [loc.split("/", 3)[3] for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap)]
    return [s for s in stems if s.startswith(("id/", "def/", "shapes/"))] or ["id/organisation/cc-zou"]


def expected_503(answer: Answer) -> bool:
    """True for the documented 503s: a query past its time limit, a worker replaced, a full queue."""
    text = answer.body.decode("utf-8", "replace").lower()
    return answer.status == 503 and ("time limit" in text or "try again" in text or "retry" in text)


def run(inputs: int, seed: int, clients: int) -> int:
    work = scratch("fuzz")
    try:
        releases = prepare_releases(work / "releases")
        with Server(releases) as server:
            generator = Inputs(seed, entity_stems(releases))
            items = [generator.next() for _ in range(inputs)]
            started = time.monotonic()
            with ThreadPoolExecutor(clients) as pool:
                results = list(pool.map(lambda item: send(server.port, item), items))
            seconds = time.monotonic() - started
            health = server.request("GET", "/health")
            log = server.log()
        return report(results, seed, seconds, clients, health, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(results, seed, seconds, clients, health, log) -> int:
    by_kind: dict[str, Counter] = {}
    bad, timeouts, expected = [], [], 0
    for item, answer in results:
        by_kind.setdefault(item[0], Counter())[str(answer.status)] += 1
        if answer.status == "timeout":
            timeouts.append((item, answer))
        elif isinstance(answer.status, int) and answer.status >= 500 and expected_503(answer):
            expected += 1
        elif not isinstance(answer.status, int) or answer.status >= 500 or has_traceback(answer.body):
            bad.append((item, answer))
    log_tracebacks = log.count("Traceback (most recent call last)")
    log_5xx = [line for line in log.splitlines() if re.search(r"coopkg\.request \S+ \S+ 5\d\d ", line)]
    print(f"## Fuzzing ({commit()}, seed {seed}, {len(results)} inputs, {clients} clients, {seconds:.0f} s)\n")
    rows = [
        [kind, sum(c.values()), ", ".join(f"{s}: {n}" for s, n in sorted(c.items()))] for kind, c in by_kind.items()
    ]
    total = Counter()
    for c in by_kind.values():
        total.update(c)
    rows.append(["**all**", sum(total.values()), ", ".join(f"{s}: {n}" for s, n in sorted(total.items()))])
    print(markdown_table(["inputs", "sent", "answers by status"], rows))
    print(f"\n- 5xx other than a documented 503, or a traceback in a body, or no HTTP answer: {len(bad)}")
    print(f"- documented 503 (query past its time limit / worker replaced / busy): {expected}")
    print(f"- client timeouts ({CLIENT_TIMEOUT:.0f} s): {len(timeouts)}")
    print(f"- tracebacks in the server log: {log_tracebacks}; 5xx lines in the request log: {len(log_5xx)}")
    print(f"- /health after the run: {health.status} {health.body[:200].decode('utf-8', 'replace')}")
    for item, answer in (bad + timeouts)[:15]:
        print(
            f"  - {item[0]} {item[1]} {item[2][:300]!r} headers={item[3]} body={(item[4] or b'')[:200]!r}"
            f" -> {answer.status} {answer.body[:300]!r}"
        )
    for line in log_5xx[:10]:
        print(f"  - log: {line[:300]}")
    if log_tracebacks:
        at = log.index("Traceback (most recent call last)")
        print(
            "  - first traceback in the log:\n"
            + "\n".join("    " + s for s in log[max(0, at - 300) : at + 2500].splitlines())
        )
    return 1 if bad or timeouts or log_tracebacks else 0


if __name__ == "__main__":
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=10, help="0: a random seed (printed)")
    parser.add_argument("--clients", type=int, default=4)
    arguments = parser.parse_args()
    chosen = arguments.seed or random.SystemRandom().randrange(1, 10**6)
    sys.exit(run(arguments.inputs, chosen, arguments.clients))
