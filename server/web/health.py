"""A liveness probe for load balancers and the tests' server fixture.

200 {"status": "ok", ...} while every configured query worker is alive; 503
{"status": "degraded", ...} when fewer are (one is being replaced, or cannot start: see
"last_failure"). The body says how many workers are alive and busy and how they are cut off
from the network (docs/sandbox.md). When /sparql forwards to an engine (engine_url), "sparql"
names the engine and the queries in flight, and "engine" says the engine's URL, the release
it holds and the one served; when the engine cannot be read or holds another release, the
status is "degraded" (503) and "engine" says why (the pages answer 503 too, until it can).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

blueprint = Blueprint("health", __name__)


@blueprint.get("/health")
def health():
    service = current_app.extensions["coopkg"]
    body = {"status": "ok", "triples": len(service.published.store)}
    pool = service.sparql.pool.status()
    body["sparql"] = pool.as_dict()
    healthy, engine = service.engine_status()
    if engine is not None:
        body["engine"] = engine
    if pool.degraded or not healthy:
        body["status"] = "degraded"
        return jsonify(body), 503
    return jsonify(body)
