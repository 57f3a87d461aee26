//! `alerta simulate`: posts signed webhooks to a running server, so a newcomer can watch the
//! service work without a Meta account.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use regex::Regex;

use crate::whatsapp::signature::sign;

/// The built-in demo conversation (see `fixtures/whatsapp/demo/README.md`).
const DEMO: &[(&str, &str)] = &[
    (
        "01_saludo",
        include_str!("../../fixtures/whatsapp/demo/01_saludo.json"),
    ),
    (
        "02_rondines",
        include_str!("../../fixtures/whatsapp/demo/02_rondines.json"),
    ),
    (
        "03_taller_escuela",
        include_str!("../../fixtures/whatsapp/demo/03_taller_escuela.json"),
    ),
    (
        "04_emergencia",
        include_str!("../../fixtures/whatsapp/demo/04_emergencia.json"),
    ),
    (
        "05_denuncia_anonima",
        include_str!("../../fixtures/whatsapp/demo/05_denuncia_anonima.json"),
    ),
    (
        "06_seguimiento_folio",
        include_str!("../../fixtures/whatsapp/demo/06_seguimiento_folio.json"),
    ),
    (
        "07_nota_voz",
        include_str!("../../fixtures/whatsapp/demo/07_nota_voz.json"),
    ),
    (
        "08_texto_antes_de_ubicacion",
        include_str!("../../fixtures/whatsapp/demo/08_texto_antes_de_ubicacion.json"),
    ),
    (
        "09_ubicacion",
        include_str!("../../fixtures/whatsapp/demo/09_ubicacion.json"),
    ),
    (
        "10_status_leido",
        include_str!("../../fixtures/whatsapp/demo/10_status_leido.json"),
    ),
];

/// Replaces `"{{NOW}}"` and `"{{NOW-300}}"` with Unix seconds, so the demo always looks
/// recent (and locations attach to the text sent just before them).
pub fn fill_timestamps(body: &str, now: i64) -> String {
    let re = Regex::new(r"\{\{NOW(?:-(\d+))?\}\}").expect("static regex");
    re.replace_all(body, |c: &regex::Captures<'_>| {
        let back: i64 = c.get(1).and_then(|m| m.as_str().parse().ok()).unwrap_or(0);
        (now - back).to_string()
    })
    .into_owned()
}

pub fn simulate(url: &str, files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let secret = crate::config::secret_from_env("WHATSAPP_APP_SECRET")?
        .context("WHATSAPP_APP_SECRET no está definido (el mismo que usa el servidor)")?;
    let now = Utc::now().timestamp();
    let bodies: Vec<(String, Vec<u8>)> = if files.is_empty() {
        DEMO.iter()
            .map(|(name, body)| ((*name).to_owned(), fill_timestamps(body, now).into_bytes()))
            .collect()
    } else {
        files
            .iter()
            .map(|f| {
                std::fs::read(f)
                    .map(|b| (f.display().to_string(), b))
                    .with_context(|| format!("no se pudo leer {}", f.display()))
            })
            .collect::<anyhow::Result<_>>()?
    };
    let endpoint = format!("{}/webhook", url.trim_end_matches('/'));
    let failures = super::runtime()?.block_on(post_all(&endpoint, secret.as_bytes(), &bodies))?;
    if failures == 0 {
        println!("{} webhooks enviados a {endpoint}", bodies.len());
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{failures} de {} webhooks no fueron aceptados",
            bodies.len()
        );
        Ok(ExitCode::FAILURE)
    }
}

async fn post_all(
    endpoint: &str,
    secret: &[u8],
    bodies: &[(String, Vec<u8>)],
) -> anyhow::Result<usize> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let mut failures = 0;
    for (name, body) in bodies {
        let response = client
            .post(endpoint)
            .header("content-type", "application/json")
            .header("x-hub-signature-256", sign(secret, body))
            .body(body.clone())
            .send()
            .await
            .with_context(|| format!("no se pudo conectar con {endpoint}"))?;
        let status = response.status();
        println!("{status:>3}  {name}");
        if !status.is_success() {
            failures += 1;
        }
    }
    Ok(failures)
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_are_filled() {
        let out = super::fill_timestamps(r#"{"a":"{{NOW}}","b":"{{NOW-300}}"}"#, 1000);
        assert_eq!(out, r#"{"a":"1000","b":"700"}"#);
    }
}
