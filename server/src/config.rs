//! Command line and environment: every setting has a flag and an env variable.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use anyhow::Context;
use axum::http::HeaderValue;

use crate::db::{Location, StoreSettings};
use crate::identity::sealing::KeySealer;
use crate::settings::{AuthSettings, DEFAULT_AUDIENCE, ExternalIssuer, HttpSettings, Settings};

/// `--help` groups the options under these headings.
const DATABASE: &str = "Database";
const HTTP: &str = "HTTP";
const EXTERNAL_ISSUER: &str = "External issuer (Auth0 or any OpenID Connect provider)";
const BUILT_IN_IDENTITY: &str = "Built-in identity";
const LOGGING: &str = "Logging";

#[derive(Debug, Parser)]
#[command(
    name = "casting-server",
    version,
    about = "Casting Agency: a REST API for actors, movies and casting",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
    /// `casting-server` alone serves, with these options.
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the database if missing, migrate it, and serve the API (the default).
    Serve(Box<ServeArgs>),
    /// Create the database if missing and apply the migrations, then exit.
    Migrate,
    /// Manage the built-in users.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage the built-in signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Copy every record from one database into another, empty one (e.g. from
    /// the SQLite file to PostgreSQL, or a consistent backup to a new file).
    Copy {
        /// The database to read, e.g. sqlite:casting.db (it is not changed).
        #[arg(long)]
        from: String,
        /// The database to write, e.g. postgres://postgres@127.0.0.1/casting_agency;
        /// created if missing, and it must hold no actor, movie or user.
        #[arg(long)]
        to: String,
    },
    /// Print a shell completion script, e.g.
    /// `casting-server completions bash > /etc/bash_completion.d/casting-server`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to standard output: `casting-server man | man -l -`.
    Man,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a user with a role; the password is asked for, or read from stdin.
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the users with their roles.
    List,
    /// Change a user's role.
    SetRole {
        name: String,
        #[arg(value_enum)]
        role: RoleArg,
    },
    /// Change a user's password.
    SetPassword {
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Refuse a user's logins and tokens from now on (within seconds on every instance).
    Disable { name: String },
    /// Allow a disabled user to log in again.
    Enable { name: String },
    /// Delete a user.
    Remove { name: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Casting Assistant: can look at actors and movies.
    Assistant,
    /// Casting Director: also adds, edits and deletes actors, edits movies and casts.
    Director,
    /// Executive Producer: everything.
    Producer,
}

impl From<RoleArg> for casting_shared::Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Assistant => casting_shared::Role::CastingAssistant,
            RoleArg::Director => casting_shared::Role::CastingDirector,
            RoleArg::Producer => casting_shared::Role::ExecutiveProducer,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a new signing key; tokens signed by the previous one stay valid until they expire.
    Rotate,
    /// Revoke a key: tokens it signed are refused within seconds on every
    /// instance, and it leaves the JWKS (a new key takes over if it was signing).
    Revoke {
        /// The key's id, as `keys list` shows it (it may start with `-`).
        #[arg(allow_hyphen_values = true)]
        kid: String,
    },
    /// List the signing keys: id, created, retired, revoked.
    List,
}

