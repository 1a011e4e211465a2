//! The `jitgate` command line: a thin layer over the library.

mod validate_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Offline decisions for Microsoft Entra Conditional Access and PIM.
#[derive(Parser)]
#[command(name = "jitgate", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a tenant export against Entra's limits and for consistency.
    ///
    /// Exit status: 0 when the tenant is usable (warnings allowed), 1 when it has errors (or
    /// warnings under --strict), 2 when it cannot be read at all.
    Validate {
        /// Tenant bundle file or export directory.
        #[arg(long, value_name = "PATH")]
        tenant: PathBuf,
        /// Treat limit warnings as errors.
        #[arg(long)]
        strict: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate {
            tenant,
            strict,
            json,
        } => validate_cmd::run(&tenant, strict, json),
    }
}
