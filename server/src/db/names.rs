//! Keys for rows written without them: the folded key of each name, title
//! and gender ([`casting_shared::names::fold`]) that lists sort and search
//! by. The server writes the keys with the text; a row written straight in
//! the database (psql, sqlite3, a bulk load) gets its key from the
//! migration's triggers when its text is ASCII (migrations/*/0014), and
//! otherwise here, a batch at a time, in a transaction of its own (never a
//! request's). Writing a key moves no version and logs no change.

use casting_shared::names::fold;
use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Pool, Transaction, Type};

/// The text columns that have a key (`{column}_key`), by table.
pub const KEYED: &[(&str, &str)] = &[
    ("actors", "name"),
    ("actors", "gender"),
    ("movies", "title"),
];

/// How many rows one transaction keys at most.
pub const BATCH: i64 = 500;

/// Whether any row lacks a key: read first, so that a turn with nothing to
/// key (the usual one) takes no write transaction (SQLite's one writer).
pub async fn any_missing<DB>(reads: &Pool<DB>) -> sqlx::Result<bool>
where
    DB: Database,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    (bool,): for<'r> FromRow<'r, DB::Row>,
{
    let exists: Vec<String> = KEYED
        .iter()
        .map(|(table, column)| format!("EXISTS (SELECT 1 FROM {table} WHERE {column}_key IS NULL)"))
        .collect();
    let sql = format!("SELECT {}", exists.join(" OR "));
    let (any,): (bool,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_one(reads)
        .await?;
    Ok(any)
}

/// Keys up to [`BATCH`] rows of each [`KEYED`] column that have none, in
/// `tx` (committed here); answers how many were keyed. A row whose text
/// changed since it was read keeps no key, and is keyed on a later turn.
pub async fn key_missing<DB>(mut tx: Transaction<'static, DB>) -> sqlx::Result<u64>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    (i64, String): for<'r> FromRow<'r, DB::Row>,
{
    let mut keyed = 0;
    for (table, column) in KEYED {
        // Found through the partial index of unkeyed rows (0014).
        let select = format!(
            "SELECT id, {column} FROM {table} WHERE {column}_key IS NULL ORDER BY id LIMIT {BATCH}"
        );
        let missing: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(select))
            .fetch_all(&mut *tx)
            .await?;
        let update =
            format!("UPDATE {table} SET {column}_key = $1 WHERE id = $2 AND {column} = $3");
        for (id, text) in missing {
            sqlx::query(sqlx::AssertSqlSafe(update.as_str()))
                .bind(fold(&text))
                .bind(id)
                .bind(text)
                .execute(&mut *tx)
                .await?;
            keyed += 1;
        }
    }
    tx.commit().await?;
    Ok(keyed)
}
