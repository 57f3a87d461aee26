//! `alerta loadgen`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use crate::config::Config;
use crate::loadgen::{self, LoadSpec};
use crate::store;

#[derive(clap::Args)]
pub struct LoadArgs {
    /// URL base del servidor.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Solicitudes a enviar.
    #[arg(long, default_value_t = 10_000)]
    requests: usize,
    /// Solicitudes simultáneas.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Solicitudes por segundo (por defecto, tan rápido como permita la concurrencia).
    #[arg(long)]
    rate: Option<f64>,
    /// Mensajes por solicitud, entre 1 y este número.
    #[arg(long, default_value_t = 1)]
    max_batch: usize,
    /// Proporción de solicitudes que repiten un cuerpo anterior (reintentos de Meta).
    #[arg(long, default_value_t = 0.02)]
    duplicates: f64,
    /// Proporción de solicitudes con estados de entrega desordenados.
    #[arg(long, default_value_t = 0.05)]
    statuses: f64,
    /// Semilla (va en los ids de mensaje; cámbiela entre corridas contra la misma base).
    #[arg(long)]
    seed: Option<u64>,
    /// Omite la comprobación, con DATABASE_URL, de que cada mensaje aceptado quedó guardado.
    #[arg(long)]
    no_verify: bool,
}

pub fn loadgen(args: &LoadArgs) -> anyhow::Result<ExitCode> {
    let secret = crate::config::secret_from_env("WHATSAPP_APP_SECRET")?
        .context("WHATSAPP_APP_SECRET no está definido (el mismo que usa el servidor)")?;
    let spec = LoadSpec {
        url: args.url.clone(),
        secret,
        requests: args.requests,
        concurrency: args.concurrency,
        rate: args.rate,
        max_batch: args.max_batch,
        duplicates: args.duplicates,
        statuses: args.statuses,
        seed: args
            .seed
            .unwrap_or_else(|| chrono::Utc::now().timestamp_micros() as u64),
        timeout: Duration::from_secs(10),
    };
    super::runtime()?.block_on(async {
        let report = loadgen::run(&spec).await?;
        println!("{}", report.summary());
        if args.no_verify {
            return Ok(ExitCode::SUCCESS);
        }
        let config = Config::load()?;
        let store = store::connect(&config.database_url, &config.store).await?;
        let result = loadgen::verify(store.as_ref(), &report).await;
        store.close().await;
        match result {
            Ok(n) => {
                println!("verificado: los {n} mensajes aceptados están guardados, una vez");
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("{e}");
                Ok(ExitCode::FAILURE)
            }
        }
    })
}
