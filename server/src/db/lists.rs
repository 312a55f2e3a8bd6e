//! One page of a list in one round trip: the rows after a position in a
//! sort, the total, and whether a next page exists. A filtered total is
//! counted at most once per state of its table, and never past
//! [`EXACT_UP_TO`] rows, so no list request reads more than its page and a
//! bounded count, at any size.

use std::collections::HashMap;
use std::sync::Mutex;

use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgPool, Postgres, QueryBuilder, Row};

use crate::listing::{Cursor, Position, Sort, SortValue};

/// A filtered total is exact up to this many rows; past it the count stops
/// and the total is a lower bound.
pub const EXACT_UP_TO: i64 = 10_000;

/// How many filtered totals an instance remembers.
const REMEMBERED_TOTALS: usize = 4096;

/// Adds a resource's filter to a statement, as ` AND …` conditions.
pub type PushFilter<'a> = dyn Fn(&mut QueryBuilder<Postgres>) + Sync + 'a;

/// What a list names of a resource's table.
pub struct ListSpec<'a> {
    pub table: &'static str,
    pub columns: &'static str,
    /// Adds ` AND …` conditions; `None` when the list is unfiltered.
    pub filter: Option<&'a PushFilter<'a>>,
    /// Names the filter in the remembered totals (its `Debug` form).
    pub filter_key: String,
}

/// A row's id and its value in a sort column, for the `next` cursor.
pub trait Keyed {
    fn id(&self) -> i64;
    fn sort_value(&self, column: &str) -> Option<SortValue>;
}

/// One page of rows and how many rows match over all pages.
#[derive(Debug, Clone)]
pub struct PageOf<T> {
    pub rows: Vec<T>,
    pub total: i64,
    /// `false` when `total` is a lower bound.
    pub total_exact: bool,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

/// Filtered totals by table and filter, each with the table's write stamp
/// it was counted at: valid while the stamp has not moved.
#[derive(Default)]
pub struct RememberedTotals {
    entries: Mutex<HashMap<String, (i64, i64)>>,
}

impl RememberedTotals {
    fn get(&self, key: &str, stamp: i64) -> Option<i64> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| *at == stamp)
            .map(|(_, total)| *total)
    }

    fn put(&self, key: String, stamp: i64, total: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= REMEMBERED_TOTALS && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (stamp, total));
    }
}

/// The page at `position` in `sort`, with its total. `R` is the table's row
/// as selected by `spec.columns`, `T` what the API returns.
pub async fn page<R, T>(
    db: &PgPool,
    totals: &RememberedTotals,
    spec: &ListSpec<'_>,
    sort: Sort,
    position: &Position,
) -> sqlx::Result<PageOf<T>>
where
    R: for<'r> FromRow<'r, PgRow> + Into<T>,
    T: Keyed,
{
    let per_page = position.per_page() as usize;
    let rows = page_query("", spec, sort, position)
        .build()
        .fetch_all(db)
        .await?;
    let mut head = (0_i64, 0_i64);
    let mut items: Vec<T> = Vec::with_capacity(rows.len());
    for row in &rows {
        head = (row.try_get("total")?, row.try_get("stamp")?);
        // The page is joined to the counters: an empty page is one row of NULLs.
        if row.try_get::<Option<i64>, _>("id")?.is_some() {
            items.push(R::from_row(row)?.into());
        }
    }
    let more = items.len() > per_page;
    items.truncate(per_page);
    let next = if more {
        items.last().map(|last| Cursor {
            value: sort.kind.and_then(|_| last.sort_value(sort.column)),
            id: last.id(),
        })
    } else {
        None
    };
    let (total_rows, stamp) = head;
    let (total, total_exact) = match spec.filter {
        None => (total_rows, true),
        Some(filter) => {
            let key = format!("{}:{}", spec.table, spec.filter_key);
            let counted = match totals.get(&key, stamp) {
                Some(counted) => counted,
                None => {
                    let (stamp, counted) = count(db, spec.table, filter).await?;
                    totals.put(key, stamp, counted);
                    counted
                }
            };
            if counted > EXACT_UP_TO {
                let seen = position.offset() + items.len() as i64 + i64::from(more);
                (counted.max(seen), false)
            } else {
                (counted, true)
            }
        }
    };
    Ok(PageOf {
        rows: items,
        total,
        total_exact,
        next,
    })
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
    // `sort.column` comes from a fixed list of columns, never from request text.
    let direction = sort.sql_direction();
    if let Position::After { cursor, .. } = position {
        let comparison = if sort.descending { "<" } else { ">" };
        match &cursor.value {
            Some(value) => {
                sql.push(format!(" AND ({}, id) {comparison} (", sort.column));
                match value {
                    SortValue::Text(text) => sql.push_bind(text.clone()),
                    SortValue::Int(n) => sql.push_bind(*n),
                    SortValue::Date(date) => sql.push_bind(*date),
                };
                sql.push(", ").push_bind(cursor.id).push(")");
            }
            None => {
                sql.push(format!(" AND id {comparison} "))
                    .push_bind(cursor.id);
            }
        }
    }
    let order = |prefix: &str| {
        if sort.column == "id" {
            format!(" ORDER BY {prefix}id {direction}")
        } else {
            format!(
                " ORDER BY {prefix}{} {direction}, {prefix}id {direction}",
                sort.column
            )
        }
    };
    sql.push(order(""));
    // LIMIT and OFFSET are written out, not bound: with parameters there,
    // PostgreSQL would plan the statement again on every execution.
    sql.push(format!(
        " LIMIT {} OFFSET {}) p ON true",
        position.per_page() + 1,
        position.offset()
    ));
    sql.push(order("p."));
    sql
}

/// The plan PostgreSQL makes for the page statement (`EXPLAIN`, JSON): the
/// plan tests check that no list reads its whole table.
pub async fn plan(
    db: &PgPool,
    spec: &ListSpec<'_>,
    sort: Sort,
    position: &Position,
) -> sqlx::Result<serde_json::Value> {
    let row = page_query("EXPLAIN (FORMAT JSON) ", spec, sort, position)
        .build()
        .fetch_one(db)
        .await?;
    // The column is `json`, whose wire form is its text.
    let text: String = row.try_get_unchecked(0)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(e.into()))
}

/// The filter's matches, counted up to one past [`EXACT_UP_TO`], with the
/// write stamp seen by the same statement.
async fn count(
    db: &PgPool,
    table: &'static str,
    filter: &PushFilter<'_>,
) -> sqlx::Result<(i64, i64)> {
    let mut sql = QueryBuilder::new(format!(
        "SELECT COALESCE(sum(writes), 0)::bigint, (SELECT count(*) FROM (SELECT 1 FROM {table} \
         WHERE true"
    ));
    filter(&mut sql);
    sql.push(format!(
        " LIMIT {}) c) FROM row_counts WHERE table_name = '{table}'",
        EXACT_UP_TO + 1
    ));
    sql.build_query_as().fetch_one(db).await
}
