"""Time and peak memory of `coopkg import iati` on a generated IATI 2.03 file.

    python bench/iati_import.py --activities 10000 --seed 1
    python bench/iati_import.py --activities 1000 --keep /tmp/iati-1000.xml

The file is generated, seeded, one activity at a time: each activity has titles in French and
English, a description, a reporting organisation and three participating ones (funding,
accountable, implementing) drawn from a pool of 60 (BJ-IFU-… communes, XM-DAC-… donors),
three activity dates, a recipient country, a DAC and an SDG sector, a location, two budgets,
four transactions and one result with two indicators (a baseline and two periods of target
and actual each). The import runs as `python -m server import iati FILE --into TMP` in a child
process; the report gives its steps' durations (from its log) with the peak resident memory
sampled during each (every 0.25 s), its wall and CPU time and the peak resident memory of the
child.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
COUNTRIES = ["BJ", "BF", "SN", "ML", "TG", "NE"]
SECTORS = ["31120", "31161", "31163", "43072", "32161", "14030", "12220", "11220"]


def organisations(rng: random.Random) -> list[tuple[str, str, str]]:
    """Return the pool of (identifier, type, name) the activities draw their organisations from."""
    communes = [(f"BJ-IFU-{rng.randrange(10**12, 10**13)}", "10", f"Commune {i}") for i in range(40)]
    donors = [(f"XM-DAC-{i}-{rng.randrange(1, 99)}", "10", f"Agency {i}") for i in range(1, 21)]
    return communes + donors


def activity(rng: random.Random, index: int, pool: list[tuple[str, str, str]]) -> str:
    """Return one <iati-activity> as text."""
    reporter, funder, accountable, implementer = rng.sample(pool, 4)
    ident = f"{reporter[0]}-{index:06d}"
    year = rng.randrange(2015, 2025)
    org = lambda tag, o, role="": (  # noqa: E731
        f'<{tag} ref="{o[0]}" type="{o[1]}"{role}><narrative>{escape(o[2])}</narrative></{tag}>'
    )
    parts = [
        f'<iati-activity xml:lang="fr" default-currency="XOF" last-updated-datetime="{year}-01-01T00:00:00Z">',
        f"<iati-identifier>{ident}</iati-identifier>",
        org("reporting-org", reporter),
        f"<title><narrative>Programme {index} de développement local</narrative>"
        f'<narrative xml:lang="en">Local development programme {index}</narrative></title>',
        f'<description type="1"><narrative>Description du programme {index}.</narrative></description>',
        org("participating-org", funder, ' role="1"'),
        org("participating-org", accountable, ' role="2"'),
        org("participating-org", implementer, ' role="4"'),
        '<activity-status code="2"/>',
        f'<activity-date type="1" iso-date="{year}-01-01"/>',
        f'<activity-date type="2" iso-date="{year}-02-01"/>',
        f'<activity-date type="3" iso-date="{year + 2}-12-31"/>',
        f'<recipient-country code="{rng.choice(COUNTRIES)}" percentage="100"/>',
        f'<location><name><narrative>Lieu {index}</narrative></name><point srsName="http://www.opengis.net/def/crs/EPSG/0/4326">'
        f"<pos>{rng.uniform(6, 12):.5f} {rng.uniform(1, 3):.5f}</pos></point></location>",
        f'<sector vocabulary="1" code="{rng.choice(SECTORS)}" percentage="100"/>',
        f'<sector vocabulary="7" code="{rng.randrange(1, 18)}"/>',
    ]
    for offset in range(2):
        parts.append(
            f'<budget type="1" status="{rng.choice("12")}"><period-start iso-date="{year + offset}-01-01"/>'
            f'<period-end iso-date="{year + offset}-12-31"/><value value-date="{year + offset}-01-01">'
            f"{rng.randrange(10**5, 10**8)}</value></budget>"
        )
    for number in range(4):
        parts.append(
            f'<transaction><transaction-type code="{rng.choice("234")}"/>'
            f'<transaction-date iso-date="{year}-{number * 3 + 1:02d}-15"/>'
            f'<value value-date="{year}-{number * 3 + 1:02d}-15">{rng.randrange(10**4, 10**7)}</value>'
            f'<provider-org ref="{funder[0]}"/><receiver-org ref="{implementer[0]}"/></transaction>'
        )
    parts.append('<result type="1"><title><narrative>Résultat attendu</narrative></title>')
    for number in range(2):
        parts.append(
            f'<indicator measure="1" ascending="1"><title><narrative>Indicateur {number + 1}</narrative></title>'
            f'<baseline year="{year}" iso-date="{year}-01-01" value="{rng.randrange(0, 100)}"/>'
        )
        for offset in range(2):
            parts.append(
                f'<period><period-start iso-date="{year + offset}-01-01"/>'
                f'<period-end iso-date="{year + offset}-12-31"/>'
                f'<target value="{rng.randrange(50, 200)}"/><actual value="{rng.randrange(0, 200)}"/></period>'
            )
        parts.append("</indicator>")
    parts.append("</result></iati-activity>")
    return "".join(parts)


def generate(path: Path, activities: int, seed: int) -> None:
    """Write an IATI 2.03 file of `activities` activities to `path` (same seed, same bytes)."""
    rng = random.Random(seed)
    pool = organisations(rng)
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write('<iati-activities version="2.03" generated-datetime="2026-01-01T00:00:00Z">\n')
        for index in range(activities):
            out.write(activity(rng, index, pool) + "\n")
        out.write("</iati-activities>\n")


def _rss_mib(pid: int) -> float | None:
    """The resident memory of process `pid` now, in MiB (Linux), or None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def measure(path: Path) -> dict:
    """Run the import of `path` in a child process; return its steps (each with the peak
    resident memory sampled while it ran), wall and CPU time, and the child's peak memory."""
    samples: list[tuple[float, float]] = []  # (seconds since start, MiB)
    lines: list[tuple[float, str]] = []  # (seconds since start, a line of the child's stderr)
    with tempfile.TemporaryDirectory(prefix="coopkg-bench-iati-") as into:
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-m", "server", "import", "iati", str(path), "--into", into],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

        def read_stderr() -> None:
            for line in child.stderr:
                lines.append((time.monotonic() - started, line.rstrip("\n")))

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        while child.poll() is None:
            rss = _rss_mib(child.pid)
            if rss is not None:
                samples.append((time.monotonic() - started, rss))
            time.sleep(0.25)
        stdout = child.stdout.read()
        reader.join()
        wall = time.monotonic() - started
        written = sum(f.stat().st_size for f in Path(into).glob("imports/*.ttl"))
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    steps = []
    for at, line in lines:
        found = re.search(r"coopkg\.import (.+?)… ([\d.]+) s", line)
        if found:
            seconds = float(found.group(2))
            during = [mib for t, mib in samples if at - seconds - 0.5 <= t <= at]
            steps.append((found.group(1), seconds, max(during, default=float("nan"))))
    return {
        "exit": child.returncode,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mib": usage.ru_maxrss / 1024,  # KiB on Linux
        "steps": steps,
        "turtle_bytes": written,
        "stdout": stdout.strip(),
        "stderr_tail": [line for _, line in lines[-3:]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write the generated file here (kept)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="coopkg-bench-iati-input-") as folder:
        path = args.keep or Path(folder) / f"generated-{args.activities}.xml"
        generate(path, args.activities, args.seed)
        size = path.stat().st_size
        result = measure(path)
    print(f"IATI import of {args.activities} activities (seed {args.seed}, {size / 2**20:.1f} MiB of XML)")
    for name, seconds, peak in result["steps"]:
        print(f"  {name:<40} {seconds:8.1f} s   peak {peak:6.0f} MiB")
    print(
        f"  wall time {result['wall_s']:.1f} s, CPU time {result['cpu_s']:.1f} s, "
        f"peak memory {result['peak_mib']:.0f} MiB, exit {result['exit']}"
    )
    print(f"  Turtle written: {result['turtle_bytes'] / 2**20:.1f} MiB; {result['stdout']}")
    if result["exit"] != 0:
        print("\n".join(result["stderr_tail"]))
    return result["exit"]


if __name__ == "__main__":
    sys.exit(main())
