//! What `casting-server` does besides parsing: `serve`, `users …`,
//! `keys …` (against the same DATABASE_URL as `serve`, also while it runs)
//! and `copy`.

use std::io::{BufRead, IsTerminal};

use crate::config::{KeysCommand, UsersCommand};
use crate::db::{self, DbError, Location, Store, StoreSettings, UserChange};
use crate::identity::{keys, passwords};
use crate::settings::Settings;
use crate::startup::{Application, DemoSeed};
use anyhow::{Context, bail};
use casting_shared::Role;
use casting_shared::domain::{check_new_password, parse_username};

/// `casting-server` / `casting-server serve`.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let application = Application::build(settings).await?;
    match application.demo() {
        Some(DemoSeed::Seeded(users)) => {
            println!(
                "Demo data seeded. Log in as one of these users (passwords are shown only now):"
            );
            for user in users {
                println!(
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
            if db.find_user(&name).await?.is_some() {
                bail!("a user named {name} already exists");
            }
            let password = read_new_password(password_stdin)?;
            let hash = passwords::hash(password).await?;
            let role = Role::from(role);
            let user = match db.add_user(&name, role, &hash).await {
                Err(DbError::Duplicate) => bail!("a user named {name} already exists"),
                added => added?,
            };
            println!("added {} ({})", user.username, user.role);
        }
        UsersCommand::List => {
            let all = db.list_users().await?;
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
            found(db.change_user(&name, UserChange::Role(role)).await?, &name)?;
            println!("{name} is now {role}");
        }
        UsersCommand::SetPassword {
            name,
            password_stdin,
        } => {
            if db.find_user(&name).await?.is_none() {
                bail!("there is no user named {name}");
            }
            let password = read_new_password(password_stdin)?;
            let hash = passwords::hash(password).await?;
            found(
                db.change_user(&name, UserChange::PasswordHash(&hash))
                    .await?,
                &name,
            )?;
            println!("changed the password of {name}");
        }
        UsersCommand::Disable { name } => {
            found(
                db.change_user(&name, UserChange::Disabled(true)).await?,
                &name,
            )?;
            println!("{name} can no longer log in");
        }
        UsersCommand::Enable { name } => {
            found(
                db.change_user(&name, UserChange::Disabled(false)).await?,
                &name,
            )?;
            println!("{name} can log in again");
        }
        UsersCommand::Remove { name } => {
            found(db.remove_user(&name).await?, &name)?;
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

pub async fn keys(db: &Store, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Rotate => {
            let kid = keys::rotate(db).await?;
            println!(
                "new signing key {kid}; tokens signed by the previous key stay valid until they expire"
            );
        }
    }
    Ok(())
}
