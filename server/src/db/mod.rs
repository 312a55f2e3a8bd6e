//! Data access: all SQL lives below this module.

pub mod actors;
pub mod cast;
pub mod lists;
pub mod movies;

pub use lists::{PageOf, RememberedTotals};

/// A row with its revision, for `ETag` / `If-Match`.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
    pub version: i64,
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
