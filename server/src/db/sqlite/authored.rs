//! A write's statement recorded as its author's in one trip to the
//! writer's thread. sqlx runs each SQLite connection on a thread of its
//! own, and every statement is a trip there and back: setting the author
//! ([`SqliteStore::write_as`]), the statement, and clearing the author
//! ([`commit_as`]) were three. Sent as one text, the three statements run
//! in one trip, each taking its parameters in order.
//!
//! [`SqliteStore::write_as`]: super::SqliteStore
//! [`commit_as`]: super::commit_as

use sqlx::{QueryBuilder, Sqlite};

use crate::db::Author;

/// The start of an authored write: the author set, with a new write id
/// (migration 0013), as `write_as` sets them. Push the statement, then
/// [`cleared`]; run it with `fetch_all` or `execute` (which run every
/// statement; `fetch_optional` stops at the first row) in a transaction
/// of `SqliteStore::write`, and commit it.
pub(super) fn authored(author: &Author) -> QueryBuilder<Sqlite> {
    let mut sql = QueryBuilder::new("UPDATE change_author SET subject = ");
    sql.push_bind(author.subject.clone())
        .push(", name = ")
        .push_bind(author.name.clone())
        .push(", last_write_id = last_write_id + 1, write_id = last_write_id + 1; ");
    sql
}

/// Ends an authored write: the author cleared, as `commit_as` clears it, so
/// a write made later another way (the sqlite3 shell) is not put down to
/// them.
pub(super) fn cleared(sql: &mut QueryBuilder<Sqlite>) {
    sql.push("; UPDATE change_author SET subject = NULL, name = NULL, write_id = NULL");
}
