//! Text normalisation: turns raw WhatsApp Spanish into the canonical form every rule and
//! the model see (lowercase ASCII-ish words separated by single spaces).
//!
//! Steps, in one pass over the characters plus one pass over the tokens:
//! - compatibility decomposition (NFKD), lowercase, combining marks dropped, so accents,
//!   "fancy font" letters and full-width forms all fold to plain letters;
//! - emoji that carry meaning become words (🚨 → "sirena", 🔫 → "pistola"), other symbols
//!   and punctuation become separators, except `?`/`¿`, kept as a "?" token because
//!   questions change the meaning;
//! - letter runs collapse ("auxiliooo" → "auxilio", "carrrro" → "carro");
//! - digits split from letters ("10pm" → "10 pm");
//! - whole tokens go through the lexicon (SMS spellings and common misspellings).
//!
//! The function is total and idempotent: `normalize(normalize(x)) == normalize(x)`.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

use super::lexicon;

/// Upper bound on output bytes per input byte; NFKD of a few Arabic ligatures is the
/// worst case (U+FDFA expands to 18 characters).
pub const MAX_EXPANSION: usize = 12;

/// Normalises `text`; see the module documentation for the steps.
pub fn normalize(text: &str) -> String {
    let mut folder = Folder {
        out: String::with_capacity(text.len() + 8),
        ..Folder::default()
    };
    for c in text.chars() {
        folder.push_char(c);
    }
    let folded = folder.out;
    let mut out = String::with_capacity(folded.len() + 16);
    for token in folded.split(' ').filter(|t| !t.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(lexicon::lookup(token).unwrap_or(token));
    }
    out
}

/// Emoji that people use instead of words; the rest are dropped.
fn emoji_word(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{1F6A8}' => "sirena",
        '\u{1F52B}' => "pistola",
        '\u{1F525}' => "fuego",
        '\u{1F693}' | '\u{1F694}' => "patrulla",
        '\u{1F198}' => "auxilio",
        '\u{1F691}' => "ambulancia",
        '\u{1F692}' => "bomberos",
        '\u{1F52A}' => "cuchillo",
        '\u{1FA78}' => "sangre",
        '\u{1F386}' | '\u{1F387}' | '\u{1F9E8}' => "cuetes",
        '\u{1F46E}' => "policia",
        '\u{26A0}' => "aviso",
        // Laughter marks jokes and sarcasm, which are not reports.
        '\u{1F602}' | '\u{1F923}' | '\u{1F606}' | '\u{1F605}' => "jaja",
        _ => return None,
    })
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Last {
    #[default]
    Separator,
    Letter,
    Digit,
    Token,
}

#[derive(Default)]
struct Folder {
    out: String,
    last: Last,
    pending_space: bool,
    /// Letter of the current run and its length as seen in the input.
    run_letter: char,
    run_len: usize,
    /// Last whole-word token pushed (emoji word or "?"), to drop immediate repeats.
    last_token: Option<&'static str>,
}

impl Folder {
    fn push_char(&mut self, c: char) {
        if c.is_ascii() {
            self.push_plain(c.to_ascii_lowercase());
        } else if let Some(word) = emoji_word(c) {
            self.push_token(word);
        } else {
            // Decompose, lowercase, decompose again: lowercasing can yield characters that
            // themselves decompose, and idempotence needs the fully folded form.
            decompose_compatible(c, |d| {
                for l in d.to_lowercase() {
                    decompose_compatible(l, |e| self.push_plain(e));
                }
            });
        }
    }

    fn push_plain(&mut self, c: char) {
        // ASCII first: it is nearly all of the text, and the mark lookup is not free.
        if c.is_ascii_alphabetic() {
            self.push_letter(c);
        } else if c.is_ascii_digit() {
            self.push_digit(c);
        } else if c == '?' || c == '¿' {
            self.push_token("?");
        } else if c.is_ascii() {
            self.separator();
        } else if is_combining_mark(c) {
            // Accents and other marks carry no signal for triage.
        } else if c.is_alphabetic() {
            self.push_letter(c);
        } else if c.is_numeric() {
            self.push_digit(c);
        } else {
            self.separator();
        }
    }