#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// The store: postgres://... or postgresql://... (PostgreSQL), sqlite:PATH (an
    /// embedded SQLite file). Created if missing. Default: a SQLite file in the
    /// platform data directory (~/.local/share/casting-agency/casting.db on
    /// Linux); with `serve --demo`, an in-memory database.
    // `--help` does not show its value (nor DATABASE_READ_URL's): it may hold a password.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true, help_heading = DATABASE)]
    pub database_url: Option<String>,

    /// A streaming replica of the PostgreSQL database (postgres://...) that
    /// serves the reads of actors, movies and casts while it keeps up; writes,
    /// the change log, users and keys stay on DATABASE_URL. Serving only;
    /// PostgreSQL only.
    #[arg(long, env = "DATABASE_READ_URL", global = true, hide_env_values = true, help_heading = DATABASE)]
    pub database_read_url: Option<String>,

    /// The most the read replica may lag behind the primary and still serve
    /// reads (e.g. `1s`, `250ms`); beyond, reads go to the primary.
    #[arg(long, env = "CASTING_DB_READ_MAX_LAG", global = true, default_value = "1s", value_parser = humantime::parse_duration, help_heading = DATABASE)]
    pub db_read_max_lag: Duration,

    /// Log format.
    #[arg(long, env = "CASTING_LOG_FORMAT", global = true, value_enum, default_value_t = LogFormat::Pretty, help_heading = LOGGING)]
    pub log_format: LogFormat,

    /// Most connections the server keeps to the database (readers on SQLite,
    /// at most two per core).
    #[arg(long, env = "CASTING_DB_POOL_SIZE", global = true, default_value_t = 8, help_heading = DATABASE)]
    pub db_pool_size: u32,

    /// How long a request waits for a database connection or statement before
    /// it fails with 503 (e.g. `3s`, `500ms`).
    #[arg(long, env = "CASTING_DB_TIMEOUT", global = true, default_value = "3s", value_parser = humantime::parse_duration, help_heading = DATABASE)]
    pub db_timeout: Duration,

    /// How long the change log keeps a change (`GET /changes`, `/events`,
    /// history); older ones are pruned in the background, and resuming
    /// after a pruned change is 410 (e.g. `90days`, `12h`).
    #[arg(long, env = "CASTING_CHANGES_KEEP", global = true, default_value = "90days", value_parser = humantime::parse_duration, help_heading = DATABASE)]
    pub changes_keep: Duration,

    /// Encrypt the signing keys stored in the database with this key
    /// (32 bytes in base64, e.g. from `openssl rand -base64 32`).
    #[arg(
        long,
        env = "CASTING_KEY_ENCRYPTION_KEY",
        global = true,
        hide_env_values = true,
        help_heading = BUILT_IN_IDENTITY
    )]
    pub key_encryption_key: Option<String>,

    /// Read the key-encryption key from this file instead.
    #[arg(
        long,
        env = "CASTING_KEY_ENCRYPTION_KEY_FILE",
        global = true,
        conflicts_with = "key_encryption_key",
        help_heading = BUILT_IN_IDENTITY
    )]
    pub key_encryption_key_file: Option<std::path::PathBuf>,
}

