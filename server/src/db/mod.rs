//! The store: every read and write of the server's data, behind one
//! interface. `DATABASE_URL`'s scheme picks the backend at start-up
//! (PostgreSQL, or an embedded SQLite file); each backend holds its own SQL
//! and migrations. The handlers, auth and the command line use [`Store`]
//! alone; three modules outside this one name a backend, each for what only
//! that backend has: `startup` (SQLite's one-server-per-file lock), `feed`
//! (PostgreSQL's notifications of writes) and `replica_routing` (which
//! requests' reads the read replica may serve).
//!
//! The store is the server's lowest layer: it imports nothing of the server
//! outside `db/` (no HTTP, no metrics; `tests/api/layers.rs` checks it).

pub mod auditions;
pub mod casting;
pub mod changes;
mod common;
pub mod copy;
mod dump;
mod from_row;
pub mod lists;
pub mod location;
pub mod migrations;
mod names;
pub mod paging;
pub mod postgres;
mod readers;
mod rows;
pub mod schema_loss;
pub mod sqlite;
mod store;
mod types;
pub mod undo;
mod undo_run;

pub use casting::{Casting, Refusal};
pub use changes::{Author, HistoryOf};
pub use lists::{PageOf, RememberedTotals};
pub use location::{Location, StoreSettings};
pub use types::*;

use self::paging::Sort;

/// One of the backends; cheap to clone (pools inside). Its methods, one
/// file per concern, are in `store/`.
#[derive(Clone)]
pub enum Store {
    Postgres(postgres::PgStore),
    Sqlite(sqlite::SqliteStore),
}

/// The two tables whose rows carry a version; the delete path is the same for both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Actors,
    Movies,
}

impl Table {
    /// The table's name: one of this module's own names, never request text.
    pub fn name(self) -> &'static str {
        match self {
            Table::Actors => "actors",
            Table::Movies => "movies",
        }
    }
}

/// The connections a store holds, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

impl PoolStats {
    /// The numbers of one pool.
    pub fn of<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> Self {
        let open = pool.size();
        let idle = u32::try_from(pool.num_idle()).unwrap_or(open).min(open);
        Self {
            open,
            idle,
            max: pool.options().get_max_connections(),
        }
    }
}

impl std::ops::Add for PoolStats {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self {
            open: self.open + other.open,
            idle: self.idle + other.idle,
            max: self.max + other.max,
        }
    }
}

/// The tracing target under which the store reports how long a request
/// waited for a connection from a pool of its own (PostgreSQL's readers),
/// in the field `acquired_after_secs`, as sqlx's pool reports its own under
/// `sqlx::pool::acquire`. The metrics listen to both; the store knows
/// nothing of them.
pub const ACQUIRE_TARGET: &str = "casting_server::db::acquire";

/// `ORDER BY` for a list: the sort column (a text column's folded key),
/// then `id` in the same direction,
/// so pages never overlap. `sort.column` comes from a fixed list of columns;
/// `prefix` qualifies the columns (`p.`) or is empty.
pub(crate) fn order_by(sort: Sort, prefix: &str) -> String {
    let direction = sort.sql_direction();
    if sort.column == "id" {
        format!(" ORDER BY {prefix}id {direction}")
    } else {
        format!(
            " ORDER BY {prefix}{} {direction}, {prefix}id {direction}",
            sort.sql_column()
        )
    }
}
