"""What the benchmark's parts share: where PostgreSQL is, the load's shape,
and running a command or a statement."""

import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG = os.environ.get("CASTING_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PORT = int(os.environ.get("CASTING_BENCH_PORT", "18900"))
CONNECTIONS, THREADS, ROUNDS = 32, 2, 3
SIZES = {"small": (1_000, 1_000), "large": (1_000_000, 1_000_000)}
# Both the server and pgbench talk to PostgreSQL over loopback without TLS.
LOOPBACK = "?sslmode=disable"


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def psql(db, sql):
    return run(["psql", f"{PG}/{db}", "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql]).stdout.strip()


def sqlite_file(db):
    return os.path.join(tempfile.gettempdir(), f"{db}.db")
