//! SQLite: the reads of `GET` requests on the file's readers
//! (`db/readers.rs`: connections returned without sqlx's test, a trip to
//! the connection's thread), and the versions and write stamps that
//! revalidation compares.

use std::marker::PhantomData;

use sqlx::SqliteConnection;

use super::SqliteStore;
use crate::db::Table;
use crate::db::readers::ReadOn;

impl SqliteStore {
    /// Runs `read` on one of the file's readers, or in memory on the one
    /// pooled connection.
    pub(super) async fn read<'a, T>(
        &self,
        read: impl ReadOn<'a, SqliteConnection, T>,
    ) -> sqlx::Result<T> {
        match &self.readers {
            Some(readers) => readers.run(read).await,
            None => {
                let mut connection = self.reader.acquire().await?;
                read(&mut connection, PhantomData).await
            }
        }
    }

    /// The version of an actor or a movie, if it exists.
    pub async fn version_of(&self, table: Table, id: i64) -> sqlx::Result<Option<i64>> {
        let sql = match table {
            Table::Actors => "SELECT version FROM actors WHERE id = ?",
            Table::Movies => "SELECT version FROM movies WHERE id = ?",
        };
        self.read(|c, _| Box::pin(sqlx::query_scalar(sql).bind(id).fetch_optional(c)))
            .await
    }

    /// The table's write stamp: it moves with every write to the table.
    pub async fn write_stamp(&self, table: Table) -> sqlx::Result<i64> {
        let sql = match table {
            Table::Actors => {
                "SELECT COALESCE(sum(writes), 0) FROM row_counts WHERE table_name = 'actors'"
            }
            Table::Movies => {
                "SELECT COALESCE(sum(writes), 0) FROM row_counts WHERE table_name = 'movies'"
            }
        };
        self.read(|c, _| Box::pin(sqlx::query_scalar(sql).fetch_one(c)))
            .await
    }
}
