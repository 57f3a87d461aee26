//! What a follow-up names of the request it follows: its folio, or the kind of request
//! ("¿ya hay fecha para la plática?", "¿qué pasó con el rondín que pedimos?").
//!
//! A follow-up joins an incident on little more than its colonia and its hours, because
//! "¿alguna respuesta?" repeats none of the event's words. When it says which request it
//! follows, that settles it: a question about a talk is not about the robbery reported
//! an hour ago in its colonia, and one that quotes a folio is about that folio's report
//! (which routing links it to when the folio is one of this service's), not about what
//! its colonia reports today.

use super::phrases::has_word;
use super::policy::Family;

/// What a follow-up's words say it follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Follows {
    /// The family of the request it names ("plática" → a talk, "rondín" → a request).
    pub kind: Option<Family>,
    /// It quotes a folio ("folio QRO-0412", "SON-2026-000123").
    pub folio: bool,
}

impl Follows {
    /// Reads the raw `text` and its normalised `words`.
    pub fn read(text: &str, words: &[&str]) -> Follows {
        Follows {
            kind: kind(words),
            folio: !crate::vocab::find_folios(text).is_empty() || quotes_folio(words),
        }
    }
}

/// "plática", "taller", "capacitación", "conferencia" name a talk; "rondín" and
/// "patrullaje" a patrol request. ("La patrulla" alone does not: "ya pasó la patrulla"
/// is said of emergencies too.)
fn kind(words: &[&str]) -> Option<Family> {
    let any = |set: &[&str]| has_word(words, set);
    if any(&[
        "platica",
        "platicas",
        "taller",
        "talleres",
        "capacitacion",
        "conferencia",
    ]) {
        Some(Family::Talk)
    } else if any(&["rondin", "rondines", "patrullaje", "patrullajes"]) || asked_days_ago(words) {
        Some(Family::Request)
    } else {
        None
    }
}

/// "pedimos patrulla ayer", "se pidió la patrulla la semana pasada": a patrol asked for
/// days ago, which no emergency of the last hour can be ("ya pedimos la patrulla" alone
/// is said during one).
fn asked_days_ago(words: &[&str]) -> bool {
    let any = |set: &[&str]| has_word(words, set);
    any(&[
        "pedimos",
        "pidio",
        "pedi",
        "pidieron",
        "solicitamos",
        "solicite",
    ]) && any(&["patrulla", "patrullas"])
        && any(&[
            "ayer",
            "anoche",
            "antier",
            "antenoche",
            "pasada",
            "pasado",
            "dias",
            "semanas",
        ])
}

/// "folio" followed, within two words, by a word with a digit: folios written short,
/// as people do ("el folio QRO-0412", "folio no. 981"), which [`crate::vocab::find_folios`]
/// does not take for a folio of this service.
fn quotes_folio(words: &[&str]) -> bool {
    words.iter().enumerate().any(|(i, w)| {
        *w == "folio"
            && words[i + 1..]
                .iter()
                .take(2)
                .any(|n| n.bytes().any(|b| b.is_ascii_digit()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::phrases::words;
    use crate::triage::normalize;

    fn read(text: &str) -> Follows {
        Follows::read(text, &words(&normalize(text)))
    }

    #[test]
    fn the_request_followed_is_read_from_its_words() {
        assert_eq!(
            read("¿ya hay fecha para la plática de bullying?").kind,
            Some(Family::Talk)
        );
        assert_eq!(
            read("que pasó con el rondín que pedimos ayer").kind,
            Some(Family::Request)
        );
        assert_eq!(
            read("Se pidió patrulla ayer para la Tamaulipas, ¿ya hay folio?").kind,
            Some(Family::Request)
        );
        assert_eq!(read("ya pasó la patrulla, gracias").kind, None);
        assert_eq!(read("ya pedimos la patrulla, ya viene").kind, None);
        assert_eq!(read("¿alguna respuesta?").kind, None);
    }

    #[test]
    fn a_quoted_folio_is_read_short_or_whole() {
        assert!(read("qué pasó con el folio QRO-0412 de la lámpara?").folio);
        assert!(read("mi folio es SON-2026-000123").folio);
        assert!(read("el estatus del folio no. 981 por favor").folio);
        assert!(!read("ya les dieron folio? nadie contesta").folio);
        assert!(!read("el folio de la fiesta de la 5 de mayo").folio);
    }
}
