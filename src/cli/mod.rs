//! The command line: one subcommand per operation named in `spec/interfaces.md`.

mod args;
mod backup;
mod check;
mod classify;
mod export;
mod healthcheck;
mod incidents;
mod load;
mod privacy;
mod registry;
mod serve;
mod simulate;
mod users;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use args::{
    Cli, Command, ConfigCommand, ExportCommand, IncidentsCommand, PrivacyCommand, RegistryCommand,
    TriageCommand, UsersCommand,
};

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let matches = args::spanish(Cli::command()).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Serve => serve::serve(),
        Command::Migrate => serve::migrate(),
        Command::CheckConfig => check::check_config(),
        Command::Config {
            command: ConfigCommand::Dump,
        } => check::config_dump(),
        Command::Healthcheck(args) => healthcheck::healthcheck(&args),
        Command::Backup { out } => backup::backup(&out),
        Command::Registry {
            command: RegistryCommand::Dump { format, xlsx },
        } => registry::dump(format, xlsx.as_deref()),
        Command::Registry {
            command: RegistryCommand::Import { path, dry_run },
        } => registry::import(&path, dry_run),
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
        Command::Incidents {
            command:
                IncidentsCommand::Eval {
                    file,
                    no_fail,
                    errores,
                },
        } => incidents::eval(&file, no_fail, errores),
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