impl CommonArgs {
    /// The key-encryption key, if one is configured.
    pub fn key_sealer(&self) -> anyhow::Result<Option<std::sync::Arc<KeySealer>>> {
        let text = match (&self.key_encryption_key, &self.key_encryption_key_file) {
            (Some(text), _) => text.clone(),
            (None, Some(path)) => std::fs::read_to_string(path).map_err(|e| {
                anyhow::anyhow!(
                    "cannot read CASTING_KEY_ENCRYPTION_KEY_FILE {}: {e}",
                    path.display()
                )
            })?,
            (None, None) => return Ok(None),
        };
        let sealer = KeySealer::from_base64(&text)
            .map_err(|e| anyhow::anyhow!("CASTING_KEY_ENCRYPTION_KEY: {e:#}"))?;
        Ok(Some(std::sync::Arc::new(sealer)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 0.0.0.0:PORT when PORT is set, else
    /// 127.0.0.1:8080].
    #[arg(long, env = "CASTING_BIND", help_heading = HTTP)]
    pub bind: Option<SocketAddr>,

    /// Port to listen on, on every interface, when no address is given
    /// (the convention of hosting platforms).
    #[arg(long, env = "PORT", help_heading = HTTP)]
    pub port: Option<u16>,

    /// External token issuer, exactly as it appears in `iss` (Auth0's ends with a slash).
    #[arg(long, env = "CASTING_AUTH_ISSUER", help_heading = EXTERNAL_ISSUER)]
    pub auth_issuer: Option<String>,

    /// Audience (`aud`) the external issuer's tokens must carry: the API identifier.
    #[arg(long, env = "CASTING_AUTH_AUDIENCE", help_heading = EXTERNAL_ISSUER)]
    pub auth_audience: Option<String>,

    /// JWKS URL of the external issuer (default: ISSUER/.well-known/jwks.json).
    #[arg(long, env = "CASTING_AUTH_JWKS_URL", help_heading = EXTERNAL_ISSUER)]
    pub auth_jwks_url: Option<String>,

    /// OpenID Connect discovery document of the external issuer
    /// (default: ISSUER/.well-known/openid-configuration).
    #[arg(long, env = "CASTING_AUTH_DISCOVERY_URL", help_heading = EXTERNAL_ISSUER)]
    pub auth_discovery_url: Option<String>,

    /// Shortest time between two JWKS fetches caused by unknown key ids.
    #[arg(long, env = "CASTING_AUTH_JWKS_MIN_REFRESH", default_value = "30s", value_parser = humantime::parse_duration, help_heading = EXTERNAL_ISSUER)]
    pub auth_jwks_min_refresh: Duration,

    /// Clock skew tolerated on the tokens' `exp` and `nbf`.
    #[arg(long, env = "CASTING_AUTH_LEEWAY", default_value = "30s", value_parser = humantime::parse_duration, help_heading = EXTERNAL_ISSUER)]
    pub auth_leeway: Duration,

    /// Origins allowed to call the API from a browser (comma-separated).
    #[arg(long, env = "CASTING_CORS_ORIGINS", value_delimiter = ',', help_heading = HTTP)]
    pub cors_origins: Vec<String>,

    /// Longest a request may take, reading its body included.
    #[arg(long, env = "CASTING_REQUEST_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration, help_heading = HTTP)]
    pub request_timeout: Duration,

    /// Longest a new connection may take to send a complete request's
    /// headers, whatever protocol it speaks (then it is closed).
    #[arg(long, env = "CASTING_HEADER_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration, help_heading = HTTP)]
    pub header_timeout: Duration,

    /// Longest a connection may stay open with no request in flight.
    #[arg(long, env = "CASTING_IDLE_TIMEOUT", default_value = "60s", value_parser = humantime::parse_duration, help_heading = HTTP)]
    pub idle_timeout: Duration,

    /// Most connections open at once (default: three quarters of the
    /// process's open-file limit); at the cap, the longest-idle connection
    /// is closed to make room.
    #[arg(long, env = "CASTING_MAX_CONNECTIONS", help_heading = HTTP)]
    pub max_connections: Option<usize>,

    /// Most `GET /events` streams one token may hold open at once (the
    /// next is refused 429). In all, streams may take three quarters of
    /// the connections; past that the oldest stream of the user holding
    /// the most is closed to make room.
    #[arg(long, env = "CASTING_EVENT_STREAMS_PER_TOKEN", default_value_t = crate::feed::streams::DEFAULT_PER_TOKEN, help_heading = HTTP)]
    pub event_streams_per_token: usize,

    /// Most `GET /events` streams one user may hold open at once, over all
    /// their tokens (the next is refused 429).
    #[arg(long, env = "CASTING_EVENT_STREAMS_PER_USER", default_value_t = crate::feed::streams::DEFAULT_PER_USER, help_heading = HTTP)]
    pub event_streams_per_user: usize,

    /// Client id of the external issuer's application for the terminal
    /// client's browser sign-in (device flow).
    #[arg(long, env = "CASTING_AUTH_CLIENT_ID", help_heading = EXTERNAL_ISSUER)]
    pub auth_client_id: Option<String>,

    /// This server's public URL: the issuer (`iss`) of the tokens it signs
    /// (default: http://BIND).
    #[arg(long, env = "CASTING_PUBLIC_URL", help_heading = BUILT_IN_IDENTITY)]
    pub public_url: Option<String>,

    /// Lifetime of the tokens this server signs.
    #[arg(long, env = "CASTING_TOKEN_TTL", default_value = "1h", value_parser = humantime::parse_duration, help_heading = BUILT_IN_IDENTITY)]
    pub token_ttl: Duration,

    /// Sign tokens with this RSA private key (PEM) instead of keys kept in the database.
    #[arg(long, env = "CASTING_SIGNING_KEY_FILE", help_heading = BUILT_IN_IDENTITY)]
    pub signing_key_file: Option<std::path::PathBuf>,

    /// Failed logins for one username (four times as many for one client
    /// address) before further attempts get 429.
    #[arg(long, env = "CASTING_LOGIN_MAX_FAILURES", default_value_t = 5, help_heading = BUILT_IN_IDENTITY)]
    pub login_max_failures: u32,

    /// How long failed logins are remembered for throttling.
    #[arg(long, env = "CASTING_LOGIN_WINDOW", default_value = "5m", value_parser = humantime::parse_duration, help_heading = BUILT_IN_IDENTITY)]
    pub login_window: Duration,

    /// Serve Prometheus metrics at `GET /metrics` (`on` or `off`).
    #[arg(long, env = "CASTING_METRICS", default_value = "on", value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::Set, help_heading = HTTP)]
    pub metrics: bool,
    /// Logins that may check a password at the same time (default: half the cores, at least one).
    #[arg(long, env = "CASTING_LOGIN_CONCURRENCY", help_heading = BUILT_IN_IDENTITY)]
    pub login_concurrency: Option<usize>,

    /// How long after a password login its session may be refreshed
    /// (`POST /auth/refresh`); then the user logs in again.
    #[arg(long, env = "CASTING_SESSION_MAX", default_value = "12h", value_parser = humantime::parse_duration, help_heading = BUILT_IN_IDENTITY)]
    pub session_max: Duration,

    /// Seed demo data and one user per role into an empty database, and print
    /// their passwords (without DATABASE_URL: into a throwaway in-memory database).
    #[arg(long, help_heading = DATABASE)]
    pub demo: bool,
}

/// Where the server listens when neither `--bind` nor `--port` is given.
pub const DEFAULT_BIND: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::LOCALHOST,
    8080,
));

impl CommonArgs {
    /// The store named by `DATABASE_URL` (or the default for a demo or not).
    pub fn location(&self, demo: bool) -> anyhow::Result<Location> {
        Location::from_setting(self.database_url.as_deref(), demo)
    }

