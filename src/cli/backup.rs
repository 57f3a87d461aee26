//! `alerta backup`: a consistent copy of the live SQLite database, taken while `serve` runs.
//!
//! `VACUUM INTO` reads one snapshot inside a read transaction; in WAL mode (the store's) that
//! never blocks the writer, and the copy is a complete database file without a WAL beside it.
//! It is written under a temporary name, checked, synced and only then renamed, so a file at
//! `--out` is always a whole, verified backup.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{bail, Context};
use rusqlite::{Connection, OpenFlags};
use sqlx::sqlite::SqliteConnectOptions;

use crate::config::Config;

pub fn backup(out: &Path) -> anyhow::Result<ExitCode> {
    let config = Config::load()?;
    let media = config.media.dir.display();
    if config.database_url.starts_with("postgres") {
        eprintln!(
            "alerta backup copia bases SQLite; con PostgreSQL use pg_dump, p. ej.\n  \
             pg_dump --format=custom --file=alerta.dump \"$DATABASE_URL\"\n\
             y restaure con pg_restore --clean --if-exists --dbname=\"$DATABASE_URL\" alerta.dump.\n\
             Copie además el directorio de medios: {media}"
        );
        return Ok(ExitCode::FAILURE);
    }
    let source = SqliteConnectOptions::from_str(&config.database_url)
        .context("DATABASE_URL")?
        .get_filename()
        .to_owned();
    let summary = copy_database(&source, out)?;
    println!("copia: {} ({summary}), integridad ok", out.display());
    println!(
        "medios: copie también {media} después de esta copia (p. ej. rsync -a {media}/ destino/); \
         los archivos no cambian una vez escritos"
    );
    Ok(ExitCode::SUCCESS)
}

/// Copies `source` to `out` and returns what the copy holds, in words.
fn copy_database(source: &Path, out: &Path) -> anyhow::Result<String> {
    if !source.is_file() {
        bail!("no existe la base de datos {}", source.display());
    }
    if out.exists() {
        bail!("{} ya existe; elija otro nombre", out.display());
    }
    let partial = partial_path(out);
    // A leftover of an interrupted backup; VACUUM INTO refuses an existing file.
    let _ = std::fs::remove_file(&partial);
    let result = snapshot(source, &partial).and_then(|()| verify(&partial));
    let summary = match result {
        Ok(summary) => summary,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, out)
        .with_context(|| format!("no se pudo renombrar {}", partial.display()))?;
    sync_parent(out);
    Ok(summary)
}

fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_owned();
    name.push(".parcial");
    out.with_file_name(name)
}

fn snapshot(source: &Path, partial: &Path) -> anyhow::Result<()> {
    // Read-write without CREATE: a wrong path fails instead of creating an empty database,
    // and the connection may take part in the WAL's shared memory like the server's.
    let conn = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("no se pudo abrir {}", source.display()))?;
    conn.busy_timeout(Duration::from_secs(30))?;
    let target = partial
        .to_str()
        .context("la ruta de la copia no es UTF-8")?;
    conn.execute("VACUUM INTO ?1", [target])
        .with_context(|| format!("no se pudo copiar a {}", partial.display()))?;
    // VACUUM INTO does not sync its output; a backup must survive a power cut.
    std::fs::File::open(partial)?.sync_all()?;
    Ok(())
}

/// Opens the copy on its own and checks it before it takes the final name.
fn verify(partial: &Path) -> anyhow::Result<String> {
    let copy = Connection::open_with_flags(partial, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        bail!("la copia no pasó PRAGMA integrity_check: {check}");
    }
    let count = |table: &str| -> rusqlite::Result<i64> {
        copy.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
    };
    let bytes = std::fs::metadata(partial)?.len();
    Ok(format!(
        "{bytes} bytes, {} mensajes, {} reportes",
        count("inbound_messages")?,
        count("reports")?
    ))
}

fn sync_parent(path: &Path) {
    // The rename is durable once the directory is synced; best effort where that is not
    // possible (some filesystems refuse to open a directory).
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_and_to_invent_a_database() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("copia.db");
        let e = copy_database(&dir.path().join("nada.db"), &out).unwrap_err();
        assert!(e.to_string().contains("no existe"), "{e}");
        assert!(!dir.path().join("nada.db").exists());

        let source = dir.path().join("a.db");
        let conn = Connection::open(&source).unwrap();
        conn.execute_batch(
            "CREATE TABLE inbound_messages(x); CREATE TABLE reports(y);
             INSERT INTO reports VALUES (1);",
        )
        .unwrap();
        assert!(copy_database(&source, &out).unwrap().contains("1 reportes"));
        let e = copy_database(&source, &out).unwrap_err();
        assert!(e.to_string().contains("ya existe"), "{e}");
        assert!(!partial_path(&out).exists());
    }
}
