#!/usr/bin/env python3
"""Several casting-server instances on one machine, drilled: `deploy/local-cluster`.

Brings up, on loopback ports under a temporary directory:

  - a PostgreSQL primary and a streaming replica made with pg_basebackup;
  - three casting-server instances (release build) on the primary;
  - HAProxy in front of them, health-checking each on /ready and retrying
    idempotent requests on another instance when one fails.

Then runs the drills, prints one table of figures, and tears everything down
(also on Ctrl-C or a failed drill).

Usage: deploy/local-cluster [--seconds N] [--keep]   (--keep: leave it running
until Enter is pressed, to look around)

Each drill is a function taking the Cluster and returning rows of figures;
DRILLS lists them in order, so a new drill is one function and one line.
"""

import argparse
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE_PORT = int(os.environ.get("CASTING_CLUSTER_BASE_PORT", "18180"))
PRIMARY_PORT = int(os.environ.get("CASTING_CLUSTER_PG_PORT", "55432"))
REPLICA_PORT = PRIMARY_PORT + 1
BALANCER_PORT = BASE_PORT
STATS_PORT = BASE_PORT + 9
INSTANCES = 3
CONNECTIONS, THREADS = 32, 2
DATABASE = "casting_cluster"
USER, PASSWORD = "drill", "drill-password"


def log(message):
    print(f"local-cluster: {message}", file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def pg_bin(program):
    """A PostgreSQL server program (initdb, pg_ctl, pg_basebackup…)."""
    try:
        bindir = run(["pg_config", "--bindir"]).stdout.strip()
        if os.path.exists(os.path.join(bindir, program)):
            return os.path.join(bindir, program)
    except (OSError, subprocess.CalledProcessError):
        pass
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{program}"))
    if not found:
        raise SystemExit(f"{program} not found: install PostgreSQL (scripts/ensure-postgres)")
    return found[-1]


def as_postgres(cmd):
    """PostgreSQL refuses to run as root: run its programs as user postgres."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def http(method, url, token=None, body=None, timeout=5):
    """(status, parsed JSON body or None)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None


def wait_until(check, what, limit=60.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


class Postgres:
    """One PostgreSQL server of the cluster, in its own data directory."""

    def __init__(self, workdir, name, port):
        self.dir = os.path.join(workdir, name)
        self.port = port
        self.name = name
        self.sockets = workdir

    def url(self, database=DATABASE):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}?sslmode=disable"

    def psql(self, sql, database=DATABASE):
        return run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
                    "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql]).stdout.strip()

    def start(self):
        run(as_postgres([pg_bin("pg_ctl"), "-D", self.dir, "-l", f"{self.dir}.log", "-w", "start"]))

    def stop(self, mode="immediate"):
        subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", self.dir, "-m", mode, "-w", "stop"]),
                       capture_output=True)

    def settings(self):
        return (f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.sockets}'\n"
                "wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\n"
                "max_connections = 100\nfsync = off\n")


def make_primary(workdir):
    primary = Postgres(workdir, "primary", PRIMARY_PORT)
    run(as_postgres([pg_bin("initdb"), "-D", primary.dir, "-U", "postgres", "--auth=trust", "-E", "UTF8"]))
    with open(os.path.join(primary.dir, "postgresql.conf"), "a") as conf:
        conf.write(primary.settings())
    with open(os.path.join(primary.dir, "pg_hba.conf"), "a") as hba:
        hba.write("host replication postgres 127.0.0.1/32 trust\n")
    primary.start()
    return primary


def make_replica(workdir, primary):
    """A streaming replica of `primary`, made with pg_basebackup (-R writes
    primary_conninfo and standby.signal)."""
    replica = Postgres(workdir, "replica", REPLICA_PORT)
    run(as_postgres([pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                     "-D", replica.dir, "-R", "-X", "stream", "-c", "fast"]))
    with open(os.path.join(replica.dir, "postgresql.conf"), "a") as conf:
        conf.write(f"port = {replica.port}\n")
    replica.start()
    wait_until(lambda: primary.psql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'",
                                    "postgres") == "1", "the replica to stream")
    return replica


class Instance:
    """One casting-server process."""

    def __init__(self, binary, workdir, number, primary):
        self.number = number
        self.port = BASE_PORT + number
        self.binary = binary
        self.log = os.path.join(workdir, f"instance-{number}.log")
        self.env = dict(os.environ, DATABASE_URL=primary.url(), CASTING_BIND=f"127.0.0.1:{self.port}",
                        CASTING_LOG_FORMAT="json", RUST_LOG="warn", CASTING_PUBLIC_URL=f"http://127.0.0.1:{BALANCER_PORT}")
        self.env.pop("PORT", None)
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        with open(self.log, "a") as out:
            self.proc = subprocess.Popen([self.binary, "serve"], env=self.env, stdout=out, stderr=out)
        wait_until(lambda: http("GET", f"{self.url}/ready")[0] == 200, f"instance {self.number}")

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=60)


