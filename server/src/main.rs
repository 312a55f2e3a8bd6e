//! `casting-server`: parse the command line, set up logs, run.

use clap::Parser;

/// mimalloc: less time in malloc and less fragmentation than the system
/// allocator under many small, short-lived allocations per request.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use casting_server::config::{Cli, Command, serve_settings};
use casting_server::{cli_docs, commands, startup, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let _logs = telemetry::init(cli.common.log_format);
    let common = &cli.common;
    match cli.command {
        None => commands::serve(serve_settings(common, &cli.serve)?).await,
        Some(Command::Serve(serve)) => commands::serve(serve_settings(common, &serve)?).await,
        Some(Command::Migrate) => {
            let store =
                startup::migrate(&common.location(false)?, &common.store_settings()).await?;
            store.close().await;
            Ok(())
        }
        Some(Command::Users(command)) => {
            let store =
                startup::migrate(&common.location(false)?, &common.store_settings()).await?;
            let done = commands::users(&store, command).await;
            // Closed, so what it wrote is on the disk before the command ends.
            store.close().await;
            done
        }
        Some(Command::Keys(command)) => {
            let store =
                startup::migrate(&common.location(false)?, &common.store_settings()).await?;
            let sealer = common.key_sealer()?;
            let done = commands::keys(&store, command, sealer.as_deref()).await;
            store.close().await;
            done
        }
        Some(Command::Copy { from, to }) => {
            commands::copy(&from, &to, &common.store_settings()).await
        }
        Some(Command::Completions { shell }) => {
            cli_docs::completions(shell, &mut std::io::stdout().lock())
        }
        Some(Command::Man) => cli_docs::man_page(&mut std::io::stdout().lock()),
    }
}
