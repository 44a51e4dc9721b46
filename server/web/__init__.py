"""The web layer: one blueprint per concern, registered here."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint of the app."""
    from . import health
    from .sparql import blueprint as sparql_blueprint

    app.register_blueprint(health.blueprint)
    app.register_blueprint(sparql_blueprint)
