//! The `websense` binary: command-line parsing and wiring of the stage crates, nothing else.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "websense", version, about = "Online signalling pipeline: collect, match, store, warn.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the version of this build.
    Version,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => println!("websense {}", env!("CARGO_PKG_VERSION")),
    }
    Ok(())
}
