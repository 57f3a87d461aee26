//! Where a report happened, at the level coordinators plan by: the colonia.
//!
//! A group's registry entry lists every colonia it covers, which says nothing about where
//! one particular incident was. The report's colonia is decided from what the citizen sent,
//! in this order:
//!
//! 1. the name or address of a WhatsApp location shared with the report, matched against
//!    the group's colonias;
//! 2. the message text, matched the same way ("se metieron a una casa en la Villa Bonita");
//! 3. the group's only colonia, when it covers exactly one (the incident is in the
//!    committee's own colonia).
//!
//! Otherwise the report counts as "Sin colonia identificada". Matching ignores case and
//! accents and needs whole words, so "Centro" does not match "concentro"; when several
//! colonias match, the longest name wins ("Villa Bonita Norte" over "Villa Bonita").

use std::collections::HashMap;

use serde::Serialize;

use super::summary::RequestRow;

/// The label of reports whose colonia could not be told.
pub const UNKNOWN_COLONIA: &str = "Sin colonia identificada";

/// The report's colonia among `colonias` (the group's), from the location's texts first,
/// then the message text; `None` when nothing names one and the group covers several.
pub fn report_colonia(
    colonias: &[String],
    location_texts: &[&str],
    message: Option<&str>,
) -> Option<String> {
    let named = |text: &str| best_match(colonias, &words(text));
    location_texts
        .iter()
        .find_map(|t| named(t))
        .or_else(|| message.and_then(named))
        .or_else(|| match colonias {
            [only] => Some(only.clone()),
            _ => None,
        })
}

fn best_match(colonias: &[String], haystack: &str) -> Option<String> {
    colonias
        .iter()
        .filter(|c| {
            let needle = words(c);
            needle.trim().len() > 1 && haystack.contains(&needle)
        })
        .max_by_key(|c| c.chars().count())
        .cloned()
}

/// Lowercase, accents removed, every run of other characters one space, padded with a
/// space on both sides so `contains` only finds whole words.
fn words(s: &str) -> String {
    let mut out = String::from(" ");
    for ch in s.chars().flat_map(char::to_lowercase) {
        let ch = match ch {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        };
        if ch != ' ' || !out.ends_with(' ') {
            out.push(ch);
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// Requests of the week in one colonia of one municipality.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColoniaCount {
    pub municipality: String,
    /// [`UNKNOWN_COLONIA`] for reports whose colonia could not be told.
    pub colonia: String,
    pub count: u64,
    /// Of those, still open or acknowledged when the figures were computed.
    pub pending: u64,
}

/// Most requests first; the unknown colonia of a municipality after its known ones.
pub fn by_colonia<'a>(rows: impl IntoIterator<Item = &'a RequestRow>) -> Vec<ColoniaCount> {
    let mut map: HashMap<(String, Option<String>), (u64, u64)> = HashMap::new();
    for r in rows {
        let e = map
            .entry((r.municipality.clone(), r.colonia.clone()))
            .or_default();
        e.0 += 1;
        if super::pending::is_pending(&r.status) {
            e.1 += 1;
        }
    }
    let mut out: Vec<(bool, ColoniaCount)> = map
        .into_iter()
        .map(|((municipality, colonia), (count, pending))| {
            (
                colonia.is_none(),
                ColoniaCount {
                    municipality,
                    colonia: colonia.unwrap_or_else(|| UNKNOWN_COLONIA.to_owned()),
                    count,
                    pending,
                },
            )
        })
        .collect();
    out.sort_by(|(unknown_a, a), (unknown_b, b)| {
        unknown_a
            .cmp(unknown_b)
            .then(b.count.cmp(&a.count))
            .then_with(|| a.municipality.cmp(&b.municipality))
            .then_with(|| a.colonia.cmp(&b.colonia))
    });
    out.into_iter().map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn location_then_text_then_the_only_colonia() {
        let three = list(&["Pitic", "Valle Grande", "Los Lagos"]);
        assert_eq!(
            report_colonia(
                &three,
                &["Blvd. Kino 300, Col. Pitic"],
                Some("en los lagos")
            ),
            Some("Pitic".into()),
            "the location's address comes first"
        );
        assert_eq!(
            report_colonia(&three, &[], Some("Robo en VALLE GRANDE, calle 5")),
            Some("Valle Grande".into())
        );
        assert_eq!(
            report_colonia(&three, &[], Some("robo en la esquina")),
            None
        );
        assert_eq!(
            report_colonia(&list(&["Centro"]), &[], Some("robo")),
            Some("Centro".into()),
            "a one-colonia group's report is in that colonia"
        );
    }

    #[test]
    fn accents_case_and_whole_words() {
        let c = list(&["Peñasco", "Centro", "Villa Bonita", "Villa Bonita Norte"]);
        assert_eq!(
            report_colonia(&c, &[], Some("en la colonia penasco")),
            Some("Peñasco".into())
        );
        assert_eq!(report_colonia(&c, &[], Some("me concentro en esto")), None);
        assert_eq!(
            report_colonia(&c, &[], Some("villa bonita norte, junto al parque")),
            Some("Villa Bonita Norte".into()),
            "the longest match wins"
        );
    }

    #[test]
    fn breakdown_counts_pending_and_puts_unknown_last() {
        use crate::reports::test_support::row;
        let mut a = row("A", "2026-02-10T15:00:00Z");
        a.colonia = Some("Pitic".into());
        let mut b = a.clone();
        b.status = "resolved".into();
        let c = row("C", "2026-02-10T15:00:00Z");
        let (mut d, mut e, mut f) = (c.clone(), c.clone(), c.clone());
        d.colonia = Some("Centro".into());
        e.colonia = None;
        f.colonia = None;
        let out = by_colonia(&[a, b, c, d, e, f]);
        let shown: Vec<(&str, u64, u64)> = out
            .iter()
            .map(|c| (c.colonia.as_str(), c.count, c.pending))
            .collect();
        assert_eq!(
            shown,
            [("Pitic", 2, 1), ("Centro", 1, 1), (UNKNOWN_COLONIA, 3, 3)]
        );
    }
}
