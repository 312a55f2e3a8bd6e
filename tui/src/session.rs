//! Who is logged in, when their token must be renewed, and the tokens kept
//! by "Remember me": one per server, in `tokens.json` (mode 0600) in the
//! config directory, each kept only until it expires.

use std::collections::BTreeMap;
use std::path::Path;

use casting_shared::{Permission, Role};
use serde::{Deserialize, Serialize};

/// Who is logged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token: String,
    pub username: Option<String>,
    pub role: Option<Role>,
    pub permissions: Vec<Permission>,
    /// Seconds since the epoch.
    pub expires_at: i64,
    /// When the token was issued (seconds since the epoch), to renew it in time.
    pub issued_at: i64,
    /// The token is kept on disk ("Remember me"); a renewed one is kept too.
    pub remembered: bool,
    /// How the token is renewed before it expires.
    pub renewal: Renewal,
}

/// How a session's token is renewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Renewal {
    /// `POST /auth/refresh` on the server: a token from its own login.
    Server,
    /// The identity provider's token endpoint, with the refresh token the
    /// browser sign-in was granted.
    Provider {
        token_endpoint: String,
        client_id: String,
        refresh_token: String,
    },
    /// It cannot be (a browser sign-in granted no refresh token): the login
    /// comes up when it expires.
    Impossible,
}

impl Renewal {
    /// For a token the server has checked: its own tokens' subjects are
    /// `casting|ID` (an external token cannot be renewed without its
    /// provider's refresh token).
    pub fn for_subject(subject: &str) -> Renewal {
        if subject.starts_with("casting|") {
            Renewal::Server
        } else {
            Renewal::Impossible
        }
    }
}

impl Session {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    pub fn who(&self) -> String {
        self.username.clone().unwrap_or_else(|| "signed in".into())
    }

    pub fn role_name(&self) -> &'static str {
        self.role.map_or("no role", Role::name)
    }

    /// When to ask for a fresh token: with a fifth of its lifetime left,
    /// at least 5 s before it expires, but not in its first half.
    pub fn renew_at(&self) -> i64 {
        let lifetime = (self.expires_at - self.issued_at).max(0);
        self.expires_at - (lifetime / 5).max(5).min(lifetime / 2)
    }

    /// The token's subject (`casting|3`), as changes name their author.
    /// Read from the JWT's payload without checking it (the server did);
    /// it only tells this user's own changes from a colleague's.
    pub fn subject(&self) -> Option<String> {
        use base64::Engine;
        let payload = self.token.split('.').nth(1)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()?;
        let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        claims.get("sub")?.as_str().map(str::to_owned)
    }

    pub fn saved(&self, server: &str) -> SavedToken {
        SavedToken {
            server: server.to_owned(),
            token: self.token.clone(),
            expires_at: self.expires_at,
        }
    }
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

const TOKENS: &str = "tokens.json";

/// Every remembered token, by server URL.
fn read_all(dir: &Path) -> BTreeMap<String, SavedToken> {
    std::fs::read_to_string(dir.join(TOKENS))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

fn write_all(dir: &Path, tokens: &BTreeMap<String, SavedToken>) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(TOKENS);
    if tokens.is_empty() {
        return match std::fs::remove_file(&path) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        };
    }
    let text = serde_json::to_string_pretty(tokens).map_err(std::io::Error::other)?;
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

/// The remembered token for `server`, if it has not expired.
pub fn load_token(dir: &Path, server: &str) -> Option<SavedToken> {
    read_all(dir)
        .remove(server)
        .filter(|saved| saved.expires_at > now())
}

/// Keeps the token for its server (the others' stay), readable only by the user.
pub fn save_token(dir: &Path, saved: &SavedToken) -> std::io::Result<()> {
    let mut all = read_all(dir);
    all.retain(|_, t| t.expires_at > now());
    all.insert(saved.server.clone(), saved.clone());
    write_all(dir, &all)
}

/// Forgets the token of `server`; `true` when there was one.
pub fn forget_token(dir: &Path, server: &str) -> std::io::Result<bool> {
    let mut all = read_all(dir);
    let had = all.remove(server).is_some();
    if had {
        write_all(dir, &all)?;
    }
    Ok(had)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("casting-tui-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn token(server: &str, token: &str, expires_at: i64) -> SavedToken {
        SavedToken {
            server: server.into(),
            token: token.into(),
            expires_at,
        }
    }

    #[test]
    fn the_subject_is_read_from_the_tokens_payload() {
        use base64::Engine;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"sub":"casting|3","exp":1}"#);
        let session = Session {
            token: format!("e30.{payload}.signature"),
            username: None,
            role: None,
            permissions: Vec::new(),
            expires_at: 0,
            issued_at: 0,
            remembered: false,
            renewal: Renewal::Server,
        };
        assert_eq!(session.subject().as_deref(), Some("casting|3"));
        let opaque = Session {
            token: "not-a-jwt".into(),
            ..session
        };
        assert_eq!(opaque.subject(), None);
    }

    #[test]
    fn tokens_are_private_per_server_and_expire() {
        let dir = temp_dir("token");
        let first = token("http://s", "t1", now() + 60);
        let second = token("http://other", "t2", now() + 60);
        save_token(&dir, &first).unwrap();
        save_token(&dir, &second).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(TOKENS))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(load_token(&dir, "http://s"), Some(first.clone()));
        assert_eq!(
            load_token(&dir, "http://other"),
            Some(second),
            "logging in to a second server keeps the first one's token"
        );
        assert!(forget_token(&dir, "http://other").unwrap());
        assert_eq!(load_token(&dir, "http://other"), None);
        assert_eq!(load_token(&dir, "http://s"), Some(first), "only that one");
        save_token(&dir, &token("http://s", "t1", now() - 1)).unwrap();
        assert_eq!(
            load_token(&dir, "http://s"),
            None,
            "an expired token is not used"
        );
    }

    #[test]
    fn renewal_is_due_with_a_fifth_of_the_lifetime_left() {
        let session = Session {
            token: "t".into(),
            username: None,
            role: None,
            permissions: Vec::new(),
            issued_at: 1000,
            expires_at: 1100,
            remembered: false,
            renewal: Renewal::Server,
        };
        assert_eq!(session.renew_at(), 1080);
        let short = Session {
            expires_at: 1010,
            ..session
        };
        assert_eq!(short.renew_at(), 1005, "at least 5 s before it expires");
        let tiny = Session {
            expires_at: 1006,
            ..short
        };
        assert_eq!(tiny.renew_at(), 1003, "not in its first half");
    }
}
