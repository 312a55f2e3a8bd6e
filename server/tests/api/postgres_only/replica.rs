//! A streaming read replica (`DATABASE_READ_URL`), on a private primary and
//! replica made with `pg_basebackup` (`cluster.rs`): reads go to it, a
//! client that sends back its write's position reads that write, and reads
//! fall back to the primary when the replica stops or lags.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use casting_server::db::{Location, StoreSettings};
use casting_server::{Application, Settings};
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::postgres::STORE;
use crate::support::cluster::ReplicatedCluster;
use crate::support::*;

const POSITION: &str = "x-casting-position";

/// A primary and its replica, started off the runtime's threads.
async fn replicated() -> ReplicatedCluster {
    tokio::task::spawn_blocking(ReplicatedCluster::start)
        .await
        .expect("start the replicated cluster")
}

fn database_name() -> String {
    format!("casting_replica_{}", uuid::Uuid::new_v4().simple())
}

/// A server whose database is `database` on the cluster's primary, with
/// its replica for reads.
async fn app_on(cluster: &ReplicatedCluster, database: &str, max_lag: Duration) -> TestApp {
    TestApp::spawn_with(Options {
        shared_db: Some(cluster.primary_url(database)),
        db: StoreSettings {
            read_url: Some(cluster.replica_url(database)),
            read_max_lag: max_lag,
            ..StoreSettings::default()
        },
        ..Options::new(STORE)
    })
    .await
}

