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

import datetime
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
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
{balance}    option httpchk OPTIONS /{check}
    http-check expect status 200
    default-server inter 500ms fastinter 250ms fall 2 rise 1 on-marked-down shutdown-sessions
{pg_servers()}"""

    round_robin = "    balance roundrobin\n"
    api = "\n".join(f"    server s{i} 127.0.0.1:{port} check"
                    for i, port in enumerate(state["servers"]))
    return f"""global
    maxconn 4096
defaults
    timeout connect 1s
    timeout client 30m
    timeout server 30m
    timeout check 1s
listen stats
    mode http
    bind 127.0.0.1:{p['haproxy_stats']}
    stats enable
    stats uri /
# Writes: only the node whose Patroni says it is the leader. When a node
# stops being the leader its sessions are cut, so no connection stays on a
# demoted primary.
{pg_listen("writes", "primary")}
# Reads: the replicas; the leader only when no replica is up.
{pg_listen("reads", "replica", round_robin)}
# The API: /health, not /ready, decides whether an instance is in rotation.
# While the database has no leader every instance is "not ready", and taking
# them all out would turn the reads the replicas can still serve, and the
# servers' own 503 + Retry-After, into HAProxy's bare 503.
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


# The drill.

def postmaster_pid(state, node):
    with open(os.path.join(state["dir"], node["name"], "data", "postmaster.pid")) as f:
        return int(f.readline())


def psql(url, sql):
    out = subprocess.run(["psql", url, "-Atc", sql], check=True, capture_output=True,
                         text=True)
    return out.stdout.strip()


class Load:
    """Writers creating actors and readers reading them, through the API's
    balancer, until stopped; every acknowledged write remembered."""

    def __init__(self, state, token, tag, writers=2, readers=2):
        self.state, self.token, self.tag = state, token, tag
        self.running = True
        self.lock = threading.Lock()
        self.acked = []  # (id, name)
        self.write_ok = []  # times of acknowledged writes
        self.writes = self.reads = self.reads_failed = 0
        self.statuses = {}
        self.threads = [threading.Thread(target=self.write, args=(w,), daemon=True)
                        for w in range(writers)]
        self.threads += [threading.Thread(target=self.read, daemon=True)
                         for _ in range(readers)]
        self.threads.append(threading.Thread(target=self.follow, daemon=True))
        self.start_seq = changes_page(state, token, None)[1]
        self.followed = []  # (seq, action, resource, id) as the feed gave them
        self.feed_errors = 0

    def count(self, kind, status):
        key = f"{kind} {status}"
        self.statuses[key] = self.statuses.get(key, 0) + 1

    def write(self, w):
        n = 0
        while self.running:
            n += 1
            name = f"{self.tag} w{w} #{n}"
            try:
                status, body, headers = request(
                    "POST", base(self.state), "/actors",
                    {"name": name, "age": 40, "gender": "Other"}, self.token, timeout=15)
            except Exception as e:
                status, body, headers = type(e).__name__, None, {}
            with self.lock:
                self.writes += 1
                if status == 201:
                    self.acked.append((body["created"], name))
                    self.write_ok.append(time.time())
                else:
                    self.count("write", status)
                    if status == 503 and "retry-after" not in headers:
                        self.count("write", "503 (no Retry-After)")
            if status != 201:
                time.sleep(0.05)

    def read(self):
        n = 0
        while self.running:
            n += 1
            with self.lock:
                target = self.acked[(n * 7919) % len(self.acked)][0] if self.acked else 1
            path = f"/actors/{target}" if n % 3 else "/actors?per_page=20"
            try:
                status = request("GET", base(self.state), path, token=self.token,
                                 timeout=15)[0]
            except Exception as e:
                status = type(e).__name__
            with self.lock:
                self.reads += 1
                if status != 200 and status != 404:
                    self.reads_failed += 1
                    self.count("read", status)

    def follow(self):
        """Follows GET /changes as a client would, while the writes go on."""
        cursor = self.start_seq
        while True:
            running = self.running
            try:
                changes, cursor = changes_page(self.state, self.token, cursor)
                self.followed += changes
                if not running and not changes:
                    return
            except Exception:
                self.feed_errors += 1
            time.sleep(0.2)

    def feed_check(self):
        """The feed as followed through the failover against the change log
        read afresh afterwards: the same changes, each once, in `seq` order,
        and a `created` for every acknowledged write."""
        fresh, cursor = [], self.start_seq
        while True:
            changes, cursor = changes_page(self.state, self.token, cursor)
            if not changes:
                break
            fresh += changes
        seqs = [c[0] for c in self.followed]
        problems = []
        if seqs != sorted(set(seqs)):
            problems.append("seq not strictly increasing (or repeated)")
        last = seqs[-1] if seqs else 0
        followed = set(self.followed)
        skipped = [c for c in fresh if c[0] <= last and c not in followed]
        late = [c for c in fresh if c[0] > last]
        if skipped:
            problems.append(f"{len(skipped)} changes skipped (seq {[c[0] for c in skipped][:5]})")
        if any(c not in set(fresh) for c in self.followed):
            problems.append("the feed gave changes the log does not have")
        created = {(c[2], c[3]) for c in fresh if c[1] == "created"}
        missing = [i for i, _ in self.acked if ("actor", i) not in created]
        if missing:
            problems.append(f"{len(missing)} acknowledged creations missing from the feed")
        return {"changes": len(self.followed), "late": len(late), "problems": problems}

    def start(self):
        self.started = time.time()
        for t in self.threads:
            t.start()

    def stop(self):
        self.running = False
        self.stopped = time.time()
        for t in self.threads:
            t.join()

    def longest_gap(self):
        """The longest time, from the load's start to its end, in which no
        write was acknowledged."""
        times = [self.started] + sorted(self.write_ok) + [self.stopped]
        return max(b - a for a, b in zip(times, times[1:]))

    def other_5xx(self):
        return sum(v for k, v in self.statuses.items()
                   if k.split(" ", 1)[1][:1] == "5" and k.split(" ", 1)[1][:3] != "503")


