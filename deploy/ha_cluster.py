"""The high-availability cluster of `deploy/local-cluster --ha`: etcd, three
PostgreSQL nodes under Patroni with synchronous replication, HAProxy routing
writes to the leader and reads to the replicas by Patroni's REST checks, and
three casting-server instances behind a second HAProxy front; all on
loopback under one directory.

    deploy/local-cluster --ha up DIR      # leaves it running, writes DIR/cluster.env
    deploy/local-cluster --ha drill DIR   # failover drill on a running cluster
    deploy/local-cluster --ha drill       # up in a temporary directory, drill, down
    deploy/local-cluster down DIR         # stops everything under DIR, removes DIR

Needs: patroni, etcd-server, haproxy and PostgreSQL's server binaries
(apt-get install patroni etcd-server haproxy postgresql), and a server build.
"""

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AS_ROOT = os.geteuid() == 0
SCOPE = "casting"
DRILL_USER, DRILL_PASSWORD = "drill", "drill-password-123"
NODES = 3


def log(message):
    print(f"[local-cluster --ha] {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin():
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(p.split("/")[4]))
    found = shutil.which("initdb")
    if versions:
        return os.path.dirname(versions[-1])
    if found:
        return os.path.dirname(os.path.realpath(found))
    sys.exit("no PostgreSQL server binaries (apt-get install postgresql)")


def as_owner(args):
    """PostgreSQL refuses to run as root: Patroni and its PostgreSQL then run
    as postgres (setpriv execs, so the pid recorded is the program's own)."""
    if not AS_ROOT:
        return args
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups",
            "--reset-env", *args]


def get_json(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read() or b"null")
        except ValueError:
            return e.code, None
    except Exception:
        return None, None


def request(method, base, path, body=None, token=None, headers=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null"), {
                k.lower(): v for k, v in resp.headers.items()}
    except urllib.error.HTTPError as e:
        text = e.read()
        headers = {k.lower(): v for k, v in e.headers.items()}
        try:
            return e.code, json.loads(text or b"null"), headers
        except ValueError:
            return e.code, text.decode(errors="replace"), headers


