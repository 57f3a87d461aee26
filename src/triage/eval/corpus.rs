//! The labelled corpus format: JSON Lines, one message per line (see
//! `fixtures/triage/{dev,train,test,sealed,unseen}/*.jsonl` and their README).

use chrono::NaiveDate;
use serde::Deserialize;

use crate::triage::{Category, Input};

/// One labelled message.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledExample {
    /// Stable id, e.g. "sz-0001".
    pub id: String,
    /// The message as sent.
    pub text: String,
    /// The label.
    pub category: Category,
    /// WhatsApp marked it forwarded.
    pub forwarded: bool,
    /// WhatsApp marked it forwarded many times.
    pub frequently_forwarded: bool,
    /// Local date it was sent, if known.
    pub date: Option<NaiveDate>,
    /// Which hard case the line exercises ("past_event", "fireworks", …), if any.
    pub hard: Option<String>,
    /// State the message comes from ("SON", …), if the line says.
    pub state: Option<String>,
    /// Kind of group that sent it ("vecinal", "escolar", "empresarial"), if the line says.
    pub sender_kind: Option<String>,
}

impl LabelledExample {
    /// The classifier input this line stands for.
    pub fn input(&self) -> Input<'_> {
        Input {
            text: &self.text,
            forwarded: self.forwarded,
            frequently_forwarded: self.frequently_forwarded,
            is_reply: false,
            local_date: self.date,
        }
    }
}

/// A corpus line that could not be read, with its 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("corpus line {line}: {message}")]
pub struct CorpusError {
    /// 1-based line in the file.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

#[derive(Deserialize)]
struct RawLine {
    id: String,
    text: String,
    category: String,
    #[serde(default)]
    forwarded: bool,
    #[serde(default)]
    frequently_forwarded: bool,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    hard: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    sender_kind: Option<String>,
}

/// Parses a JSON Lines corpus; blank lines are skipped, anything else must be valid.
pub fn parse_corpus(jsonl: &str) -> Result<Vec<LabelledExample>, CorpusError> {
    let mut out = Vec::new();
    for (i, line) in jsonl.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let err = |message: String| CorpusError {
            line: i + 1,
            message,
        };
        let raw: RawLine = serde_json::from_str(line).map_err(|e| err(e.to_string()))?;
        let category = raw.category.parse().map_err(|e| err(format!("{e}")))?;
        let date = raw
            .date
            .map(|d| {
                NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map_err(|e| err(format!("date {d:?}: {e}")))
            })
            .transpose()?;
        out.push(LabelledExample {
            id: raw.id,
            text: raw.text,
            category,
            forwarded: raw.forwarded,
            frequently_forwarded: raw.frequently_forwarded,
            date,
            hard: raw.hard.filter(|h| !h.is_empty()),
            state: raw.state.filter(|h| !h.is_empty()),
            sender_kind: raw.sender_kind.filter(|h| !h.is_empty()),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_and_names_bad_ones() {
        let ok = r#"{"id":"a-1","text":"manden patrulla","category":"patrol","priority":"normal","hard":null,"forwarded":false,"frequently_forwarded":false,"date":"2026-03-14","state":"SON"}

{"id":"a-2","text":"hola","category":"other"}"#;
        let ex = parse_corpus(ok).unwrap();
        assert_eq!(ex.len(), 2);
        assert_eq!(ex[0].category, Category::Patrol);
        assert_eq!(ex[0].date, NaiveDate::from_ymd_opt(2026, 3, 14));
        assert_eq!(ex[1].hard, None);
        assert_eq!(ex[0].state.as_deref(), Some("SON"));
        assert_eq!(ex[1].sender_kind, None);
        let bad = format!("{ok}\n{{\"id\":\"x\",\"text\":\"t\",\"category\":\"urgent\"}}");
        assert_eq!(parse_corpus(&bad).unwrap_err().line, 4);
        assert_eq!(parse_corpus("{not json").unwrap_err().line, 1);
    }
}