def changes_page(state, token, after):
    """One page of GET /changes after `after`; None: where the log ends now."""
    if after is None:
        return [], max_seq(state)
    status, body, _ = request("GET", base(state), f"/changes?limit=1000&after={after}",
                              token=token)
    if status != 200:
        raise RuntimeError(f"GET /changes: {status}")
    return [(c["seq"], c["action"], c["resource"], c["id"]) for c in body["changes"]], body["next"]


def max_seq(state):
    return int(psql(db_url(state), "SELECT coalesce(max(seq), 0) FROM changes"))


def login(state):
    status, body, _ = request("POST", base(state), "/auth/login",
                              {"username": DRILL_USER, "password": DRILL_PASSWORD})
    if status != 200:
        sys.exit(f"cannot log in as {DRILL_USER}: {status} {body}")
    return body["access_token"]


def switchover(state, old):
    candidate = next((m["name"] for m in members(state) if m.get("role") == "sync_standby"),
                     None)
    cfg = config_path(state, state["nodes"][0])
    for flag in ("--leader", "--master"):
        done = subprocess.run(["patronictl", "-c", cfg, "switchover", flag, old["name"],
                               "--candidate", candidate, "--force"],
                              capture_output=True, text=True)
        if done.returncode == 0:
            return
    raise SystemExit(f"patronictl switchover failed: {done.stdout} {done.stderr}")


