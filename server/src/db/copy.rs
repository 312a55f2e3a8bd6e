//! `casting-server copy --from URL --to URL`: every record of one store
//! into another, empty one — how a team moves from the embedded file to
//! PostgreSQL, and a consistent backup of a running store.

use anyhow::{Context, bail};

use super::{Dump, Location, Store, StoreSettings};

/// Copies everything from `from` into `to` (which must hold no actor, movie
/// or user) and answers what was copied.
pub async fn copy(
    from: &Location,
    to: &Location,
    settings: &StoreSettings,
) -> anyhow::Result<Dump> {
    if from == to {
        bail!("--from and --to name the same database");
    }
    if matches!(to, Location::SqliteMemory) {
        bail!("--to sqlite::memory: would be gone when the copy ends: name a file");
    }
    let source = Store::open(from, settings)
        .await
        .with_context(|| format!("cannot open {}", from.describe()))?;
    let target = Store::open(to, settings)
        .await
        .with_context(|| format!("cannot open {}", to.describe()))?;
    let dump = source
        .export()
        .await
        .with_context(|| format!("cannot read {}", from.describe()))?;
    let imported = target
        .import(&dump)
        .await
        .with_context(|| format!("cannot write {}", to.describe()))?;
    source.close().await;
    target.close().await;
    if imported.is_err() {
        bail!(
            "{} already has actors, movies or users: copy only writes into an empty database",
            to.describe()
        );
    }
    Ok(dump)
}
