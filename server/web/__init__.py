"""The web layer: one blueprint per concern, registered here."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint of the app."""
    from . import distribution, health

    app.register_blueprint(health.blueprint)
    app.register_blueprint(distribution.blueprint)
