//! Where the store lives: `DATABASE_URL`'s scheme picks the backend.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};

/// How the server uses its database.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    /// Most connections kept (PostgreSQL; readers on SQLite).
    pub pool_size: u32,
    /// Bounds both the wait for a connection and each statement (then 503).
    pub timeout: Duration,
    /// How long the change log keeps a change.
    pub changes_keep: Duration,
}

impl Default for StoreSettings {
    fn default() -> Self {
        Self {
            pool_size: 8,
            timeout: Duration::from_secs(3),
            changes_keep: Duration::from_secs(90 * 24 * 3600),
        }
    }
}

/// A store's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `postgres://…` or `postgresql://…`.
    Postgres(String),
    /// `sqlite:PATH` or `sqlite://PATH`.
    SqliteFile(PathBuf),
    /// `sqlite::memory:`: gone when the process ends.
    SqliteMemory,
}

/// The SQLite file used when `DATABASE_URL` is not set.
pub const DEFAULT_FILE_NAME: &str = "casting.db";

impl Location {
    /// Parses a `DATABASE_URL`.
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Location::Postgres(url.to_owned()));
        }
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            // Query options are ours to set (WAL, timeouts), not the URL's.
            let path = path.split('?').next().unwrap_or(path);
            if path == ":memory:" {
                return Ok(Location::SqliteMemory);
            }
            if path.is_empty() {
                bail!("DATABASE_URL {url:?} names no file: write sqlite:PATH");
            }
            return Ok(Location::SqliteFile(PathBuf::from(path)));
        }
        bail!(
            "DATABASE_URL must start with postgres://, postgresql:// or sqlite: (got {:?})",
            redact(url)
        )
    }

    /// `DATABASE_URL` if given, else a SQLite file in the platform data
    /// directory, or an in-memory database for a demo.
    pub fn from_setting(url: Option<&str>, demo: bool) -> anyhow::Result<Self> {
        match url {
            Some(url) if !url.trim().is_empty() => Self::parse(url),
            _ if demo => Ok(Location::SqliteMemory),
            _ => Ok(Location::SqliteFile(default_file()?)),
        }
    }

    /// The address for messages: no password.
    pub fn describe(&self) -> String {
        match self {
            Location::Postgres(url) => redact(url),
            Location::SqliteFile(path) => format!("sqlite:{}", path.display()),
            Location::SqliteMemory => "sqlite::memory:".to_owned(),
        }
    }
}

/// `~/.local/share/casting-agency/casting.db` on Linux, and the platform's
/// equivalent elsewhere.
pub fn default_file() -> anyhow::Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "casting-agency")
        .context("cannot find a home directory for the database: set DATABASE_URL")?;
    Ok(dirs.data_dir().join(DEFAULT_FILE_NAME))
}

/// A URL without its password.
pub fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((credentials, host)) => {
                let user = credentials.split(':').next().unwrap_or("");
                format!("{scheme}://{user}@{host}")
            }
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// The lock file that keeps a second server off a SQLite file.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_store() {
        assert_eq!(
            Location::parse("postgres://u:secret@h/db").unwrap(),
            Location::Postgres("postgres://u:secret@h/db".into())
        );
        assert!(matches!(
            Location::parse("postgresql://h/db").unwrap(),
            Location::Postgres(_)
        ));
        assert_eq!(
            Location::parse("sqlite:data/c.db").unwrap(),
            Location::SqliteFile("data/c.db".into())
        );
        assert_eq!(
            Location::parse("sqlite:///tmp/c.db").unwrap(),
            Location::SqliteFile("/tmp/c.db".into())
        );
        assert_eq!(
            Location::parse("sqlite::memory:").unwrap(),
            Location::SqliteMemory
        );
        assert!(Location::parse("mysql://h/db").is_err());
        assert!(Location::parse("sqlite:").is_err());
    }

    #[test]
    fn unset_means_a_file_or_memory_for_a_demo() {
        assert_eq!(
            Location::from_setting(None, true).unwrap(),
            Location::SqliteMemory
        );
        let Location::SqliteFile(path) = Location::from_setting(None, false).unwrap() else {
            panic!("a file");
        };
        assert!(path.ends_with("casting-agency/casting.db"), "{path:?}");
    }

    #[test]
    fn messages_never_show_the_password() {
        assert_eq!(
            redact("postgres://alice:secret@db:5432/x"),
            "postgres://alice@db:5432/x"
        );
        assert!(
            !Location::parse("postgres://a:pw@h/d")
                .unwrap()
                .describe()
                .contains("pw")
        );
    }
}