/// The test's own connections to the replica, once it has the database.
async fn replica_pool(cluster: &ReplicatedCluster, database: &str) -> PgPool {
    let url = cluster.replica_url(database);
    for _ in 0..100 {
        if let Ok(pool) = PgPool::connect(&url).await {
            return pool;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the replica never had the database {database}");
}

/// Creates an actor; answers its id and the position the write answered.
async fn create(app: &TestApp, name: &str) -> (i64, String) {
    let response = app
        .http
        .post(app.url("/actors"))
        .bearer_auth(producer())
        .json(&json!({"name": name, "age": 40, "gender": "Other"}))
        .send()
        .await
        .unwrap();
    let position = position_of(&response);
    let (status, body) = read(response).await;
    assert_eq!(status, 201, "{body}");
    (body["created"].as_i64().unwrap(), position)
}

/// The `X-Casting-Position` of a write's answer, checked for its form.
fn position_of(response: &reqwest::Response) -> String {
    let position = response
        .headers()
        .get(POSITION)
        .expect("a write answers its position")
        .to_str()
        .unwrap()
        .to_owned();
    let (high, low) = position.split_once('/').expect("HIGH/LOW");
    assert!(
        u32::from_str_radix(high, 16).is_ok() && u32::from_str_radix(low, 16).is_ok(),
        "{position}"
    );
    position
}

/// A GET, sending `position` back if given.
async fn get_after(app: &TestApp, path: &str, position: Option<&str>) -> (u16, Value) {
    let mut request = app.http.get(app.url(path)).bearer_auth(producer());
    if let Some(position) = position {
        request = request.header(POSITION, position);
    }
    read(request.send().await.unwrap()).await
}

async fn execute(pool: &PgPool, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .unwrap();
}

async fn replica_has_actor(replica: &PgPool, id: i64) -> bool {
    sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM actors WHERE id = $1)")
        .bind(id)
        .fetch_one(replica)
        .await
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_go_to_the_replica_and_a_read_after_a_writes_position_sees_it() {
    let cluster = replicated().await;
    let database = database_name();
    // A lag bound no test reaches: only replay decides.
    let app = app_on(&cluster, &database, Duration::from_secs(3600)).await;
    let (id, _) = create(&app, "Before").await;
    let replica = replica_pool(&cluster, &database).await;
    assert!(eventually(Duration::from_secs(10), || replica_has_actor(&replica, id)).await);
    // Reads while the replica has caught up: the server sees it fresh.
    for _ in 0..5 {
        assert_eq!(get_after(&app, &format!("/actors/{id}"), None).await.0, 200);
        tokio::time::sleep(Duration::from_millis(30)).await;
    }

    // The replica stops replaying; the primary moves on behind the API's back.
    execute(&replica, "SELECT pg_wal_replay_pause()").await;
    app.pool
        .execute(&format!(
            "UPDATE actors SET name = 'Changed behind' WHERE id = {id}"
        ))
        .await;
    // Without a position, the read is the replica's: it has not seen the change.
    let (status, body) = get_after(&app, &format!("/actors/{id}"), None).await;
    assert_eq!(
        (status, body["actor"]["name"].as_str()),
        (200, Some("Before")),
        "{body}"
    );

    // A write answers its position; reads that send it back see the write.
    let (written, position) = create(&app, "After").await;
    let path = format!("/actors/{written}");
    assert_eq!(
        get_after(&app, &path, None).await.0,
        404,
        "the paused replica has not seen it"
    );
    let (status, body) = get_after(&app, &path, Some(&position)).await;
    assert_eq!(
        (status, body["actor"]["name"].as_str()),
        (200, Some("After")),
        "{body}"
    );
    let listed = |position: Option<String>| {
        let app = &app;
        async move {
            get_after(app, "/actors?q=after", position.as_deref())
                .await
                .1["total"]
                .as_i64()
        }
    };
    assert_eq!(listed(Some(position.clone())).await, Some(1));
    assert_eq!(listed(None).await, Some(0));
    let (_, body) = get_after(&app, &format!("/actors/{id}"), Some(&position)).await;
    assert_eq!(body["actor"]["name"], "Changed behind");
    // A position the server cannot read sends the read to the primary.
    let (_, body) = get_after(&app, &format!("/actors/{id}"), Some("not a position")).await;
    assert_eq!(body["actor"]["name"], "Changed behind");

    // Replay resumes: the replica catches up and serves the new rows.
    execute(&replica, "SELECT pg_wal_replay_resume()").await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            get_after(&app, &path, None).await.0 == 200
        })
        .await
    );
    replica.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_then_a_read_of_it_through_another_instance_always_sees_it() {
    let cluster = replicated().await;
    let database = database_name();
    let a = app_on(&cluster, &database, Duration::from_secs(1)).await;
    let b = app_on(&cluster, &database, Duration::from_secs(1)).await;
    let rounds = 40;
    let mut seen = 0;
    for n in 0..rounds {
        let name = format!("Written {n}");
        let (id, position) = create(&a, &name).await;
        let (status, body) = get_after(&b, &format!("/actors/{id}"), Some(&position)).await;
        assert_eq!(
            (status, body["actor"]["name"].as_str()),
            (200, Some(name.as_str()))
        );
        let response = a
            .http
            .patch(a.url(&format!("/actors/{id}")))
            .bearer_auth(producer())
            .json(&json!({"age": 50 + n}))
            .send()
            .await
            .unwrap();
        let position = position_of(&response);
        assert_eq!(response.status(), 200);
        let (_, body) = get_after(&b, &format!("/actors/{id}"), Some(&position)).await;
        assert_eq!(body["actor"]["age"], 50 + n, "{body}");
        let (_, body) = get_after(&b, &format!("/actors?q={name}"), Some(&position)).await;
        assert_eq!(body["total"], 1, "{body}");
        seen += 1;
    }
    assert_eq!(seen, rounds);

    // The document says so: the reads take the position, the writes answer it.
    let (_, doc) = get_after(&a, "/openapi.json", None).await;
    let parameter = doc["paths"]["/actors/{id}"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "X-Casting-Position")
        .cloned()
        .expect("the reads take the position");
    assert_eq!(parameter["in"], "header");
    let answered = &doc["paths"]["/actors"]["post"]["responses"]["201"]["headers"];
    assert!(answered["X-Casting-Position"]["schema"]["pattern"].is_string());
    assert!(
        doc["paths"]["/changes"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["name"] != "X-Casting-Position"),
        "the change log reads the primary"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_fall_back_to_the_primary_when_the_replica_stops_or_lags() {
    let cluster = Arc::new(replicated().await);
    let database = database_name();
    let app = Arc::new(app_on(&cluster, &database, Duration::from_secs(1)).await);
    let (id, _) = create(&app, "Steady").await;
    let replica = replica_pool(&cluster, &database).await;
    assert!(eventually(Duration::from_secs(10), || replica_has_actor(&replica, id)).await);
    replica.close().await;

    // Readers that never stop while the replica goes away and comes back.
    let running = Arc::new(AtomicBool::new(true));
    let (served, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let readers: Vec<_> = (0..4)
        .map(|r| {
            let (app, running) = (app.clone(), running.clone());
            let (served, failed) = (served.clone(), failed.clone());
            tokio::spawn(async move {
                let paths = [
                    format!("/actors/{id}"),
                    "/actors?per_page=5".into(),
                    "/movies".into(),
                ];
                let mut n = r;
                while running.load(Ordering::SeqCst) {
                    let (status, body) = get_after(&app, &paths[n % paths.len()], None).await;
                    n += 1;
                    if status == 200 {
                        served.fetch_add(1, Ordering::SeqCst);
                    } else {
                        eprintln!("read failed: {status} {body}");
                        failed.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    let progress = |at_least: usize| {
        let served = served.clone();
        async move {
            let from = served.load(Ordering::SeqCst);
            eventually(Duration::from_secs(30), || async {
                served.load(Ordering::SeqCst) >= from + at_least
            })
            .await
        }
    };
    assert!(progress(50).await);

    // The replica stops: reads go on, from the primary, and so do writes
    // and reads of them.
    let stopping = cluster.clone();
    tokio::task::spawn_blocking(move || stopping.stop_replica())
        .await
        .unwrap();
    for n in 0..10 {
        let (written, position) = create(&app, &format!("While down {n}")).await;
        let (status, _) = get_after(&app, &format!("/actors/{written}"), Some(&position)).await;
        assert_eq!(status, 200);
    }
    assert!(progress(200).await);

    // It comes back, then falls behind: past the lag bound, reads go to the
    // primary and see what the replica has not replayed.
    let starting = cluster.clone();
    tokio::task::spawn_blocking(move || starting.start_replica())
        .await
        .unwrap();
    assert!(progress(50).await);
    let replica = replica_pool(&cluster, &database).await;
    execute(&replica, "SELECT pg_wal_replay_pause()").await;
    app.pool
        .execute(&format!(
            "UPDATE actors SET name = 'Lagged' WHERE id = {id}"
        ))
        .await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            get_after(&app, &format!("/actors/{id}"), None).await.1["actor"]["name"] == "Lagged"
        })
        .await,
        "reads leave a replica that lags past the bound"
    );
    assert!(progress(50).await);
    execute(&replica, "SELECT pg_wal_replay_resume()").await;
    replica.close().await;

    running.store(false, Ordering::SeqCst);
    for reader in readers {
        reader.await.unwrap();
    }
    let (served, failed) = (served.load(Ordering::SeqCst), failed.load(Ordering::SeqCst));
    println!("reads served: {served}, failed: {failed}");
    assert_eq!(failed, 0, "no read failed ({served} served)");
}

#[tokio::test]
async fn a_read_replica_is_refused_for_sqlite() {
    let settings = Settings {
        database: Location::SqliteMemory,
        store: StoreSettings {
            read_url: Some("postgres://postgres@127.0.0.1:1/replica".into()),
            ..StoreSettings::default()
        },
        http: test_http(),
        auth: Default::default(),
        demo: false,
    };
    let Err(error) = Application::build(settings).await else {
        panic!("a SQLite store with a read replica started");
    };
    assert!(
        format!("{error:#}").contains("DATABASE_READ_URL needs a PostgreSQL"),
        "{error:#}"
    );
}
