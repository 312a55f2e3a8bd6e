//! The SQLite store's files are the server user's alone: they hold every
//! password hash and the signing keys. The database file and the instance
//! lock are created 0600 and the directories the server creates 0700,
//! whatever the umask; SQLite gives the `-wal` and `-shm` files the
//! database file's mode. A database that other users may read is refused,
//! with the command that fixes it. Also: which file the store opened (to
//! notice it removed or replaced) and where its write-ahead log is.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// Creates `dir` and whichever of its parents are missing, each 0700;
/// directories that exist are left as they are.
pub fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    let missing: Vec<&Path> = dir
        .ancestors()
        .filter(|d| !d.as_os_str().is_empty())
        .take_while(|d| !d.exists())
        .collect();
    for dir in missing.into_iter().rev() {
        match std::fs::create_dir(dir) {
            Ok(()) => make_private(dir, 0o700)
                .with_context(|| format!("cannot make {} private", dir.display()))?,
            // Made meanwhile by someone else: theirs to keep as it is.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => {
                return Err(error)
                    .with_context(|| format!("cannot create the directory {}", dir.display()));
            }
        }
    }
    Ok(())
}

/// Opens `path` for writing, creating it 0600 if missing; a file that
/// exists keeps its content and is made 0600 (it must be ours).
pub fn open_private_file(path: &Path) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .with_context(|| {
                format!(
                    "cannot make {} private to this user: it belongs to another one (remove it)",
                    path.display()
                )
            })?;
    }
    Ok(file)
}

/// Creates the database file, empty and 0600, unless it exists (SQLite
/// takes an empty file for an empty database).
pub fn create_database_file(path: &Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create_new(true).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => make_private(path, 0o600)
            .with_context(|| format!("cannot make {} private", path.display())),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error)
            .with_context(|| format!("cannot create the SQLite database {}", path.display())),
    }
}

/// Refuses a database whose file, `-wal` or `-shm` other users may read
/// or write, naming the command that makes them private.
pub fn check_private(database: &Path) -> anyhow::Result<()> {
    let exposed: Vec<(PathBuf, u32)> = with_suffixes(database, &["", "-wal", "-shm"])
        .into_iter()
        .filter_map(|path| {
            let mode = others_mode(&path)?;
            Some((path, mode))
        })
        .collect();
    let Some((first, mode)) = exposed.first() else {
        return Ok(());
    };
    let paths: Vec<String> = exposed
        .iter()
        .map(|(path, _)| shell_word(&path.display().to_string()))
        .collect();
    anyhow::bail!(
        "other users may read the SQLite database {} (mode {:04o}), which holds the users' \
         password hashes and the signing keys: make it private to the server's user with \
         `chmod 600 {}`, then start again",
        first.display(),
        mode,
        paths.join(" ")
    )
}

/// `path` with each suffix appended to its name.
fn with_suffixes(path: &Path, suffixes: &[&str]) -> Vec<PathBuf> {
    suffixes
        .iter()
        .map(|suffix| {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            PathBuf::from(name)
        })
        .collect()
}

/// The file's permission bits when its group or other users have any
/// (`None` if they have none, or it does not exist).
#[cfg(unix)]
fn others_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o7777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn others_mode(_: &Path) -> Option<u32> {
    None
}

#[cfg(unix)]
fn make_private(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn make_private(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

/// `text` as one word for a POSIX shell.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+,:@%=".contains(&b));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Which file a path named when the store opened it.
pub(super) struct FileIdentity {
    pub(super) path: PathBuf,
    /// Device and inode (Unix); elsewhere only the path's existence counts.
    id: Option<(u64, u64)>,
}

impl FileIdentity {
    pub(super) fn of(path: &Path) -> anyhow::Result<Self> {
        let metadata = std::fs::metadata(path)
            .with_context(|| format!("cannot read the metadata of {}", path.display()))?;
        Ok(Self {
            path: path.to_owned(),
            id: file_id(&metadata),
        })
    }

    /// Whether the path still names the file opened (one `stat`).
    pub(super) fn still_there(&self) -> bool {
        std::fs::metadata(&self.path).is_ok_and(|now| file_id(&now) == self.id)
    }
}

#[cfg(unix)]
fn file_id(metadata: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((metadata.dev(), metadata.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// The write-ahead log of the database file at `path`.
pub(super) fn wal_path(path: &Path) -> PathBuf {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    PathBuf::from(wal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_quoted_for_the_shell_only_when_needed() {
        assert_eq!(shell_word("/var/lib/c.db"), "/var/lib/c.db");
        assert_eq!(shell_word("/tmp/my db"), "'/tmp/my db'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }
}
