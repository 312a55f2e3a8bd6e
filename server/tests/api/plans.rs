//! The plans each store makes for list statements at 100 000 actors and
//! movies: every documented filter (none, a broad and a selective search,
//! gender, an age or date range) with every sort in both directions, on the
//! first page and after a cursor in the middle of the table. None may read
//! a table whole, and each page is compared with what a plain statement
//! finds (on SQLite, a scan of the table: its statement says how to reach
//! the page, so that is what is checked).

use casting_server::db::paging::{Cursor, KeyKind, Page, Position, Sort, SortValue};
use casting_server::db::{ActorFilter, MovieFilter};
use serde_json::Value;
use time::Date;

use crate::support::*;

/// One list request of the plan tests, and what the store made of it.
struct Listed {
    table: &'static str,
    /// The filter as a plain SQL condition over the table (ASCII data, so
    /// `LIKE` finds what the search finds).
    condition: &'static str,
    /// How many rows match the filter, over all pages.
    matches: i64,
    sort: Sort,
    position: Position,
    /// The store's plan of the page statement.
    plan: Value,
    /// The ids of the page the store answered.
    ids: Vec<i64>,
}

fn date(text: &str) -> Date {
    casting_shared::domain::parse_release_date(text).unwrap()
}

fn actor_filters() -> Vec<(ActorFilter, &'static str)> {
    vec![
        (ActorFilter::default(), "true"),
        (
            ActorFilter {
                q: Some("actor 99".into()),
                ..Default::default()
            },
            "lower(name) LIKE '%actor 99%'",
        ),
        (
            ActorFilter {
                q: Some("zyxwvut".into()),
                ..Default::default()
            },
            "lower(name) LIKE '%zyxwvut%'",
        ),
        (
            // Every actor but five: a search that walks the sort's order.
            ActorFilter {
                q: Some("actor".into()),
                ..Default::default()
            },
            "lower(name) LIKE '%actor%'",
        ),
        (
            ActorFilter {
                gender: Some("female".into()),
                ..Default::default()
            },
            "lower(gender) = 'female'",
        ),
        (
            ActorFilter {
                min_age: Some(30),
                max_age: Some(40),
                ..Default::default()
            },
            "age >= 30 AND age <= 40",
        ),
    ]
}

fn movie_filters() -> Vec<(MovieFilter, &'static str)> {
    vec![
        (MovieFilter::default(), "true"),
        (
            MovieFilter {
                q: Some("movie 77".into()),
                ..Default::default()
            },
            "lower(title) LIKE '%movie 77%'",
        ),
        (
            MovieFilter {
                released_from: Some(date("2000-01-01")),
                released_to: Some(date("2000-12-31")),
                ..Default::default()
            },
            "release_date >= '2000-01-01' AND release_date <= '2000-12-31'",
        ),
        (
            MovieFilter {
                released_from: Some(date("1950-01-01")),
                ..Default::default()
            },
            "release_date >= '1950-01-01'",
        ),
    ]
}

