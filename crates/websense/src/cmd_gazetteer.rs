//! `websense gazetteer check`: the curator's check of the gazetteer files (the format and the
//! checks are `websense-gazetteer`'s; this only prints and exits).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

#[derive(Args)]
pub struct GazetteerArgs {
    #[command(subcommand)]
    command: GazetteerCommand,
}

#[derive(Subcommand)]
enum GazetteerCommand {
    /// Check the gazetteer's TSV files (municipalities, places, former municipalities, variants,
    /// ambiguous names, provinces): print every problem as `FILE:line N: severity: why` and a
    /// summary; exit code 1 when there are errors.
    Check {
        /// A directory with the six files (a curator's edited copy of `gazetteer/`); the shipped
        /// data when left out.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

pub fn run(args: GazetteerArgs) -> Result<ExitCode> {
    match args.command {
        GazetteerCommand::Check { dir } => {
            let report = websense_gazetteer::check(dir.as_deref());
            for problem in &report.problems {
                println!("{problem}");
            }
            let c = report.counts;
            let source = dir.map_or("shipped data".to_string(), |d| d.display().to_string());
            println!(
                "gazetteer ({source}): {} municipalities, {} places, {} districts, {} former municipalities, {} variants, {} ambiguous names, {} province names; {} error(s), {} warning(s)",
                c.municipalities,
                c.places,
                c.districts,
                c.former,
                c.variants,
                c.ambiguous,
                c.province_names,
                report.errors(),
                report.warnings()
            );
            Ok(if report.errors() > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
