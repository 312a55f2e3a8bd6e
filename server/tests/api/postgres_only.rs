//! What only PostgreSQL offers: several server instances on one database
//! (migrating, seeding keys and writing at once), and its server cut off
//! under load by a proxy of our own.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

use casting_server::db::{Location, Store, StoreSettings, postgres};
use serde_json::json;

use crate::postgres::STORE;
use crate::support::*;

/// The primary's read connections, pooled without sqlx's test of each.
mod readers;
/// A streaming read replica: reads go to it, and back to the primary when they must.
mod replica;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn database_cut_under_load_loses_no_acknowledged_write() {
    let (proxy, app) = app_behind_proxy(StoreSettings {
        pool_size: 4,
        timeout: Duration::from_secs(1),
        ..StoreSettings::default()
    })
    .await;
    let (writers, per_writer) = (4, 60);
    let load = WriteLoad::start(&app.base, "outage", writers, per_writer);

    // Cut the database a third of the way in, keep it down for a while, bring it back.
    let third = writers * per_writer / 3;
    load.wait_for_a_third(Duration::from_secs(60)).await;
    proxy.cut();
    load.wait_for(load.answered() + 8, Duration::from_secs(30))
        .await;
    proxy.restore();

    let tally = load.finish().await;
    assert!(
        tally.failed.get(&503).copied().unwrap_or(0) > 0,
        "the outage was felt: {:?}",
        tally.failed
    );
    assert!(
        tally.failed.keys().all(|s| *s == 503),
        "an outage gives 503, never another error: {:?}",
        tally.failed
    );
    assert!(
        tally.acknowledged.len() > third,
        "writes resumed after the outage"
    );
    check_nothing_lost(&app.pool, &tally, "database cut").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn several_instances_on_one_database_behave_as_one() {
    let first = TestApp::spawn(STORE).await;
    let mut apps = vec![first];
    for _ in 0..2 {
        let shared = Some(apps[0].db_url.clone());
        apps.push(
            TestApp::spawn_with(Options {
                shared_db: shared,
                ..Options::new(STORE)
            })
            .await,
        );
    }
    let progress = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = apps
        .iter()
        .enumerate()
        .flat_map(|(i, app)| {
            let progress = progress.clone();
            (0..2).map(move |w| {
                tokio::spawn(writer(
                    app.base.clone(),
                    format!("instance{i}-{w}"),
                    40,
                    progress.clone(),
                ))
            })
        })
        .collect();
    let mut tally = Tally::default();
    for task in tasks {
        tally.merge(task.await.unwrap());
    }
    assert_eq!(
        tally.acknowledged.len(),
        tally.sent,
        "every write succeeded: {:?}",
        tally.failed
    );
    check_nothing_lost(&apps[0].pool, &tally, "three instances").await;
    let ids: Vec<(i64,)> = apps[0].pool.fetch_all("SELECT id FROM actors").await;
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
    // Every instance sees every row.
    for app in &apps {
        let (_, body) = app.get("/actors?per_page=1", &producer()).await;
        assert_eq!(body["total"], tally.sent);
    }
    // And they guard versions together: one stale If-Match across instances loses.
    let id = apps[0].actor("Shared", 40, "Other").await;
    let path = format!("/actors/{id}");
    let guarded = |app: &TestApp, age: i64| {
        app.http
            .patch(app.url(&path))
            .bearer_auth(producer())
            .header("if-match", "\"1\"")
            .json(&json!({"age": age}))
            .send()
    };
    assert_eq!(guarded(&apps[1], 41).await.unwrap().status(), 200);
    assert_eq!(guarded(&apps[2], 42).await.unwrap().status(), 412);
}

#[tokio::test]
async fn several_instances_can_create_and_migrate_one_database_at_once() {
    let db = TestDb::new(STORE);
    let location = Location::parse(&db.url).unwrap();
    let starts = (0..4).map(|_| {
        let location = location.clone();
        tokio::spawn(async move { Store::open(&location, &StoreSettings::default()).await })
    });
    let mut stores = Vec::new();
    for start in starts {
        stores.push(start.await.unwrap().expect("every instance starts"));
    }
    let pool = db.pool().await;
    let applied: i64 = pool
        .scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .await;
    assert_eq!(applied as usize, postgres::MIGRATOR.iter().count());
    let tables: i64 = pool
        .scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('actors', 'movies')",
        )
        .await;
    assert_eq!(tables, 2);
    for store in stores {
        store.close().await;
    }
}

