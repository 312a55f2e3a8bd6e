//! One server per SQLite file: `serve` holds an exclusive lock on
//! `FILE.lock` (0600, so no other user can open it to hold a lock of their
//! own) for as long as it runs. The `users` and `keys` commands do
//! not take it, so they work beside a running server.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::files;
use crate::db::location::lock_path;

/// Released when dropped (or when the process ends, however it ends).
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
    path: PathBuf,
}

impl InstanceLock {
    /// Takes the lock of the database at `database`, or says why not.
    pub fn acquire(database: &Path) -> anyhow::Result<Self> {
        let path = lock_path(database);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            files::create_private_dir(dir)?;
        }
        // Private, even if an older version left it readable: another user
        // who could open it could hold a lock on it and keep `serve` off.
        let file = files::open_private_file(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file, path }),
            Err(TryLockError::WouldBlock) => bail!(
                "another casting-server is already serving {}: an embedded SQLite database \
                 serves one instance at a time. To run several instances, use PostgreSQL \
                 (DATABASE_URL=postgres://…; `casting-server copy --from sqlite:{} --to \
                 postgres://…` moves the data). If no server runs, `fuser {}` names the \
                 process holding the lock",
                database.display(),
                database.display(),
                path.display()
            ),
            Err(TryLockError::Error(error)) => {
                Err(error).with_context(|| format!("cannot lock {}", path.display()))
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}
