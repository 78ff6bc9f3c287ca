//! `websense audit verify`: check the Room's hash-chained audit log (and its head file, when
//! configured) without starting the Room; it may be running.

use crate::config::Config;
use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use websense_room::audit::chain::{verify_file, ChainError};

#[derive(Args)]
pub struct AuditArgs {
    /// websense's configuration file, the one `websense serve` reads (for room.database and
    /// room.audit_head_file).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the whole log and check every row's hash and link, and the head file; exit code 1
    /// names the first row that does not hold.
    Verify,
}

pub fn run(args: AuditArgs) -> Result<ExitCode> {
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
    match args.command {
        AuditCommand::Verify => {
            let head_file = config.room.audit_head_file.as_deref();
            match verify_file(&config.room.database, head_file) {
                Ok(report) => {
                    let head = match &report.head {
                        Some(h) => format!("latest row {} (hash {})", h.id, h.hash),
                        None => "no rows yet".to_string(),
                    };
                    let compared = match &report.head_file {
                        Some(f) => format!(", matches the head file {}", f.display()),
                        None => ", no head file configured ([room] audit_head_file)".to_string(),
                    };
                    println!("audit log intact: {} rows, {head}{compared}", report.rows);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e @ ChainError::Database { .. }) => {
                    eprintln!("websense: {e}");
                    Ok(ExitCode::from(2))
                }
                Err(e) => {
                    eprintln!("websense: AUDIT LOG BROKEN: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