/// SHA-384 of the migrations as they landed in `migrations/`, before they
/// moved to `migrations/postgres/`: what existing databases recorded.
const LANDED_CHECKSUMS: [(i64, &str); 4] = [
    (
        1,
        "711c3af87574b8a582c50f7a4f140fa9063deb024c2fee86a7f3feba96553c01406d7fbc26e75864dbec7836e7104e24",
    ),
    (
        2,
        "6cba83cefde0293c662e575d5825608257d943281b130fd19f3344a799bfd0c2e028c3b3fd4a4d090980f8c89fd9d684",
    ),
    (
        3,
        "cf400dd31e01b08d5d6150ffe5b947be78346dc68a1f5ffbf09bc82670a3266c7dd99596b4b2402553f48c8ce13a8e47",
    ),
    (
        4,
        "b95d673bef67849b1fe7ec394cf3c9a8f400af7726d915534ef6230e3cb8d78a1f5b92c60cfae5e3c79bff1fd1ed205e",
    ),
];

#[tokio::test]
async fn a_database_migrated_before_the_migrations_moved_still_opens() {
    let db = TestDb::new(STORE);
    let location = Location::parse(&db.url).unwrap();
    Store::open(&location, &StoreSettings::default())
        .await
        .unwrap()
        .close()
        .await;
    // The history as a server from before the move left it.
    let pool = db.pool().await;
    for (version, checksum) in LANDED_CHECKSUMS {
        let changed = pool
            .execute(&format!(
                "UPDATE _sqlx_migrations SET checksum = decode('{checksum}', 'hex') WHERE version = {version}"
            ))
            .await;
        assert_eq!(changed, 1, "version {version} was applied");
    }
    for (version, checksum) in LANDED_CHECKSUMS {
        let migration = postgres::MIGRATOR
            .iter()
            .find(|m| m.version == version)
            .unwrap();
        let hex: String = migration
            .checksum
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex, checksum,
            "migration {version} is byte for byte as it landed"
        );
    }
    let store = Store::open(&location, &StoreSettings::default())
        .await
        .expect("an existing database migrates on");
    store.close().await;
    pool.close().await;
}

#[tokio::test]
async fn ready_is_503_while_the_database_is_cut_and_recovers_by_itself() {
    let (proxy, app) = app_behind_proxy(StoreSettings {
        pool_size: 4,
        timeout: Duration::from_secs(1),
        ..StoreSettings::default()
    })
    .await;
    app.actor("Before", 30, "Other").await;
    let (status, _) = app.get("/ready", "").await;
    assert_eq!(status, 200);

    proxy.cut();
    let (status, body) = app.get("/ready", "").await;
    assert_error(status, &body, 503);
    let started = Instant::now();
    let (status, body) = app.get("/actors", &producer()).await;
    assert_error(status, &body, 503);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "fails fast, bounded by the db timeout"
    );
    let (status, body) = app
        .post("/actors", &producer(), json!({"name": "During", "age": 3}))
        .await;
    assert_error(status, &body, 503);
    let (status, body) = app.get("/health", "").await;
    assert_eq!(
        (status, body["status"].clone()),
        (200, json!("ok")),
        "the process is still up"
    );

    proxy.restore();
    let ready = eventually(Duration::from_secs(20), || async {
        app.get("/ready", "").await.0 == 200
    })
    .await;
    assert!(ready, "/ready recovers without a restart");
    let (status, body) = app.get("/actors", &producer()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 1, "the 503 write left nothing behind");
}

