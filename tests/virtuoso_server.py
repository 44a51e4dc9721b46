"""A real Virtuoso 7 for the tests (Debian's `virtuoso-opensource`: `virtuoso-t`, `isql-vt`):
a private database in a temporary folder, its SQL (ISQL) and HTTP ports on free loopback
ports, a release's N-Quads dump loaded with the bulk loader (`ld_dir`, `rdf_loader_run`) into
the dump's own named graphs; stopped by its process id when the test is done.

Debian's packaged service is not used: `virtuoso-t +foreground +configfile FILE` runs with a
`virtuoso.ini` written here, whose files all lie in the temporary folder.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from engine_server import answers_sparql
from sparql_server import PORT_ATTEMPTS, free_port

START_TIMEOUT = 60.0  # a new database takes a few seconds to be made
# The database administrator of a new Virtuoso database; the server listens on loopback only.
DBA = ("dba", "dba")

INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 0
CaseMode = 2
DirsAllowed = ., {folder}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
EnabledDavVSP = 0

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 400
"""


@dataclass
class VirtuosoServer:
    url: str  # the SPARQL query endpoint, /sparql
    sql_port: int
    process: subprocess.Popen
    folder: Path

    @property
    def log(self) -> Path:
        return self.folder / "virtuoso.out"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def isql(self, statements: str) -> str:
        """Run SQL `statements` as the administrator; return isql's output.

        Raises RuntimeError with the output when a statement fails.
        """
        done = subprocess.run(
            [isql_command(), f"127.0.0.1:{self.sql_port}", *DBA, f"exec={statements}"],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=self.folder,
        )
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql-vt failed on {statements!r}:\n{done.stdout}{done.stderr}")
        return done.stdout

    def load(self, dump: Path) -> None:
        """Load the N-Quads `dump` with the bulk loader: each quad into its own graph."""
        copy = self.folder / "load" / dump.name  # the loader reads only from DirsAllowed
        copy.parent.mkdir(exist_ok=True)
        shutil.copyfile(dump, copy)
        self.isql(f"ld_dir('{copy.parent}', '{copy.name}', 'urn:coopkg:no-graph'); rdf_loader_run(); checkpoint;")
        failed = self.isql("select ll_file, ll_error from DB.DBA.load_list where ll_error is not null;")
        if "0 Rows." not in failed:
            raise RuntimeError(f"the Virtuoso bulk loader failed on {dump}:\n{failed}")

    def text_index(self) -> None:
        """Index every literal loaded so far in Virtuoso's text index (what `bif:contains`
        searches); those loaded later wait for its next batch (docs/engines.md, "Search")."""
        self.isql("DB.DBA.RDF_OBJ_FT_RULE_ADD(null, null, 'coopkg'); DB.DBA.VT_INC_INDEX_DB_DBA_RDF_OBJ();")

    def stop(self) -> None:
        """Stop the server by its process id (SIGTERM: a quick shutdown) and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def virtuoso_command() -> str | None:
    return shutil.which("virtuoso-t") if isql_command() else None


def isql_command() -> str | None:
    return shutil.which("isql-vt")


@contextmanager
def virtuoso_server(folder: Path, dump: Path | None = None) -> Iterator[VirtuosoServer]:
    """Run Virtuoso with a new database in `folder` on 127.0.0.1 and free ports, `dump` (N-Quads)
    loaded; yield it once its SPARQL endpoint answers; stop it when the block ends.

    Raises RuntimeError (with the server's output) if it does not come up.
    """
    for attempt in range(PORT_ATTEMPTS):
        home = folder / f"virtuoso-{attempt}"
        home.mkdir(parents=True)
        sql_port = http_port = free_port()
        while http_port == sql_port:
            http_port = free_port()
        ini = home / "virtuoso.ini"
        ini.write_text(INI.format(folder=home, sql_port=sql_port, http_port=http_port), encoding="utf-8")
        with (home / "virtuoso.out").open("wb") as out:
            process = subprocess.Popen(
                [virtuoso_command(), "+foreground", "+configfile", str(ini)],
                cwd=home,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = VirtuosoServer(f"http://127.0.0.1:{http_port}/sparql", sql_port, process, home)
        if answers_sparql(server.process, server.url, START_TIMEOUT, pause=0.2):
            break
        server.stop()
    else:
        raise RuntimeError(f"virtuoso-t did not come up:\n{server.output()}")
    try:
        if dump is not None:
            server.load(dump)
        yield server
    finally:
        server.stop()
