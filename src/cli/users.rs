//! `alerta users …` and `alerta triage corrections`: accounts and the corpus loop.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use crate::access::principal::Principal;
use crate::config::Config;
use crate::queue::users::By;
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
            "usuario {name} creado ({role}); token de la API (se muestra una sola vez; \
             caduca en {} días):",
            config.web.token_days.max(1)
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
        let result = queue::users::set_password(store.as_ref(), name, &password, By::Cli).await;
        store.close().await;
        let ended = result?;
        println!("contraseña de {name} actualizada; sesiones cerradas: {ended}");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Every account: name, role, regions, state and when its API token expires.
pub fn list() -> anyhow::Result<ExitCode> {
    let config = Config::load()?;
    telemetry::init(&config.log_filter, config.log_format);
    let token_days = config.web.token_days;
    let accounts = super::runtime()?.block_on(async {
        let store = store::connect(&config.database_url, &config.store).await?;
        let result = queue::users::list(store.as_ref(), token_days, chrono::Utc::now()).await;
        store.close().await;
        anyhow::Ok(result?)
    })?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "usuario\trol\tregiones\testado\ttoken")?;
    for a in accounts {
        let regions = if a.regions.is_empty() {
            "todas".to_owned()
        } else {
            a.regions.join(",")
        };
        let state = match a.disabled_at {
            Some(t) => format!("deshabilitado desde {}", t.format("%Y-%m-%d %H:%M")),
            None => "activo".to_owned(),
        };
        let token = match a.token_expires_at {
            None => "sin token".to_owned(),
            Some(t) if a.token_expired => format!("caducó el {}", t.format("%Y-%m-%d")),
            Some(t) => format!("caduca el {}", t.format("%Y-%m-%d")),
        };
        writeln!(out, "{}\t{}\t{regions}\t{state}\t{token}", a.name, a.role)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Disables (`disable = true`) or enables an account.
pub fn switch(name: &str, disable: bool) -> anyhow::Result<ExitCode> {
    let config = Config::load()?;
    telemetry::init(&config.log_filter, config.log_format);
    let switched = super::runtime()?.block_on(async {
        let store = store::connect(&config.database_url, &config.store).await?;
        let now = chrono::Utc::now();
        let result = if disable {
            queue::users::disable(store.as_ref(), name, By::Cli, now).await
        } else {
            queue::users::enable(store.as_ref(), name, By::Cli, now).await
        };
        store.close().await;
        anyhow::Ok(result?)
    })?;
    let line = match (disable, switched.changed) {
        (true, true) => format!(
            "usuario {name} deshabilitado; sesiones cerradas: {}; su token queda sin efecto",
            switched.sessions_ended
        ),
        (true, false) => format!("el usuario {name} ya estaba deshabilitado"),
        (false, true) => format!("usuario {name} habilitado"),
        (false, false) => format!("el usuario {name} ya estaba habilitado"),
    };
    println!("{line}");
    Ok(ExitCode::SUCCESS)
}

/// Replaces a user's API token; the new one is the last line of stdout (shown once).
pub fn rotate_token(name: &str) -> anyhow::Result<ExitCode> {
    let config = Config::load()?;
    telemetry::init(&config.log_filter, config.log_format);
    let token_days = config.web.token_days.max(1);
    let token = super::runtime()?.block_on(async {
        let store = store::connect(&config.database_url, &config.store).await?;
        let result =
            queue::users::rotate_token(store.as_ref(), name, By::Cli, chrono::Utc::now()).await;
        store.close().await;
        anyhow::Ok(result?)
    })?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "nuevo token de {name}; el anterior ya no funciona. Caduca en {token_days} días \
         (se muestra una sola vez):"
    )?;
    writeln!(out, "{token}")?;
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