def wait_until(what, check, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise SystemExit(f"{what}: not within {seconds}s")


# The cluster's layout, kept in DIR/state.json so that `down` and `drill`
# find it again.

def new_state(dir, server):
    ports = {
        "etcd_client": free_port(), "etcd_peer": free_port(),
        "writes": free_port(), "reads": free_port(), "api": free_port(),
        "haproxy_stats": free_port(),
    }
    nodes = [{"name": f"pg{i}", "pg": free_port(), "rest": free_port()} for i in range(NODES)]
    servers = [free_port() for _ in range(3)]
    return {"dir": dir, "server": server, "ports": ports, "nodes": nodes,
            "servers": servers, "pids": {}}


def save(state):
    with open(os.path.join(state["dir"], "state.json"), "w") as f:
        json.dump(state, f, indent=1)


def load(dir):
    path = os.path.join(dir, "state.json")
    if not os.path.exists(path):
        sys.exit(f"{dir} holds no cluster (no state.json)")
    with open(path) as f:
        return json.load(f)


def spawn(state, key, args, logname, env=None):
    logfile = open(os.path.join(state["dir"], logname), "ab")
    # A session of its own: the cluster outlives this script (`up`).
    proc = subprocess.Popen(args, stdout=logfile, stderr=logfile, env=env,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    state["pids"][key] = proc.pid
    save(state)
    return proc


def alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # A zombie of ours counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


# etcd, Patroni and PostgreSQL.

def start_etcd(state):
    p = state["ports"]
    client, peer = f"http://127.0.0.1:{p['etcd_client']}", f"http://127.0.0.1:{p['etcd_peer']}"
    spawn(state, "etcd", [
        "etcd", "--name", "etcd0", "--data-dir", os.path.join(state["dir"], "etcd"),
        "--listen-client-urls", client, "--advertise-client-urls", client,
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
        "--initial-cluster", f"etcd0={peer}", "--initial-cluster-state", "new",
        "--log-level", "warn"], "etcd.log")
    wait_until("etcd answers", lambda: get_json(f"{client}/health")[0] == 200, 30)
    log(f"etcd on {p['etcd_client']}")


def patroni_config(state, node):
    d = os.path.join(state["dir"], node["name"])
    return f"""scope: {SCOPE}
namespace: /service/
name: {node['name']}
log:
  level: INFO
restapi:
  listen: 127.0.0.1:{node['rest']}
  connect_address: 127.0.0.1:{node['rest']}
etcd3:
  hosts: 127.0.0.1:{state['ports']['etcd_client']}
bootstrap:
  dcs:
    # A dead leader's key expires after ttl; a healthy one renews it every loop_wait.
    ttl: 10
    loop_wait: 2
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    # Each commit is on the leader and its synchronous standby before it is acknowledged.
    synchronous_mode: true
    # A crashed primary is failed over at once rather than restarted in place.
    primary_start_timeout: 0
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_connections: 200
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - data-checksums
  pg_hba:
    - local all all trust
    - host replication all 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:{node['pg']}
  connect_address: 127.0.0.1:{node['pg']}
  data_dir: {d}/data
  bin_dir: {pg_bin()}
  pgpass: {d}/pgpass
  authentication:
    superuser:
      username: postgres
    replication:
      username: postgres
    rewind:
      username: postgres
  parameters:
    unix_socket_directories: {d}
  pg_hba:
    - local all all trust
    - host replication all 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
tags:
  nofailover: false
  noloadbalance: false
"""


def config_path(state, node):
    return os.path.join(state["dir"], node["name"], "patroni.yml")


def start_patroni(state, node):
    d = os.path.join(state["dir"], node["name"])
    os.makedirs(d, exist_ok=True)
    with open(config_path(state, node), "w") as f:
        f.write(patroni_config(state, node))
    if AS_ROOT:
        shutil.chown(d, "postgres", "postgres")
    spawn(state, f"patroni-{node['name']}", as_owner(["patroni", config_path(state, node)]),
          f"{node['name']}/patroni.log",
          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": d, "LANG": "C.UTF-8"})


def members(state):
    """Patroni's view of the cluster, from the first node that answers."""
    for node in state["nodes"]:
        status, body = get_json(f"http://127.0.0.1:{node['rest']}/cluster")
        if status == 200 and body:
            return body.get("members", [])
    return []


def leader(state):
    for m in members(state):
        if m.get("role") == "leader" and m.get("state") == "running":
            return next(n for n in state["nodes"] if n["name"] == m["name"])
    return None


def healthy(state):
    """A leader, and every node running and streaming from it."""
    ms = members(state)
    if len(ms) != len(state["nodes"]):
        return False
    leaders = [m for m in ms if m.get("role") == "leader" and m.get("state") == "running"]
    standbys = [m for m in ms if m.get("role") in ("replica", "sync_standby")
                and m.get("state") in ("running", "streaming")]
    sync = [m for m in ms if m.get("role") == "sync_standby"]
    if len(leaders) != 1 or len(standbys) != len(ms) - 1 or not sync:
        return False
    timeline = leaders[0].get("timeline")
    return all(m.get("timeline") == timeline for m in standbys)


def start_databases(state):
    # The first node bootstraps; the others clone it once it leads.
    start_patroni(state, state["nodes"][0])
    wait_until("the first node leads", lambda: leader(state), 90)
    for node in state["nodes"][1:]:
        start_patroni(state, node)
    wait_until("all nodes stream, one synchronously", lambda: healthy(state), 120)
    log("PostgreSQL under Patroni: " + ", ".join(
        f"{n['name']} on {n['pg']} (REST {n['rest']})" for n in state["nodes"]))


# HAProxy: one front for the database (writes to the leader, reads to the
# replicas) and one for the API.

def haproxy_config(state):
    p = state["ports"]

    def pg_servers(suffix=""):
        return "\n".join(
            f"    server {n['name']}{suffix} 127.0.0.1:{n['pg']} check port {n['rest']}"
            for n in state["nodes"])

    def pg_listen(name, check, balance=""):
        # The nodes whose Patroni answers 200 to `check` (its REST port).
        return f"""listen {name}
    mode tcp
    bind 127.0.0.1:{p[name]}
{balance}    retries 0
    option httpchk OPTIONS /{check}
    http-check expect status 200
    {checks}
{pg_servers()}"""

    round_robin = "    balance roundrobin\n"
    api = "\n".join(f"    server s{i} 127.0.0.1:{port} check"
                    for i, port in enumerate(state["servers"]))
    fallback = "\n".join(f"    server s{i}-alive 127.0.0.1:{port} backup track casting_alive/s{i}"
                         for i, port in enumerate(state["servers"]))
    # Patroni's checks every 300 ms (100 ms while a node's state is
    # changing), two failures to take a node out, one success to put it in:
    # a leader gone or demoted leaves the writes port within about 0.3 s,
    # and a new one enters it at its first check.
    checks = ("default-server inter 300ms fastinter 100ms downinter 300ms fall 2 rise 1 "
              "on-marked-down shutdown-sessions")
    return f"""global
    maxconn 4096
defaults
    timeout connect 500ms
    timeout client 30m
    timeout server 30m
    timeout check 500ms
listen stats
    mode http
    bind 127.0.0.1:{p['haproxy_stats']}
    stats enable
    stats uri /
# Writes: only the node whose Patroni says it is the leader. When a node
# stops being the leader its sessions are cut, so no connection stays on a
# demoted primary. A connection that finds no leader (or a refusing one) is
# closed at once rather than retried a second later (HAProxy's turn-around
# before a retry): the server's pool tries again by itself, and a write
# that cannot wait is a 503 with Retry-After, not a connection held 3 s.
{pg_listen("writes", "primary")}
# Reads: the replicas (the server sends a read to the primary itself when
# none answers).
{pg_listen("reads", "replica", round_robin)}
# The API: the instances whose /ready is 200 (their database takes writes).
# While no instance is ready (the database has no leader, for every
# instance at once), the same instances serve as backups as long as their
# /health answers: taking them all out would turn the reads the replicas
# still serve, and the servers' own 503 + Retry-After, into HAProxy's bare
# 503. An idempotent request whose connection failed is sent to another
# instance.
frontend api
    mode http
    bind 127.0.0.1:{p['api']}
    default_backend casting
backend casting
    mode http
    balance roundrobin
    retries 2
    option redispatch 1
    retry-on conn-failure empty-response
    acl idempotent method GET HEAD OPTIONS PUT
    http-request disable-l7-retry if !idempotent
    option httpchk GET /ready
    http-check expect status 200
    option allbackups
    default-server inter 500ms fastinter 250ms fall 2 rise 1
{api}
{fallback}
# Only checks: whether each instance answers at all (/health), which the
# backups of `casting` track.
backend casting_alive
    mode http
    option httpchk GET /health
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
{api}
"""


def start_haproxy(state):
    path = os.path.join(state["dir"], "haproxy.cfg")
    with open(path, "w") as f:
        f.write(haproxy_config(state))
    spawn(state, "haproxy", ["haproxy", "-db", "-f", path], "haproxy.log")
    p = state["ports"]

    def leader_through_haproxy():
        done = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(p["writes"]), "-U",
                               "postgres", "-d", "postgres", "-Atc",
                               "SELECT pg_is_in_recovery()"], capture_output=True, text=True)
        return done.returncode == 0 and done.stdout.strip() == "f"

    wait_until("the leader answers through HAProxy", leader_through_haproxy, 30)
    log(f"HAProxy: writes {p['writes']}, reads {p['reads']}, API {p['api']}, "
        f"stats http://127.0.0.1:{p['haproxy_stats']}/")


# The servers.

def db_url(state, which="writes"):
    return f"postgres://postgres@127.0.0.1:{state['ports'][which]}/casting"


def server_env(state, port):
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": db_url(state, "writes"),
        "DATABASE_READ_URL": db_url(state, "reads"),
        "CASTING_BIND": f"127.0.0.1:{port}",
        "CASTING_PUBLIC_URL": base(state),
        "CASTING_LOG_FORMAT": "json",
        "CASTING_DB_TIMEOUT": "3s",
        "RUST_LOG": "warn",
    })
    return env


