"""The production HTTP server: waitress, configured to hold many slow clients and to refuse big
bodies before reading them.

Waitress reads requests in one event loop and hands complete ones to `threads` worker threads,
so a slow client costs a socket and a few kilobytes, not a thread. What limits it is
`connection_limit`: past it waitress stops accepting, and everyone waits. A client trickling
one header byte every few seconds is never idle for `channel_timeout` (waitress has no deadline
for a whole request head), so the defence here is room: a high `connection_limit`, poll()
instead of select() (limited to file descriptors below 1024) and enough open files for it.
On the open internet a reverse proxy adds the deadline and per-address limits (deploy/nginx/).

A body is refused before it is read when its length is past twice `max_post_length`: waitress
reads whole requests before the app sees them, so it refuses those itself, as soon as their head
says (or their chunks reach) so; the app refuses, with a message naming the limit, the bodies
between the limit and twice it, which waitress has buffered (on disk past 512 KiB).
"""

from __future__ import annotations

import logging
import resource

import waitress

from .config import Settings

log = logging.getLogger("coopkg.serve")
SPARE_FILES = 128  # listening socket, store files, query workers' pipes, logs, temporary files


def create_server(app, settings: Settings):
    """Return a waitress server for `app`, bound to the settings' host and port (not yet running).

    Raises OSError when it cannot listen and ValueError for a host or port waitress refuses.
    """
    return waitress.create_server(
        app,
        host=settings.host,
        port=settings.port,
        threads=settings.threads,
        ident="coopkg",
        connection_limit=_affordable_connections(settings.connection_limit),
        channel_timeout=settings.channel_timeout,
        cleanup_interval=max(1, min(30, settings.channel_timeout // 2)),
        max_request_body_size=2 * settings.max_post_length,
        asyncore_use_poll=True,
    )


def _affordable_connections(wanted: int) -> int:
    """Return how many connections the process can hold open, at most `wanted`: raises its soft
    limit of open files to the hard one, and logs a warning when even that is not enough."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + SPARE_FILES
    if soft != resource.RLIM_INFINITY and soft < needed:
        raised = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError) as error:
            log.warning("cannot raise the limit of open files from %d to %d: %s", soft, raised, error)
    if soft != resource.RLIM_INFINITY and soft < needed:
        affordable = max(1, soft - SPARE_FILES)
        log.warning(
            "connection_limit %d lowered to %d: the process may open only %d files (raise `ulimit -n`)",
            wanted,
            affordable,
            soft,
        )
        return affordable
    return wanted
