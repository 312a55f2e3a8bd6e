//! PostgreSQL: one page of a list in one statement, joined to the table's
//! row counts and write stamp (kept by triggers, migrations/postgres/0004
//! and 0006), and the bounded count of a filter's matches.

use sqlx::postgres::PgRow;
use sqlx::{FromRow, Postgres, QueryBuilder, Row};

use super::PgStore;
use crate::db::lists::{self, EXACT_UP_TO, Keyed, PageOf};
use crate::db::order_by;
use crate::listing::{Position, Sort};

/// A list of one of the store's tables.
pub type ListSpec<'a> = lists::ListSpec<'a, Postgres>;
/// Adds a resource's filter to a statement, as ` AND …` conditions.
pub type PushFilter<'a> = lists::PushFilter<'a, Postgres>;

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
        R: for<'r> FromRow<'r, PgRow> + Into<T>,
        T: Keyed,
    {
        // A filter's bound values decide its plan (five matches for a rare
        // name, half the table for a gender): planned with them each time,
        // never with a generic plan that guessed once for every value.
        let rows = page_query("", spec, sort, position)
            .build()
            .persistent(spec.filter.is_none())
            .fetch_all(&self.pool)
            .await?;
        let fetched = lists::read_page::<Postgres, R, T>(&rows)?;
        let count = async {
            match spec.filter {
                Some(filter) => self.count(spec.table, filter).await,
                None => Ok((0, 0)),
            }
        };
        let filter = spec.remembered_as();
        lists::finish(fetched, sort, position, filter, &self.totals, count).await
    }

    /// The plan PostgreSQL makes for the page statement (`EXPLAIN`, JSON).
    pub(super) async fn plan(
        &self,
        spec: &ListSpec<'_>,
        sort: Sort,
        position: &Position,
    ) -> sqlx::Result<serde_json::Value> {
        let row = page_query("EXPLAIN (FORMAT JSON) ", spec, sort, position)
            .build()
            .fetch_one(&self.pool)
            .await?;
        // The column is `json`, whose wire form is its text.
        let text: String = row.try_get_unchecked(0)?;
        serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(e.into()))
    }

    /// The filter's matches, counted up to one past [`EXACT_UP_TO`], with the
    /// write stamp seen by the same statement.
    async fn count(
        &self,
        table: &'static str,
        filter: &PushFilter<'_>,
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
            .persistent(false)
            .fetch_one(&self.pool)
            .await
    }
}

/// The page (one row more than asked, to know whether another follows)
/// joined to the table's counters, so even an empty page brings the total
/// and the write stamp.
fn page_query(
    prefix: &str,
    spec: &ListSpec<'_>,
    sort: Sort,
    position: &Position,
) -> QueryBuilder<Postgres> {
    let ListSpec { table, columns, .. } = *spec;
    let mut sql = QueryBuilder::new(format!(
        "{prefix}SELECT s.total, s.stamp, p.* FROM (SELECT COALESCE(sum(n), 0)::bigint AS total, \
         COALESCE(sum(writes), 0)::bigint AS stamp FROM row_counts \
         WHERE table_name = '{table}') s LEFT JOIN (SELECT {columns} FROM {table} WHERE true"
    ));
    if let Some(filter) = spec.filter {
        filter(&mut sql);
    }
    lists::push_after(&mut sql, sort, position);
    sql.push(order_by(sort, ""));
    // LIMIT and OFFSET are written out, not bound: with parameters there,
    // PostgreSQL would plan the statement again on every execution.
    sql.push(format!(
        " LIMIT {} OFFSET {}) p ON true",
        position.per_page() + 1,
        position.offset()
    ));
    sql.push(order_by(sort, "p."));
    sql
}