    pub fn store_settings(&self) -> StoreSettings {
        StoreSettings {
            pool_size: self.db_pool_size,
            timeout: self.db_timeout,
            changes_keep: self.changes_keep,
            read_url: None,
            read_max_lag: self.db_read_max_lag,
        }
    }

    /// `DATABASE_READ_URL`, when it names a PostgreSQL replica of a
    /// PostgreSQL `database`.
    pub fn read_url(&self, database: &Location) -> anyhow::Result<Option<String>> {
        let Some(url) = self.database_read_url.as_deref().map(str::trim) else {
            return Ok(None);
        };
        if url.is_empty() {
            return Ok(None);
        }
        match (Location::parse(url), database) {
            (Ok(Location::Postgres(url)), Location::Postgres(_)) => Ok(Some(url)),
            (Ok(Location::Postgres(_)), _) => anyhow::bail!(
                "DATABASE_READ_URL is for PostgreSQL only: DATABASE_URL is {}, which has no \
                 read replicas (unset DATABASE_READ_URL)",
                database.describe()
            ),
            _ => anyhow::bail!(
                "DATABASE_READ_URL must be a postgres:// or postgresql:// URL (got {:?})",
                crate::db::location::redact(url)
            ),
        }
    }
}

/// The one settings tree of `serve`, from the command line and environment.
pub fn serve_settings(common: &CommonArgs, serve: &ServeArgs) -> anyhow::Result<Settings> {
    let database = common.location(serve.demo)?;
    let store = StoreSettings {
        read_url: common.read_url(&database)?,
        ..common.store_settings()
    };
    Ok(Settings {
        database,
        store,
        http: serve.http_settings()?,
        auth: serve.auth_settings(common)?,
        demo: serve.demo,
    })
}

impl ServeArgs {
    /// `--bind`, else every interface on `--port`, else [`DEFAULT_BIND`].
    pub fn bind_address(&self) -> SocketAddr {
        match (self.bind, self.port) {
            (Some(bind), _) => bind,
            (None, Some(port)) => SocketAddr::from(([0, 0, 0, 0], port)),
            (None, None) => DEFAULT_BIND,
        }
    }

