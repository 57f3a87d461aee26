//! `alerta privacy export|erase`: access and erasure requests (ARCO) from the command line.

use std::process::ExitCode;

use chrono::Utc;

use crate::config::Config;
use crate::privacy::arco::{self, Subject};
use crate::telemetry;

pub fn run(
    export: bool,
    phone: Option<String>,
    bsuid: Option<String>,
    reason: Option<String>,
) -> anyhow::Result<ExitCode> {
    if phone.is_none() && bsuid.is_none() {
        anyhow::bail!("indique --phone o --bsuid");
    }
    if !export && reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        anyhow::bail!("la supresión necesita --reason (queda en la bitácora)");
    }
    let config = Config::load()?;
    telemetry::init(&config.log_filter, config.log_format);
    let subject = Subject { phone, bsuid };
    super::runtime()?.block_on(async {
        let state = crate::app::AppState::build(config).await?;
        let result = if export {
            arco::export(&state.privacy(), "system:cli", &subject, Utc::now())
                .await
                .map(|doc| serde_json::to_string_pretty(&doc).unwrap_or_default())
        } else {
            arco::erase(
                &state.privacy(),
                "system:cli",
                &subject,
                reason.as_deref().unwrap_or_default(),
                Utc::now(),
            )
            .await
            .map(|n| {
                format!("{n} mensajes suprimidos; los reportes se conservan sin datos personales")
            })
        };
        state.store.close().await;
        println!("{}", result?);
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