#[tokio::test(flavor = "multi_thread")]
async fn instances_on_one_database_share_keys_and_rotation_keeps_old_tokens_valid() {
    let first = TestApp::spawn(STORE).await;
    let second = TestApp::spawn_with(Options {
        shared_db: Some(first.db_url.clone()),
        ..Options::new(STORE)
    })
    .await;
    let keys: i64 = first.pool.scalar("SELECT count(*) FROM signing_keys").await;
    assert_eq!(keys, 1, "one key for both instances");
    add_user(&first.db_url, "ann", "producer", "right-password");
    let from_first = login_token(&first, "ann", "right-password").await;
    let from_second = login_token(&second, "ann", "right-password").await;
    assert_eq!(second.get("/actors", &from_first).await.0, 200);
    assert_eq!(first.get("/actors", &from_second).await.0, 200);

    let out = ok(&first.db_url, &["keys", "rotate"], None);
    assert!(out.contains("new signing key"), "{out}");
    // An instance started after the rotation signs with the new key...
    let third = TestApp::spawn_with(Options {
        shared_db: Some(first.db_url.clone()),
        ..Options::new(STORE)
    })
    .await;
    let after = login_token(&third, "ann", "right-password").await;
    let kid = |token: &str| jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
    assert_ne!(kid(&after), kid(&from_first));
    // ...which the older instances accept, and the old tokens stay valid everywhere.
    for (name, app) in [("first", &first), ("second", &second), ("third", &third)] {
        let (status, body) = app.get("/actors", &after).await;
        assert_eq!(status, 200, "{name}, new token: {body}");
        let (status, body) = app.get("/actors", &from_first).await;
        assert_eq!(status, 200, "{name}, old token: {body}");
    }
    let (_, jwks) = third.get("/.well-known/jwks.json", "").await;
    assert_eq!(
        jwks["keys"].as_array().unwrap().len(),
        2,
        "old and new key are published"
    );
}

#[tokio::test]
async fn several_instances_starting_at_once_create_one_signing_key() {
    let first = TestApp::spawn(STORE).await;
    first.pool.execute("DELETE FROM signing_keys").await;
    let starts = (0..3).map(|_| {
        let url = first.db_url.clone();
        tokio::spawn(async move {
            let store = Store::open(&Location::parse(&url).unwrap(), &StoreSettings::default())
                .await
                .unwrap();
            casting_server::identity::Keyring::from_database(store, Duration::from_secs(3600), None)
                .await
                .map(|_| ())
        })
    });
    for start in starts {
        start.await.unwrap().expect("every instance starts");
    }
    let keys: i64 = first.pool.scalar("SELECT count(*) FROM signing_keys").await;
    assert_eq!(keys, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_through_one_instance_reaches_the_streams_of_another() {
    let a = TestApp::spawn(STORE).await;
    let b = a.another_instance().await.expect("a second instance");
    let mut stream = EventStream::open(&a, &producer(), "", None).await.unwrap();
    let mut latencies = Vec::new();
    for n in 0..5 {
        let started = Instant::now();
        let id = b.actor(&format!("Via B {n}"), 30, "Female").await;
        let event = stream
            .next(Duration::from_secs(5))
            .await
            .expect("the change made through the other instance");
        latencies.push(started.elapsed());
        assert_eq!(event.change()["id"].as_i64(), Some(id));
    }
    println!("write through B to event on A: {latencies:?}");
    // The contract's bound is 1 s; the notification makes it milliseconds.
    let slowest = latencies.iter().max().unwrap();
    assert!(*slowest < Duration::from_secs(1), "{latencies:?}");
}

#[tokio::test]
async fn a_change_whose_notification_was_missed_still_reaches_the_streams() {
    let app = TestApp::spawn(STORE).await;
    let mut stream = EventStream::open(&app, &producer(), "", None)
        .await
        .unwrap();
    // Written without the trigger's NOTIFY (pending, as the trigger writes
    // it): only the table knows.
    app.pool
        .execute(
            "INSERT INTO changes (at, subject, action, resource, record_id, after) \
             VALUES (now(), 'test', 'created', 'actor', 999, \
                     '{\"id\": 999, \"name\": \"Quiet\", \"age\": 1, \"gender\": \"Other\"}')",
        )
        .await;
    let change = stream
        .next(Duration::from_secs(5))
        .await
        .expect("the poll finds it")
        .change();
    assert_eq!(change["after"]["name"], "Quiet");
}
