"""coopkg: a linked-data knowledge graph of decentralised international cooperation."""

from __future__ import annotations

from flask import Flask

from .config import Settings
from .logs import install_request_log
from .state import Published


def create_app(config: dict | None = None, published: Published | None = None) -> Flask:
    """Return the Flask app serving the knowledge base.

    Settings come from defaults, coopkg.toml, COOPKG_* variables, then `config`.
    `published` lets a caller (tests, the CLI) reuse an already validated store.
    Raises UnreadableSource or DataDoesNotConform when the data cannot be served.
    """
    settings = Settings.load(config)
    app = Flask(__name__)
    app.config["COOPKG"] = settings
    app.extensions["coopkg"] = published or Published.open(settings)
    install_request_log(app)  # one log line per request (coopkg.request)

    from .web import register_blueprints

    register_blueprints(app)
    return app