    fn separator(&mut self) {
        self.pending_space = true;
        self.last = Last::Separator;
    }

    fn start_word(&mut self) {
        if self.pending_space && !self.out.is_empty() {
            self.out.push(' ');
        }
        self.pending_space = false;
        self.last_token = None;
    }

    fn push_token(&mut self, word: &'static str) {
        if self.last_token == Some(word) {
            return;
        }
        self.pending_space = true;
        self.start_word();
        self.out.push_str(word);
        self.last = Last::Token;
        self.last_token = Some(word);
        self.pending_space = true;
    }

    fn push_digit(&mut self, d: char) {
        if matches!(self.last, Last::Letter | Last::Token) {
            self.pending_space = true;
        }
        self.start_word();
        self.out.push(d);
        self.last = Last::Digit;
    }

    fn push_letter(&mut self, l: char) {
        if matches!(self.last, Last::Digit | Last::Token) {
            self.pending_space = true;
        }
        if self.last == Last::Letter && l == self.run_letter {
            self.run_len += 1;
            match (l, self.run_len) {
                // "rr" and "ll" are letters of their own in Spanish: keep at most two.
                ('r' | 'l', 2) => self.out.push(l),
                // "cc", "nn", "ee", "oo" are legitimate doubles (accion, innovar, leer,
                // cooperar); a third copy means the whole run is emphasis.
                ('c' | 'n' | 'e' | 'o', 2) => self.out.push(l),
                ('c' | 'n' | 'e' | 'o', 3) => {
                    self.out.pop();
                }
                _ => {}
            }
            return;
        }
        self.start_word();
        self.out.push(l);
        self.last = Last::Letter;
        self.run_letter = l;
        self.run_len = 1;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn folds_case_accents_and_runs() {
        assert_eq!(
            normalize("¡¡AUXILIOOO!! Están ROBANDO"),
            "auxilio estan robando"
        );
        assert_eq!(normalize("carrrro  en la esquinaaa"), "carro en la esquina");
        assert_eq!(normalize("acción, leer, cooperar"), "accion leer cooperar");
        assert_eq!(normalize("Niño"), "nino");
    }

    #[test]
    fn sms_spellings_and_misspellings() {
        assert_eq!(
            normalize("xfa q pase la patruya"),
            "por favor que pase la patrulla"
        );
        assert_eq!(
            normalize("aki x la tienda, ntp"),
            "aqui por la tienda no te preocupes"
        );
        assert_eq!(
            normalize("xq no vienen? tmb dnd"),
            "porque no vienen ? tambien donde"
        );
        assert_eq!(normalize("orita"), "ahorita");
    }

    #[test]
    fn emoji_times_and_questions() {
        assert_eq!(normalize("🚨🚨🚨 balazos 🔫"), "sirena balazos pistola");
        assert_eq!(
            normalize("a las 10pm ¿¿que hacemos??"),
            "a las 10 pm ? que hacemos ?"
        );
        assert_eq!(normalize("SON-2026-000123"), "son 2026 000123");
        assert_eq!(normalize("🆘🙏"), "auxilio");
        assert_eq!(normalize("𝐀𝐔𝐗𝐈𝐋𝐈𝐎"), "auxilio");
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(normalize(""), "");
        assert_eq!(normalize(" \t\n "), "");
        assert_eq!(normalize("😀😀"), "");
        assert_eq!(normalize("Привет 你好 مرحبا"), "привет 你好 مرحبا");
    }

    proptest! {
        #[test]
        fn idempotent_and_bounded(s in any::<String>()) {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once.clone());
            prop_assert!(once.len() <= MAX_EXPANSION * s.len());
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
        }

        #[test]
        fn idempotent_on_spanish_like_text(s in "[a-zA-ZáéíóúñÑ¿?🚨🔫 0-9xqk]{0,60}") {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once);
        }
    }
}
