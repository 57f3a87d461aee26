//! The Spanish texts we send, from `config/replies.toml`, with `{marker}` substitution.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::catalogue::{self, CATALOGUE};
use super::texts_check::{is_marker, line_of, marker_problems, section_line};
use crate::vocab::JoinWords;
use crate::whatsapp::outbound::{Content, TemplateParam};

const BUILTIN: &str = include_str!("../../config/replies.toml");

/// Every purpose the code sends; each must have a text (the catalogue's order).
pub const PURPOSES: [&str; CATALOGUE.len()] = {
    let mut out = [""; CATALOGUE.len()];
    let mut i = 0;
    while i < CATALOGUE.len() {
        out[i] = CATALOGUE[i].purpose;
        i += 1;
    }
    out
};

/// A template parameter Meta would reject when empty gets this instead.
const EMPTY_PARAM: &str = "—";

#[derive(Debug, Clone)]
pub(super) struct PurposeTexts {
    /// `text`, plus `text_<variant>` alternatives.
    pub(super) texts: HashMap<String, String>,
}

/// The loaded reply texts.
#[derive(Debug, Clone)]
pub struct Replies {
    purposes: HashMap<String, PurposeTexts>,
    status_words: HashMap<String, String>,
    join_words: JoinWords,
}

/// Values for the `{markers}` of a text.
pub type Vars = BTreeMap<&'static str, String>;

/// One problem in a replies file, with its line when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub message: String,
}

impl Replies {
    /// The texts shipped in the binary.
    pub fn builtin() -> Replies {
        Replies::parse(BUILTIN).expect("the shipped config/replies.toml is valid")
    }

