//! `casting-server`: parse the command line, set up logs, run.

use clap::Parser;

/// mimalloc: less time in malloc and less fragmentation than the system
/// allocator under many small, short-lived allocations per request.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use casting_server::config::{Cli, Command};
use casting_server::{cli_docs, commands, startup, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let _logs = telemetry::init(cli.common.log_format);
    match cli.command {
        None => startup::serve(&cli.common, &cli.serve).await,
        Some(Command::Serve(serve)) => startup::serve(&cli.common, &serve).await,
        Some(Command::Migrate) => startup::migrate(&cli.common).await.map(|_| ()),
        Some(Command::Users(command)) => {
            let db = startup::migrate(&cli.common).await?;
            commands::users(&db, command).await
        }
        Some(Command::Keys(command)) => {
            let db = startup::migrate(&cli.common).await?;
            let sealer = cli.common.key_sealer()?;
            commands::keys(&db, command, sealer.as_deref()).await
        }
        Some(Command::Completions { shell }) => {
            cli_docs::completions(shell, &mut std::io::stdout().lock())
        }
        Some(Command::Man) => cli_docs::man_page(&mut std::io::stdout().lock()),
    }
}
