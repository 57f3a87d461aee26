//! The Spanish texts we send, from `config/replies.toml`, with `{marker}` substitution.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use crate::whatsapp::outbound::{Content, TemplateParam};

const BUILTIN: &str = include_str!("../../config/replies.toml");

/// Every purpose the code sends; each must have a text.
pub const PURPOSES: [&str; 12] = [
    "reply_emergency",
    "reply_tip",
    "reply_ack",
    "reply_follow_up",
    "reply_unregistered",
    "coordinator_notice",
    "escalation_notice",
    "reporter_status",
    "command_unknown",
    "operator_reply",
    "weekly_digest",
    "privacy_notice",
];

/// An approved template and which markers fill its parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateSpec {
    pub name: String,
    pub language: String,
    pub params: Vec<String>,
}

#[derive(Debug, Clone)]
struct PurposeTexts {
    /// `text`, plus `text_<variant>` alternatives.
    texts: HashMap<String, String>,
    template: Option<TemplateSpec>,
}

/// The loaded reply texts.
#[derive(Debug, Clone)]
pub struct Replies {
    purposes: HashMap<String, PurposeTexts>,
    status_words: HashMap<String, String>,
}

/// Values for the `{markers}` of a text.
pub type Vars = BTreeMap<&'static str, String>;

impl Replies {
    /// The texts shipped in the binary.
    pub fn builtin() -> Replies {
        Replies::parse(BUILTIN).expect("the shipped config/replies.toml is valid")
    }

    /// Reads `path`, or the built-in texts when the file does not exist.
    pub fn load(path: &Path) -> Result<Replies, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Replies::parse(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Replies::builtin()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    pub fn parse(source: &str) -> Result<Replies, String> {
        let table: toml::Table = source.parse().map_err(|e: toml::de::Error| e.to_string())?;
        let mut purposes = HashMap::new();
        let mut status_words = HashMap::new();
        for (key, value) in table {
            let toml::Value::Table(section) = value else {
                return Err(format!("[{key}] debe ser una tabla"));
            };
            if key == "status_words" {
                for (k, v) in section {
                    let v = v
                        .as_str()
                        .ok_or(format!("status_words.{k} debe ser texto"))?;
                    status_words.insert(k, v.to_owned());
                }
                continue;
            }
            purposes.insert(key.clone(), purpose_from(&key, section)?);
        }
        for p in PURPOSES {
            if !purposes.contains_key(p) {
                return Err(format!("falta la sección [{p}]"));
            }
        }
        Ok(Replies {
            purposes,
            status_words,
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

    /// The template message for `purpose`, when one is configured.
    pub fn template(&self, purpose: &str, vars: &Vars) -> Option<Content> {
        let spec = self.purposes.get(purpose)?.template.as_ref()?;
        Some(Content::Template {
            name: spec.name.clone(),
            language: spec.language.clone(),
            params: spec
                .params
                .iter()
                .map(|name| TemplateParam {
                    name: name.clone(),
                    value: vars.get(name.as_str()).cloned().unwrap_or_default(),
                })
                .collect(),
        })
    }

    pub fn has_template(&self, purpose: &str) -> bool {
        self.purposes
            .get(purpose)
            .is_some_and(|p| p.template.is_some())
    }

    /// How a report status reads to a citizen.
    pub fn status_word(&self, status: &str) -> String {
        self.status_words
            .get(status)
            .cloned()
            .unwrap_or_else(|| status.to_owned())
    }
}

fn purpose_from(key: &str, section: toml::Table) -> Result<PurposeTexts, String> {
    let mut texts = HashMap::new();
    let mut template = None;
    for (k, v) in section {
        if k == "template" {
            template = Some(
                v.try_into::<TemplateSpec>()
                    .map_err(|e| format!("[{key}].template: {e}"))?,
            );
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
    Ok(PurposeTexts { texts, template })
}

/// Replaces `{marker}` with its value; unknown markers become empty.
fn fill(text: &str, vars: &Vars) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end)
                if after[..end]
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_') =>
            {
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
mod tests {
    use super::*;

    #[test]
    fn builtin_texts_cover_every_purpose() {
        let r = Replies::builtin();
        let mut vars = Vars::new();
        vars.insert("folio", "SON-2026-000001".into());
        for p in PURPOSES {
            assert!(r.text(p, None, &vars).is_some(), "{p}");
        }
        assert!(r
            .text("reply_ack", None, &vars)
            .unwrap()
            .contains("SON-2026-000001"));
        assert!(r
            .text("reply_unregistered", Some("emergency"), &vars)
            .unwrap()
            .contains("9-1-1"));
        assert!(r.has_template("coordinator_notice"));
        assert!(!r.has_template("reply_ack"));
    }

    #[test]
    fn markers_are_filled_and_braces_survive() {
        let mut vars = Vars::new();
        vars.insert("folio", "X".into());
        assert_eq!(fill("a {folio} {nada} {Raro} {", &vars), "a X  {Raro} {");
    }

    #[test]
    fn missing_sections_and_unknown_keys_are_errors() {
        assert!(Replies::parse("[reply_tip]\ntext = \"x\"")
            .unwrap_err()
            .contains("falta"));
        let mut all: String = PURPOSES
            .iter()
            .map(|p| format!("[{p}]\ntext = \"x\"\n"))
            .collect();
        assert!(Replies::parse(&all).is_ok());
        all.push_str("[reply_ack2]\ntexto = \"x\"\n");
        assert!(Replies::parse(&all).unwrap_err().contains("texto"));
    }
}
