"""Logging: one configuration for the command line and the server, and one line per request.

Records go to stderr as `2026-12-01 22:30:00 INFO coopkg.request GET /id/x 200 3.1ms 5120B`.
Loggers: `coopkg.request` (one line per request), `coopkg.release` (builds, steps, switches),
`coopkg.validation`, and whatever other modules under `coopkg.` log.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import quote

LEVELS = ("debug", "info", "warning", "error", "critical")
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_TARGET = 200  # characters of path and query string kept in a request line
URI_SAFE = "/!$&'()*+,;=:@~"  # left as they are in a logged path

request_log = logging.getLogger("coopkg.request")


class _StderrHandler(logging.StreamHandler):
    """The handler `configure` installs (found again and replaced by a later call)."""

    def __init__(self) -> None:
        super().__init__()  # sys.stderr at the time of each record: click's test runner swaps it

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure(level: str = "info") -> None:
    """Send coopkg's records at `level` and above (and other libraries' warnings) to stderr.

    Raises ValueError for a level not in LEVELS. Calling it again replaces the previous setup.
    """
    if level.lower() not in LEVELS:
        raise ValueError(f"unknown log level {level!r} (one of {', '.join(LEVELS)})")
    number = getattr(logging, level.upper())
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter(FORMAT, DATE_FORMAT))
    root.addHandler(handler)
    root.setLevel(max(number, logging.WARNING))  # other libraries: warnings and errors only
    for name in ("coopkg", "waitress"):
        logging.getLogger(name).setLevel(number)


def install_request_log(app) -> None:
    """Wrap the WSGI callable of `app` (a Flask app) so that every request logs one line."""
    app.wsgi_app = RequestLog(app.wsgi_app)


class RequestLog:
    """WSGI middleware: logs method, path and query (cut at MAX_TARGET), status, duration in
    milliseconds and response size, once the response has been sent (or has failed); a file
    the server sends by itself (wsgi.file_wrapper) is logged when its response starts."""

    def __init__(self, application: Callable) -> None:
        self.application = application

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        seen: dict = {}

        def recording_start_response(status, headers, exc_info=None):
            seen["status"] = status.split(" ", 1)[0]
            seen["length"] = next((v for k, v in headers if k.lower() == "content-length"), None)
            return start_response(status, headers, exc_info)

        try:
            body = self.application(environ, recording_start_response)
        except BaseException:
            _log_request(environ, "500", started, None)
            raise
        file_wrapper = environ.get("wsgi.file_wrapper")
        if isinstance(file_wrapper, type) and isinstance(body, file_wrapper):
            # The server sends the file itself (waitress): wrapping it would lose that.
            _log_request(environ, seen.get("status", "-"), started, seen.get("length"))
            return body
        return _Logged(body, environ, seen, started)


class _Logged:
    """A response body that counts the bytes it yields and logs the request once, when it has
    yielded its last byte or, if it is abandoned or fails before, when it is closed."""

    def __init__(self, body: Iterable[bytes], environ: dict, seen: dict, started: float) -> None:
        self.body, self.environ, self.seen, self.started = body, environ, seen, started
        self.sent, self.logged = 0, False

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in self.body:
                self.sent += len(chunk)
                yield chunk
        except BaseException:
            self._log(" (interrupted)")
            raise
        self._log()

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self._log()

    def _log(self, note: str = "") -> None:
        if not self.logged:
            self.logged = True
            _log_request(self.environ, self.seen.get("status", "-") + note, self.started, self.sent)


def _log_request(environ: dict, status: str, started: float, size) -> None:
    milliseconds = (time.perf_counter() - started) * 1000
    size_text = f" {size}B" if size is not None else ""
    request_log.info(
        "%s %s %s %.1fms%s", environ.get("REQUEST_METHOD", "-"), _target(environ), status, milliseconds, size_text
    )


def _target(environ: dict) -> str:
    """Return path and query string as sent (percent-encoded, so one token), cut at MAX_TARGET."""
    target = quote(_wsgi_bytes(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")), safe=URI_SAFE)
    query = environ.get("QUERY_STRING", "")
    if query:
        target += "?" + quote(_wsgi_bytes(query), safe=URI_SAFE + "%?")
    return target if len(target) <= MAX_TARGET else target[: MAX_TARGET - 1] + "…"


def _wsgi_bytes(text: str) -> bytes:
    """Return the bytes of a WSGI 'native string' (PEP 3333: bytes decoded as latin-1)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")
