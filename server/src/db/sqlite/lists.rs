//! SQLite: one page of a list in one statement, joined to the table's row
//! count and write stamp (kept by triggers, migrations/sqlite/0004 and
//! 0006), and the bounded count of a filter's matches. Both read one
//! snapshot of the file each, from the read-only pool.
//!
//! SQLite's planner cannot tell a filter matching a dozen rows from one
//! matching half the table, so the statement says how to reach the page
//! ([`Drive`]), chosen by how many rows the filter matched when it was last
//! counted: a broad filter walks the sort's index and stops after a page, a
//! narrow one (at most [`EXACT_UP_TO`] rows) reads its matches through its
//! own index and sorts them, and a search sorted by id walks the trigram
//! index in id order. A search sorted by another column walks the sort's
//! index only when a tenth of the table or more matches (testing a row
//! against a search costs a lookup in the trigram index); else its matches
//! are sorted. A range sorted by its own column walks that column's index
//! from the range's end. A cursor is two seeks (see [`page_query`]).

use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, QueryBuilder, Row, Sqlite};

use super::SqliteStore;
use crate::db::auditions::page_names;
use crate::db::lists::{self, EXACT_UP_TO, FilterKey, Keyed, PageOf};
use crate::db::order_by;
use crate::db::paging::{Cursor, Position, Sort, SortValue};

/// Adds a resource's filter conditions to a statement, as ` AND …`.
pub type PushFilter<'a> = lists::PushFilter<'a, Sqlite>;

/// A list of one of the store's tables.
pub struct ListSpec<'a> {
    pub table: &'static str,
    pub columns: &'static str,
    /// The phrase `q` is searched for in `{table}_search` (the trigram
    /// index: three characters or more).
    pub search: Option<String>,
    /// The filter's other conditions; `None` when it has none.
    pub conditions: Option<&'a PushFilter<'a>>,
    /// Names the filter in the remembered totals (its `Debug` form); `None`
    /// when the list is unfiltered.
    pub filter_key: Option<String>,
    /// The column the filter bounds, when its only conditions are a range
    /// of one column (`min_age`/`max_age`, `released_from`/`released_to`):
    /// sorted by that column, the page is read from its index, starting at
    /// the range's end, however many rows the range holds.
    pub range_of: Option<&'static str>,
}

impl ListSpec<'_> {
    fn remembered_as(&self) -> Option<FilterKey> {
        self.filter_key.as_ref().map(|filter| FilterKey {
            table: self.table,
            filter: filter.clone(),
        })
    }
}

/// The details of the rows of an `EXPLAIN QUERY PLAN`, as a JSON array of
/// strings.
pub(super) fn plan_details(rows: &[SqliteRow]) -> sqlx::Result<serde_json::Value> {
    let details = rows
        .iter()
        .map(|row| row.try_get::<String, _>("detail"))
        .collect::<sqlx::Result<Vec<_>>>()?;
    Ok(serde_json::Value::from(details))
}

/// How the page statement reaches its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Drive {
    /// In the sort's order (its index, or the rowid for `id`), testing each
    /// row against the filter until the page is full: no filter, or one that
    /// matches more than [`EXACT_UP_TO`] rows, so a page comes after a few.
    Sort,
    /// Through the filter's own index (the planner's choice), its matches
    /// then sorted: a filter that matches at most [`EXACT_UP_TO`] rows.
    Filter,
    /// The trigram index in rowid order: a search sorted by `id`, which the
    /// index hands over already sorted, however many rows match.
    Search,
}

/// The index that reads a table in a sort column's order (`id` is the
/// rowid; a text column sorts by its key). Names from migrations/sqlite/0001
/// and 0014.
fn sort_index(table: &str, column: &str) -> Option<&'static str> {
    Some(match (table, column) {
        ("actors", "name_key") => "actors_name_key",
        ("actors", "age") => "actors_age_id",
        ("actors", "gender_key") => "actors_gender_key",
        ("movies", "title_key") => "movies_title_key",
        ("movies", "release_date") => "movies_release_date_id",
        ("auditions", "starts_at") => "auditions_starts_at",
        _ => return None,
    })
}

