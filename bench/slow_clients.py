"""Measure what slow clients do to normal requests: N sockets each trickle one header byte every
few seconds (a "slowloris"), while one client requests `/health` and `/` in turn.

Usage (from the project root; loopback only; stops itself, about DURATION + 30 s at most):
    python3 bench/slow_clients.py [--sockets 500] [--interval 3] [--duration 40] [--nginx]
It starts `python -m server serve` on a free port with its own temporary release folder (and,
with --nginx, Debian's nginx in front of it with deploy/nginx/coopkg.conf), opens the slow
sockets, reopens those the server closes, and prints for each route the success rate, p50 and
p99, then the slow sockets the server closed and the load average. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from harness import free_port

ROOT = Path(__file__).resolve().parent.parent
ROUTES = ("health", "")  # /health and /
REQUEST_TIMEOUT = 5.0  # a normal request that takes longer counts as failed
START_TIMEOUT = 120.0
HEADER_START = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"


def start_server(folder: Path, port: int, settings: dict[str, str]) -> subprocess.Popen:
    """Start `python -m server serve` on `port` with a release folder of its own in `folder`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("COOPKG_")}
    env.update(PYTHONPATH=str(ROOT), COOPKG_RELEASE_DIR=str(folder / "releases"), COOPKG_LOG_LEVEL="warning")
    env.update({f"COOPKG_{name.upper()}": value for name, value in settings.items()})
    with (folder / "server.log").open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def start_nginx(folder: Path, port: int, upstream_port: int) -> subprocess.Popen:
    """Start nginx on `port` in front of the server on `upstream_port` (deploy/nginx/coopkg.conf)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from nginx_proxy import start

    return start(folder / "nginx", port, upstream_port)


def wait_until_up(url: str, processes: list[subprocess.Popen], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise SystemExit("the server stopped:\n" + log.read_text(errors="replace"))
        try:
            with urllib.request.urlopen(url + "health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise SystemExit(f"the server did not answer /health in {START_TIMEOUT:.0f} s")


class SlowSockets:
    """`count` sockets that each send one more header byte every `interval` seconds, forever;
    a socket the server closes is counted and opened again."""

    def __init__(self, port: int, count: int, interval: float):
        self.port, self.count, self.interval = port, count, interval
        self.sockets: list[socket.socket] = []
        self.closed_by_server = 0
        self.stopping = threading.Event()

    def _open(self) -> socket.socket | None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=1)
            sock.sendall(HEADER_START)
            sock.setblocking(False)
            return sock
        except OSError:
            return None

    def run(self) -> None:
        self.sockets = [sock for sock in (self._open() for _ in range(self.count)) if sock]
        while not self.stopping.wait(self.interval):
            kept = []
            for sock in self.sockets:
                try:
                    sock.recv(1024, socket.MSG_PEEK)  # the server answered (an error) or closed it
                    raise ConnectionResetError
                except BlockingIOError:
                    pass
                except OSError:
                    self.closed_by_server += 1
                    sock.close()
                    continue
                try:
                    sock.send(b"X")  # one more byte of a header line that never ends
                    kept.append(sock)
                except OSError:
                    self.closed_by_server += 1
                    sock.close()
            missing = self.count - len(kept)
            kept.extend(sock for sock in (self._open() for _ in range(missing)) if sock)
            self.sockets = kept

    def close(self) -> None:
        self.stopping.set()
        for sock in self.sockets:
            sock.close()


def measure(url: str, seconds: float) -> dict[str, list[float | None]]:
    """Request each route in turn for `seconds`: the latency of each answer, None for a failure."""
    timings: dict[str, list[float | None]] = {route: [] for route in ROUTES}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for route in ROUTES:
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(url + route, timeout=REQUEST_TIMEOUT) as answer:
                    answer.read()
                    ok = answer.status == 200
            except (urllib.error.URLError, OSError):
                ok = False
            timings[route].append(time.perf_counter() - started if ok else None)
            time.sleep(0.1)
    return timings


def report(timings: dict[str, list[float | None]]) -> None:
    for route, figures in timings.items():
        answered = sorted(f for f in figures if f is not None)
        rate = 100 * len(answered) / len(figures) if figures else 0
        line = f"/{route:<7} {len(answered)}/{len(figures)} answered 200 ({rate:.0f} %)"
        if answered:
            p99 = answered[min(len(answered) - 1, round(0.99 * (len(answered) - 1)))]
            line += f"; p50 {1000 * statistics.median(answered):.0f} ms, p99 {1000 * p99:.0f} ms"
        print(line)


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) process `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between two bytes of a slow socket")
    parser.add_argument("--duration", type=float, default=40.0, help="seconds of normal requests (at most 60)")
    parser.add_argument("--nginx", action="store_true", help="put nginx (deploy/nginx/) in front of the server")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a server setting")
    options = parser.parse_args()
    settings = dict(item.split("=", 1) for item in options.set)
    folder = Path(tempfile.mkdtemp(prefix="coopkg-slow-clients-"))
    port = free_port()
    processes = [start_server(folder, port, settings)]
    try:
        if options.nginx:
            upstream, port = port, free_port()
            processes.append(start_nginx(folder, port, upstream))
        url = f"http://127.0.0.1:{port}/"
        wait_until_up(url, processes, folder / "server.log")
        print("server up; without slow sockets: ", end="")
        baseline = measure(url, 3)
        report({"health": baseline["health"]})
        slow = SlowSockets(port, options.sockets, options.interval)
        opener = threading.Thread(target=slow.run, daemon=True)
        opener.start()
        time.sleep(min(options.interval, 5))  # the sockets are open and trickling
        print(f"{options.sockets} slow sockets, one byte every {options.interval:g} s; normal requests:")
        cpu, started = cpu_seconds(processes[0].pid), time.monotonic()
        report(measure(url, min(options.duration, 60)))
        busy = (cpu_seconds(processes[0].pid) - cpu) / (time.monotonic() - started)
        print(f"server's CPU meanwhile: {100 * busy:.0f} % of one core")
        print(f"slow sockets closed by the server: {slow.closed_by_server}")
        print("load average (1, 5, 15 min): " + ", ".join(f"{load:.2f}" for load in os.getloadavg()))
        slow.close()
    finally:
        for process in reversed(processes):
            stop(process)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
