//! Validation of a replies file against the catalogue: every `{marker}` a text uses must be
//! one its purpose provides, reported with the line it is on.

use super::catalogue;
use super::texts::{Problem, PurposeTexts};

/// `{markers}` of `texts` that `def` does not provide, each with the line it is on.
pub(super) fn marker_problems(
    source: &str,
    def: &catalogue::PurposeDef,
    texts: &PurposeTexts,
) -> Vec<Problem> {
    let mut keys: Vec<&String> = texts.texts.keys().collect();
    keys.sort();
    let section = section_offset(source, def.purpose).unwrap_or(0);
    let mut out = Vec::new();
    for key in keys {
        for marker in markers(&texts.texts[key]) {
            if def.markers.contains(&marker) {
                continue;
            }
            let needle = format!("{{{marker}}}");
            let line = source[section..]
                .find(&needle)
                .map(|at| line_of(source, section + at));
            let known = if def.markers.is_empty() {
                "ninguno".to_owned()
            } else {
                def.markers
                    .iter()
                    .map(|m| format!("{{{m}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push(Problem {
                line,
                message: format!(
                    "[{}].{key}: marcador desconocido {needle} (disponibles: {known})",
                    def.purpose
                ),
            });
        }
    }
    out
}

/// The `{marker}` names in a text (lowercase letters and `_` between braces).
pub(super) fn markers(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if is_marker(&after[..end]) => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

pub(super) fn is_marker(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

/// Byte offset of the `[key]` header line.
pub(super) fn section_offset(source: &str, key: &str) -> Option<usize> {
    let header = format!("[{key}]");
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        if line.trim() == header {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

pub(super) fn section_line(source: &str, key: &str) -> Option<usize> {
    section_offset(source, key).map(|at| line_of(source, at))
}

pub(super) fn line_of(source: &str, at: usize) -> usize {
    source[..at.min(source.len())].matches('\n').count() + 1
}
