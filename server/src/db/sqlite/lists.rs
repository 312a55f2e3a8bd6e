//! SQLite: one page of a list in one statement, joined to the table's row
//! count and write stamp (kept by triggers, migrations/sqlite/0004 and
//! 0006), and the bounded count of a filter's matches. Both read one
//! snapshot of the file each, from the read-only pool.

use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, QueryBuilder, Row, Sqlite};

use super::SqliteStore;
use crate::db::lists::{self, EXACT_UP_TO, Keyed, PageOf};
use crate::db::order_by;
use crate::listing::{Position, Sort};

/// A list of one of the store's tables.
pub type ListSpec<'a> = lists::ListSpec<'a, Sqlite>;
/// Adds a resource's filter to a statement, as ` AND …` conditions.
pub type PushFilter<'a> = lists::PushFilter<'a, Sqlite>;

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
        let rows = page_query("", spec, sort, position)
            .build()
            .fetch_all(&self.reader)
            .await?;
        let fetched = lists::read_page::<Sqlite, R, T>(&rows)?;
        let count = async {
            match spec.filter {
                Some(filter) => self.count(spec.table, filter).await,
                None => Ok((0, 0)),
            }
        };
        let filter = spec.remembered_as();
        lists::finish(fetched, sort, position, filter, &self.totals, count).await
    }

    /// The details of SQLite's plan for the page statement (`EXPLAIN QUERY
    /// PLAN`), as a JSON array of strings.
    pub(super) async fn plan(
        &self,
        spec: &ListSpec<'_>,
        sort: Sort,
        position: &Position,
    ) -> sqlx::Result<serde_json::Value> {
        let rows = page_query("EXPLAIN QUERY PLAN ", spec, sort, position)
            .build()
            .fetch_all(&self.reader)
            .await?;
        let details = rows
            .iter()
            .map(|row| row.try_get::<String, _>("detail"))
            .collect::<sqlx::Result<Vec<_>>>()?;
        Ok(serde_json::Value::from(details))
    }

    /// The filter's matches, counted up to one past [`EXACT_UP_TO`], with the
    /// write stamp seen by the same statement.
    async fn count(
        &self,
        table: &'static str,
        filter: &PushFilter<'_>,
    ) -> sqlx::Result<(i64, i64)> {
        let mut sql = QueryBuilder::new(format!(
            "SELECT COALESCE(sum(writes), 0), (SELECT count(*) FROM (SELECT 1 FROM {table} \
             WHERE 1"
        ));
        filter(&mut sql);
        sql.push(format!(
            " LIMIT {})) FROM row_counts WHERE table_name = '{table}'",
            EXACT_UP_TO + 1
        ));
        sql.build_query_as().fetch_one(&self.reader).await
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
) -> QueryBuilder<Sqlite> {
    let ListSpec { table, columns, .. } = *spec;
    let mut sql = QueryBuilder::new(format!(
        "{prefix}SELECT s.total, s.stamp, p.* FROM (SELECT COALESCE(sum(n), 0) AS total, \
         COALESCE(sum(writes), 0) AS stamp FROM row_counts WHERE table_name = '{table}') s \
         LEFT JOIN (SELECT {columns} FROM {table} WHERE 1"
    ));
    if let Some(filter) = spec.filter {
        filter(&mut sql);
    }
    lists::push_after(&mut sql, sort, position);
    sql.push(order_by(sort, ""));
    sql.push(format!(
        " LIMIT {} OFFSET {}) p ON 1",
        position.per_page() + 1,
        position.offset()
    ));
    sql.push(order_by(sort, "p."));
    sql
}
