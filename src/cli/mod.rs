//! The command line: one subcommand per operation named in `spec/interfaces.md`.

mod check;
mod classify;
mod load;
mod serve;
mod simulate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// alerta: triage of citizen reports received over WhatsApp.
#[derive(Parser)]
#[command(name = "alerta", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// HTTP server and background workers in one process.
    Serve,
    /// Applies database migrations and exits.
    Migrate,
    /// Validates the configuration, the registry and the triage rules.
    CheckConfig,
    /// Registry operations.
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// Posts signed sample webhooks to a running server.
    Simulate {
        /// Base URL of the server, e.g. http://127.0.0.1:8080
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// Webhook bodies to post; without files, a built-in demo conversation.
        files: Vec<PathBuf>,
    },
    /// Sends signed webhook load to a server and checks that every accepted message is stored.
    Loadgen(load::LoadArgs),
    /// Classifies stdin, one message per line (text or JSON with "text"), as JSON lines.
    Classify,
    /// Triage tooling.
    Triage {
        #[command(subcommand)]
        command: TriageCommand,
    },
}

#[derive(Subcommand)]
enum RegistryCommand {
    /// Prints the effective registry as one JSON document.
    Dump,
}

#[derive(Subcommand)]
enum TriageCommand {
    /// Evaluates the classifier on labelled JSONL files and checks the quality thresholds.
    Eval {
        /// Labelled corpus files (JSON lines with "text" and "category").
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the report but exit 0 even when a threshold is missed.
        #[arg(long)]
        no_fail: bool,
    },
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve => serve::serve(),
        Command::Migrate => serve::migrate(),
        Command::CheckConfig => check::check_config(),
        Command::Registry {
            command: RegistryCommand::Dump,
        } => check::registry_dump(),
        Command::Simulate { url, files } => simulate::simulate(&url, &files),
        Command::Classify => classify::classify_stdin(),
        Command::Loadgen(args) => load::loadgen(&args),
        Command::Triage {
            command: TriageCommand::Eval { files, no_fail },
        } => classify::eval(&files, no_fail),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A multi-threaded runtime for the async commands.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
