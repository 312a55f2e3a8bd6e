//! Where the client finds its server and keeps a remembered token.
//!
//! The server URL comes from `--server`, else `CASTING_SERVER`, else
//! `config.json` in the platform config directory, else the local default.
//! A remembered token is stored beside it in `token.json`, readable only by
//! the user, and only until it expires.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// The directory for `config.json` and `token.json`
/// (`CASTING_TUI_CONFIG_DIR` overrides the platform's).
pub fn config_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CASTING_TUI_CONFIG_DIR") {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "casting-agency").map(|d| d.config_dir().to_owned())
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    server: Option<String>,
}

/// The server to talk to: flag, then env (both given to us by clap), then
/// the config file, then the default.
pub fn resolve_server(flag_or_env: Option<String>, dir: Option<&Path>) -> String {
    let from_file = || {
        let text = std::fs::read_to_string(dir?.join("config.json")).ok()?;
        serde_json::from_str::<ConfigFile>(&text).ok()?.server
    };
    flag_or_env
        .or_else(from_file)
        .unwrap_or_else(|| DEFAULT_SERVER.to_owned())
        .trim_end_matches('/')
        .to_owned()
}

/// A token kept by "Remember me".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedToken {
    pub server: String,
    pub token: String,
    /// Seconds since the epoch.
    pub expires_at: i64,
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The remembered token for `server`, if it has not expired.
pub fn load_token(dir: &Path, server: &str) -> Option<SavedToken> {
    let text = std::fs::read_to_string(dir.join("token.json")).ok()?;
    let saved: SavedToken = serde_json::from_str(&text).ok()?;
    (saved.server == server && saved.expires_at > now()).then_some(saved)
}

/// Writes the token so only the user can read it (0600 on Unix).
pub fn save_token(dir: &Path, saved: &SavedToken) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("token.json");
    let text = serde_json::to_string(saved).map_err(std::io::Error::other)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // An older file may have been created with wider permissions.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    std::io::Write::write_all(&mut file, text.as_bytes())
}

pub fn forget_token(dir: &Path) {
    let _ = std::fs::remove_file(dir.join("token.json"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("casting-tui-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn server_comes_from_flag_then_file_then_default() {
        let dir = temp_dir("server");
        assert_eq!(resolve_server(None, Some(&dir)), DEFAULT_SERVER);
        std::fs::write(
            dir.join("config.json"),
            r#"{"server":"https://casting.example/"}"#,
        )
        .unwrap();
        assert_eq!(resolve_server(None, Some(&dir)), "https://casting.example");
        assert_eq!(
            resolve_server(Some("http://x:1".into()), Some(&dir)),
            "http://x:1"
        );
    }

    #[test]
    fn tokens_are_private_and_expire() {
        let dir = temp_dir("token");
        let saved = SavedToken {
            server: "http://s".into(),
            token: "t".into(),
            expires_at: now() + 60,
        };
        save_token(&dir, &saved).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("token.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(load_token(&dir, "http://s"), Some(saved.clone()));
        assert_eq!(
            load_token(&dir, "http://other"),
            None,
            "a token is for its server only"
        );
        save_token(
            &dir,
            &SavedToken {
                expires_at: now() - 1,
                ..saved
            },
        )
        .unwrap();
        assert_eq!(
            load_token(&dir, "http://s"),
            None,
            "an expired token is not used"
        );
    }
}
