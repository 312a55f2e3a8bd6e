//! A failover on a private primary and streaming replica (`cluster.rs`),
//! with a proxy of the test's own standing for the balancer in front of the
//! leader: the primary is demoted (read-only, as a leader is until Patroni
//! restarts it as a standby), the replica promoted (a new timeline), the
//! balancer repointed. Writes meanwhile are 503 with `Retry-After`, never
//! 500; `/ready` is not ready; then writes reach the new leader without a
//! restart, no pooled connection stays on the old one, positions from the
//! old timeline answer at once and correctly, and the change feed keeps its
//! order.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use casting_server::db::StoreSettings;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::postgres::STORE;
use crate::support::cluster::ReplicatedCluster;
use crate::support::*;

const POSITION: &str = "x-casting-position";

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// A POST /actors: its status, body, `Retry-After` and position.
async fn create(app: &TestApp, name: &str) -> (u16, Value, Option<String>, Option<String>) {
    let response = app
        .http
        .post(app.url("/actors"))
        .bearer_auth(producer())
        .json(&json!({"name": name, "age": 40, "gender": "Other"}))
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (retry_after, position) = (header("retry-after"), header(POSITION));
    let (status, body) = read(response).await;
    (status, body, retry_after, position)
}

async fn get_after(app: &TestApp, path: &str, position: &str) -> (u16, Value) {
    let request = app
        .http
        .get(app.url(path))
        .bearer_auth(producer())
        .header(POSITION, position);
    read(request.send().await.unwrap()).await
}

