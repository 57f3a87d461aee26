//! `alerta loadgen`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use crate::config::Config;
use crate::loadgen::{self, LoadSpec};
use crate::store;

#[derive(clap::Args)]
pub struct LoadArgs {
    /// Base URL of the server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    #[arg(long, default_value_t = 10_000)]
    requests: usize,
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Offered rate in requests per second (default: as fast as concurrency allows).
    #[arg(long)]
    rate: Option<f64>,
    /// Messages per request, chosen between 1 and this.
    #[arg(long, default_value_t = 1)]
    max_batch: usize,
    /// Share of requests that repeat an earlier body (Meta's retries).
    #[arg(long, default_value_t = 0.02)]
    duplicates: f64,
    /// Share of requests that carry shuffled statuses.
    #[arg(long, default_value_t = 0.05)]
    statuses: f64,
    /// Seed (message ids include it; vary it between runs against the same database).
    #[arg(long)]
    seed: Option<u64>,
    /// Skip the check through DATABASE_URL that every accepted message is stored.
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