def scenario(state, token, title, fault, before=4.0, settle=120):
    log(f"drill: {title}")
    old = leader(state)
    load = Load(state, token, f"drill {title} {int(time.time())}")
    load.start()
    time.sleep(before)
    log_size = os.path.getsize(patroni_log(state, old))
    faulted = time.time()
    restart = fault(old)
    # Each fault moves the leadership: wait for another node to lead.
    wait_until("another leader", lambda: (leader(state) or old)["name"] != old["name"], settle)
    promoted = time.time()
    wait_until("writes succeed again",
               lambda: any(t > faulted for t in list(load.write_ok)), settle)
    if restart:
        restart()
    rejoined_at = wait_until("the old leader back in the cluster, all streaming",
                             lambda: healthy(state) and time.time(), settle)
    time.sleep(3)
    load.stop()
    new = leader(state)
    old_role = next(m["role"] for m in members(state) if m["name"] == old["name"])
    stored = rows(state, [i for i, _ in load.acked])
    lost = [(i, name) for i, name in load.acked if stored.get(i) != name]
    feed = load.feed_check()
    return {
        "title": title, "old": old["name"], "new": new["name"], "old_now": old_role,
        "writes": load.writes, "acked": len(load.acked), "lost": len(lost),
        "lost_rows": lost[:5],
        "gap": load.longest_gap(), "promoted": promoted - faulted, "reads": load.reads,
        "reads_failed": load.reads_failed, "other_5xx": load.other_5xx(),
        "statuses": dict(load.statuses), "healthy_after": rejoined_at - faulted,
        "rewind": rewound(state, old, log_size), "feed": feed,
    }


def rows(state, ids):
    """The names of the actors `ids`, read back from the leader, row by row."""
    if not ids:
        return {}
    out = psql(db_url(state), "SELECT id || '|' || name FROM actors WHERE id IN ("
               + ",".join(str(int(i)) for i in ids) + ")")
    return {int(line.split("|", 1)[0]): line.split("|", 1)[1] for line in out.splitlines()}


def patroni_log(state, node):
    return os.path.join(state["dir"], node["name"], "patroni.log")


def rewound(state, node, since):
    """Whether the node's Patroni ran pg_rewind after byte `since` of its log."""
    with open(patroni_log(state, node), errors="replace") as f:
        f.seek(since)
        return "rewind" in f.read()


def drill(state):
    token = login(state)
    results = []

    def kill_postmaster(old):
        os.kill(postmaster_pid(state, old), signal.SIGKILL)

    def stop_patroni(old):
        key = f"patroni-{old['name']}"
        os.kill(state["pids"][key], signal.SIGTERM)
        wait_until("the old leader's Patroni stops", lambda: not alive(state["pids"][key]), 60)
        return lambda: start_patroni(state, old)

    results.append(scenario(state, token, "kill -9 the leader's postmaster", kill_postmaster))
    results.append(scenario(state, token, "stop the leader's Patroni", stop_patroni))
    results.append(scenario(state, token, "patronictl switchover",
                            lambda old: switchover(state, old)))
    report(results)
    return results


def report(results):
    print()
    print(f"Failover drill ({datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} cores shared, {NODES} PostgreSQL nodes under Patroni, "
          "synchronous_mode, 2 writers + 2 readers through HAProxy):")
    for r in results:
        print(f"- {r['title']}: leader {r['old']} -> {r['new']}; old leader now {r['old_now']}"
              f"{' (pg_rewind in its log)' if r['rewind'] else ''}")
        print(f"    writes {r['writes']} sent, {r['acked']} acknowledged, {r['lost']} lost "
              f"(checked row by row); longest write gap {r['gap']:.1f} s; new leader "
              f"{r['promoted']:.1f} s after the fault")
        print(f"    reads {r['reads']}, {r['reads_failed']} failed; 5xx other than 503: "
              f"{r['other_5xx']}; all nodes streaming again after {r['healthy_after']:.1f} s")
        print(f"    change feed followed through it: {r['feed']['changes']} changes, "
              f"{'; '.join(r['feed']['problems']) or 'each once, in seq order, none skipped'}"
              + (f"; {r['feed']['late']} more numbered after the follower stopped"
                 if r['feed']['late'] else ""))
        if r["statuses"]:
            print(f"    failures by status: {r['statuses']}")
        if r["lost_rows"]:
            print(f"    lost rows (first 5): {r['lost_rows']}")
    bad = [r for r in results if r["lost"] or r["other_5xx"] or r["feed"]["problems"]
           or any("no Retry-After" in k for k in r["statuses"])]
    if bad:
        raise SystemExit("the drill lost acknowledged writes, answered a 5xx other than 503 "
                         "(or one without Retry-After), or the feed broke its order")


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
    elif args.dir:
        drill(load(args.dir))
    else:
        dir = tempfile.mkdtemp(prefix="casting-ha-")
        try:
            drill(up(dir, args.server))
        finally:
            down(dir)
