//! Reading registry files: the on-disk TOML shape (with source spans) and file discovery.

use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::error::RegistryError;
use super::model::{CoordinatorRole, GroupKind, MemberRole};

/// One registry file as written. Values that validation may reject are `Spanned` so each
/// error can point at the line of the offending value rather than at the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    #[serde(default)]
    pub region: Vec<RawRegion>,
    #[serde(default)]
    pub group: Vec<RawGroup>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRegion {
    pub id: Spanned<String>,
    pub name: Spanned<String>,
    pub state: Spanned<String>,
    pub time_zone: Spanned<String>,
    pub municipalities: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub emergency_numbers: Vec<RawEmergencyNumber>,
    #[serde(default)]
    pub coordinator: Vec<RawCoordinator>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEmergencyNumber {
    pub label: String,
    pub number: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCoordinator {
    pub id: Spanned<String>,
    pub name: Spanned<String>,
    pub phone: Option<Spanned<String>>,
    pub bsuid: Option<Spanned<String>>,
    pub roles: Spanned<Vec<CoordinatorRole>>,
    pub shifts: Option<Spanned<Vec<RawShift>>>,
}

/// A duty shift as written: `{ days = ["lun", "mar"], start = "07:00", end = "19:00" }`.
/// Times are `toml::Value` so an unquoted TOML time (`07:00:00`) gets a clear message too.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawShift {
    pub days: Spanned<Vec<Spanned<String>>>,
    pub start: Spanned<toml::Value>,
    pub end: Spanned<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGroup {
    pub id: Spanned<String>,
    pub name: Spanned<String>,
    pub kind: GroupKind,
    pub region: Spanned<String>,
    pub municipality: Spanned<String>,
    pub colonias: Spanned<Vec<Spanned<String>>>,
    pub group_id: Option<Spanned<String>>,
    #[serde(default)]
    pub member: Vec<RawMember>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMember {
    pub name: Spanned<String>,
    pub phone: Option<Spanned<String>>,
    pub bsuid: Option<Spanned<String>>,
    pub role: MemberRole,
}

/// A source file's name and where its lines start, to turn byte spans into line numbers.
#[derive(Debug)]
pub(super) struct Source {
    pub name: String,
    line_starts: Vec<usize>,
}

impl Source {
    pub fn new(name: &str, content: &str) -> Source {
        let line_starts = std::iter::once(0)
            .chain(content.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Source {
            name: name.to_owned(),
            line_starts,
        }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    pub fn line_of(&self, span: &Range<usize>) -> usize {
        self.line(span.start)
    }
}

/// Parses one file. A syntax error or an unknown key yields an error at the span toml reports;
/// only toml's bare message is kept because its full rendering quotes the source line, which
/// may contain a phone number.
pub(super) fn parse(source: &Source, content: &str) -> Result<RawFile, RegistryError> {
    toml::from_str::<RawFile>(content).map_err(|e| RegistryError {
        file: source.name.clone(),
        line: e.span().map_or(0, |s| source.line_of(&s)),
        message: format!("TOML inválido: {}", e.message().trim()),
    })
}

/// Reads every `*.toml` file of `dir` in file-name order as `(path, content)` pairs. Every
/// unreadable file is reported, not only the first.
pub(super) fn read_dir_sources(dir: &Path) -> Result<Vec<(String, String)>, Vec<RegistryError>> {
    let dir_error = |message: String| {
        vec![RegistryError {
            file: dir.display().to_string(),
            line: 0,
            message,
        }]
    };
    let entries = std::fs::read_dir(dir)
        .map_err(|e| dir_error(format!("no se puede leer el directorio del registro: {e}")))?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| dir_error(format!("no se puede leer el directorio: {e}")))?;
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
            paths.push(path);
        }
    }
    if paths.is_empty() {
        return Err(dir_error(
            "el directorio del registro no contiene archivos *.toml".to_owned(),
        ));
    }
    paths.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    let mut sources = Vec::with_capacity(paths.len());
    let mut errors = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(content) => sources.push((name, content)),
            Err(e) => errors.push(RegistryError {
                file: name,
                line: 0,
                message: format!("no se puede leer el archivo: {e}"),
            }),
        }
    }
    if errors.is_empty() {
        Ok(sources)
    } else {
        Err(errors)
    }
}
