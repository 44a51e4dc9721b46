"""The web layer: one blueprint per concern, registered by the app factory (server/__init__.py),
which builds the app's state (server/service.py) and its error pages and template helpers first."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint of the app."""
    from . import distribution, explore, health, pages, search, sparql

    app.register_blueprint(health.blueprint)
    app.register_blueprint(sparql.blueprint)  # SPARQL 1.1 protocol and query page (#3)
    app.register_blueprint(distribution.blueprint)  # dumps, catalogue, VoID, sitemap, robots (#5)
    app.register_blueprint(search.blueprint)  # search page and JSON (#4)
    app.register_blueprint(explore.blueprint)  # facets over the programmes (#14)
    app.register_blueprint(pages.blueprint)  # entity, term and index pages (#4)
