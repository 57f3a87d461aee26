//! `alerta check-config` and `alerta config dump`.

use std::process::ExitCode;

use crate::config::Config;
use crate::notify::Replies;
use crate::registry::Registry;

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
    match crate::app::load_classifier(&config) {
        Ok(c) => println!("clasificador: {}", c.version()),
        Err(e) => {
            ok = false;
            eprintln!("{e}");
        }
    }
    match Replies::load(&config.replies) {
        Ok(_) => println!("textos de respuesta: {}", config.replies.display()),
        Err(e) => {
            ok = false;
            eprintln!("{e}");
        }
    }
    if let Err(e) = crate::queue::client_addr::TrustedProxies::parse(&config.web.trusted_proxies) {
        ok = false;
        eprintln!("{e}");
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

/// `alerta config dump`: the effective settings as TOML, secrets hidden.
pub fn config_dump() -> anyhow::Result<ExitCode> {
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    print!("{}", crate::config::dump::render(&config));
    Ok(ExitCode::SUCCESS)
}
