//! Data access: all SQL lives below this module.

use sqlx::{Postgres, QueryBuilder};

use crate::listing::{Page, Sort};

pub mod actors;
pub mod cast;
pub mod movies;

/// A row with its revision, for `ETag` / `If-Match`.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
    pub version: i64,
}

/// One page of `columns` of `table`, each row carrying the number of rows
/// that match, in one round trip. Without a filter the total comes from
/// `row_counts` (kept exact by triggers, see migrations/0004), so the table
/// is never counted; with one, the filter's indexes bound the count. A page
/// past the end has no row to carry the total: `count_query` gives it then.
fn paged_query(
    table: &'static str,
    columns: &'static str,
    filtered: bool,
    push_filter: impl Fn(&mut QueryBuilder<Postgres>),
    sort: Sort,
    page: Page,
) -> QueryBuilder<Postgres> {
    let mut sql = QueryBuilder::new(format!("SELECT {columns}, ("));
    push_total(&mut sql, table, filtered, &push_filter);
    sql.push(format!(") AS total FROM {table}"));
    push_filter(&mut sql);
    // `sort.column` comes from a fixed list of columns, never from request
    // text. LIMIT and OFFSET are written out, not bound: with parameters
    // there, PostgreSQL would plan the statement again on every execution.
    let direction = sort.sql_direction();
    if sort.column == "id" {
        sql.push(format!(" ORDER BY id {direction}"));
    } else {
        sql.push(format!(
            " ORDER BY {} {direction}, id {direction}",
            sort.column
        ));
    }
    sql.push(format!(" LIMIT {} OFFSET {}", page.per_page, page.offset()));
    sql
}

/// The total alone, for a page past the end.
fn count_query(
    table: &'static str,
    filtered: bool,
    push_filter: impl Fn(&mut QueryBuilder<Postgres>),
) -> QueryBuilder<Postgres> {
    let mut sql = QueryBuilder::new("SELECT (");
    push_total(&mut sql, table, filtered, &push_filter);
    sql.push(")");
    sql
}

fn push_total(
    sql: &mut QueryBuilder<Postgres>,
    table: &'static str,
    filtered: bool,
    push_filter: &impl Fn(&mut QueryBuilder<Postgres>),
) {
    if filtered {
        sql.push(format!("SELECT count(*) FROM {table}"));
        push_filter(sql);
    } else {
        sql.push(format!(
            "SELECT COALESCE(sum(n), 0)::bigint FROM row_counts WHERE table_name = '{table}'"
        ));
    }
}

/// One page of rows and how many rows match over all pages.
#[derive(Debug, Clone)]
pub struct PageOf<T> {
    pub rows: Vec<T>,
    pub total: i64,
}

/// What an update or delete that may name a row's version found.
#[derive(Debug)]
pub enum Outcome<T> {
    Done(T),
    NotFound,
    /// The row exists at another version than the one expected.
    Changed,
}

/// After an update or delete touched no row: was it missing, or at another version?
async fn missing_or_changed<T>(
    db: &sqlx::PgPool,
    table: &'static str,
    id: i64,
) -> sqlx::Result<Outcome<T>> {
    // `table` is one of this module's own table names, never request text.
    let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = $1)");
    let exists: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(db)
        .await?;
    Ok(if exists {
        Outcome::Changed
    } else {
        Outcome::NotFound
    })
}