    /// Reads `path`, or the built-in texts when the file does not exist. Every problem is
    /// reported, each as `file:line: message`.
    pub fn load(path: &Path) -> Result<Replies, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Replies::parse_located(&text).map_err(|problems| {
                problems
                    .iter()
                    .map(|p| match p.line {
                        Some(line) => format!("{}:{line}: {}", path.display(), p.message),
                        None => format!("{}: {}", path.display(), p.message),
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Replies::builtin()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// Parses a replies file; every problem, one per line (`línea N: …` when located).
    pub fn parse(source: &str) -> Result<Replies, String> {
        Replies::parse_located(source).map_err(|problems| {
            problems
                .iter()
                .map(|p| match p.line {
                    Some(line) => format!("línea {line}: {}", p.message),
                    None => p.message.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    /// Parses and validates against the catalogue: every purpose present, no unknown key,
    /// and no `{marker}` its purpose does not provide (it would be sent as an empty string).
    pub fn parse_located(source: &str) -> Result<Replies, Vec<Problem>> {
        let table: toml::Table = source.parse().map_err(|e: toml::de::Error| {
            vec![Problem {
                line: e.span().map(|s| line_of(source, s.start)),
                message: e.message().trim().to_owned(),
            }]
        })?;
        let mut problems = Vec::new();
        let mut purposes = HashMap::new();
        let mut status_words = HashMap::new();
        let mut join_words = JoinWords::default();
        let present: Vec<String> = table.keys().cloned().collect();
        for (key, value) in table {
            let line = section_line(source, &key);
            let toml::Value::Table(section) = value else {
                problems.push(Problem {
                    line,
                    message: format!("[{key}] debe ser una tabla"),
                });
                continue;
            };
            if key == "join" {
                match join_phrases(section) {
                    Ok(words) => join_words = words,
                    Err(message) => problems.push(Problem { line, message }),
                }
                continue;
            }
            if key == "status_words" {
                for (k, v) in section {
                    match v.as_str() {
                        Some(v) => {
                            status_words.insert(k, v.to_owned());
                        }
                        None => problems.push(Problem {
                            line,
                            message: format!("status_words.{k} debe ser texto"),
                        }),
                    }
                }
                continue;
            }
            let Some(def) = catalogue::purpose(&key) else {
                problems.push(Problem {
                    line,
                    message: format!(
                        "[{key}]: propósito desconocido (válidos: {})",
                        PURPOSES.join(", ")
                    ),
                });
                continue;
            };
            match purpose_from(&key, section) {
                Ok(texts) => {
                    problems.extend(marker_problems(source, def, &texts));
                    purposes.insert(key.clone(), texts);
                }
                Err(message) => problems.push(Problem { line, message }),
            }
        }
        for p in PURPOSES {
            if !present.iter().any(|k| k == p) {
                problems.push(Problem {
                    line: None,
                    message: format!("falta la sección [{p}]"),
                });
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.line);
            return Err(problems);
        }
        Ok(Replies {
            purposes,
            status_words,
            join_words,
        })
    }

    /// The text for `purpose` (its `text_<variant>` when given and present).
    pub fn text(&self, purpose: &str, variant: Option<&str>, vars: &Vars) -> Option<String> {
        let p = self.purposes.get(purpose)?;
        let chosen = variant
            .and_then(|v| p.texts.get(&format!("text_{v}")))
            .or_else(|| p.texts.get("text"))?;
        Some(fill(chosen, vars))
    }

    /// The template message for `purpose` (and its text variant): every purpose has one
    /// (`catalogue.rs`). An empty value becomes "—": Meta rejects empty parameters.
    pub fn template(&self, purpose: &str, variant: Option<&str>, vars: &Vars) -> Option<Content> {
        let spec = catalogue::purpose(purpose)?.template_for(variant);
        Some(Content::Template {
            name: spec.name.to_owned(),
            language: spec.language.to_owned(),
            params: spec
                .params
                .iter()
                .map(|name| TemplateParam {
                    name: (*name).to_owned(),
                    value: vars
                        .get(name)
                        .filter(|v| !v.trim().is_empty())
                        .cloned()
                        .unwrap_or_else(|| EMPTY_PARAM.to_owned()),
                })
                .collect(),
        })
    }

    /// What unknown senders write to ask to join (`[join] phrases`).
    pub fn join_words(&self) -> &JoinWords {
        &self.join_words
    }

    /// How a report status reads to a citizen.
    pub fn status_word(&self, status: &str) -> String {
        self.status_words
            .get(status)
            .cloned()
            .unwrap_or_else(|| status.to_owned())
    }
}

/// `[join] phrases = ["quiero unirme", …]`: at least one, each some text.
fn join_phrases(section: toml::Table) -> Result<JoinWords, String> {
    let mut phrases = Vec::new();
    for (k, v) in section {
        if k != "phrases" {
            return Err(format!("[join]: clave desconocida {k:?}"));
        }
        let list = v
            .as_array()
            .ok_or("[join].phrases debe ser una lista de textos")?;
        for p in list {
            match p.as_str().map(str::trim).filter(|p| !p.is_empty()) {
                Some(p) => phrases.push(p.to_owned()),
                None => return Err("[join].phrases: cada frase debe ser un texto no vacío".into()),
            }
        }
    }
    if phrases.is_empty() {
        return Err("[join].phrases necesita al menos una frase".into());
    }
    Ok(JoinWords::new(phrases))
}

fn purpose_from(key: &str, section: toml::Table) -> Result<PurposeTexts, String> {
    let mut texts = HashMap::new();
    for (k, v) in section {
        if k == "template" {
            return Err(format!(
                "[{key}].template: las plantillas ya no se configuran aquí; están en el catálogo \
                 del código (README, «Plantillas»)"
            ));
        } else if k == "text" || k.starts_with("text_") {
            let text = v.as_str().ok_or(format!("[{key}].{k} debe ser texto"))?;
            texts.insert(k, text.to_owned());
        } else {
            return Err(format!("[{key}]: clave desconocida {k:?}"));
        }
    }
    if !texts.contains_key("text") {
        return Err(format!("[{key}] necesita `text`"));
    }
    Ok(PurposeTexts { texts })
}

/// Replaces `{marker}` with its value. Markers are validated against the catalogue when the
/// file is read; one that has no value for this row (a folio before there is a report) is empty.
fn fill(text: &str, vars: &Vars) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) if is_marker(&after[..end]) => {
                if let Some(v) = vars.get(&after[..end]) {
                    out.push_str(v);
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
