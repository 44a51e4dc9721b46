"""Credentials for an external engine: read from the environment only (COOPKG_ENGINE_USER,
COOPKG_ENGINE_PASSWORD), sent as HTTP basic or digest authentication, whichever the engine
asks for (docs/engines.md, "Configuration"); never logged."""

from __future__ import annotations

import os


def basic_or_digest(user: str, password: str):
    """Return the requests authentication for (user, password): HTTP basic or digest, whichever
    the engine's 401 asks for (Virtuoso's Graph Store Protocol endpoint, /sparql-graph-crud-auth,
    takes digest only and refuses a request that sends basic), then basic up front once an
    engine has asked for it. It equals the pair (user, password)."""
    from requests.auth import HTTPDigestAuth, _basic_auth_str

    class BasicOrDigest(HTTPDigestAuth):
        basic = False  # the engine asked for basic: send it with every request

        def __call__(self, request):
            if self.basic:
                request.headers["Authorization"] = _basic_auth_str(self.username, self.password)
                return request
            return super().__call__(request)

        def handle_401(self, answer, **kwargs):
            challenge = answer.headers.get("www-authenticate", "").lower()
            if self.basic or "digest" in challenge or "basic" not in challenge:
                return super().handle_401(answer, **kwargs)
            self.basic = True
            answer.content  # noqa: B018 - read the answer so that its connection can be reused
            answer.close()
            again = answer.request.copy()
            again.headers["Authorization"] = _basic_auth_str(self.username, self.password)
            retried = answer.connection.send(again, **kwargs)
            retried.history.append(answer)
            retried.request = again
            return retried

        def __eq__(self, other):
            if isinstance(other, tuple):
                return (self.username, self.password) == other
            return super().__eq__(other)

        __hash__ = None

        def __repr__(self) -> str:
            return f"BasicOrDigest({self.username!r})"

    return BasicOrDigest(user, password)


def engine_credentials(environ: dict | None = None) -> tuple[str, str] | None:
    """Return (user, password) from COOPKG_ENGINE_USER and COOPKG_ENGINE_PASSWORD, or None."""
    environ = os.environ if environ is None else environ
    user = environ.get("COOPKG_ENGINE_USER")
    return (user, environ.get("COOPKG_ENGINE_PASSWORD", "")) if user else None
