"""The web layer: one blueprint per concern, registered here."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint of the app."""
    from . import health

    app.register_blueprint(health.blueprint)
    from . import pages, search  # entity and index pages, search (#4)

    app.register_blueprint(search.blueprint)
    app.register_blueprint(pages.blueprint)
