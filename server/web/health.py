"""A liveness probe for load balancers and the tests' server fixture."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

blueprint = Blueprint("health", __name__)


@blueprint.get("/health")
def health():
    published = current_app.extensions["coopkg"].published
    return jsonify(status="ok", triples=len(published.store))
