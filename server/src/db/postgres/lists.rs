//! PostgreSQL: one page of a list in one statement, joined to the table's
//! row counts and write stamp (kept by triggers, migrations/postgres/0004
//! and 0006), and the bounded count of a filter's matches.
//!
//! The planner chooses how to reach a page, from its statistics, except for
//! a search sorted by a column other than id: `pg_trgm` cannot tell where in
//! the sort's order a phrase's matches lie, and walking the sort's index
//! past a million rows that do not match (the matches of `actor 99` all sort
//! near the end by name) is a cliff. Such a search's matches are sorted
//! instead, unless a tenth of the table or more matches (then a page comes
//! after a few rows of the walk).

use futures::FutureExt;
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgConnection, Postgres, QueryBuilder, Row};

use super::PgStore;
use crate::db::auditions::{page_names, planned_once};
use crate::db::lists::{self, EXACT_UP_TO, FilterKey, Keyed, PageOf};
use crate::db::order_by;
use crate::db::paging::{Position, Sort, SortValue};

/// Adds a resource's filter to a statement, as ` AND …` conditions.
pub type PushFilter<'a> = lists::PushFilter<'a, Postgres>;

/// What a list names of a resource's table.
pub struct ListSpec<'a> {
    pub table: &'static str,
    pub columns: &'static str,
    /// Adds ` AND …` conditions; `None` when the list is unfiltered.
    pub filter: Option<&'a PushFilter<'a>>,
    /// The key column `q` searches and the `LIKE` pattern (folded) it searches for.
    pub search: Option<(&'static str, String)>,
    /// Names the filter in the remembered totals (its `Debug` form).
    pub filter_key: String,
}

impl ListSpec<'_> {
    /// How the remembered totals name this list's filter; `None` unfiltered.
    fn remembered_as(&self) -> Option<FilterKey> {
        self.filter.map(|_| FilterKey {
            table: self.table,
            filter: self.filter_key.clone(),
        })
    }
}

impl PgStore {
    /// The page at `position` in `sort`, with its total. `R` is the table's
    /// row as selected by `spec.columns`, `T` what the API returns.
    pub(super) async fn page<R, T>(
        &self,
        spec: &ListSpec<'_>,
        sort: Sort,
        position: &Position,
    ) -> sqlx::Result<PageOf<T>>
    where
        R: for<'r> FromRow<'r, PgRow> + Into<T> + Send,
        T: Keyed + Send,
    {
        // The page and its count from one database: the replica or the primary.
        self.read(|connection, _| {
            async move {
                let sorted = self.sorts_matches(connection, spec, sort).await?;
                // A filter's bound values decide its plan (five matches for a rare
                // name, half the table for a gender): planned with them each time,
                // never with a generic plan that guessed once for every value;
                // unless its plan is the same for every value (`planned_once`).
                let prepared = spec.filter.is_none() || planned_once(spec.table);
                let rows = page_query("", spec, sorted, sort, position)
                    .build()
                    .persistent(prepared)
                    .fetch_all(&mut *connection)
                    .await?;
                let fetched = lists::read_page::<Postgres, R, T>(&rows)?;
                let count = async {
                    match spec.filter {
                        Some(filter) => count(connection, spec.table, filter, prepared).await,
                        None => Ok((0, 0)),
                    }
                };
                let filter = spec.remembered_as();
                lists::finish(fetched, sort, position, filter, &self.totals, count).await
            }
            .boxed()
        })
        .await
    }

    /// Whether the page statement sorts the filter's matches rather than
    /// leaving the planner to walk the sort's index: a search sorted by a
    /// column other than id, matching fewer than a tenth of the table
    /// (counted at most that far, once per instance and search: it only
    /// picks the plan).
    async fn sorts_matches(
        &self,
        connection: &mut PgConnection,
        spec: &ListSpec<'_>,
        sort: Sort,
    ) -> sqlx::Result<bool> {
        let Some((column, pattern)) = &spec.search else {
            return Ok(false);
        };
        if sort.column == "id" {
            return Ok(false);
        }
        let table = spec.table;
        let key = format!("{table}:{column} LIKE {pattern}:share");
        if let Some(broad) = self.totals.latest(&key) {
            return Ok(broad == 0);
        }
        let (tenth, matches): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "WITH t AS (SELECT COALESCE(sum(n), 0)::bigint / 10 AS tenth FROM row_counts \
             WHERE table_name = '{table}') \
             SELECT tenth, (SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {column} LIKE $1 \
             LIMIT (SELECT tenth FROM t)) c) FROM t"
        )))
        .bind(pattern)
        .persistent(false)
        .fetch_one(connection)
        .await?;
        let broad = matches >= tenth;
        self.totals.put(key, 0, i64::from(broad));
        Ok(!broad)
    }

    /// The plan PostgreSQL makes for the page statement and what running it
    /// read (`EXPLAIN (ANALYZE, BUFFERS)`, JSON).
    pub(super) async fn plan(
        &self,
        spec: &ListSpec<'_>,
        sort: Sort,
        position: &Position,
    ) -> sqlx::Result<serde_json::Value> {
        let mut connection = self.pool.acquire().await?;
        let sorted = self.sorts_matches(&mut connection, spec, sort).await?;
        let row = page_query(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ",
            spec,
            sorted,
            sort,
            position,
        )
        .build()
        .fetch_one(&mut *connection)
        .await?;
        plan_json(&row)
    }
}

