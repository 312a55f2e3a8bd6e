//! The connections that serve the reads of `GET`s go back to their pool
//! without the round trip sqlx's pool makes to test them: so a read
//! interrupted half way (its request cancelled) must close its connection
//! rather than leave it, mid-conversation, to the next read.

use std::collections::HashSet;
use std::time::Duration;

use casting_server::db::postgres::READS;
use casting_server::db::{Author, Location, Store, StoreSettings};
use casting_shared::domain::NewActor;

use crate::postgres::STORE;
use crate::support::*;

/// The server processes of the store's read connections, as PostgreSQL lists them.
async fn reading_backends(db: &TestPool) -> HashSet<i32> {
    let sql = format!(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
         AND application_name = '{READS}'"
    );
    db.fetch_all::<(i32,)>(&sql)
        .await
        .into_iter()
        .map(|(pid,)| pid)
        .collect()
}

/// The one read connection, once a closed one's process has gone.
async fn one_reading_backend(db: &TestPool) -> HashSet<i32> {
    for _ in 0..100 {
        let now = reading_backends(db).await;
        if now.len() == 1 {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "still not one read connection: {:?}",
        reading_backends(db).await
    );
}

#[tokio::test]
async fn a_read_cut_short_closes_its_connection_and_a_finished_one_keeps_it() {
    let db = TestDb::new(STORE);
    let store = Store::open(
        &Location::parse(&db.url).unwrap(),
        &StoreSettings {
            pool_size: 1,
            ..StoreSettings::default()
        },
    )
    .await
    .unwrap();
    let author = Author {
        subject: "test".into(),
        name: None,
    };
    let mut ids = Vec::new();
    for n in 0..3 {
        let actor = NewActor {
            name: format!("Reader {n}"),
            age: 30 + n,
            gender: "Other".into(),
        };
        ids.push(store.insert_actor(&actor, &author).await.unwrap().value.id);
    }
    let looking = db.pool().await;

    // Finished reads keep their one connection: no churn, no test of it.
    for &id in &ids {
        assert!(store.get_actor(id).await.unwrap().is_some());
    }
    let first = reading_backends(&looking).await;
    assert_eq!(first.len(), 1, "one connection serves them all: {first:?}");
    for &id in &ids {
        assert!(store.get_actor(id).await.unwrap().is_some());
    }
    assert_eq!(
        reading_backends(&looking).await,
        first,
        "the connection was kept"
    );

    // A read whose statement is on its way when its request is dropped (it
    // waits behind the test's lock on the table, so it surely is) leaves its
    // connection mid-conversation: the next read gets its own answer, on a
    // new connection.
    let TestPool::Postgres(locker) = &looking else {
        unreachable!("a PostgreSQL test");
    };
    let mut seen = first.clone();
    for cut in 1..=3 {
        let mut lock = locker.begin().await.unwrap();
        sqlx::query("LOCK TABLE actors IN ACCESS EXCLUSIVE MODE")
            .execute(&mut *lock)
            .await
            .unwrap();
        let (reading, first_id) = (store.clone(), ids[0]);
        let read = tokio::spawn(async move { reading.get_actor(first_id).await });
        let waiting = format!(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = '{READS}' AND wait_event_type = 'Lock'"
        );
        let mut blocked = false;
        for _ in 0..100 {
            if looking.scalar::<i64>(&waiting).await == 1 {
                blocked = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(blocked, "cut {cut}: the read waits behind the lock");
        read.abort();
        assert!(read.await.unwrap_err().is_cancelled());
        lock.rollback().await.unwrap();

        let id = ids[cut % ids.len()];
        let found = store.get_actor(id).await.unwrap().expect("the actor");
        assert_eq!(found.value.id, id, "cut {cut}: its own row");
        let now = one_reading_backend(&looking).await;
        assert!(
            now.is_disjoint(&seen),
            "cut {cut}: a new connection serves after it ({now:?} after {seen:?})"
        );
        seen.extend(now);
    }
    store.close().await;
    looking.close().await;
}

/// The database restarted (every connection dropped, new ones accepted)
/// between two reads: the reads that find their pooled connection dead run
/// again on a new one, so no GET fails for it.
#[tokio::test]
async fn reads_after_every_connection_was_dropped_succeed() {
    let (proxy, app) = app_behind_proxy(StoreSettings {
        pool_size: 3,
        timeout: Duration::from_secs(2),
        ..StoreSettings::default()
    })
    .await;
    let id = app.actor("Before the restart", 40, "Other").await;
    // Several reads at once, so the pool holds several connections.
    let token = producer();
    let reads = (0..6).map(|_| app.get("/actors", &token));
    for (status, body) in futures::future::join_all(reads).await {
        assert_eq!(status, 200, "{body}");
    }

    proxy.cut();
    proxy.restore();
    for path in [
        "/actors".to_owned(),
        format!("/actors/{id}"),
        format!("/actors/{id}/movies"),
    ] {
        let (status, body) = app.get(&path, &producer()).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (status, body) = app.get("/actors?q=restart", &producer()).await;
    assert_eq!(
        (status, body["total"].clone()),
        (200, serde_json::json!(1)),
        "{body}"
    );
}
