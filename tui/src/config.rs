//! The client's settings: `config.toml` in the platform config directory
//! (`CASTING_TUI_CONFIG_DIR` overrides it). Named servers, the theme and its
//! colours, the mouse, and key bindings. A bad file is a clear error at start,
//! never silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::Color;
use serde::Deserialize;

pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// The directory for `config.toml` and `tokens.json`.
pub fn config_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CASTING_TUI_CONFIG_DIR") {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "casting-agency").map(|d| d.config_dir().to_owned())
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerEntry {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
}

/// Colours the config file may set, by role in the interface.
pub const COLOR_ROLES: &[&str] = &[
    "accent", "header", "key", "dim", "error", "success", "focus",
];

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The server to use when none is named: a `[[servers]]` name or a URL.
    #[serde(default)]
    pub server: Option<String>,
    #[serde(default)]
    pub servers: Vec<ServerEntry>,
    #[serde(default = "yes")]
    pub mouse: bool,
    #[serde(default)]
    pub theme: ThemeName,
    /// Colour overrides by role (`accent = "magenta"`, `error = "#ff5555"`).
    #[serde(default)]
    pub colors: BTreeMap<String, String>,
    /// Key overrides by action name (`delete = ["D"]`).
    #[serde(default)]
    pub keys: BTreeMap<String, Vec<String>>,
}

fn yes() -> bool {
    true
}

impl Default for Config {
    fn default() -> Self {
        Self {
            server: None,
            servers: Vec::new(),
            mouse: true,
            theme: ThemeName::Dark,
            colors: BTreeMap::new(),
            keys: BTreeMap::new(),
        }
    }
}

impl Config {
    /// Reads `config.toml` (a missing file is the defaults).
    pub fn load(dir: Option<&Path>) -> Result<Config, String> {
        let Some(dir) = dir else {
            return Ok(Config::default());
        };
        let path = dir.join("config.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config::default());
            }
            Err(error) => return Err(format!("{}: {error}", path.display())),
        };
        Config::parse(&text).map_err(|why| format!("{}: {why}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        for (role, value) in &config.colors {
            if !COLOR_ROLES.contains(&role.as_str()) {
                return Err(format!(
                    "colors.{role}: unknown colour role (known: {})",
                    COLOR_ROLES.join(", ")
                ));
            }
            Color::from_str(value)
                .map_err(|_| format!("colors.{role}: \"{value}\" is not a colour"))?;
        }
        let mut names = std::collections::HashSet::new();
        for entry in &config.servers {
            if !names.insert(entry.name.as_str()) {
                return Err(format!("servers: \"{}\" is named twice", entry.name));
            }
        }
        Ok(config)
    }

    pub fn color(&self, role: &str) -> Option<Color> {
        self.colors.get(role).and_then(|v| Color::from_str(v).ok())
    }
}

/// Which server to talk to, once the command line and the config are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerChoice {
    Url(String),
    /// Several are named and none was chosen: ask at start.
    Pick(Vec<ServerEntry>),
}

/// `--server` / `CASTING_SERVER` (a name from `[[servers]]` or a URL), else
/// the config's `server`, else its only server, else a picker over its
/// servers, else the local default.
pub fn resolve_server(
    flag_or_env: Option<String>,
    config: &Config,
) -> Result<ServerChoice, String> {
    let named = |name: &str| -> Result<String, String> {
        if let Some(entry) = config.servers.iter().find(|s| s.name == name) {
            return Ok(entry.url.clone());
        }
        if name.contains("://") {
            return Ok(name.to_owned());
        }
        let known: Vec<&str> = config.servers.iter().map(|s| s.name.as_str()).collect();
        Err(if known.is_empty() {
            format!("no server named \"{name}\" (give a URL, or name servers in config.toml)")
        } else {
            format!("no server named \"{name}\" (known: {})", known.join(", "))
        })
    };
    let url = match (
        flag_or_env.or_else(|| config.server.clone()),
        config.servers.as_slice(),
    ) {
        (Some(name), _) => named(&name)?,
        (None, [only]) => only.url.clone(),
        (None, []) => DEFAULT_SERVER.to_owned(),
        (None, many) => return Ok(ServerChoice::Pick(many.to_vec())),
    };
    Ok(ServerChoice::Url(normalize(&url)))
}

pub fn normalize(url: &str) -> String {
    url.trim().trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_named_in_the_config_and_chosen_by_name_or_url() {
        let config = Config::parse(
            r#"
            [[servers]]
            name = "prod"
            url = "https://casting.example/"
            [[servers]]
            name = "local"
            url = "http://127.0.0.1:8080"
            "#,
        )
        .unwrap();
        assert_eq!(
            resolve_server(Some("prod".into()), &config),
            Ok(ServerChoice::Url("https://casting.example".into()))
        );
        assert_eq!(
            resolve_server(Some("http://x:1".into()), &config),
            Ok(ServerChoice::Url("http://x:1".into()))
        );
        assert_eq!(
            resolve_server(None, &config),
            Ok(ServerChoice::Pick(config.servers.clone())),
            "several servers and none chosen: the picker"
        );
        let error = resolve_server(Some("staging".into()), &config).unwrap_err();
        assert!(error.contains("known: prod, local"), "{error}");
        assert_eq!(
            resolve_server(None, &Config::default()),
            Ok(ServerChoice::Url(DEFAULT_SERVER.into()))
        );
    }

    #[test]
    fn a_bad_config_is_a_clear_error() {
        let error = Config::parse("[colors]\naccent = \"sparkly\"").unwrap_err();
        assert!(error.contains("not a colour"), "{error}");
        let error = Config::parse("mouse = \"maybe\"").unwrap_err();
        assert!(error.contains("mouse") || error.contains("bool"), "{error}");
        let error = Config::parse("colour = 1").unwrap_err();
        assert!(error.contains("unknown field"), "{error}");
        let config =
            Config::parse("theme = \"light\"\nmouse = false\n[keys]\ndelete = [\"D\"]").unwrap();
        assert_eq!(config.theme, ThemeName::Light);
        assert!(!config.mouse);
        assert_eq!(config.keys["delete"], vec!["D".to_owned()]);
    }
}
