//! The plans each store makes at 100 000 auditions for the overlap check a
//! write runs and for the schedule's pages (a day, an actor's, a location's,
//! a role's, a movie's, after a cursor): none reads the table whole; each
//! reaches its rows through an index.

use casting_server::db::auditions::AuditionFilter;
use casting_server::db::paging::{Cursor, Page, Position, SortValue};
use serde_json::Value;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::helpers::*;

/// 100 000 auditions, one every 30 minutes from 2027-01-01 (20 minutes
/// long), of 1 000 actors each in a role of their own (10 roles in each of
/// 100 movies), at 50 rooms.
const POSTGRES_DATA: &str = "\
    SET statement_timeout = 0; \
    ALTER TABLE auditions DISABLE TRIGGER record_change; \
    ALTER TABLE candidates DISABLE TRIGGER record_change; \
    ALTER TABLE roles DISABLE TRIGGER record_change; \
    INSERT INTO actors (name, age, gender) \
      SELECT 'Actor ' || g, 18 + g % 60, 'Other' FROM generate_series(1, 1000) g; \
    INSERT INTO movies (title, release_date) \
      SELECT 'Movie ' || g, date '2027-01-01' FROM generate_series(1, 100) g; \
    INSERT INTO roles (movie_id, name) \
      SELECT 1 + (g - 1) / 10, 'Role ' || g FROM generate_series(1, 1000) g; \
    INSERT INTO candidates (role_id, actor_id, stage) \
      SELECT g, g, 'auditioning' FROM generate_series(1, 1000) g; \
    INSERT INTO auditions (role_id, actor_id, starts_at, ends_at, location, location_key) \
      SELECT 1 + g % 1000, 1 + g % 1000, \
             timestamptz '2027-01-01 00:00Z' + g * interval '30 minutes', \
             timestamptz '2027-01-01 00:20Z' + g * interval '30 minutes', \
             'Room ' || g % 50, 'room ' || g % 50 \
      FROM generate_series(0, 99999) g; \
    ALTER TABLE auditions ENABLE TRIGGER record_change; \
    ALTER TABLE candidates ENABLE TRIGGER record_change; \
    ALTER TABLE roles ENABLE TRIGGER record_change;";

const SQLITE_DATA: &str = "\
    UPDATE change_author SET recording = 0; \
    WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1000) \
    INSERT INTO actors (name, age, gender) SELECT 'Actor ' || n, 18 + n % 60, 'Other' FROM g; \
    WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100) \
    INSERT INTO movies (title, release_date) SELECT 'Movie ' || n, '2027-01-01' FROM g; \
    WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1000) \
    INSERT INTO roles (movie_id, name) SELECT 1 + (n - 1) / 10, 'Role ' || n FROM g; \
    WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1000) \
    INSERT INTO candidates (role_id, actor_id, stage) SELECT n, n, 'auditioning' FROM g; \
    WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < 99999) \
    INSERT INTO auditions (role_id, actor_id, starts_at, ends_at, location, location_key) \
      SELECT 1 + n % 1000, 1 + n % 1000, 1798761600 + n * 1800, 1798762800 + n * 1800, \
             'Room ' || n % 50, 'room ' || n % 50 FROM g; \
    UPDATE change_author SET recording = 1; \
    ANALYZE;";

const START: OffsetDateTime = datetime!(2027-01-01 0:00 UTC);

/// The schedule's requests of the tests: filters, each on the first page
/// and after a cursor in the middle of what it matches.
fn requests() -> Vec<(AuditionFilter, Position)> {
    let day = START + Duration::days(400);
    let filters = [
        AuditionFilter::default(),
        AuditionFilter {
            from: Some(day),
            to: Some(day + Duration::DAY),
            ..Default::default()
        },
        AuditionFilter {
            actor_id: Some(7),
            ..Default::default()
        },
        AuditionFilter {
            role_id: Some(7),
            ..Default::default()
        },
        AuditionFilter {
            movie_id: Some(7),
            ..Default::default()
        },
        AuditionFilter {
            location_key: Some("room 7".into()),
            ..Default::default()
        },
        AuditionFilter {
            location_key: Some("room 7".into()),
            from: Some(day),
            to: Some(day + Duration::days(7)),
            ..Default::default()
        },
    ];
    let mut all = Vec::new();
    for filter in filters {
        all.push((
            filter.clone(),
            Position::Page(Page {
                page: 1,
                per_page: 10,
            }),
        ));
        let middle = START + Duration::minutes(30 * 50_007);
        all.push((
            filter,
            Position::After {
                cursor: Cursor {
                    value: Some(SortValue::Time(middle)),
                    id: 50_008,
                },
                per_page: 10,
            },
        ));
    }
    all
}

