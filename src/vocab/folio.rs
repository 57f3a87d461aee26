//! Folios (`SON-2026-000123`): their canonical form, strict parsing, and detection in the
//! free text people type on WhatsApp.
//!
//! Detection rule of [`find_folios`] (state = 2–4 ASCII letters, year = 20xx, number = 1–9
//! digits, not 0):
//! - With dash-like separators between the three parts (`-`, `–`, `—`, `_`, `/`, spaces
//!   allowed around them) any letter case is accepted: `SON-2026-000123`, `son-2026-123`,
//!   `Son / 2026 / 7`.
//! - With spaces or nothing between the parts (`SON 2026 000123`, `SON2026000123`) the
//!   number must be written with at least 6 digits, as we print it, and the letters must be
//!   typed in capitals, unless the word «folio» comes right before (`folio son2026000123`,
//!   `folio: son 2026 123`, `folio no. son 2026 45`). This keeps prose such as «de 2026 15
//!   días» or «son 2026 pesos» from being read as folios.
//! - Never part of a longer token: letters or digits right before or after, a date-like
//!   continuation (`vie-2026-03-15`, `SON-2026-12:30`), or a number of 10+ digits (phone
//!   numbers) rule a candidate out, as do `TEL`, `CEL`, `NUM`, `FAX`, `NO`, `WA` as the
//!   letters of the spaced form.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// A report's public reference: per state and year, numbered from 1.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Folio {
    /// State code from the region's configuration, upper case (`SON`).
    pub state: String,
    pub year: i32,
    pub seq: i64,
}

impl Folio {
    /// Builds a folio; the state code is upper-cased so equal folios compare equal however
    /// they were typed.
    pub fn new(state: &str, year: i32, seq: i64) -> Folio {
        Folio {
            state: state.to_ascii_uppercase(),
            year,
            seq,
        }
    }
}

/// `SON-2026-000123`: state in capitals, year on 4 digits, number zero-padded to 6 (wider when
/// it does not fit).
impl fmt::Display for Folio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{:04}-{:06}",
            self.state.to_ascii_uppercase(),
            self.year,
            self.seq
        )
    }
}

/// A string that is not exactly a folio. The input is not echoed: it may be anything a user
/// typed, including a phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("folio inválido: use el formato ESTADO-AÑO-NÚMERO, por ejemplo SON-2026-000123")]
pub struct ParseFolioError;

/// The exact form, in any letter case: 2–4 letters, a dash, 4 digits, a dash and 1–9 digits
/// (at least 1). No surrounding spaces.
impl FromStr for Folio {
    type Err = ParseFolioError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split('-');
        let (Some(state), Some(year), Some(seq), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ParseFolioError);
        };
        let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        let valid = (2..=4).contains(&state.len())
            && state.bytes().all(|b| b.is_ascii_alphabetic())
            && year.len() == 4
            && all_digits(year)
            && (1..=9).contains(&seq.len())
            && all_digits(seq);
        if !valid {
            return Err(ParseFolioError);
        }
        let year: i32 = year.parse().map_err(|_| ParseFolioError)?;
        let seq: i64 = seq.parse().map_err(|_| ParseFolioError)?;
        if seq == 0 {
            return Err(ParseFolioError);
        }
        Ok(Folio::new(state, year, seq))
    }
}

/// Characters people use as the dash of a folio.
const DASHES: &str = "-‐‑‒–—_/";

static CANDIDATE: LazyLock<Regex> = LazyLock::new(|| {
    // Explicit ASCII classes: `\d` and case-insensitive `[a-z]` would also match other
    // scripts' digits and letters such as the Kelvin sign.
    Regex::new(
        r"(?x)
        (?P<kw>\b(?i:folio)[\ \t\u{a0}]*(?:(?i:n[uú]m(?:ero)?|no)\.?[\ \t\u{a0}]*|\#[\ \t\u{a0}]*|:[\ \t\u{a0}]*)?)?
        \b(?P<state>[A-Za-z]{2,4})
        (?P<s1>\s*[-‐‑‒–—_/]\s*|[\ \t\u{a0}]{1,3}|)
        (?P<year>20[0-9]{2})
        (?P<s2>\s*[-‐‑‒–—_/]\s*|[\ \t\u{a0}]{1,3}|)
        (?P<seq>[0-9]{1,9})
        \b",
    )
    .expect("static regex")
});

/// Letters that introduce phone numbers rather than folios in the spaced form.
const NOT_STATES: [&str; 7] = ["TEL", "CEL", "CELL", "NUM", "FAX", "NO", "WA"];

/// Every folio mentioned in `text`, in order of first mention, without repeats. See the
/// module documentation for what counts as a mention.
pub fn find_folios(text: &str) -> Vec<Folio> {
    let mut found: Vec<Folio> = Vec::new();
    for (_, folio) in folio_mentions(text) {
        if !found.contains(&folio) {
            found.push(folio);
        }
    }
    found
}

/// Every mention with its byte range (including a leading «folio» keyword), repeats kept.
pub(crate) fn folio_mentions(text: &str) -> Vec<(Range<usize>, Folio)> {
    let mut found = Vec::new();
    let mut pos = 0;
    while let Some(caps) = CANDIDATE.captures_at(text, pos) {
        let state = caps.name("state").expect("state group always matches");
        let whole = caps.get(0).expect("group 0 always matches");
        match accept(text, &caps) {
            Some(folio) => {
                found.push((whole.range(), folio));
                pos = whole.end();
            }
            // Retry just after the rejected start: a valid folio may overlap the candidate.
            None => {
                pos = state.start()
                    + text[state.start()..]
                        .chars()
                        .next()
                        .map_or(1, char::len_utf8);
            }
        }
    }
    found
}

fn accept(text: &str, caps: &Captures<'_>) -> Option<Folio> {
    let group = |name: &str| caps.name(name).map_or("", |m| m.as_str());
    let (state, seq) = (group("state"), group("seq"));
    let dashed = |s: &str| s.chars().any(|c| DASHES.contains(c));
    if !(dashed(group("s1")) && dashed(group("s2"))) {
        let keyword = caps.name("kw").is_some();
        let typed_as_printed = seq.len() >= 6
            && state.bytes().all(|b| b.is_ascii_uppercase())
            && !NOT_STATES.contains(&state);
        if !(keyword || typed_as_printed) {
            return None;
        }
    }
    let start = caps.name("state").map_or(0, |m| m.start());
    let end = caps.get(0).map_or(text.len(), |m| m.end());
    // `12-mar-2026-…`, `…-000123-4` or `…-15:30`: part of a date, a time or a longer code.
    let mut before = text[..start].chars().rev();
    let mut after = text[end..].chars();
    let dash = |c: Option<char>| c.is_some_and(|c| DASHES.contains(c));
    let joined_before = dash(before.next()) && before.next().is_some_and(char::is_alphanumeric);
    let joined_after = after
        .next()
        .is_some_and(|c| DASHES.contains(c) || ".:".contains(c))
        && after.next().is_some_and(|c| c.is_ascii_digit());
    if joined_before || joined_after {
        return None;
    }
    let year = group("year").parse().ok()?;
    let seq: i64 = seq.parse().ok()?;
    (seq > 0).then(|| Folio::new(state, year, seq))
}

#[cfg(test)]
mod tests;