    fn http_settings(&self) -> anyhow::Result<HttpSettings> {
        let cors_origins = self
            .cors_origins
            .iter()
            .filter(|o| !o.trim().is_empty())
            .map(|o| {
                HeaderValue::from_str(o.trim()).with_context(|| format!("bad CORS origin {o}"))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(HttpSettings {
            bind: self.bind_address(),
            cors_origins,
            request_timeout: self.request_timeout,
            header_timeout: self.header_timeout,
            metrics: self.metrics,
            idle_timeout: self.idle_timeout,
            max_connections: self.max_connections,
            event_backlog: crate::feed::DEFAULT_BACKLOG,
            streams_per_token: self.event_streams_per_token,
            streams_per_user: self.event_streams_per_user,
        })
    }

    fn auth_settings(&self, common: &CommonArgs) -> anyhow::Result<AuthSettings> {
        let external = match (&self.auth_issuer, &self.auth_audience) {
            (None, None) => None,
            (Some(issuer), Some(audience)) => Some(ExternalIssuer {
                issuer: issuer.clone(),
                audience: audience.clone(),
                jwks_url: self.auth_jwks_url.clone().unwrap_or_else(|| {
                    format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/'))
                }),
                discovery_url: self.auth_discovery_url.clone().unwrap_or_else(|| {
                    format!(
                        "{}/.well-known/openid-configuration",
                        issuer.trim_end_matches('/')
                    )
                }),
                client_id: self.auth_client_id.clone(),
            }),
            _ => {
                anyhow::bail!("CASTING_AUTH_ISSUER and CASTING_AUTH_AUDIENCE must be set together")
            }
        };
        let signing_key_pem = match &self.signing_key_file {
            Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
                anyhow::anyhow!(
                    "cannot read CASTING_SIGNING_KEY_FILE {}: {e}",
                    path.display()
                )
            })?),
            None => None,
        };
        let audience = external
            .as_ref()
            .map_or_else(|| DEFAULT_AUDIENCE.to_owned(), |e| e.audience.clone());
        Ok(AuthSettings {
            external,
            jwks_min_refresh: self.auth_jwks_min_refresh,
            leeway: self.auth_leeway,
            public_url: self.public_url.clone(),
            audience,
            token_ttl: self.token_ttl,
            signing_key_pem,
            login_max_failures: self.login_max_failures,
            login_window: self.login_window,
            login_concurrency: self.login_concurrency.unwrap_or(0),
            session_max: self.session_max,
            key_sealer: common.key_sealer()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings_of(args: &[&str]) -> anyhow::Result<Settings> {
        let cli =
            Cli::try_parse_from(std::iter::once("casting-server").chain(args.iter().copied()))?;
        serve_settings(&cli.common, &cli.serve)
    }

    #[test]
    fn a_read_replica_is_for_postgresql_only() {
        let settings = settings_of(&[
            "--database-url",
            "postgres://p@primary/db",
            "--database-read-url",
            "postgres://p@replica/db",
        ])
        .unwrap();
        assert_eq!(
            settings.store.read_url.as_deref(),
            Some("postgres://p@replica/db")
        );
        let sqlite = settings_of(&[
            "--database-url",
            "sqlite:casting.db",
            "--database-read-url",
            "postgres://p@replica/db",
        ])
        .err()
        .unwrap();
        assert!(sqlite.to_string().contains("PostgreSQL only"), "{sqlite:#}");
        let not_a_url = settings_of(&[
            "--database-url",
            "postgres://p@primary/db",
            "--database-read-url",
            "sqlite:other.db",
        ])
        .err()
        .unwrap();
        assert!(
            not_a_url.to_string().contains("postgres://"),
            "{not_a_url:#}"
        );
    }
}