HAPROXY_CONFIG = """
global
    maxconn 4096
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    # A request that could not reach an instance, or got no answer from a
    # dying one, is sent to another instance when it is idempotent.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout 503
frontend api
    bind 127.0.0.1:{balancer}
    default_backend instances
backend instances
    balance roundrobin
    option httpchk GET /ready
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
{servers}
listen stats
    bind 127.0.0.1:{stats}
    stats enable
    stats uri /stats
"""


class Balancer:
    def __init__(self, workdir, instances):
        self.config = os.path.join(workdir, "haproxy.cfg")
        servers = "\n".join(f"    server instance{i.number} 127.0.0.1:{i.port} check" for i in instances)
        with open(self.config, "w") as conf:
            conf.write(HAPROXY_CONFIG.format(balancer=BALANCER_PORT, stats=STATS_PORT, servers=servers))
        run(["haproxy", "-c", "-q", "-f", self.config])
        self.proc = subprocess.Popen(["haproxy", "-db", "-f", self.config],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{BALANCER_PORT}"
        wait_until(lambda: self.up() == len(instances), "HAProxy to see every instance up")

    def stats(self):
        """HAProxy's per-server CSV statistics, by server name."""
        with urllib.request.urlopen(f"http://127.0.0.1:{STATS_PORT}/stats;csv", timeout=2) as response:
            lines = response.read().decode().splitlines()
        header = lines[0].lstrip("# ").split(",")
        rows = [dict(zip(header, line.split(","))) for line in lines[1:] if line]
        return {row["svname"]: row for row in rows if row["pxname"] == "instances"}

    def up(self):
        return sum(1 for name, row in self.stats().items() if name.startswith("instance") and row["status"] == "UP")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


class Cluster:
    def __init__(self, binary, workdir, seconds):
        self.binary = binary
        self.seconds = seconds
        self.workdir = workdir
        self.primary = self.replica = self.balancer = None
        self.instances = []

    def start(self):
        """Brings the topology up; `stop` tears down whatever part of it started."""
        binary, workdir = self.binary, self.workdir
        self.primary = make_primary(workdir)
        self.primary.psql(f"CREATE DATABASE {DATABASE}", "postgres")
        run([binary, "migrate"], env=dict(os.environ, DATABASE_URL=self.primary.url(), RUST_LOG="warn"))
        run([binary, "users", "add", USER, "--role", "producer", "--password-stdin"],
            env=dict(os.environ, DATABASE_URL=self.primary.url(), RUST_LOG="warn"), input=PASSWORD + "\n")
        self.replica = make_replica(workdir, self.primary)
        for number in range(1, INSTANCES + 1):
            self.instances.append(Instance(binary, workdir, number, self.primary))
            self.instances[-1].start()
        self.balancer = Balancer(workdir, self.instances)
        status, body = http("POST", f"{self.balancer.url}/auth/login", body={"username": USER, "password": PASSWORD})
        if status != 200:
            raise SystemExit(f"login through the balancer: {status}")
        self.token = body["access_token"]
        self.actors = seed_actors(self, 1000)

    def stop(self):
        for part in [self.balancer, *self.instances, self.replica, self.primary]:
            if part:
                part.stop()


def seed_actors(cluster, count):
    cluster.primary.psql(
        "INSERT INTO actors (name, age, gender) "
        f"SELECT 'Actor ' || n, n % 90 + 10, 'Other' FROM generate_series(1, {count}) AS n")
    return count


def wrk(cluster, url, seconds, during=None):
    """wrk against `url` (random actors by id); `during(elapsed_fraction)` is
    called once, half a second in, for drills that break something under load."""
    script = os.path.join(cluster.workdir, "get-actor.lua")
    with open(script, "w") as lua:
        lua.write('request = function()\n'
                  f'  return wrk.format("GET", "/actors/" .. math.random(1, {cluster.actors}))\nend\n')
    proc = subprocess.Popen(["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency",
                             "-H", f"Authorization: Bearer {cluster.token}", "-s", script, url],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if during:
        time.sleep(min(2.0, seconds / 4))
        during()
    out, _ = proc.communicate(timeout=seconds + 60)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return {"rps": rps, "p50": latency(out, "50"), "p99": latency(out, "99"), "requests": total, "failed": failed}


def latency(text, label):
    value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def load_row(name, figures, note=""):
    return (name, f"{figures['rps']:.0f}", f"{figures['p50']:.2f}", f"{figures['p99']:.2f}",
            f"{figures['failed']} of {figures['requests']}", note)


def drill_steady_load(cluster):
    """The same load on one instance directly, then through the balancer."""
    one = wrk(cluster, cluster.instances[0].url, cluster.seconds)
    three = wrk(cluster, cluster.balancer.url, cluster.seconds)
    return [load_row("steady GET /actors/{id}, one instance directly", one),
            load_row("steady GET /actors/{id}, 3 instances via HAProxy", three,
                     f"{three['rps'] / one['rps']:.2f}× one instance")]


def drill_instance_killed(cluster):
    """One instance SIGKILLed under load, then one stopped with SIGTERM."""
    rows = []
    for sig, how in [(signal.SIGKILL, "SIGKILL"), (signal.SIGTERM, "SIGTERM")]:
        victim = cluster.instances[1]
        before = cluster.balancer.stats()
        figures = wrk(cluster, cluster.balancer.url, cluster.seconds, during=lambda: victim.stop(sig))
        after = cluster.balancer.stats()
        retried = sum(int(after[s].get("wretr") or 0) - int(before[s].get("wretr") or 0) for s in after
                      if s.startswith("instance"))
        redispatched = sum(int(after[s].get("wredis") or 0) - int(before[s].get("wredis") or 0) for s in after
                           if s.startswith("instance"))
        started = time.monotonic()
        victim.start()
        wait_until(lambda: cluster.balancer.up() == INSTANCES, "the restarted instance to be UP again")
        back = time.monotonic() - started
        rows.append(load_row(f"one instance {how}ed under load, via HAProxy", figures,
                             f"retried {retried}, redispatched {redispatched}; back in {back:.1f} s"))
    return rows


def drill_read_your_write(cluster, rounds=200):
    """Write through one instance, read at once through another."""
    missed = 0
    started = time.monotonic()
    for n in range(rounds):
        writer = cluster.instances[n % INSTANCES]
        reader = cluster.instances[(n + 1) % INSTANCES]
        status, body = http("POST", f"{writer.url}/actors", cluster.token,
                            {"name": f"Written {n}", "age": 30, "gender": "Other"})
        if status != 201:
            raise SystemExit(f"POST /actors via instance {writer.number}: {status}")
        status, _ = http("GET", f"{reader.url}/actors/{body['created']}", cluster.token)
        missed += status != 200
    took = (time.monotonic() - started) / rounds * 1000
    return [("write then read via another instance", "", "", "", f"{missed} missed of {rounds}",
             f"{took:.2f} ms per write+read")]


def drill_replication(cluster, rounds=50):
    """How far behind the replica is: a row written on the primary, polled on
    the replica until it appears."""
    lags = []
    for n in range(rounds):
        marker = f"Replicated {n} {time.time_ns()}"
        cluster.primary.psql(f"INSERT INTO actors (name, age, gender) VALUES ('{marker}', 30, 'Other')")
        started = time.monotonic()
        wait_until(lambda: cluster.replica.psql(f"SELECT count(*) FROM actors WHERE name = '{marker}'") == "1",
                   "the replica to replay a write", limit=10)
        lags.append((time.monotonic() - started) * 1000)
    lags.sort()
    return [("replica replay of a primary write (psql polling)", "", f"{lags[len(lags) // 2]:.1f}",
             f"{lags[int(len(lags) * 0.99) - 1]:.1f}", f"0 of {rounds}", "ms until visible on the replica")]


def drill_replica_stopped(cluster):
    """Reads fall back to the primary when the replica stops: needs
    DATABASE_READ_URL, which the server does not have yet."""
    return [("replica stopped: reads fall back to the primary", "", "", "", "",
             "not run: the server has no DATABASE_READ_URL yet")]


DRILLS = [drill_steady_load, drill_instance_killed, drill_read_your_write, drill_replication,
          drill_replica_stopped]


def ensure_tools():
    missing = [p for p, t in (("haproxy", "haproxy"), ("wrk", "wrk"), ("postgresql-client", "psql"))
               if shutil.which(t) is None]
    if missing:
        log(f"installing {' '.join(missing)} with apt")
        run(["apt-get", "install", "-y", "-qq", *missing])


def build():
    log("building the release server…")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "casting-server"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "casting-server")


def print_table(rows, seconds):
    print(f"\nMachine: {os.cpu_count()} cores; {CONNECTIONS} connections, {THREADS} load threads, "
          f"{seconds} s per load run; everything on this machine.\n")
    print("| drill | req/s | p50 ms | p99 ms | failed | notes |")
    print("|---|---:|---:|---:|---:|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=8, help="length of each load run")
    parser.add_argument("--keep", action="store_true", help="wait for Enter before tearing down")
    args = parser.parse_args()
    ensure_tools()
    binary = build()
    workdir = tempfile.mkdtemp(prefix="casting-cluster-")
    os.chmod(workdir, 0o755)
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    cluster = Cluster(binary, workdir, args.seconds)
    rows = []
    try:
        log(f"starting the topology under {workdir}")
        cluster.start()
        log(f"up: HAProxy on {cluster.balancer.url}, instances on "
            f"{', '.join(str(i.port) for i in cluster.instances)}, primary :{PRIMARY_PORT}, replica :{REPLICA_PORT}")
        for drill in DRILLS:
            log(f"drill: {drill.__doc__.splitlines()[0]}")
            rows.extend(drill(cluster))
        print_table(rows, args.seconds)
        if args.keep:
            input("Enter tears the cluster down… ")
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        log("torn down")


if __name__ == "__main__":
    main()