impl SqliteStore {
    /// The page at `position` in `sort`, with its total. `R` is the table's
    /// row as selected by `spec.columns`, `T` what the API returns.
    pub(super) async fn page<R, T>(
        &self,
        spec: &ListSpec<'_>,
        sort: Sort,
        position: &Position,
    ) -> sqlx::Result<PageOf<T>>
    where
        R: for<'r> FromRow<'r, SqliteRow> + Into<T>,
        T: Keyed,
    {
        let drive = self.drive(spec, sort).await?;
        let rows = self
            .read(|c, _| {
                Box::pin(async move {
                    page_query("", spec, drive, sort, position)
                        .build()
                        .fetch_all(c)
                        .await
                })
            })
            .await?;
        let fetched = lists::read_page::<Sqlite, R, T>(&rows)?;
        let count = self.count(spec);
        lists::finish(
            fetched,
            sort,
            position,
            spec.remembered_as(),
            &self.totals,
            count,
        )
        .await
    }

    /// The details of SQLite's plan for the page statement (`EXPLAIN QUERY
    /// PLAN`), as a JSON array of strings.
    pub(super) async fn plan(
        &self,
        spec: &ListSpec<'_>,
        sort: Sort,
        position: &Position,
    ) -> sqlx::Result<serde_json::Value> {
        let drive = self.drive(spec, sort).await?;
        let rows = page_query("EXPLAIN QUERY PLAN ", spec, drive, sort, position)
            .build()
            .fetch_all(&self.reader)
            .await?;
        plan_details(&rows)
    }

    /// How the page is reached: by the number of rows the filter matched
    /// when last counted (counted now, and remembered for the page's total,
    /// if it never was). The number only picks the plan; the page and its
    /// total are the same whichever is picked.
    async fn drive(&self, spec: &ListSpec<'_>, sort: Sort) -> sqlx::Result<Drive> {
        if spec.search.is_some() && sort.column == "id" {
            return Ok(Drive::Search);
        }
        if spec.range_of == Some(sort.column) {
            return Ok(Drive::Sort);
        }
        let Some(filter) = spec.remembered_as() else {
            return Ok(Drive::Sort);
        };
        let key = filter.key();
        let matches = match self.totals.latest(&key) {
            Some(matches) => matches,
            None => {
                let (stamp, matches) = self.count(spec).await?;
                self.totals.put(key.clone(), stamp, matches);
                matches
            }
        };
        if matches <= EXACT_UP_TO {
            return Ok(Drive::Filter);
        }
        let Some(phrase) = &spec.search else {
            return Ok(Drive::Sort);
        };
        // Testing a row against a search is a lookup in the trigram index
        // (tens of microseconds), so walking the sort's order pays only
        // when a large share of the table matches; else the matches are
        // found through the index and sorted.
        let key = format!("{key}:share");
        let broad = match self.totals.latest(&key) {
            Some(broad) => broad,
            None => {
                let broad = self.matches_a_tenth(spec.table, phrase).await?;
                self.totals.put(key, 0, i64::from(broad));
                i64::from(broad)
            }
        };
        Ok(if broad == 1 {
            Drive::Sort
        } else {
            Drive::Filter
        })
    }

    /// Whether a tenth of the table or more matches the search, counted
    /// no further than that (one statement, as on PostgreSQL).
    async fn matches_a_tenth(&self, table: &str, phrase: &str) -> sqlx::Result<bool> {
        let sql = format!(
            "WITH t AS (SELECT COALESCE(sum(n), 0) / 10 AS tenth FROM row_counts \
             WHERE table_name = '{table}') \
             SELECT tenth, (SELECT count(*) FROM (SELECT 1 FROM {table}_search \
             WHERE {table}_search MATCH ?1 LIMIT (SELECT tenth FROM t))) FROM t"
        );
        let (tenth, matches): (i64, i64) = self
            .read(|c, _| {
                Box::pin(
                    sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                        .bind(phrase)
                        .fetch_one(c),
                )
            })
            .await?;
        Ok(matches >= tenth)
    }

