//! `alerta users …` and `alerta triage corrections`: accounts and the corpus loop.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use crate::config::Config;
use crate::queue::principal::Principal;
use crate::registry::Registry;
use crate::{queue, store, telemetry};

/// Creates a user; the API token is the last line of stdout (shown once, stored hashed).
pub fn add(
    name: &str,
    role: &str,
    regions: &[String],
    password_stdin: bool,
) -> anyhow::Result<ExitCode> {
    let config = Config::load()?;
    telemetry::init(&config.log_filter, config.log_format);
    let registry = Registry::load_dir(&config.registry_dir)
        .map_err(|e| anyhow::anyhow!("registro inválido:\n{e}"))?;
    let password = if password_stdin {
        Some(read_secret_line()?)
    } else {
        None
    };
    super::runtime()?.block_on(async {
        let store = store::connect(&config.database_url, &config.store).await?;
        let result = queue::users::add_user(
            store.as_ref(),
            &registry,
            name,
            role,
            regions,
            password.as_deref(),
        )
        .await;
        store.close().await;
        let token = result?;
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "usuario {name} creado ({role}); token de la API (se muestra una sola vez):"
        )?;
        writeln!(out, "{token}")?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Sets a user's web password, read from stdin (never from the command line, where other
/// users of the machine could read it in the process list).
pub fn passwd(name: &str) -> anyhow::Result<ExitCode> {
    let config = Config::load()?;
    telemetry::init(&config.log_filter, config.log_format);
    let password = read_secret_line()?;
    super::runtime()?.block_on(async {
        let store = store::connect(&config.database_url, &config.store).await?;
        let result = queue::users::set_password(store.as_ref(), name, &password).await;
        store.close().await;
        result?;
        println!("contraseña de {name} actualizada");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Every human correction of the classifier as labelled JSONL on stdout.
pub fn corrections() -> anyhow::Result<ExitCode> {
    let config = Config::load()?;
    telemetry::init(&config.log_filter, config.log_format);
    super::runtime()?.block_on(async {
        let state = crate::app::AppState::build(config).await?;
        // The command line is an administrator's tool: every region.
        let admin = Principal::system("cli");
        let lines = queue::corrections_jsonl(&state, &admin).await;
        state.store.close().await;
        std::io::stdout().lock().write_all(lines?.as_bytes())?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn read_secret_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        anyhow::bail!("no se recibió contraseña por la entrada estándar");
    }
    Ok(password)
}
