//! `alerta check-config` and `alerta registry dump`.

use std::process::ExitCode;

use crate::config::Config;
use crate::registry::Registry;
use crate::triage::Classifier;

/// Validates everything a deployment reads at start-up and reports every problem found,
/// each naming its file and line.
pub fn check_config() -> anyhow::Result<ExitCode> {
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut ok = true;
    match Registry::load_dir(&config.registry_dir) {
        Ok(r) => println!("registro: {}", r.summary()),
        Err(errors) => {
            ok = false;
            eprintln!("{errors}");
        }
    }
    match std::fs::read_to_string(&config.triage_rules) {
        Ok(text) => match Classifier::from_toml(&text) {
            Ok(c) => println!("reglas de triage: {}", c.version()),
            Err(e) => {
                ok = false;
                eprintln!("{}:{}", config.triage_rules.display(), e);
            }
        },
        Err(e) => {
            ok = false;
            eprintln!("{}: {e}", config.triage_rules.display());
        }
    }
    if config.whatsapp.app_secret.is_none() {
        ok = false;
        eprintln!("WHATSAPP_APP_SECRET: no está definido (requerido para recibir webhooks)");
    }
    if config.whatsapp.verify_token.is_none() {
        eprintln!(
            "aviso: WHATSAPP_VERIFY_TOKEN no está definido; Meta no podrá verificar el webhook"
        );
    }
    if ok {
        println!("configuración válida");
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::FAILURE)
    }
}

pub fn registry_dump() -> anyhow::Result<ExitCode> {
    let config = Config::load()?;
    let registry = Registry::load_dir(&config.registry_dir)
        .map_err(|e| anyhow::anyhow!("registro inválido:\n{e}"))?;
    println!("{}", serde_json::to_string_pretty(&registry)?);
    Ok(ExitCode::SUCCESS)
}
