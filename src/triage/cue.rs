//! Context cues: what `context.*` rules (and a few voting rules) raise and
//! `context::decide` reads. A cue changes how the votes are read: a past event is not
//! an emergency, a forwarded chain is noise, a request for rounds is planning.

use std::str::FromStr;

/// Context cues raised by `context.*` rules. Each changes how votes are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    /// Happening now: "ahorita", "en este momento", "acaban de".
    Now,
    /// Told in the past: "anoche", "ayer", "la semana pasada".
    Past,
    /// Long ago: "el año pasado"; a past crime that no longer raises priority.
    LongAgo,
    /// Explicitly not an emergency: "no es emergencia pero…".
    Negation,
    /// Hypotheticals and how-to questions: "¿qué hacemos si…?", "en caso de".
    Hypothetical,
    /// News or events from other places.
    Elsewhere,
    /// Chain-message markers in the text: "reenvíen", "compartan", "pásalo".
    Chain,
    /// Fireworks: "cuetes", "cohetes", "pirotecnia".
    Fireworks,
    /// Denies fireworks: "no son cuetes", which keeps shots as shots.
    NotFireworks,
    /// Bangs that could be shots or fireworks: "tronidos", "truenos".
    Bang,
    /// Jokes and sarcasm: "jaja", "es broma".
    Joke,
    /// Missing-person flyers and their outcome: "ficha", "ya apareció".
    Flyer,
    /// Names a concrete crime (for patrol priority, with a recent time cue).
    RecentCrime,
    /// A recurring pattern: "todas las noches", "se están robando las llantas".
    Habitual,
    /// Planning presence: "rondines", "vigilancia"; nobody asks for rounds during an
    /// emergency.
    Planning,
    /// Introduces a new request after a preamble: "aprovecho para", "pero ahora".
    Addendum,
    /// Crime named as the subject of a talk: "capacitación sobre extorsión".
    Topic,
    /// Insists it is real: "no es simulacro", "no es broma"; cancels joke and negation.
    Serious,
}

impl Cue {
    pub(super) const NAMES: [(&'static str, Cue); 18] = [
        ("now", Cue::Now),
        ("past", Cue::Past),
        ("long_ago", Cue::LongAgo),
        ("negation", Cue::Negation),
        ("hypothetical", Cue::Hypothetical),
        ("elsewhere", Cue::Elsewhere),
        ("chain", Cue::Chain),
        ("fireworks", Cue::Fireworks),
        ("not_fireworks", Cue::NotFireworks),
        ("bang", Cue::Bang),
        ("joke", Cue::Joke),
        ("flyer", Cue::Flyer),
        ("recent_crime", Cue::RecentCrime),
        ("habitual", Cue::Habitual),
        ("planning", Cue::Planning),
        ("addendum", Cue::Addendum),
        ("topic", Cue::Topic),
        ("serious", Cue::Serious),
    ];

    /// Flag of the cue in a cue set.
    pub fn bit(self) -> u32 {
        1 << self as u32
    }
}

impl FromStr for Cue {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Cue::NAMES
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, c)| *c)
            .ok_or_else(|| {
                let known: Vec<_> = Cue::NAMES.iter().map(|(n, _)| *n).collect();
                format!("unknown cue {s:?} (known: {})", known.join(", "))
            })
    }
}

/// A set of cues as bit flags; cheap to copy and test.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cues(u32);

impl Cues {
    /// Whether `k` is in the set.
    pub fn has(self, k: Cue) -> bool {
        self.0 & k.bit() != 0
    }

    /// Whether any cue of `other` is in the set.
    pub fn any(self, other: u32) -> bool {
        self.0 & other != 0
    }

    /// Adds `k`.
    pub fn insert(&mut self, k: Cue) {
        self.0 |= k.bit();
    }

    /// Removes `k`.
    pub fn remove(&mut self, k: Cue) {
        self.0 &= !k.bit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_bits_are_distinct() {
        let mut seen = 0u32;
        for (name, cue) in Cue::NAMES {
            assert_eq!(name.parse::<Cue>(), Ok(cue));
            assert_eq!(seen & cue.bit(), 0);
            seen |= cue.bit();
        }
        assert!("soon".parse::<Cue>().unwrap_err().contains("known: now"));
    }
}