/// A new audition's interval in the middle of the data.
fn interval() -> (OffsetDateTime, OffsetDateTime) {
    let start = START + Duration::days(700) + Duration::minutes(5);
    (start, start + Duration::hours(1))
}

mod postgres {
    use super::*;
    use crate::postgres::STORE;

    fn nodes(plan: &Value) -> Vec<&Value> {
        let mut all = vec![plan];
        let mut i = 0;
        while i < all.len() {
            if let Some(children) = all[i]["Plans"].as_array() {
                all.extend(children);
            }
            i += 1;
        }
        all
    }

    fn scans_auditions(plan: &Value) -> bool {
        nodes(&plan[0]["Plan"])
            .iter()
            .any(|n| n["Node Type"] == "Seq Scan" && n["Relation Name"] == "auditions")
    }

    /// The overlap check is two index ranges; no page of the schedule
    /// scans the table or reads more than a few thousand buffers.
    #[tokio::test]
    async fn the_overlap_check_and_the_schedule_read_indexes_at_a_hundred_thousand_auditions() {
        let app = TestApp::spawn(STORE).await;
        let TestPool::Postgres(pool) = &app.pool else {
            unreachable!("a PostgreSQL test")
        };
        sqlx::raw_sql(POSTGRES_DATA).execute(pool).await.unwrap();
        sqlx::raw_sql("VACUUM ANALYZE auditions")
            .execute(pool)
            .await
            .unwrap();
        let (start, end) = interval();
        let plan = app
            .store
            .overlap_plan(7, "Room 7", start, end)
            .await
            .unwrap();
        assert!(!scans_auditions(&plan), "{plan:#}");
        let indexes: Vec<&str> = nodes(&plan[0]["Plan"])
            .iter()
            .filter_map(|n| n["Index Name"].as_str())
            .collect();
        assert!(
            indexes.contains(&"auditions_actor_starts_at")
                && indexes.contains(&"auditions_location_starts_at"),
            "{plan:#}"
        );
        for (filter, position) in requests() {
            let plan = app.store.auditions_plan(&filter, &position).await.unwrap();
            let what = format!("{filter:?} {position:?}:\n{plan:#}");
            assert!(!scans_auditions(&plan), "{what}");
            let top = &plan[0]["Plan"];
            let read = top["Shared Hit Blocks"].as_i64().unwrap()
                + top["Shared Read Blocks"].as_i64().unwrap();
            assert!(read < 5_000, "{read} buffers: {what}");
        }
        let day = app
            .store
            .list_auditions(&requests()[2].0, &requests()[2].1)
            .await
            .unwrap();
        assert_eq!(day.total, 48);
        assert_eq!(day.rows.len(), 10);
    }
}

mod sqlite {
    use super::*;
    use crate::sqlite::STORE;

    fn scans_auditions(plan: &[String]) -> bool {
        plan.iter().any(|step| step == "SCAN auditions")
    }

    /// The overlap check searches the actor's and the location's indexes;
    /// no page of the schedule scans the table.
    #[tokio::test]
    async fn the_overlap_check_and_the_schedule_read_indexes_at_a_hundred_thousand_auditions() {
        let app = TestApp::spawn(STORE).await;
        app.pool.execute(SQLITE_DATA).await;
        let (start, end) = interval();
        let plan: Vec<String> = serde_json::from_value(
            app.store
                .overlap_plan(7, "Room 7", start, end)
                .await
                .unwrap(),
        )
        .unwrap();
        assert!(!scans_auditions(&plan), "{plan:#?}");
        for index in ["auditions_actor_starts_at", "auditions_location_starts_at"] {
            assert!(
                plan.iter()
                    .any(|step| step.starts_with("SEARCH auditions USING INDEX")
                        && step.contains(index)),
                "{index}: {plan:#?}"
            );
        }
        for (filter, position) in requests() {
            let plan: Vec<String> =
                serde_json::from_value(app.store.auditions_plan(&filter, &position).await.unwrap())
                    .unwrap();
            let what = format!("{filter:?} {position:?}:\n{plan:#?}");
            assert!(!scans_auditions(&plan), "{what}");
        }
        let day = app
            .store
            .list_auditions(&requests()[2].0, &requests()[2].1)
            .await
            .unwrap();
        assert_eq!(day.total, 48);
        assert_eq!(day.rows.len(), 10);
    }
}
