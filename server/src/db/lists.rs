//! One page of a list in one round trip: the rows after a position in a
//! sort, the total, and whether a next page exists. A filtered total is
//! counted at most once per state of its table, and never past
//! [`EXACT_UP_TO`] rows, so no list request reads more than its page and a
//! bounded count, at any size. Each backend writes the page statement in
//! its own SQL (`postgres/lists.rs`, `sqlite/lists.rs`); what it fetched
//! becomes a page here, the same way for both.

use std::collections::HashMap;
use std::sync::Mutex;

use sqlx::{ColumnIndex, Database, Decode, FromRow, QueryBuilder, Row, Type};

use super::paging::{Cursor, Position, Sort, SortValue};

/// A filtered total is exact up to this many rows; past it the count stops
/// and the total is a lower bound.
pub const EXACT_UP_TO: i64 = 10_000;

/// How many filtered totals an instance remembers.
const REMEMBERED_TOTALS: usize = 4096;

/// Adds a resource's filter to a statement, as ` AND …` conditions.
pub type PushFilter<'a, DB> = dyn Fn(&mut QueryBuilder<DB>) + Sync + 'a;

/// Escapes `%`, `_` and `\` so a `LIKE` pattern matches them literally.
pub fn like_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// `%text%`, matching `text` literally anywhere.
pub fn contains_pattern(text: &str) -> String {
    format!("%{}%", like_escape(text))
}

/// Expands, in a backend's resource module, the list of the resource and
/// its plan, the same on both stores: the module defines `push_filter`
/// (the filter as ` AND …` conditions) and `spec` (its `ListSpec`), and the
/// store `page` and `plan` (`postgres/lists.rs`, `sqlite/lists.rs`). A list
/// in one order only (`sorted by` it) takes no `sort`.
macro_rules! list_queries {
    ($store:ty, $db:ty, $list:ident, $plan:ident, $filter:ty, $row:ty, $value:ty) => {
        list_queries!(@ $store, $db, $list, $plan, $filter, $row, $value,
            [sort: $crate::db::paging::Sort,] sort);
    };
    ($store:ty, $db:ty, $list:ident, $plan:ident, $filter:ty, $row:ty, $value:ty,
        sorted by $sort:expr) => {
        list_queries!(@ $store, $db, $list, $plan, $filter, $row, $value, [] $sort);
    };
    (@ $store:ty, $db:ty, $list:ident, $plan:ident, $filter:ty, $row:ty, $value:ty,
        [$($sort_param:tt)*] $sort:expr) => {
        impl $store {
            /// The page of the list at `position` in its sort, with its total.
            pub async fn $list(
                &self,
                filter: &$filter,
                $($sort_param)*
                position: &$crate::db::paging::Position,
            ) -> sqlx::Result<$crate::db::PageOf<$value>> {
                let push = |sql: &mut sqlx::QueryBuilder<$db>| push_filter(sql, filter);
                self.page::<$row, $value>(&spec(filter, &push), $sort, position)
                    .await
            }

            /// The plan of the statement the list runs, for the plan tests.
            pub async fn $plan(
                &self,
                filter: &$filter,
                $($sort_param)*
                position: &$crate::db::paging::Position,
            ) -> sqlx::Result<serde_json::Value> {
                let push = |sql: &mut sqlx::QueryBuilder<$db>| push_filter(sql, filter);
                self.plan(&spec(filter, &push), $sort, position).await
            }
        }
    };
}
pub(crate) use list_queries;

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
    /// The table's write stamp the page was read at (by the same
    /// statement): while it has not moved, the same query answers the same.
    pub stamp: i64,
}

/// Filtered totals by table and filter, each with the table's write stamp
/// it was counted at: valid while the stamp has not moved.
#[derive(Default)]
pub struct RememberedTotals {
    entries: Mutex<HashMap<String, (i64, i64)>>,
}

impl RememberedTotals {
    /// The total counted at `stamp`, if it was.
    pub fn get(&self, key: &str, stamp: i64) -> Option<i64> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| *at == stamp)
            .map(|(_, total)| *total)
    }

    /// The last total counted, at whatever stamp: a guess of how many rows
    /// match now, good enough to choose a plan by (never to answer with).
    pub fn latest(&self, key: &str) -> Option<i64> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).map(|(_, total)| *total)
    }

    pub fn put(&self, key: String, stamp: i64, total: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= REMEMBERED_TOTALS && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (stamp, total));
    }
}

/// What a backend's page statement read: the page's rows (one more than
/// asked, to know whether another follows), and the table's row count and
/// write stamp, read by the same statement.
pub struct Fetched<T> {
    pub rows: Vec<T>,
    pub total_rows: i64,
    pub stamp: i64,
}

/// A list's filter as the remembered totals name it.
pub struct FilterKey {
    pub table: &'static str,
    /// The filter's `Debug` form.
    pub filter: String,
}

impl FilterKey {
    /// The key of its total in [`RememberedTotals`].
    pub fn key(&self) -> String {
        format!("{}:{}", self.table, self.filter)
    }
}

/// The page from what its statement read. A filtered total comes from the
/// remembered totals while the table's stamp has not moved, else from
/// `count` (the matches up to one past [`EXACT_UP_TO`], with the stamp its
/// statement saw), which runs only then.
pub async fn finish<T, E>(
    fetched: Fetched<T>,
    sort: Sort,
    position: &Position,
    filter: Option<FilterKey>,
    totals: &RememberedTotals,
    count: impl Future<Output = Result<(i64, i64), E>>,
) -> Result<PageOf<T>, E>
where
    T: Keyed,
{
    let per_page = position.per_page() as usize;
    let Fetched {
        rows: mut items,
        total_rows,
        stamp,
    } = fetched;
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
    let (total, total_exact) = match filter {
        None => (total_rows, true),
        Some(filter) => {
            let key = filter.key();
            let counted = match totals.get(&key, stamp) {
                Some(counted) => counted,
                None => {
                    let (stamp, counted) = count.await?;
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
        stamp,
    })
}

/// The rows of a page statement that selects `total`, `stamp` and the
/// page's columns, joined so that an empty page is one row whose `id` is NULL.
pub fn read_page<DB, R, T>(rows: &[DB::Row]) -> sqlx::Result<Fetched<T>>
where
    DB: Database,
    R: for<'r> FromRow<'r, DB::Row> + Into<T>,
    i64: for<'r> Decode<'r, DB> + Type<DB>,
    for<'c> &'c str: ColumnIndex<DB::Row>,
{
    let mut fetched = Fetched {
        rows: Vec::with_capacity(rows.len()),
        total_rows: 0,
        stamp: 0,
    };
    for row in rows {
        fetched.total_rows = row.try_get("total")?;
        fetched.stamp = row.try_get("stamp")?;
        if row.try_get::<Option<i64>, _>("id")?.is_some() {
            fetched.rows.push(R::from_row(row)?.into());
        }
    }
    Ok(fetched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_escape_makes_wildcards_literal() {
        assert_eq!(like_escape(r"50%_a\b"), r"50\%\_a\\b");
    }
}