def base(state, i=None):
    port = state["ports"]["api"] if i is None else state["servers"][i]
    return f"http://127.0.0.1:{port}"


def start_server(state, i, tries=3):
    """Starts server `i`; one that exits at start (the database not answering
    within CASTING_DB_TIMEOUT on a loaded machine) is started again."""
    for attempt in range(1, tries + 1):
        try:
            return start_server_once(state, i)
        except SystemExit:
            if attempt == tries:
                raise
            log(f"server {i} exited at start; starting it again")
            time.sleep(2)


def start_server_once(state, i):
    proc = spawn(state, f"server{i}", [state["server"]], f"server{i}.log",
                 env=server_env(state, state["servers"][i]))

    def ready():
        if proc.poll() is not None:
            raise SystemExit(f"server {i} exited; see {state['dir']}/server{i}.log")
        return get_json(f"{base(state, i)}/ready")[0] == 200

    wait_until(f"server {i} is ready", ready, 90)


def start_servers(state):
    start_server(state, 0)  # creates and migrates the database
    subprocess.run([state["server"], "users", "add", DRILL_USER, "--role", "producer",
                    "--password-stdin"], input=f"{DRILL_PASSWORD}\n".encode(), check=True,
                   env=server_env(state, state["servers"][0]),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for i in (1, 2):
        start_server(state, i)
    wait_until("the API answers through HAProxy",
               lambda: get_json(f"{base(state)}/ready")[0] == 200, 30)
    log(f"casting-server on {', '.join(map(str, state['servers']))}")


def write_env(state):
    lines = {
        "BASE_URL": base(state),
        "DRILL_USER": DRILL_USER,
        "DRILL_PASSWORD": DRILL_PASSWORD,
        "PATRONICTL_CONFIG": config_path(state, state["nodes"][0]),
        "DATABASE_URL": db_url(state, "writes"),
        "DATABASE_READ_URL": db_url(state, "reads"),
        "HAPROXY_STATS_URL": f"http://127.0.0.1:{state['ports']['haproxy_stats']}/",
        "ETCDCTL_API": "3",
        "ETCDCTL_ENDPOINTS": f"http://127.0.0.1:{state['ports']['etcd_client']}",
    }
    for node in state["nodes"]:
        tag = node["name"].upper()
        lines[f"{tag}_URL"] = f"postgres://postgres@127.0.0.1:{node['pg']}/casting"
        lines[f"{tag}_REST"] = f"http://127.0.0.1:{node['rest']}"
        lines[f"{tag}_DATA"] = os.path.join(state["dir"], node["name"], "data")
    path = os.path.join(state["dir"], "cluster.env")
    with open(path, "w") as f:
        f.write("# Written by deploy/local-cluster --ha up; `. this-file` in a shell.\n")
        for k, v in lines.items():
            f.write(f"{k}='{v}'\n")
    return path


def find_server(explicit):
    if explicit:
        return os.path.abspath(explicit)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    for profile in ("release", "debug"):
        path = os.path.join(target, profile, "casting-server")
        if os.path.exists(path):
            return path
    log("building the release server")
    subprocess.run(["cargo", "build", "--release", "--workspace", "--bin", "casting-server"],
                   cwd=ROOT, check=True)
    return os.path.join(target, "release", "casting-server")


def up(dir, server):
    for tool in ("patroni", "patronictl", "etcd", "haproxy", "psql", "setpriv"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing (apt-get install patroni etcd-server haproxy "
                     "postgresql)")
    os.makedirs(dir, exist_ok=True)
    if os.path.exists(os.path.join(dir, "state.json")):
        sys.exit(f"{dir} already holds a cluster: `deploy/local-cluster down {dir}` first")
    if AS_ROOT:
        shutil.chown(dir, "postgres", "postgres")
    state = new_state(os.path.abspath(dir), find_server(server))
    save(state)
    try:
        start_etcd(state)
        start_databases(state)
        start_haproxy(state)
        start_servers(state)
    except BaseException:
        log("start-up failed: tearing down what started (logs kept in DIR)")
        stop_all(state)
        raise
    env = write_env(state)
    log(f"up; `. {env}`, then `patronictl -c \"$PATRONICTL_CONFIG\" list`")
    return state


def stop_all(state):
    pids = state.get("pids", {})
    # The servers and HAProxy first, then Patroni (which stops its PostgreSQL
    # cleanly), then etcd, which Patroni needs to step down.
    order = sorted(pids, key=lambda k: (k.startswith("etcd"), k.startswith("patroni")))
    for key in order:
        pid = pids[key]
        if alive(pid):
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
        deadline = time.time() + 30
        while alive(pid) and time.time() < deadline:
            time.sleep(0.1)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    # Whatever PostgreSQL is left (a postmaster whose Patroni was killed).
    for node in state["nodes"]:
        data = os.path.join(state["dir"], node["name"], "data")
        if os.path.exists(os.path.join(data, "postmaster.pid")):
            subprocess.run(as_owner([f"{pg_bin()}/pg_ctl", "-D", data, "-m", "immediate",
                                     "stop"]), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)


def down(dir):
    state = load(dir)
    stop_all(state)
    shutil.rmtree(state["dir"], ignore_errors=True)
    log(f"removed {state['dir']}")


def main(argv):
    import argparse
    parser = argparse.ArgumentParser(prog="deploy/local-cluster --ha")
    parser.add_argument("action", choices=["up", "drill", "down"])
    parser.add_argument("dir", nargs="?")
    parser.add_argument("--server", help="casting-server binary (default: the release "
                                         "build, else the debug build)")
    args = parser.parse_args(argv)
    if args.action == "up":
        if not args.dir:
            sys.exit("up needs a directory")
        up(args.dir, args.server)
    elif args.action == "down":
        if not args.dir:
            sys.exit("down needs a directory")
        down(args.dir)
    else:
        # The drill's own module imports this one's helpers.
        from ha_drill import drill
        if args.dir:
            drill(load(args.dir))
            return
        dir = tempfile.mkdtemp(prefix="casting-ha-")
        try:
            drill(up(dir, args.server))
        finally:
            down(dir)