/// The plan an `EXPLAIN (FORMAT JSON)` answers.
pub(super) fn plan_json(row: &PgRow) -> sqlx::Result<serde_json::Value> {
    // The column is `json`, whose wire form is its text.
    let text: String = row.try_get_unchecked(0)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(e.into()))
}

/// The filter's matches, counted up to one past [`EXACT_UP_TO`], with the
/// write stamp seen by the same statement.
async fn count(
    connection: &mut PgConnection,
    table: &'static str,
    filter: &PushFilter<'_>,
    prepared: bool,
) -> sqlx::Result<(i64, i64)> {
    let mut sql = QueryBuilder::new(format!(
        "SELECT COALESCE(sum(writes), 0)::bigint, (SELECT count(*) FROM (SELECT 1 FROM \
         {table} WHERE true"
    ));
    filter(&mut sql);
    sql.push(format!(
        " LIMIT {}) c) FROM row_counts WHERE table_name = '{table}'",
        EXACT_UP_TO + 1
    ));
    sql.build_query_as()
        .persistent(prepared)
        .fetch_one(connection)
        .await
}

/// The page (one row more than asked, to know whether another follows)
/// joined to the table's counters, so even an empty page brings the total
/// and the write stamp.
///
/// With `sorted`, the matches (after the cursor) are a materialized
/// common table expression, which the planner reaches through the filter's
/// own index, and are sorted there.
fn page_query(
    prefix: &str,
    spec: &ListSpec<'_>,
    sorted: bool,
    sort: Sort,
    position: &Position,
) -> QueryBuilder<Postgres> {
    let ListSpec { table, columns, .. } = *spec;
    let (named, joins) = page_names(table);
    let mut sql = QueryBuilder::new(format!(
        "{prefix}SELECT s.total, s.stamp, p.*{named} FROM (SELECT COALESCE(sum(n), 0)::bigint AS total, \
         COALESCE(sum(writes), 0)::bigint AS stamp FROM row_counts \
         WHERE table_name = '{table}') s LEFT JOIN ("
    ));
    if sorted {
        sql.push("WITH m AS MATERIALIZED (");
    }
    sql.push(format!("SELECT {columns} FROM {table} WHERE true"));
    if let Some(filter) = spec.filter {
        filter(&mut sql);
    }
    push_after(&mut sql, sort, position);
    if sorted {
        sql.push(") SELECT * FROM m");
    }
    sql.push(order_by(sort, ""));
    // LIMIT and OFFSET are written out, not bound: with parameters there,
    // PostgreSQL would plan the statement again on every execution.
    sql.push(format!(
        " LIMIT {} OFFSET {}) p ON true{joins}",
        position.per_page() + 1,
        position.offset()
    ));
    sql.push(order_by(sort, "p."));
    sql
}

/// ` AND (column, id) > (value, id)` (or `<` descending): the rows after a
/// cursor, which PostgreSQL seeks in the sort's index as one row value (a
/// text column's folded key, compared as bytes: the key columns are
/// `COLLATE "C"`). `sort.column` comes from a fixed list of columns, never
/// from request text.
fn push_after(sql: &mut QueryBuilder<Postgres>, sort: Sort, position: &Position) {
    let Position::After { cursor, .. } = position else {
        return;
    };
    let comparison = if sort.descending { "<" } else { ">" };
    match &cursor.value {
        Some(value) => {
            sql.push(format!(" AND ({}, id) {comparison} (", sort.sql_column()));
            match value {
                SortValue::Text(text) => sql.push_bind(text.clone()),
                SortValue::Int(n) => sql.push_bind(*n),
                SortValue::Date(date) => sql.push_bind(*date),
                SortValue::Time(at) => sql.push_bind(*at),
            };
            sql.push(", ").push_bind(cursor.id).push(")");
        }
        None => {
            sql.push(format!(" AND id {comparison} "))
                .push_bind(cursor.id);
        }
    }
}