fn sorts(columns: &[(&'static str, KeyKind)]) -> Vec<Sort> {
    let mut all = vec![
        Sort::BY_ID,
        Sort {
            descending: true,
            ..Sort::BY_ID
        },
    ];
    for (column, kind) in columns {
        for descending in [false, true] {
            all.push(Sort {
                column,
                kind: Some(*kind),
                descending,
            });
        }
    }
    all
}

/// A value in the middle of a sort column (a text column's folded key).
fn middle(column: &str) -> SortValue {
    match column {
        "name" => SortValue::Text("actor 5".into()),
        "gender" => SortValue::Text("male".into()),
        "title" => SortValue::Text("movie 5".into()),
        "release_date" => SortValue::Date(date("1960-01-01")),
        _ => SortValue::Int(40),
    }
}

/// The first page, and a page after a cursor in the middle of the table.
fn positions(sort: Sort) -> Vec<Position> {
    vec![
        Position::Page(Page {
            page: 1,
            per_page: 10,
        }),
        Position::After {
            cursor: Cursor {
                value: sort.kind.map(|_| middle(sort.column)),
                id: 50_000,
            },
            per_page: 10,
        },
    ]
}

/// Every list request of the tests, asked of the store.
async fn list_everything(app: &TestApp) -> Vec<Listed> {
    let mut all = Vec::new();
    let actor_sorts = sorts(&[
        ("name", KeyKind::Text),
        ("age", KeyKind::Int),
        ("gender", KeyKind::Text),
    ]);
    for (filter, condition) in actor_filters() {
        let matches = app
            .pool
            .scalar(&format!("SELECT count(*) FROM actors WHERE {condition}"))
            .await;
        for sort in &actor_sorts {
            for position in positions(*sort) {
                let plan = app.store.actors_plan(&filter, *sort, &position).await;
                let page = app.store.list_actors(&filter, *sort, &position).await;
                all.push(Listed {
                    table: "actors",
                    condition,
                    matches,
                    sort: *sort,
                    plan: plan.unwrap(),
                    ids: page.unwrap().rows.iter().map(|a| a.id).collect(),
                    position,
                });
            }
        }
    }
    let movie_sorts = sorts(&[("title", KeyKind::Text), ("release_date", KeyKind::Date)]);
    for (filter, condition) in movie_filters() {
        let matches = app
            .pool
            .scalar(&format!("SELECT count(*) FROM movies WHERE {condition}"))
            .await;
        for sort in &movie_sorts {
            for position in positions(*sort) {
                let plan = app.store.movies_plan(&filter, *sort, &position).await;
                let page = app.store.list_movies(&filter, *sort, &position).await;
                all.push(Listed {
                    table: "movies",
                    condition,
                    matches,
                    sort: *sort,
                    plan: plan.unwrap(),
                    ids: page.unwrap().rows.iter().map(|m| m.id).collect(),
                    position,
                });
            }
        }
    }
    all
}

/// The ids a plain statement finds for a list request (on SQLite, by
/// scanning the table: its planner is what is being checked).
async fn scanned(app: &TestApp, listed: &Listed) -> Vec<i64> {
    let (comparison, direction) = if listed.sort.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    let after = match &listed.position {
        Position::Page(_) => "true".to_string(),
        Position::After { cursor, .. } => {
            let value = match &cursor.value {
                None => None,
                Some(SortValue::Text(text)) => Some(format!("'{text}'")),
                Some(SortValue::Int(n)) => Some(n.to_string()),
                Some(SortValue::Date(date)) => Some(format!("'{date}'")),
                Some(SortValue::Time(at)) => Some(at.unix_timestamp().to_string()),
            };
            match value {
                None => format!("id {comparison} {}", cursor.id),
                Some(value) => format!(
                    "({}, id) {comparison} ({value}, {})",
                    listed.sort.sql_column(),
                    cursor.id
                ),
            }
        }
    };
    let order = if listed.sort.column == "id" {
        format!("id {direction}")
    } else {
        format!("{} {direction}, id {direction}", listed.sort.sql_column())
    };
    let hint = match app.pool {
        TestPool::Sqlite(_) => " NOT INDEXED",
        TestPool::Postgres(_) => "",
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT id FROM {}{hint} WHERE {} AND {after} ORDER BY {order} LIMIT 10",
        listed.table, listed.condition
    ));
    match &app.pool {
        TestPool::Sqlite(pool) => sqlx::query_scalar(sql).fetch_all(pool).await.unwrap(),
        TestPool::Postgres(pool) => sqlx::query_scalar(sql).fetch_all(pool).await.unwrap(),
    }
}

mod postgres {
    use super::*;
    use crate::postgres::STORE;

    /// Every node of a plan, depth first.
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

    fn scans_whole(plan: &Value, table: &str) -> bool {
        nodes(&plan[0]["Plan"])
            .iter()
            .any(|n| n["Node Type"] == "Seq Scan" && n["Relation Name"] == table)
    }

    /// At 100 000 actors and movies with fresh statistics, no list request
    /// (any filter with any sort, first page or after a cursor) plans a
    /// sequential scan: each reads its page through an index, and finds
    /// what a plain statement finds.
    #[tokio::test]
    async fn no_filter_or_sort_plans_a_sequential_scan_at_a_hundred_thousand_rows() {
        let app = TestApp::spawn(STORE).await;
        let TestPool::Postgres(pool) = &app.pool else {
            unreachable!("a PostgreSQL test")
        };
        sqlx::raw_sql(
            "SET statement_timeout = 0; \
             INSERT INTO actors (name, age, gender) \
               SELECT 'Actor ' || g, 18 + g % 60, (ARRAY['Female','Male','Other'])[1 + g % 3] \
               FROM generate_series(1, 100000) g; \
             UPDATE actors SET name = 'Quentin Zyxwvut ' || id WHERE id % 20000 = 0; \
             INSERT INTO movies (title, release_date) \
               SELECT 'Movie ' || g, date '1900-01-01' + (g * 7919) % 45000 \
               FROM generate_series(1, 100000) g;",
        )
        .execute(pool)
        .await
        .unwrap();
        // VACUUM runs alone (not in the multi-statement message's transaction).
        for table in ["actors", "movies"] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("VACUUM ANALYZE {table}")))
                .execute(pool)
                .await
                .unwrap();
        }
        for listed in list_everything(&app).await {
            let Listed {
                table,
                condition,
                sort,
                ref position,
                ref plan,
                ..
            } = listed;
            let what = format!("{condition} {sort:?} {position:?}:\n{plan:#}");
            assert!(!scans_whole(plan, table), "{what}");
            let buffers = &plan[0]["Plan"];
            let read = buffers["Shared Hit Blocks"].as_i64().unwrap()
                + buffers["Shared Read Blocks"].as_i64().unwrap();
            // A page and its way there: a few hundred buffers, a few
            // thousand where a broad filter's matches are spread thin; the
            // whole table is 100 000 rows (about 2 000 buffers of heap and
            // as many of each index), read once per row in a walk.
            assert!(read < 5_000, "{read} buffers: {what}");
            assert_eq!(listed.ids, scanned(&app, &listed).await, "{what}");
        }
    }
}

