//! Coordinators' answers on WhatsApp: a typed «ok SON-2026-000123» / «atendido …» or a tapped
//! quick-reply button.
//!
//! A typed message is a command when all of these hold:
//! - it names exactly one folio (see [`find_folios`](super::find_folios); the same folio twice
//!   counts once);
//! - it contains an acknowledge or resolve expression ([`ACKNOWLEDGE`], [`RESOLVE`]), before or
//!   after the folio, in any case and with or without accents;
//! - no such expression is negated («no», «ni», «nunca», «sin», «tampoco» up to three words
//!   before it in the same clause): «aún no está atendido» is not a command, and a message
//!   mixing negated and plain expressions is left to a person;
//! - it asks nothing (no «?» or «¿») and is short (at most [`MAX_WORDS`] words): a question
//!   or a long account that mentions «atendido» is conversation, not a command.
//!
//! When both kinds of expression appear, resolve wins: closing a report implies having seen it.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::folio::{folio_mentions, Folio};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoordinatorAction {
    /// The coordinator has seen the report and is on it.
    Acknowledge,
    /// The report has been dealt with.
    Resolve,
}

impl CoordinatorAction {
    /// Prefix of the quick-reply payload (`ack:SON-2026-000123`).
    pub fn as_str(self) -> &'static str {
        match self {
            CoordinatorAction::Acknowledge => "ack",
            CoordinatorAction::Resolve => "resolve",
        }
    }

    /// Button title shown to coordinators.
    pub fn label_es(self) -> &'static str {
        match self {
            CoordinatorAction::Acknowledge => "Enterado",
            CoordinatorAction::Resolve => "Atendido",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoordinatorCommand {
    pub action: CoordinatorAction,
    pub folio: Folio,
}

/// Expressions that acknowledge a report, as folded words (lower case, no accents).
pub const ACKNOWLEDGE: &[&[&str]] = &[
    &["ok"],
    &["okay"],
    &["okey"],
    &["oki"],
    &["okis"],
    &["enterado"],
    &["enterada"],
    &["enterados"],
    &["recibido"],
    &["recibida"],
    &["recibidos"],
    &["copiado"],
    &["voy"],
    &["en", "camino"],
    &["de", "acuerdo"],
    &["atiendo"],
    &["atendiendo"],
    &["10-4"],
    &["👍"],
];

/// Expressions that resolve a report, as folded words.
pub const RESOLVE: &[&[&str]] = &[
    &["atendido"],
    &["atendida"],
    &["atendio"],
    &["resuelto"],
    &["resuelta"],
    &["resolvio"],
    &["solucionado"],
    &["solucionada"],
    &["soluciono"],
    &["ya", "quedo"],
    &["cerrado"],
    &["cerrada"],
    &["cerramos"],
    &["concluido"],
    &["concluida"],
    &["finalizado"],
    &["finalizada"],
    &["terminado"],
    &["terminada"],
    &["✅"],
    &["✔"],
];

const NEGATORS: [&str; 5] = ["no", "ni", "nunca", "sin", "tampoco"];

/// Longer messages are conversation, not commands.
pub const MAX_WORDS: usize = 30;

/// Parses a typed command; see the module documentation for the rules.
pub fn parse_command(text: &str) -> Option<CoordinatorCommand> {
    let mentions = folio_mentions(text);
    let folio = mentions.first()?.1.clone();
    if mentions.iter().any(|(_, f)| *f != folio) {
        return None;
    }
    let action = action_without_folios(text, &mentions)?;
    Some(CoordinatorCommand { action, folio })
}

/// The action a typed message expresses, ignoring any folio it names: for a reply that
/// quotes a notice, where the folio comes from the quoted message. Same rules as
/// [`parse_command`] except the folio count.
pub fn parse_action(text: &str) -> Option<CoordinatorAction> {
    action_without_folios(text, &folio_mentions(text))
}

/// Parses a quick-reply payload built by [`button_payload`].
pub fn parse_button(payload: &str) -> Option<CoordinatorCommand> {
    let (action, folio) = payload.split_once(':')?;
    let action = [CoordinatorAction::Acknowledge, CoordinatorAction::Resolve]
        .into_iter()
        .find(|a| a.as_str() == action)?;
    let folio = folio.parse().ok()?;
    Some(CoordinatorCommand { action, folio })
}

/// The quick-reply payload for `action` on `folio`: `ack:SON-2026-000123`.
pub fn button_payload(action: CoordinatorAction, folio: &Folio) -> String {
    format!("{}:{folio}", action.as_str())
}

fn action_without_folios(
    text: &str,
    mentions: &[(std::ops::Range<usize>, Folio)],
) -> Option<CoordinatorAction> {
    if text.contains(['?', '¿']) {
        return None;
    }
    // Blank the folios out so their letters and digits never read as words.
    let mut rest = String::with_capacity(text.len());
    let mut last = 0;
    for (range, _) in mentions {
        rest.push_str(&text[last..range.start]);
        rest.push(' ');
        last = range.end;
    }
    rest.push_str(&text[last..]);
    let clauses = clauses(&rest);
    if clauses.iter().map(Vec::len).sum::<usize>() > MAX_WORDS {
        return None;
    }
    let (mut ack, mut resolve) = (false, false);
    for words in &clauses {
        for i in 0..words.len() {
            let hit = |table: &[&[&str]]| {
                table.iter().any(|phrase| {
                    words.len() - i >= phrase.len()
                        && phrase.iter().zip(&words[i..]).all(|(p, w)| p == w)
                })
            };
            let (is_ack, is_resolve) = (hit(ACKNOWLEDGE), hit(RESOLVE));
            if !(is_ack || is_resolve) {
                continue;
            }
            if words[i.saturating_sub(3)..i]
                .iter()
                .any(|w| NEGATORS.contains(&w.as_str()))
            {
                return None;
            }
            ack |= is_ack;
            resolve |= is_resolve;
        }
    }
    if resolve {
        Some(CoordinatorAction::Resolve)
    } else if ack {
        Some(CoordinatorAction::Acknowledge)
    } else {
        None
    }
}

/// Folded words grouped by clause (punctuation and line breaks end a clause, so «No, ya
/// quedó» is not a negation). A word is a run of letters and digits, with inner hyphens
/// (`10-4`); 👍, ✅ and ✔ are words of their own; other symbols separate words.
fn clauses(text: &str) -> Vec<Vec<String>> {
    let folded: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    let mut clauses = vec![Vec::new()];
    let mut word = String::new();
    let mut chars = folded.chars().peekable();
    while let Some(c) = chars.next() {
        let inner_hyphen =
            c == '-' && !word.is_empty() && chars.peek().is_some_and(|n| n.is_alphanumeric());
        if c.is_alphanumeric() || inner_hyphen {
            word.push(c);
            continue;
        }
        let current = clauses.last_mut().expect("never empty");
        if !word.is_empty() {
            current.push(std::mem::take(&mut word));
        }
        if matches!(c, '👍' | '✅' | '✔') {
            current.push(c.to_string());
        } else if ",.;:!¡\n…()\"«»".contains(c) && !current.is_empty() {
            clauses.push(Vec::new());
        }
    }
    if !word.is_empty() {
        clauses.last_mut().expect("never empty").push(word);
    }
    clauses
}

#[cfg(test)]
mod tests;
