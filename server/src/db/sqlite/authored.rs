//! A write's statement recorded as its author's in one trip to the
//! writer's thread. sqlx runs each SQLite connection on a thread of its
//! own, and every statement is a trip there and back: setting the author
//! ([`SqliteStore::write_as`]), the statement, and clearing the author
//! ([`commit_as`]) were three. Sent as one text, the three statements run
//! in one trip, each taking its parameters in order.
//!
//! [`commit_as`]: super::commit_as

use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, QueryBuilder, Sqlite, Transaction};

use super::SqliteStore;
use crate::db::Author;

impl SqliteStore {
    /// Runs the statement `push` writes as `author`'s, in one trip: the
    /// author set with a new write id (migration 0013), the statement, and
    /// the author cleared, so that a write made later another way (the
    /// sqlite3 shell) is not put down to them. Answers the write
    /// transaction, still to commit (a refused update reads in it why), and
    /// the statement's first row.
    pub(super) async fn write_authored<R>(
        &self,
        author: &Author,
        push: impl FnOnce(&mut QueryBuilder<Sqlite>),
    ) -> sqlx::Result<(Transaction<'static, Sqlite>, Option<R>)>
    where
        R: for<'r> FromRow<'r, SqliteRow> + Send + Unpin,
    {
        let mut tx = self.write().await?;
        let mut sql = QueryBuilder::new("UPDATE change_author SET subject = ");
        sql.push_bind(author.subject.clone())
            .push(", name = ")
            .push_bind(author.name.clone())
            .push(", last_write_id = last_write_id + 1, write_id = last_write_id + 1; ");
        push(&mut sql);
        sql.push("; UPDATE change_author SET subject = NULL, name = NULL, write_id = NULL");
        // `fetch_all` runs every statement of the text (`fetch_optional`
        // would stop at the first row, before the author is cleared).
        let rows: Vec<R> = sql.build_query_as().fetch_all(&mut *tx).await?;
        Ok((tx, rows.into_iter().next()))
    }
}