mod sqlite {
    use casting_server::db::lists::EXACT_UP_TO;

    use super::*;
    use crate::sqlite::STORE;

    /// Whether a step of the plan sorts rows read straight from the table
    /// (or its trigram index): every match of the filter, not a page.
    fn sorts_matches(plan: &[String], table: &str) -> bool {
        plan.windows(2).any(|steps| {
            steps[1] == "USE TEMP B-TREE FOR ORDER BY"
                && (steps[0].starts_with(&format!("SEARCH {table} "))
                    || steps[0].starts_with(&format!("SCAN {table}")))
        })
    }

    /// Whether a step reads the table (or one of its indexes) from end to
    /// end, rather than seeking into it.
    fn walks_table(plan: &[String], table: &str) -> bool {
        plan.iter().any(|step| {
            step == &format!("SCAN {table}") || step.starts_with(&format!("SCAN {table} USING"))
        })
    }

    /// At 100 000 actors and movies, no list request sorts more than the
    /// matches of a filter that matches at most 10 000 rows (and a range
    /// sorted by its own column sorts none), none reads a table from end to
    /// end unless in the order of its sort, a narrow filter sorted by id
    /// sorts its matches' ids from the filter's index without reading their
    /// rows, and every page is the one a plain scan finds.
    #[tokio::test]
    async fn every_page_is_read_through_an_index_and_is_what_a_scan_finds() {
        let app = TestApp::spawn(STORE).await;
        app.pool
            .execute(
                "UPDATE change_author SET recording = 0; \
                 WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100000) \
                 INSERT INTO actors (name, age, gender) \
                   SELECT CASE WHEN n % 20000 = 0 THEN 'Quentin Zyxwvut ' || n \
                               ELSE 'Actor ' || n END, \
                          18 + n % 60, \
                          CASE n % 3 WHEN 0 THEN 'Female' WHEN 1 THEN 'Male' ELSE 'Other' END \
                   FROM g; \
                 WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100000) \
                 INSERT INTO movies (title, release_date) \
                   SELECT 'Movie ' || n, date('1900-01-01', ((n * 7919) % 45000) || ' days') \
                   FROM g; \
                 UPDATE change_author SET recording = 1; \
                 ANALYZE;",
            )
            .await;
        for listed in list_everything(&app).await {
            let plan: Vec<String> = serde_json::from_value(listed.plan.clone()).unwrap();
            let Listed {
                table,
                condition,
                matches,
                sort,
                ref position,
                ..
            } = listed;
            let what = format!("{table} {condition} {sort:?} {position:?}:\n{plan:#?}");
            let range_in_its_order = [("age >=", "age"), ("release_date >=", "release_date")]
                .iter()
                .any(|(range, column)| condition.starts_with(range) && sort.column == *column);
            if matches > EXACT_UP_TO || range_in_its_order {
                assert!(!sorts_matches(&plan, table), "{what}");
            } else {
                assert!(!walks_table(&plan, table), "{what}");
            }
            if matches <= EXACT_UP_TO
                && sort.column == "id"
                && condition.starts_with("release_date")
            {
                assert!(
                    plan.iter()
                        .any(|step| step.contains("USING COVERING INDEX")),
                    "{what}"
                );
            }
            assert_eq!(listed.ids, scanned(&app, &listed).await, "{what}");
        }
    }
}
