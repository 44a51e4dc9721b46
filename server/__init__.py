"""coopkg: a linked-data knowledge graph of decentralised international cooperation."""

from __future__ import annotations

from dataclasses import fields

from flask import Flask

from .config import Settings
from .logs import install_request_log
from .state import Published


def create_app(config: dict | None = None, published: Published | None = None) -> Flask:
    """Return the Flask app serving the knowledge base.

    Settings come from defaults, coopkg.toml, COOPKG_* variables, then `config`; an app given
    an already validated `published` (tests, the CLI) takes its settings, `config` on top.
    Everything the app holds is built here, once, into `app.extensions["coopkg"]` (a
    server.service.Service); then the app-wide error pages, template helpers and headers, then the
    blueprints, which only declare routes.
    Raises UnreadableSource or DataDoesNotConform when the data cannot be served.
    """
    from . import charts
    from .graphs import EngineError
    from .service import Service
    from .web import errors, headers, register_blueprints, site

    settings = _settings(config, published)
    app = Flask(__name__)
    # A longer body is refused (413) unread. One byte more than the setting, so that a body of
    # unknown length (chunked) is read up to it and the SPARQL endpoint can tell it is too long.
    app.config["MAX_CONTENT_LENGTH"] = settings.max_post_length + 1
    app.extensions["coopkg"] = Service.open(settings, published)
    app.register_error_handler(404, errors.not_found)
    app.register_error_handler(413, errors.too_large)
    app.register_error_handler(EngineError, errors.engine_failed)
    site.install_babel(app)
    app.context_processor(site.template_helpers)
    app.add_template_filter(charts.value_text, "value_text")
    install_request_log(app)  # one log line per request (coopkg.request)
    headers.install(app)
    register_blueprints(app)
    return app


def _settings(config: dict | None, published: Published | None) -> Settings:
    """Return the app's settings: loaded with `config`, or `published`'s with `config` on top.

    Raises ConfigError for an unknown setting or a bad value.
    """
    if published is None:
        return Settings.load(config)
    opened_with = {f.name: getattr(published.settings, f.name) for f in fields(Settings)}
    return Settings.load({**opened_with, **(config or {})}, environ={})
