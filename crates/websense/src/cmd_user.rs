//! `websense user add|passwd|list`: accounts of the Room, in its database.

use crate::config::Config;
use anyhow::{bail, Context, Result};
use chrono::Utc;
use clap::{Args, Subcommand};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use websense_room::accounts::{self, Role, MIN_PASSWORD_CHARS};
use websense_room::RoomDb;

#[derive(Args)]
pub struct UserArgs {
    /// websense's configuration file, the one `websense serve` reads (for room.database and the
    /// hash cost).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. The password is read from WEBSENSE_PASSWORD, else from the first
    /// line of standard input.
    Add {
        name: String,
        /// analyst, curator, i2o_liaison or admin; repeat for several.
        #[arg(long = "role", required = true, value_parser = parse_role)]
        roles: Vec<Role>,
    },
    /// Set an account's password (read like `add`'s); its sessions end.
    Passwd { name: String },
    /// List the accounts with their roles.
    List,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s)
        .ok_or_else(|| format!("unknown role {s:?}: use analyst, curator, i2o_liaison or admin"))
}

fn password() -> Result<String> {
    let p = read_password()?;
    if p.chars().count() < MIN_PASSWORD_CHARS {
        bail!("the password must have at least {MIN_PASSWORD_CHARS} characters");
    }
    Ok(p)
}

fn read_password() -> Result<String> {
    if let Ok(p) = std::env::var("WEBSENSE_PASSWORD") {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password (shown as typed; pipe it or set WEBSENSE_PASSWORD to avoid that): ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("cannot read the password")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

pub fn run(args: UserArgs) -> Result<ExitCode> {
    let Some(config_path) = args.config else {
        bail!("--config FILE is required (the file `websense serve` reads)");
    };
    let config = match Config::load(&config_path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("websense: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let db = RoomDb::open(&config.room.database)?;
    let cost = config.room.password_hash;
    match args.command {
        UserCommand::Add { name, roles } => {
            let hash = accounts::hash_password(&password()?, cost)?;
            db.blocking(|c| accounts::create_account(c, &name, &roles, &hash, Utc::now()))?;
            let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            println!("account {name} created with role(s) {}", roles.join(", "));
        }
        UserCommand::Passwd { name } => {
            let hash = accounts::hash_password(&password()?, cost)?;
            db.blocking(|c| accounts::set_password(c, &name, &hash))?;
            println!("password of {name} set; its sessions ended");
        }
        UserCommand::List => {
            for (name, roles, disabled) in db.blocking(|c| accounts::list_accounts(c))? {
                let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
                let state = if disabled { " (disabled)" } else { "" };
                println!("{name}\t{}{state}", roles.join(","));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
