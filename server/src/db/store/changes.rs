//! The store's change log, undo, and copies between stores. The change
//! log is read alike on both (`db/changes.rs`, `db/undo_run.rs`) once
//! PostgreSQL has numbered its committed changes.

use casting_shared::changes::Change;

use crate::db::{Author, DbResult, Dump, HistoryOf, NotEmpty, Store, changes, undo, undo_run};

impl Store {
    // The change log (written by the stores' triggers with every write above).

    /// Up to `limit` changes after `after` of the given resources, oldest first.
    pub async fn changes_after(
        &self,
        after: i64,
        resources: &[&str],
        limit: i64,
    ) -> DbResult<Vec<Change>> {
        dispatch!(self, s => async {
            s.sequence().await?;
            changes::after(s.reads(), after, resources, limit).await
        })
    }

    /// The change `seq` and the other changes of the write it belongs to.
    pub async fn change_write(&self, seq: i64) -> DbResult<undo::WriteLookup> {
        dispatch!(self, s => async {
            s.sequence().await?;
            undo_run::change_write(s.reads(), seq).await
        })
    }

    /// `(pruned through, latest)`: resuming after a seq below the first is
    /// 410; the second is where a new follower starts.
    pub async fn change_bounds(&self) -> DbResult<(i64, i64)> {
        dispatch!(self, s => s.change_bounds())
    }

    /// Keeps the planner's statistics fresh where the database needs it done
    /// (SQLite; PostgreSQL's autovacuum does it by itself).
    pub async fn optimize(&self) -> DbResult<()> {
        match self {
            Store::Postgres(_) => Ok(()),
            Store::Sqlite(store) => store.optimize().await.map_err(|e| store.classify(e)),
        }
    }

    forward! {
        /// A record's changes, newest first; `None` when it never existed (and
        /// so has no change left).
        fn history(of: HistoryOf) -> Option<Vec<Change>>;
        /// Undoes `write` as `author`: every record it touched put back as it
        /// was, in one transaction, or nothing (see `db::undo`).
        fn undo(write: &undo::Write, author: &Author) -> undo::Undone;
        /// Removes the changes older than `keep`; answers how many.
        fn prune_changes(keep: std::time::Duration) -> u64;

        // Copies between stores, and the demo data.

        /// Every record, read in one consistent snapshot.
        fn export() -> Dump;
        /// Writes `dump` into this store, which must be empty; ids, versions and
        /// the next ids to hand out are kept.
        fn import(dump: &Dump) -> Result<(), NotEmpty>;
    }
}
