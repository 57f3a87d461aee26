//! The command line: one subcommand per operation named in `spec/interfaces.md`.

mod backup;
mod check;
mod classify;
mod export;
mod healthcheck;
mod load;
mod privacy;
mod serve;
mod simulate;
mod users;

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
    /// Exits 0 when the running service answers /readyz "ready" (for HEALTHCHECK and systemd).
    Healthcheck(healthcheck::HealthcheckArgs),
    /// Writes a consistent copy of the live SQLite database (PostgreSQL: use pg_dump).
    Backup {
        /// The copy to write; it must not exist yet.
        #[arg(long)]
        out: PathBuf,
    },
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
    /// Exports for coordinators.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Access and erasure requests (ARCO) for one person.
    Privacy {
        #[command(subcommand)]
        command: PrivacyCommand,
    },
    /// Accounts of the web app and the API.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// One row per request of an ISO week (in the region's time zone), CSV or XLSX.
    Weekly {
        /// ISO week, e.g. 2026-W47.
        #[arg(long)]
        week: String,
        #[arg(long)]
        region: Option<String>,
        /// csv or xlsx.
        #[arg(long, default_value = "csv")]
        format: String,
        /// File to write; stdout when absent (CSV only).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum PrivacyCommand {
    /// Prints everything held about a person as JSON.
    Export {
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        bsuid: Option<String>,
    },
    /// Erases a person's identity and message texts, keeping the anonymous statistics.
    Erase {
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        bsuid: Option<String>,
        /// Why (the request's number, for the audit trail).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Creates a user and prints a new API token as the last line (shown once).
    Add {
        name: String,
        /// operator, coordinator or admin.
        #[arg(long)]
        role: String,
        /// A region the user works (repeat for several; coordinators need exactly one,
        /// operators without any see every region).
        #[arg(long = "region")]
        regions: Vec<String>,
        /// Read a web password from the first line of stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Sets a user's web password from the first line of stdin; their sessions end.
    Passwd { name: String },
    /// Lists every account with its state and when its API token expires.
    List,
    /// Disables an account: its sessions end and its API token stops working.
    Disable { name: String },
    /// Enables a disabled account again (its token works again if it has not expired).
    Enable { name: String },
    /// Replaces a user's API token and prints the new one as the last line (shown once).
    RotateToken { name: String },
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
        /// Which limits to check: `test` (the test split's) or `sealed` (issue 16's target
        /// for writers never trained on: recall 0.98, false emergencies 0.02, macro-F1
        /// 0.92, calibration error 0.05).
        #[arg(long, default_value = "test", value_parser = ["test", "sealed"])]
        targets: String,
    },
    /// Trains the model file (naive Bayes, then the calibrated stage chosen on writer-held-out
    /// folds) on labelled JSONL files.
    Train {
        /// Labelled corpus files (JSON lines with "text" and "category").
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Where to write the model (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Prints operators' corrections of the classifier as labelled JSONL for the corpus.
    Corrections,
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve => serve::serve(),
        Command::Migrate => serve::migrate(),
        Command::CheckConfig => check::check_config(),
        Command::Healthcheck(args) => healthcheck::healthcheck(&args),
        Command::Backup { out } => backup::backup(&out),
        Command::Registry {
            command: RegistryCommand::Dump,
        } => check::registry_dump(),
        Command::Simulate { url, files } => simulate::simulate(&url, &files),
        Command::Classify => classify::classify_stdin(),
        Command::Loadgen(args) => load::loadgen(&args),
        Command::Triage {
            command:
                TriageCommand::Eval {
                    files,
                    no_fail,
                    targets,
                },
        } => classify::eval(&files, no_fail, &targets),
        Command::Triage {
            command: TriageCommand::Train { files, out },
        } => classify::train(&files, out.as_deref()),
        Command::Triage {
            command: TriageCommand::Corrections,
        } => users::corrections(),
        Command::Export {
            command:
                ExportCommand::Weekly {
                    week,
                    region,
                    format,
                    out,
                },
        } => export::weekly(&week, region.as_deref(), &format, out.as_deref()),
        Command::Privacy { command } => match command {
            PrivacyCommand::Export { phone, bsuid } => privacy::run(true, phone, bsuid, None),
            PrivacyCommand::Erase {
                phone,
                bsuid,
                reason,
            } => privacy::run(false, phone, bsuid, Some(reason)),
        },
        Command::Users { command } => match command {
            UsersCommand::Add {
                name,
                role,
                regions,
                password_stdin,
            } => users::add(&name, &role, &regions, password_stdin),
            UsersCommand::Passwd { name } => users::passwd(&name),
            UsersCommand::List => users::list(),
            UsersCommand::Disable { name } => users::switch(&name, true),
            UsersCommand::Enable { name } => users::switch(&name, false),
            UsersCommand::RotateToken { name } => users::rotate_token(&name),
        },
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
