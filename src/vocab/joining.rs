//! What people write to join or leave the registry over WhatsApp, read the same way by
//! intake (which records the request) and the reply texts (which tell people what to write).
//!
//! - A sender in no group who writes one of the *join phrases* (`[join] phrases` in
//!   `config/replies.toml`, e.g. «quiero unirme», «alta», «registrarme»), or taps the
//!   «Quiero unirme» button of the reply unregistered senders get, asks to join (an *alta*).
//! - `ALTA 4F7K`: joins the group whose enlace was given that invite code.
//! - `ALTA` alone from a group's enlace: asks for an invite code.
//! - `BAJA` from a member: leaves (an ARCO cancellation).
//!
//! Text is compared folded: lower case, without accents, punctuation or extra spaces. A
//! phrase of one word must be the whole message («alta»: "la alta tensión" is not a request);
//! a phrase of several words may sit in a short message («Hola, quiero unirme al grupo»).

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The reply button's id (payload) that asks to join.
pub const JOIN_BUTTON: &str = "registro:alta";

/// Characters of invite codes: digits and capitals without look-alikes (no 0/O, 1/I/L,
/// 2/Z, 5/S, 6/G, 8/B).
pub const INVITE_ALPHABET: &str = "ACDEFHJKMNPQRTUVWXY3479";
/// Length of an invite code.
pub const INVITE_LEN: usize = 4;

/// A several-word phrase counts only in messages up to this many words: a long message
/// that happens to contain «quiero unirme» is about something else.
const PHRASE_MAX_WORDS: usize = 12;

/// What a message asks of the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryAsk {
    /// A join phrase or the join button.
    Join,
    /// `ALTA` followed by an invite code (upper case, as issued).
    InviteJoin(String),
    /// `ALTA` alone.
    Alta,
    /// `BAJA` alone.
    Leave,
}

/// The configured join phrases, folded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinWords {
    phrases: Vec<Vec<String>>,
}

impl Default for JoinWords {
    fn default() -> Self {
        JoinWords::new(["quiero unirme", "alta", "registrarme"])
    }
}

impl JoinWords {
    pub fn new<S: AsRef<str>>(phrases: impl IntoIterator<Item = S>) -> JoinWords {
        JoinWords {
            phrases: phrases
                .into_iter()
                .map(|p| words(p.as_ref()))
                .filter(|w| !w.is_empty())
                .collect(),
        }
    }

    /// Whether `text` is a join phrase (see the module's rules).
    pub fn is_join(&self, text: &str) -> bool {
        let w = words(text);
        self.phrases.iter().any(|p| {
            if p.len() == 1 || w.len() > PHRASE_MAX_WORDS {
                w == *p
            } else {
                w.windows(p.len()).any(|win| win == p.as_slice())
            }
        })
    }

    /// What `text` (or a tapped button's `reply_id`) asks, if anything. `ALTA …` and
    /// `BAJA` are read before the phrases, so «alta» as a phrase never hides a code.
    pub fn parse(&self, text: Option<&str>, reply_id: Option<&str>) -> Option<RegistryAsk> {
        if reply_id == Some(JOIN_BUTTON) {
            return Some(RegistryAsk::Join);
        }
        let w = words(text?);
        match w.as_slice() {
            [a] if a == "alta" => return Some(RegistryAsk::Alta),
            [a, code] if a == "alta" && is_code(code) => {
                return Some(RegistryAsk::InviteJoin(code.to_uppercase()))
            }
            [b] if b == "baja" => return Some(RegistryAsk::Leave),
            _ => {}
        }
        text.filter(|t| self.is_join(t)).map(|_| RegistryAsk::Join)
    }
}

/// Whether `word` (folded) could be an invite code: the length, and letters and digits only
/// (a code with a look-alike is still read, and answered as unknown).
fn is_code(word: &str) -> bool {
    word.chars().count() == INVITE_LEN && word.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Folded words: lower case, accents removed, split on anything not a letter or digit.
pub fn words(text: &str) -> Vec<String> {
    let folded: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_match_folded_and_single_words_only_alone() {
        let j = JoinWords::default();
        assert!(j.is_join("Quiero   UNIRME"));
        assert!(j.is_join("Hola, buenas tardes. ¿Quiero unirme al grupo?"));
        assert!(j.is_join("Registrarme"));
        assert!(!j.is_join("quiero registrarme en el curso de la escuela de mi hija"));
        assert!(!j.is_join("se cayó un cable de alta tensión"));
        assert!(!j.is_join("quiero"));
        let accented = JoinWords::new(["Dar de ALTA mi número"]);
        assert!(accented.is_join("dar de alta mi numero por favor"));
    }

    #[test]
    fn alta_codes_and_baja_are_read_before_phrases() {
        let j = JoinWords::default();
        assert_eq!(
            j.parse(Some("alta 4f7k"), None),
            Some(RegistryAsk::InviteJoin("4F7K".into()))
        );
        assert_eq!(j.parse(Some(" ALTA. "), None), Some(RegistryAsk::Alta));
        assert_eq!(j.parse(Some("Baja"), None), Some(RegistryAsk::Leave));
        assert_eq!(j.parse(Some("baja la velocidad"), None), None);
        assert_eq!(j.parse(None, Some(JOIN_BUTTON)), Some(RegistryAsk::Join));
        assert_eq!(j.parse(Some("alta 4F7KX"), None), None);
        assert_eq!(
            j.parse(Some("hola quiero unirme"), None),
            Some(RegistryAsk::Join)
        );
    }

    #[test]
    fn the_invite_alphabet_has_no_look_alikes() {
        for c in "0O1IL2Z5S6G8B".chars() {
            assert!(!INVITE_ALPHABET.contains(c), "{c}");
        }
    }
}
