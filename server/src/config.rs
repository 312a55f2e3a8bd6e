//! Command line and environment: every setting has a flag and an env variable.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    Serve(ServeArgs),
    /// Create the database if missing and apply the migrations, then exit.
    Migrate,
}

#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// PostgreSQL URL; the database is created if it does not exist.
    #[arg(
        long,
        env = "DATABASE_URL",
        global = true,
        default_value = "postgres://postgres@127.0.0.1:5432/casting_agency"
    )]
    pub database_url: String,

    /// Log format.
    #[arg(long, env = "CASTING_LOG_FORMAT", global = true, value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,

    /// Most connections the server keeps to PostgreSQL.
    #[arg(long, env = "CASTING_DB_POOL_SIZE", global = true, default_value_t = 8)]
    pub db_pool_size: u32,

    /// How long a request waits for a database connection or statement before
    /// it fails with 503 (e.g. `3s`, `500ms`).
    #[arg(long, env = "CASTING_DB_TIMEOUT", global = true, default_value = "3s", value_parser = humantime::parse_duration)]
    pub db_timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CASTING_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// External token issuer, exactly as it appears in `iss` (Auth0's ends with a slash).
    #[arg(long, env = "CASTING_AUTH_ISSUER")]
    pub auth_issuer: Option<String>,

    /// Audience (`aud`) the external issuer's tokens must carry: the API identifier.
    #[arg(long, env = "CASTING_AUTH_AUDIENCE")]
    pub auth_audience: Option<String>,

    /// JWKS URL of the external issuer (default: ISSUER/.well-known/jwks.json).
    #[arg(long, env = "CASTING_AUTH_JWKS_URL")]
    pub auth_jwks_url: Option<String>,

    /// Shortest time between two JWKS fetches caused by unknown key ids.
    #[arg(long, env = "CASTING_AUTH_JWKS_MIN_REFRESH", default_value = "30s", value_parser = humantime::parse_duration)]
    pub auth_jwks_min_refresh: Duration,

    /// Origins allowed to call the API from a browser (comma-separated).
    #[arg(long, env = "CASTING_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Longest a request may take, reading its body included.
    #[arg(long, env = "CASTING_REQUEST_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,
}

impl ServeArgs {
    /// The external issuer's settings, if it is configured.
    pub fn external_issuer(&self) -> anyhow::Result<Option<ExternalIssuer>> {
        match (&self.auth_issuer, &self.auth_audience) {
            (None, None) => Ok(None),
            (Some(issuer), Some(audience)) => Ok(Some(ExternalIssuer {
                issuer: issuer.clone(),
                audience: audience.clone(),
                jwks_url: self.auth_jwks_url.clone().unwrap_or_else(|| {
                    format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/'))
                }),
            })),
            _ => {
                anyhow::bail!("CASTING_AUTH_ISSUER and CASTING_AUTH_AUDIENCE must be set together")
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct ExternalIssuer {
    pub issuer: String,
    pub audience: String,
    pub jwks_url: String,
}