async fn scalar_i64(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

async fn execute(pool: &PgPool, sql: &'static str) {
    sqlx::raw_sql(sql).execute(pool).await.unwrap();
}

/// The server's own sessions (writes and reads) open on `pool`'s server.
async fn server_sessions(pool: &PgPool) -> i64 {
    scalar_i64(
        pool,
        "SELECT count(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name LIKE 'casting-server%'",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_a_failover_writes_are_503_then_reach_the_new_leader_and_positions_and_the_feed_stay_right()
 {
    let cluster = tokio::task::spawn_blocking(ReplicatedCluster::start)
        .await
        .expect("start the replicated cluster");
    let database = format!("casting_failover_{}", uuid::Uuid::new_v4().simple());
    let balancer = PgProxy::start(addr(cluster.primary_port)).await;
    let app = TestApp::spawn_with(Options {
        shared_db: Some(format!("postgres://postgres@{}/{database}", balancer.addr)),
        db: StoreSettings {
            read_url: Some(cluster.replica_url(&database)),
            pool_size: 4,
            timeout: Duration::from_secs(2),
            ..StoreSettings::default()
        },
        ..Options::new(STORE)
    })
    .await;

    let mut written = Vec::new();
    for n in 0..3 {
        let (status, body, _, position) = create(&app, &format!("Before {n}")).await;
        assert_eq!(status, 201, "{body}");
        written.push((body["created"].as_i64().unwrap(), position.unwrap()));
    }
    let old_position = written[2].1.clone();
    let old_primary = PgPool::connect(&cluster.primary_url(&database))
        .await
        .unwrap();
    let replica = PgPool::connect(&cluster.replica_url(&database))
        .await
        .unwrap();
    // The replica has every acknowledged write, as a synchronous standby does.
    let caught_up = eventually(Duration::from_secs(10), || async {
        sqlx::query_scalar::<_, bool>("SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn")
            .bind(&old_position)
            .fetch_one(&replica)
            .await
            .unwrap_or(false)
    })
    .await;
    assert!(caught_up, "the replica replays the writes");
    replica.close().await;

    // The leader is demoted: it answers on, read-only.
    execute(
        &old_primary,
        "ALTER SYSTEM SET default_transaction_read_only = on",
    )
    .await;
    execute(&old_primary, "SELECT pg_reload_conf()").await;
    let mut refused = None;
    for n in 0..50 {
        let (status, body, retry_after, _) = create(&app, &format!("During {n}")).await;
        assert_ne!(
            status, 500,
            "a write on a demoted primary is never a 500: {body}"
        );
        if status == 503 {
            refused = Some((body, retry_after));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (body, retry_after) = refused.expect("a write on the read-only primary is refused");
    assert_error(503, &body, 503);
    assert!(retry_after.is_some(), "503 with Retry-After");
    let (status, body) = app.get("/ready", "").await;
    assert_eq!(
        status, 503,
        "not ready while no primary takes writes: {body}"
    );

    // A new leader: the replica promoted, the balancer repointed. The
    // server's connections through the balancer still reach the old one.
    tokio::task::block_in_place(|| cluster.promote_replica());
    balancer.retarget(addr(cluster.replica_port));
    let started = Instant::now();
    let mut acknowledged = None;
    while started.elapsed() < Duration::from_secs(20) && acknowledged.is_none() {
        let (status, body, retry_after, position) = create(&app, "After").await;
        match status {
            201 => acknowledged = Some((body["created"].as_i64().unwrap(), position)),
            503 => assert!(retry_after.is_some(), "503 with Retry-After"),
            _ => panic!("a write during the failover is 201 or 503: {status} {body}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (after, _) = acknowledged.expect("writes reach the new leader without a restart");
    let ready = eventually(Duration::from_secs(10), || async {
        app.get("/ready", "").await.0 == 200
    })
    .await;
    assert!(ready, "ready again once a primary takes writes");

    // No pooled connection stays on the old leader once each is next used.
    for n in 0..8 {
        assert_eq!(create(&app, &format!("Later {n}")).await.0, 201);
        assert_eq!(app.get("/actors?per_page=5", &producer()).await.0, 200);
    }
    let mut left = server_sessions(&old_primary).await;
    for n in 0..40 {
        if left == 0 {
            break;
        }
        assert_eq!(create(&app, &format!("Later still {n}")).await.0, 201);
        assert_eq!(app.get("/actors?per_page=5", &producer()).await.0, 200);
        left = server_sessions(&old_primary).await;
    }
    let new_leader = PgPool::connect(&cluster.replica_url(&database))
        .await
        .unwrap();
    let on_new = server_sessions(&new_leader).await;
    assert!(on_new > 0, "the server's connections are on the new leader");
    assert_eq!(
        left, 0,
        "no connection of the server's stays on the old leader"
    );

    // Positions from the old timeline, and one past anything the new
    // timeline has reached: answered at once, with the current data.
    for (id, position) in &written {
        let started = Instant::now();
        let (status, body) = get_after(&app, &format!("/actors/{id}"), position).await;
        assert_eq!(status, 200, "{body}");
        assert!(started.elapsed() < Duration::from_secs(3), "no wait");
    }
    let started = Instant::now();
    let (status, body) = get_after(&app, &format!("/actors/{after}"), "FFFFFFF/0").await;
    assert_eq!(
        (status, body["actor"]["name"].as_str()),
        (200, Some("After"))
    );
    assert!(started.elapsed() < Duration::from_secs(3), "no wait");

    // The change feed across the failover: each acknowledged creation
    // once, in increasing `seq`, none skipped.
    let (status, body) = app.get("/changes?after=0&limit=1000", &producer()).await;
    assert_eq!(status, 200, "{body}");
    let changes = body["changes"].as_array().unwrap();
    let seqs: Vec<i64> = changes.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let created: Vec<i64> = changes
        .iter()
        .filter(|c| c["action"] == "created" && c["resource"] == "actor")
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let mut expected: Vec<i64> = written.iter().map(|(id, _)| *id).collect();
    expected.push(after);
    for id in expected {
        assert_eq!(
            created.iter().filter(|c| **c == id).count(),
            1,
            "actor {id} created once in the feed: {created:?}"
        );
    }
    new_leader.close().await;
    old_primary.close().await;
}