    /// The filter's matches, counted up to one past [`EXACT_UP_TO`], with the
    /// write stamp seen by the same statement.
    async fn count(&self, spec: &ListSpec<'_>) -> sqlx::Result<(i64, i64)> {
        self.read(|c, _| {
            Box::pin(async move { count_query(spec).build_query_as().fetch_one(c).await })
        })
        .await
    }
}

/// The statement of [`SqliteStore::count`].
fn count_query(spec: &ListSpec<'_>) -> QueryBuilder<Sqlite> {
    let table = spec.table;
    let mut sql =
        QueryBuilder::new("SELECT COALESCE(sum(writes), 0), (SELECT count(*) FROM (SELECT 1");
    match (&spec.search, spec.conditions) {
        // The trigram index alone knows its matches: no row is read.
        (Some(phrase), None) => {
            sql.push(format!(" FROM {table}_search WHERE {table}_search MATCH "))
                .push_bind(phrase.clone());
        }
        _ => push_source(&mut sql, spec, Drive::Filter, Sort::BY_ID),
    }
    if let Some(conditions) = spec.conditions {
        conditions(&mut sql);
    }
    sql.push(format!(
        " LIMIT {})) FROM row_counts WHERE table_name = '{table}'",
        EXACT_UP_TO + 1
    ));
    sql
}

/// ` FROM … WHERE 1` and the search, as `drive` reaches the rows.
fn push_source(sql: &mut QueryBuilder<Sqlite>, spec: &ListSpec<'_>, drive: Drive, sort: Sort) {
    let table = spec.table;
    match (&spec.search, drive) {
        (Some(phrase), Drive::Search | Drive::Filter) => {
            // A subquery the planner flattens into a join, so that the
            // trigram table's own column (`name`, `title`) is not in scope.
            sql.push(format!(
                " FROM (SELECT rowid AS hit FROM {table}_search WHERE {table}_search MATCH "
            ))
            .push_bind(phrase.clone())
            .push(format!(") f JOIN {table} ON {table}.id = f.hit WHERE 1"));
        }
        (search, Drive::Sort) if search.is_some() || spec.conditions.is_some() => {
            let hint = match sort_index(table, sort.sql_column()) {
                Some(index) => format!(" INDEXED BY {index}"),
                None => " NOT INDEXED".to_string(),
            };
            sql.push(format!(" FROM {table}{hint} WHERE 1"));
            if let Some(phrase) = search {
                sql.push(format!(
                    " AND EXISTS (SELECT 1 FROM {table}_search WHERE {table}_search MATCH "
                ))
                .push_bind(phrase.clone())
                .push(format!(" AND rowid = {table}.id)"));
            }
        }
        _ => {
            sql.push(format!(" FROM {table} WHERE 1"));
        }
    }
}

