//! `alerta registry import` and `alerta registry dump`: the stored registry in and out, in
//! the formats coordinators already keep (registry TOML, a CSV or XLSX member list).

use std::path::Path;
use std::process::ExitCode;

use chrono::Utc;

use crate::config::Config;
use crate::registry::{sheet, Coordinator, Registry, RegistryErrors};
use crate::routing::RegistrySync;
use crate::store::{self, NewAudit, RegistryChange, RegistryWriteError};
use crate::telemetry;

/// Output formats of `registry dump`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DumpFormat {
    Json,
    Toml,
}

/// Opens the store and the stored registry (seeding an empty database, as `serve` does).
async fn open(config: &Config) -> anyhow::Result<RegistrySync> {
    let configured = Registry::load_dir(&config.registry_dir)
        .map_err(|e| anyhow::anyhow!("registro inválido:\n{e}"))?;
    let store = store::connect(&config.database_url, &config.store).await?;
    Ok(RegistrySync::open(store, configured, Utc::now()).await?)
}

pub fn import(path: &Path, dry_run: bool) -> anyhow::Result<ExitCode> {
    let config = Config::load()?;
    telemetry::init(&config.log_filter, config.log_format);
    super::runtime()?.block_on(async {
        let sync = open(&config).await?;
        let current = sync.shared.current();
        let (change, candidate) = match plan(path, &sync.configured, &current) {
            Ok(planned) => planned,
            Err(errors) => {
                eprintln!("{errors}");
                eprintln!("{} problema(s); no se cambió nada", errors.len());
                sync.store.close().await;
                return Ok(ExitCode::FAILURE);
            }
        };
        let lines = crate::registry::diff(&current, &candidate);
        for line in &lines {
            println!("{line}");
        }
        if lines.is_empty() {
            println!("sin cambios");
        }
        if dry_run {
            println!("simulación: no se cambió nada ({})", candidate.summary());
            sync.store.close().await;
            return Ok(ExitCode::SUCCESS);
        }
        let result = sync.change(change, "cli:registry-import", Utc::now()).await;
        sync.store.close().await;
        match result {
            Ok(w) => {
                println!(
                    "registro importado (versión {}): {}",
                    w.version,
                    sync.shared.current().summary()
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(RegistryWriteError::Invalid(errors)) => {
                eprintln!("{errors}\nno se cambió nada");
                Ok(ExitCode::FAILURE)
            }
            Err(e) => Err(e.into()),
        }
    })
}

/// The change an import makes and the registry it would leave, or every problem found.
fn plan(
    path: &Path,
    configured: &Registry,
    current: &Registry,
) -> Result<(RegistryChange, Registry), RegistryErrors> {
    let file = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase);
    let cells = match ext.as_deref() {
        Some("csv") => std::fs::read_to_string(path)
            .map(|text| (sheet::csv_cells(&text), 1))
            .map_err(|e| e.to_string()),
        Some("xlsx") => sheet::xlsx_cells(path),
        _ => return plan_toml(path, configured, current),
    };
    let (cells, first_row) = cells.map_err(|message| {
        RegistryErrors(vec![crate::registry::RegistryError {
            file: file.clone(),
            line: 0,
            message,
        }])
    })?;
    let rows = sheet::rows_from_cells(&file, cells, first_row)?;
    let replaced = sheet::replace_members(current, &file, &rows)?;
    let mut groups = current.groups().to_vec();
    for g in &mut groups {
        if let Some((_, members)) = replaced.iter().find(|(id, _)| *id == g.id) {
            g.members = members.clone();
        }
    }
    let candidate = Registry::assemble(configured.regions(), coordinators_of(current), groups)?;
    Ok((
        RegistryChange::ReplaceMembers { groups: replaced },
        candidate,
    ))
}

/// Registry TOML (a directory or one file). Files that define no `[[region]]` keep the
/// stored coordinators; regions themselves always come from the configuration.
fn plan_toml(
    path: &Path,
    configured: &Registry,
    current: &Registry,
) -> Result<(RegistryChange, Registry), RegistryErrors> {
    let mut sources = crate::registry::read_toml_sources(path)?;
    let defines_regions = sources.iter().any(|(_, text)| {
        toml::from_str::<toml::Table>(text).is_ok_and(|t| t.contains_key("region"))
    });
    if !defines_regions {
        let regions: Vec<_> = current.regions().to_vec();
        let text = crate::registry::to_toml(&regions, &[]);
        sources.insert(0, ("(regiones configuradas)".to_owned(), text));
    }
    let imported = Registry::from_sources(&sources)?;
    let unknown: Vec<_> = imported
        .regions()
        .iter()
        .filter(|r| configured.region(&r.id).is_none())
        .map(|r| crate::registry::RegistryError {
            file: path.display().to_string(),
            line: 0,
            message: format!(
                "la región «{}» no está en la configuración: las regiones se cambian en \
                 config/registry/, no por importación",
                r.id
            ),
        })
        .collect();
    if !unknown.is_empty() {
        return Err(RegistryErrors(unknown));
    }
    let coordinators = coordinators_of(&imported);
    let groups = imported.groups().to_vec();
    let candidate = Registry::assemble(configured.regions(), coordinators.clone(), groups.clone())?;
    Ok((
        RegistryChange::ReplaceAll {
            coordinators,
            groups,
        },
        candidate,
    ))
}

fn coordinators_of(r: &Registry) -> Vec<(String, Coordinator)> {
    r.regions()
        .iter()
        .flat_map(|x| x.coordinators.iter().map(|c| (x.id.clone(), c.clone())))
        .collect()
}

/// Prints the stored registry (JSON or TOML), or writes its member list as XLSX.
pub fn dump(format: DumpFormat, xlsx: Option<&Path>) -> anyhow::Result<ExitCode> {
    let config = Config::load()?;
    super::runtime()?.block_on(async {
        let sync = open(&config).await?;
        let registry = sync.shared.current();
        // A dump holds every member's phone: who took one is on record.
        let audit = NewAudit {
            at: Utc::now(),
            actor: "cli:registry-dump".into(),
            action: "registry.exported".into(),
            entity_kind: "registry".into(),
            entity_id: "registry".into(),
            detail: serde_json::json!({
                "version": sync.shared.version(),
                "format": if xlsx.is_some() { "xlsx" } else if format == DumpFormat::Toml { "toml" } else { "json" },
            }),
        };
        sync.store.append_audit(&audit).await?;
        sync.store.close().await;
        match xlsx {
            Some(out) => {
                write_xlsx(&registry, out)?;
                eprintln!("{}: {}", out.display(), registry.summary());
            }
            None if format == DumpFormat::Toml => print!("{}", registry.to_toml()),
            None => println!("{}", serde_json::to_string_pretty(&*registry)?),
        }
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

/// One row per member under the header `registry import` reads, so the file goes back in.
fn write_xlsx(registry: &Registry, out: &Path) -> anyhow::Result<()> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("integrantes")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (col, title) in sheet::HEADER.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *title, &bold)?;
    }
    let mut row = 1u32;
    for g in registry.groups() {
        for m in &g.members {
            let phone = m.phone.as_ref().map_or("", |p| p.as_str());
            let cells = [
                g.id.as_str(),
                m.name.as_str(),
                phone,
                m.bsuid.as_deref().unwrap_or(""),
                m.role.as_str(),
            ];
            for (col, value) in cells.iter().enumerate() {
                sheet.write_string(row, col as u16, *value)?;
            }
            row += 1;
        }
    }
    book.save(out)?;
    Ok(())
}
