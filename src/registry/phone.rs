//! Phone numbers in canonical E.164 form, plus masking helpers.
//!
//! WhatsApp delivers Mexican mobile senders as `wa_id` values that may still carry the legacy
//! mobile `1` after the country code (`5216621000101`), while people type numbers with spaces,
//! dashes or without any country code. Everything is normalised to `+52` followed by the
//! 10-digit national number so that a single comparison identifies a sender.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// A validated phone number in canonical E.164 form, e.g. `+526621000101`.
///
/// `Debug` prints the masked form so that a stray `{:?}` in a log line never leaks a number;
/// `Display` and [`Phone::as_str`] give the full canonical number for sending and storage.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

/// Why a phone number was rejected. Messages are in Spanish because operators read them, and
/// they never repeat the number itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("el número de teléfono está vacío")]
    Empty,
    #[error(
        "el número de teléfono contiene caracteres no válidos \
         (solo dígitos, «+» al inicio, espacios, guiones, puntos y paréntesis)"
    )]
    InvalidCharacter,
    #[error("un número de México debe tener 10 dígitos después de +52 (tiene {0})")]
    MexicanLength(usize),
    #[error("un número de México no puede empezar con 0 ni con 1 después de +52")]
    MexicanPrefix,
    #[error("un número internacional debe tener entre 8 y 15 dígitos (tiene {0})")]
    InternationalLength(usize),
    #[error("el código de país no puede empezar con 0")]
    CountryCode,
    #[error(
        "número sin código de país: use 10 dígitos (México), +52 seguido de 10 dígitos \
         o el formato internacional +<código><número>"
    )]
    MissingCountryCode,
}

const MX_CODE: &str = "52";

impl Phone {
    /// Parses a number as people and WhatsApp write it.
    ///
    /// Mexico: `+52` or `52` followed by 10 digits, the legacy mobile form `521` + 10 digits
    /// (the `1` is dropped), or 10 bare digits (assumed Mexican). Other countries need a
    /// leading `+` and 8–15 digits in total. Spaces, dashes, dots and parentheses are ignored.
    pub fn parse(s: &str) -> Result<Phone, PhoneError> {
        let s = s.trim();
        let (plus, rest) = match s.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
                _ => return Err(PhoneError::InvalidCharacter),
            }
        }
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        if plus {
            if let Some(national) = digits.strip_prefix(MX_CODE) {
                return mexican(national);
            }
            if digits.starts_with('0') {
                return Err(PhoneError::CountryCode);
            }
            return match digits.len() {
                8..=15 => Ok(Phone(format!("+{digits}"))),
                n => Err(PhoneError::InternationalLength(n)),
            };
        }
        match digits.len() {
            10 => mexican(&digits),
            12 | 13 if digits.starts_with(MX_CODE) => mexican(&digits[MX_CODE.len()..]),
            _ => Err(PhoneError::MissingCountryCode),
        }
    }

    /// Parses a WhatsApp `wa_id` (country code and number without `+`) or anything
    /// [`Phone::parse`] accepts. Non-Mexican `wa_id`s have no `+`, so bare digits that are not
    /// a Mexican form are read as international.
    pub fn from_wa_id(s: &str) -> Result<Phone, PhoneError> {
        let first = Phone::parse(s);
        if first.is_ok() || s.trim().starts_with('+') {
            return first;
        }
        Phone::parse(&format!("+{}", s.trim())).or(first)
    }

    /// The canonical E.164 form, e.g. `+526621000101`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `+52 ••• ••• 0101`: keeps the country code and the last four digits, for logs and
    /// screens where the full number is not needed.
    pub fn masked(&self) -> String {
        let digits = &self.0[1..];
        let cc_len = country_code_len(digits);
        let last4 = &digits[digits.len().saturating_sub(4)..];
        format!("+{} ••• ••• {}", &digits[..cc_len], last4)
    }
}

fn mexican(national: &str) -> Result<Phone, PhoneError> {
    let national = match national.strip_prefix('1') {
        Some(rest) if national.len() == 11 => rest,
        _ => national,
    };
    if national.len() != 10 {
        return Err(PhoneError::MexicanLength(national.len()));
    }
    if national.starts_with(['0', '1']) {
        return Err(PhoneError::MexicanPrefix);
    }
    Ok(Phone(format!("+{MX_CODE}{national}")))
}

/// Length of the ITU country code at the start of `digits` (1–3 digits), used only to decide
/// how much of a number stays visible when masking.
fn country_code_len(digits: &str) -> usize {
    const TWO_DIGIT: &[&str] = &[
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    if digits.starts_with(['1', '7']) {
        1
    } else if TWO_DIGIT.iter().any(|cc| digits.starts_with(cc)) {
        2
    } else {
        3
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl std::str::FromStr for Phone {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Phone, PhoneError> {
        Phone::parse(s)
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Phone, D::Error> {
        let s = String::deserialize(deserializer)?;
        Phone::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Masks a business-scoped user id: `MX.4810000000000000101` becomes `MX.48…0101` (country
/// prefix, two leading and four trailing characters). Short ids keep less, so that most of
/// the id is always hidden.
pub fn mask_bsuid(bsuid: &str) -> String {
    let (prefix, body) = match bsuid.split_once('.') {
        Some((cc, body)) if cc.len() <= 3 => (&bsuid[..cc.len() + 1], body),
        _ => ("", bsuid),
    };
    let chars: Vec<char> = body.chars().collect();
    let tail = |n: usize| chars[chars.len() - n..].iter().collect::<String>();
    match chars.len() {
        n if n >= 10 => format!(
            "{prefix}{}…{}",
            chars[..2].iter().collect::<String>(),
            tail(4)
        ),
        n if n >= 8 => format!("{prefix}…{}", tail(4)),
        _ => format!("{prefix}…"),
    }
}