/// The page (one row more than asked, to know whether another follows)
/// joined to the table's counters, so even an empty page brings the total
/// and the write stamp.
fn page_query(
    prefix: &str,
    spec: &ListSpec<'_>,
    drive: Drive,
    sort: Sort,
    position: &Position,
) -> QueryBuilder<Sqlite> {
    let table = spec.table;
    let (named, joins) = page_names(table);
    let mut sql = QueryBuilder::new(format!(
        "{prefix}SELECT s.total, s.stamp, p.*{named} FROM (SELECT COALESCE(sum(n), 0) AS total, \
         COALESCE(sum(writes), 0) AS stamp FROM row_counts WHERE table_name = '{table}') s \
         LEFT JOIN ("
    ));
    let limit = position.per_page() + 1;
    let direction = sort.sql_direction();
    let comparison = if sort.descending { "<" } else { ">" };
    let rows = Rows { spec, drive, sort };
    match position {
        Position::After { cursor, .. } if drive == Drive::Search => {
            // The trigram index's rowid is the id: the cursor and the order
            // go to it, so it starts at the cursor and hands rows in order.
            rows.push(
                &mut sql,
                |sql| {
                    sql.push(format!(" AND f.hit {comparison} "))
                        .push_bind(cursor.id);
                },
                &format!(" ORDER BY f.hit {direction} LIMIT {limit}"),
            );
        }
        Position::After {
            cursor: Cursor {
                value: Some(value),
                id,
            },
            ..
        } => {
            // SQLite seeks an index by the first column of a row value only:
            // `(gender, id) > ('Female', 7)` would read every Female row up
            // to id 7 first. The rows after the cursor are those with its
            // value and a later id, then those with a later value: two
            // seeks, merged.
            let column = sort.sql_column();
            let by_id = Sort {
                descending: sort.descending,
                ..Sort::BY_ID
            };
            sql.push("SELECT * FROM (SELECT * FROM (");
            rows.push(
                &mut sql,
                |sql| {
                    sql.push(format!(" AND {column} = "));
                    push_value(sql, value);
                    sql.push(format!(" AND id {comparison} ")).push_bind(*id);
                },
                &format!("{} LIMIT {limit}", rows_order(by_id, drive)),
            );
            sql.push(") UNION ALL SELECT * FROM (");
            rows.push(
                &mut sql,
                |sql| {
                    sql.push(format!(" AND {column} {comparison} "));
                    push_value(sql, value);
                },
                &format!("{} LIMIT {limit}", rows_order(sort, drive)),
            );
            sql.push(format!(")){} LIMIT {limit}", order_by(sort, "")));
        }
        Position::After {
            cursor: Cursor { value: None, id },
            ..
        } => {
            rows.push(
                &mut sql,
                |sql| {
                    sql.push(format!(" AND id {comparison} ")).push_bind(*id);
                },
                &format!("{} LIMIT {limit}", rows_order(sort, drive)),
            );
        }
        Position::Page(_) => {
            rows.push(
                &mut sql,
                |_| {},
                &format!(
                    "{} LIMIT {limit} OFFSET {}",
                    rows_order(sort, drive),
                    position.offset()
                ),
            );
        }
    }
    sql.push(format!(") p ON 1{joins}"));
    sql.push(order_by(sort, "p."));
    sql
}

/// The order of the rows `drive` reaches. For [`Drive::Filter`] the columns
/// are written `+column`: an expression no index is in the order of, so the
/// planner reaches the rows through the filter's index and sorts them,
/// instead of walking the sort's index past rows that do not match.
fn rows_order(sort: Sort, drive: Drive) -> String {
    match drive {
        Drive::Search => format!(" ORDER BY f.hit {}", sort.sql_direction()),
        Drive::Filter => order_by(sort, "+"),
        Drive::Sort => order_by(sort, ""),
    }
}

/// The rows a page is cut from: the filter's, reached as `drive` says.
struct Rows<'a> {
    spec: &'a ListSpec<'a>,
    drive: Drive,
    sort: Sort,
}

impl Rows<'_> {
    /// `SELECT columns FROM … WHERE … ORDER BY … LIMIT …`: the rows, with
    /// the conditions `after` adds, ordered and cut by `tail`.
    ///
    /// A filter's matches that are sorted ([`Drive::Filter`], no search)
    /// are sorted as ids first and read in full only for the page: the
    /// filter's index holds the id (and the sort column, for `id` or the
    /// filter's own column), so thousands of matches are sorted without
    /// reading their rows.
    fn push(
        &self,
        sql: &mut QueryBuilder<Sqlite>,
        after: impl FnOnce(&mut QueryBuilder<Sqlite>),
        tail: &str,
    ) {
        let spec = self.spec;
        let deferred = self.drive == Drive::Filter && spec.search.is_none();
        if deferred {
            sql.push(format!(
                "SELECT {} FROM {} WHERE id IN (SELECT id",
                spec.columns, spec.table
            ));
        } else {
            sql.push(format!("SELECT {}", spec.columns));
        }
        push_source(sql, spec, self.drive, self.sort);
        if let Some(conditions) = spec.conditions {
            conditions(sql);
        }
        after(sql);
        sql.push(tail);
        if deferred {
            sql.push(")");
        }
    }
}

fn push_value(sql: &mut QueryBuilder<Sqlite>, value: &SortValue) {
    match value {
        SortValue::Text(text) => sql.push_bind(text.clone()),
        SortValue::Int(n) => sql.push_bind(*n),
        SortValue::Date(date) => sql.push_bind(*date),
        // Stored as unix seconds.
        SortValue::Time(at) => sql.push_bind(at.unix_timestamp()),
    };
}
