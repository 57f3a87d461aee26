//! `alerta export weekly`: the coordinators' weekly request summary as CSV or XLSX.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::access::principal::Principal;
use crate::config::Config;
use crate::reports::export::{self, Format, Scope};
use crate::telemetry;

pub fn weekly(
    week: &str,
    region: Option<&str>,
    format: &str,
    out: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let config = Config::load()?;
    telemetry::init(&config.log_filter, config.log_format);
    let format = Format::parse(format).map_err(|e| anyhow::anyhow!("{e}"))?;
    if format == Format::Xlsx && out.is_none() {
        anyhow::bail!("para xlsx indique el archivo con --out");
    }
    super::runtime()?.block_on(async {
        let state = crate::app::AppState::build(config).await?;
        // Whoever can run the binary on the server can read the database: export as admin,
        // recorded in the audit trail as the command line.
        let cli = Principal::system("cli");
        let result = async {
            let scope = Scope::new(&state.reports(), &cli, week, region)?;
            let rows = match out {
                Some(path) => {
                    let mut file = std::io::BufWriter::new(
                        std::fs::File::create(path).map_err(anyhow::Error::from)?,
                    );
                    let rows =
                        export::export(&state.reports(), &cli, &scope, format, &mut file).await?;
                    file.flush().map_err(anyhow::Error::from)?;
                    rows
                }
                None => {
                    let mut stdout = std::io::BufWriter::new(std::io::stdout());
                    let rows =
                        export::export(&state.reports(), &cli, &scope, format, &mut stdout).await?;
                    stdout.flush().map_err(anyhow::Error::from)?;
                    rows
                }
            };
            Ok::<_, crate::error::AppError>(rows)
        }
        .await;
        state.store.close().await;
        let rows = result.map_err(|e| anyhow::anyhow!("{e}"))?;
        eprintln!("{rows} solicitudes exportadas");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
