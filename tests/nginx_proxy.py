"""Debian's nginx in front of a coopkg server, on loopback, with deploy/nginx/coopkg.conf: a
private main configuration and prefix in a temporary folder, stopped by its process id."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SITE = PROJECT_ROOT / "deploy" / "nginx" / "coopkg.conf"
START_TIMEOUT = 20.0
MAIN = """\
worker_processes 1;
worker_rlimit_nofile 8192;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/coopkg.conf;
}}
"""


class NginxMissing(RuntimeError):
    pass


def site_configuration(port: int, upstream_port: int) -> str:
    """Return deploy/nginx/coopkg.conf listening on 127.0.0.1:`port`, proxying to `upstream_port`.

    Raises AssertionError when the shipped file no longer has the lines this replaces.
    """
    text = SITE.read_text(encoding="utf-8")
    for old, new in (("listen 80;", f"listen 127.0.0.1:{port};"), ("127.0.0.1:8000;", f"127.0.0.1:{upstream_port};")):
        assert text.count(old) == 1, f"{SITE} should hold {old!r} once"
        text = text.replace(old, new)
    return text


def start(folder: Path, port: int, upstream_port: int) -> subprocess.Popen:
    """Start nginx in `folder` on `port` in front of coopkg on `upstream_port`; return its process
    once it accepts connections.

    Raises NginxMissing when nginx is not installed, RuntimeError when it does not come up.
    """
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if nginx is None:
        raise NginxMissing("nginx is not installed: run scripts/install-test-system-deps (Debian's nginx)")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "coopkg.conf").write_text(site_configuration(port, upstream_port), encoding="utf-8")
    (folder / "nginx.conf").write_text(MAIN.format(prefix=folder), encoding="utf-8")
    command = [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"]
    with (folder / "nginx.out").open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("nginx stopped:\n" + (folder / "nginx.out").read_text(errors="replace"))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.05)
    stop(process)
    raise RuntimeError(f"nginx did not listen on port {port} in {START_TIMEOUT:.0f} s")


def stop(process: subprocess.Popen) -> None:
    """Stop nginx (its master, which stops its worker) and wait for it."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def nginx_proxy(folder: Path, port: int, upstream_port: int) -> Iterator[str]:
    """Run nginx in front of coopkg on `upstream_port`; yield its root URL; stop it."""
    process = start(folder, port, upstream_port)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop(process)
