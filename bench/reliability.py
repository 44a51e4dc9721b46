"""Run the reliability scripts of docs/reliability.md and print their figures (Markdown).

Usage: python bench/reliability.py --all            (from the project root; about 4 minutes)
       python bench/reliability.py fuzz hostile      (some of: fuzz hostile load faults)
       python bench/reliability.py --all --out FILE  (also write the figures to FILE)

Builds one release into a temporary folder, which every script copies into a release folder
of its own (COOPKG_RELEASE_DIR) for the `python -m server serve` it starts on a free loopback
port and stops. Each script is bounded in time; a script that overruns its bound is stopped.
Exit 1 when a script found a 5xx, a traceback, a hang or an error (or overran).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from harness import ROOT, SEED_VARIABLE, build_release, commit, scratch

HERE = Path(__file__).resolve().parent
SCRIPTS = {  # name: (script, arguments, seconds it may take)
    "fuzz": ("fuzz.py", [], 120),
    "hostile": ("hostile.py", [], 150),
    "load": ("mixed_load.py", [], 120),
    "faults": ("faults.py", [], 180),
}


def run_script(script: Path, extra: list[str], environment: dict, bound: float) -> tuple[str, int]:
    """Run one script; past `bound` seconds send it SIGTERM (it stops its server), then SIGKILL."""
    process = subprocess.Popen(
        [sys.executable, str(script), *extra],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = process.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            out, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        return f"{script.name}: stopped after {bound:.0f} s\n{out}\n{err[-2000:]}", 1
    return out + (f"\n(stderr)\n{err[-3000:]}" if process.returncode else ""), process.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="some of: " + ", ".join(SCRIPTS))
    parser.add_argument("--all", action="store_true", help="run every script")
    parser.add_argument("--out", type=Path, help="also write the figures to this file")
    arguments = parser.parse_args()
    names = list(SCRIPTS) if arguments.all or not arguments.names else arguments.names
    unknown = [name for name in names if name not in SCRIPTS]
    if unknown:
        parser.error(f"unknown script {unknown[0]!r}; choose among {', '.join(SCRIPTS)}")
    work = scratch("reliability")
    outputs, failed = (
        [f"# Reliability figures ({commit()}), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"],
        0,
    )
    try:
        build_release(work / "seed")
        environment = {**os.environ, SEED_VARIABLE: str(work / "seed")}
        for name in names:
            script, extra, bound = SCRIPTS[name]
            started = time.monotonic()
            text, code = run_script(HERE / script, extra, environment, bound)
            text += f"\n({name}: {time.monotonic() - started:.0f} s, exit {code})\n"
            failed += code != 0
            outputs.append(text)
            print(text, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if arguments.out:
        arguments.out.write_text("\n".join(outputs), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
