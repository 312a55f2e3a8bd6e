//! The connections that serve the reads of `GET`s go back to their pool
//! without the round trip sqlx's pool makes to test them: so a read
//! interrupted half way (its request cancelled) must close its connection
//! rather than leave it, mid-conversation, to the next read.

use std::collections::HashSet;
use std::time::Duration;

use casting_server::db::postgres::READS;
use casting_server::db::{Author, Location, Store, StoreSettings};
use casting_shared::domain::NewActor;

use crate::helpers::*;
use crate::postgres::STORE;

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

    // A read polled once has sent its statement and waits for the answer
    // (unless the answer was already there: then it is over, and the round
    // is tried again). Dropped then, as when its request is cancelled, the
    // next read gets its own answer, on a new connection.
    let mut seen = first.clone();
    let (mut cuts, mut attempts) = (0, 0);
    while cuts < 5 {
        attempts += 1;
        assert!(attempts <= 200, "only {cuts} reads were cut in 200 tries");
        let pending = {
            let mut cut = std::pin::pin!(store.get_actor(ids[0]));
            futures::poll!(cut.as_mut()).is_pending()
        };
        let id = ids[attempts % ids.len()];
        let found = store.get_actor(id).await.unwrap().expect("the actor");
        assert_eq!(found.value.id, id, "its own row, after a cut: {pending}");
        if !pending {
            continue;
        }
        cuts += 1;
        let now = one_reading_backend(&looking).await;
        assert!(
            now.is_disjoint(&seen),
            "cut {cuts}: a new connection serves after it ({now:?} after {seen:?})"
        );
        seen.extend(now);
    }
    store.close().await;
    looking.close().await;
}
