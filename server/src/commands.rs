//! What `casting-server` does besides parsing: `serve`, `users …`,
//! `keys …` (against the same DATABASE_URL as `serve`, also while it runs)
//! and `copy`.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use casting_shared::Role;
use casting_shared::credentials::{check_new_password, parse_username};

use crate::config::{KeysCommand, UsersCommand};
use crate::db::{self, Location, Store, StoreSettings};
use crate::identity::keys::Revoked;
use crate::identity::revocation::REFRESH_EVERY;
use crate::identity::sealing::KeySealer;
use crate::identity::{keys, passwords, users};
use crate::settings::Settings;
use crate::startup::{Application, DemoSeed};

/// `casting-server` / `casting-server serve`.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let application = Application::build(settings).await?;
    match application.demo() {
        Some(DemoSeed::Seeded(users)) => {
            // Standard error, not standard output: output is often kept in
            // log collectors, and these are secrets.
            eprintln!(
                "Demo data seeded. Log in as one of these users (passwords are shown only now):"
            );
            for user in users {
                eprintln!(
                    "  {:<10} {:<20} password: {}",
                    user.username,
                    user.role.name(),
                    user.password
                );
            }
        }
        Some(DemoSeed::AlreadySeeded) => println!(
            "Demo data is already in this database; its users keep the passwords printed when \
             it was seeded (reset one with `casting-server users set-password NAME`)."
        ),
        None => {}
    }
    application.run_until_stopped().await
}

/// `casting-server copy --from URL --to URL`.
pub async fn copy(from: &str, to: &str, settings: &StoreSettings) -> anyhow::Result<()> {
    let from = Location::parse(from).context("--from")?;
    let to = Location::parse(to).context("--to")?;
    let copied = db::copy::copy(&from, &to, settings).await?;
    println!(
        "copied {} from {} to {}",
        copied.summary(),
        from.describe(),
        to.describe()
    );
    Ok(())
}

pub async fn users(db: &Store, command: UsersCommand) -> anyhow::Result<()> {
    match command {
        UsersCommand::Add {
            name,
            role,
            password_stdin,
        } => {
            let name =
                parse_username(&name).map_err(|why| anyhow::anyhow!("the username {why}"))?;
            users::check_not_reserved(&name)?;
            if let Some(existing) = users::find(db, &name).await? {
                bail!("a user named {:?} already exists", existing.username);
            }
            let password = read_new_password(password_stdin)?;
            let hash = passwords::hash(password).await?;
            let role = Role::from(role);
            // Refuses look-alikes of existing names too.
            let user = users::add(db, &name, role, &hash).await?;
            println!("added {} ({})", user.username, user.role);
        }
        UsersCommand::List => {
            let all = users::list(db).await?;
            if all.is_empty() {
                println!(
                    "no users yet: add one with `casting-server users add NAME --role producer`"
                );
            } else {
                println!("{:<24} {:<20} {:<9} created", "username", "role", "status");
                for user in all {
                    let status = if user.disabled { "disabled" } else { "active" };
                    let created = user.created_at.date();
                    println!(
                        "{:<24} {:<20} {:<9} {created}",
                        user.username,
                        user.role.name(),
                        status
                    );
                }
            }
        }
        UsersCommand::SetRole { name, role } => {
            let role = Role::from(role);
            found(users::set_role(db, &name, role).await?, &name)?;
            println!("{name} is now {role}");
        }
        UsersCommand::SetPassword {
            name,
            password_stdin,
        } => {
            if users::find(db, &name).await?.is_none() {
                bail!("there is no user named {name}");
            }
            let password = read_new_password(password_stdin)?;
            let hash = passwords::hash(password).await?;
            found(users::set_password(db, &name, &hash).await?, &name)?;
            println!("changed the password of {name}");
        }
        UsersCommand::Disable { name } => {
            found(users::set_disabled(db, &name, true).await?, &name)?;
            println!("{name} can no longer log in");
        }
        UsersCommand::Enable { name } => {
            found(users::set_disabled(db, &name, false).await?, &name)?;
            println!("{name} can log in again");
        }
        UsersCommand::Remove { name } => {
            found(users::remove(db, &name).await?, &name)?;
            println!("removed {name}");
        }
    }
    Ok(())
}

fn found(exists: bool, name: &str) -> anyhow::Result<()> {
    if exists {
        Ok(())
    } else {
        bail!("there is no user named {name}")
    }
}

/// The new password from stdin's first line, or asked for twice without echo.
fn read_new_password(from_stdin: bool) -> anyhow::Result<String> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    } else if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        check_new_password(&first).map_err(|why| anyhow::anyhow!("the password {why}"))?;
        let again = rpassword::prompt_password("Password again: ")?;
        if first != again {
            bail!("the two passwords differ");
        }
        first
    } else {
        bail!("standard input is not a terminal: pass the password with --password-stdin");
    };
    check_new_password(&password).map_err(|why| anyhow::anyhow!("the password {why}"))?;
    Ok(password)
}

pub async fn keys(
    db: &Store,
    command: KeysCommand,
    sealer: Option<&KeySealer>,
) -> anyhow::Result<()> {
    match command {
        KeysCommand::Rotate => {
            let kid = keys::rotate(db, sealer).await?;
            println!(
                "new signing key {kid}; tokens signed by the previous key stay valid until they expire"
            );
        }
        KeysCommand::Revoke { kid } => match keys::revoke(db, &kid, sealer).await? {
            Revoked::Done { replaced_by } => {
                println!(
                    "revoked {kid}: every instance refuses its tokens within {} s",
                    REFRESH_EVERY.as_secs() * 2
                );
                if let Some(new) = replaced_by {
                    println!("it was signing; the new signing key is {new}");
                }
            }
            Revoked::AlreadyRevoked => println!("{kid} was already revoked"),
            Revoked::NotFound => bail!("there is no signing key {kid:?} (see `keys list`)"),
        },
        KeysCommand::List => {
            println!(
                "{:<44} {:<10} {:<10} {:<10}",
                "kid", "created", "retired", "revoked"
            );
            let day = |at: Option<time::OffsetDateTime>| {
                at.map_or_else(|| "-".to_owned(), |at| at.date().to_string())
            };
            for key in keys::list(db).await? {
                println!(
                    "{:<44} {:<10} {:<10} {:<10}",
                    key.kid,
                    key.created_at.date(),
                    day(key.retired_at),
                    day(key.revoked_at)
                );
            }
        }
    }
    Ok(())
}
