//! The places a report's text names: streets ("calle Yáñez", "por la Tabasco", "esquina
//! Colosio y Jalisco"), landmarks (the park, the bridge, the market), schools and shops.
//!
//! Neighbours writing about one event name the same street or the same shop far more often
//! than they share words, and two events in one colonia an hour apart are told apart by
//! exactly this: "no es la casa de la Tabasco, es otro fuego en la Sinaloa". Grouping uses
//! a shared place as evidence for the same event and two different streets (or two
//! different shops) as evidence against.
//!
//! Nothing here is a list of this agency's streets. A street is a name after a street word
//! (`calle`, `avenida`, `bulevar`, `esquina`, …), a capitalised name after "la"/"el" in a
//! text that is not all capitals, or a name after "la" that the agency's own recent reports
//! call a street somewhere ([`Gazetteer`], fitted like the n-gram weights, without labels).
//! Landmarks, schools and shops are recognised by the generic Spanish word for them.
//! Names after "hacia" (where someone fled to), after "viendo desde" (where a neighbour
//! watches from) and in "no es …" (the place it is not) are not the event's place.

use std::collections::{BTreeSet, HashSet};

use crate::triage::normalize;

pub use gazetteer::Gazetteer;
use words::{is_stop, is_street_word, kind_of};

mod gazetteer;
mod words;

/// What kind of place a name is; only names of one kind are compared with each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Kind {
    Street,
    Landmark,
    School,
    Shop,
}

impl Kind {
    /// The word an explanation uses.
    pub fn es(self) -> &'static str {
        match self {
            Kind::Street => "calle",
            Kind::Landmark => "lugar",
            Kind::School => "escuela",
            Kind::Shop => "comercio",
        }
    }
}

/// One place a text names: its kind and its folded name ("yanez", "lopez mateos",
/// "oxxo").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    pub kind: Kind,
    pub name: String,
}

/// The places of one text, sorted, without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Places(pub Vec<Place>);

impl Places {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn of(&self, kind: Kind) -> impl Iterator<Item = &Place> {
        self.0.iter().filter(move |p| p.kind == kind)
    }

    /// A place this text shares with any of `others`: the same name of the same kind, or
    /// two street names sharing a word ("la Monteverde" and "calle Francisco Monteverde").
    pub fn shared<'a>(&'a self, others: &[&Places]) -> Option<&'a Place> {
        self.0
            .iter()
            .find(|p| others.iter().any(|o| o.of(p.kind).any(|q| same(p, q))))
    }

    /// A kind this text names that `others` name too, but with no name in common: a
    /// different street, or a different shop. Landmarks and schools are not compared
    /// (people place one event by the park, the bridge and the river at once).
    pub fn conflict(&self, others: &[&Places]) -> Option<Kind> {
        [Kind::Street, Kind::Shop].into_iter().find(|&kind| {
            let mut theirs = others.iter().flat_map(|o| o.of(kind)).peekable();
            theirs.peek().is_some()
                && self.of(kind).next().is_some()
                && !theirs.any(|q| self.of(kind).any(|p| same(p, q)))
        })
    }
}

fn same(a: &Place, b: &Place) -> bool {
    if a.kind != b.kind {
        return false;
    }
    if a.name == b.name {
        return true;
    }
    // Street names share a word: "lopez mateos" / "la lopez". Numbers must match whole
    // ("calle 10" is not "calle 10 de mayo"'s "10" only by chance, but close enough).
    a.kind == Kind::Street
        && a.name
            .split(' ')
            .any(|w| w.len() > 2 && b.name.split(' ').any(|v| v == w))
}

#[derive(Debug, Clone)]
struct Tok {
    word: String,
    /// Written with a capital and the rest in lower case ("Tabasco", not "TABASCO").
    capital: bool,
}

const BREAK: &str = ",";

/// Words (folded like triage folds them) with punctuation as breaks.
fn tokens(text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Tok>| {
        if word.is_empty() {
            return;
        }
        let capital = word.chars().next().is_some_and(char::is_uppercase)
            && word.chars().skip(1).any(char::is_lowercase);
        for (i, w) in normalize(word)
            .split(' ')
            .filter(|w| !w.is_empty())
            .enumerate()
        {
            out.push(Tok {
                word: w.to_owned(),
                capital: capital && i == 0,
            });
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            if ".,;:!¡?¿()".contains(c) && out.last().is_some_and(|t: &Tok| t.word != BREAK) {
                out.push(Tok {
                    word: BREAK.into(),
                    capital: false,
                });
            }
        }
    }
    flush(&mut word, &mut out);
    out
}

fn is_number(w: &str) -> bool {
    !w.is_empty() && w.chars().all(|c| c.is_ascii_digit())
}

fn is_gerund(w: &str) -> bool {
    ["ando", "iendo", "yendo"]
        .iter()
        .any(|e| w.len() > e.len() + 1 && w.ends_with(e))
}

fn is_red_cross(toks: &[Tok], i: usize) -> bool {
    toks[i].word == "cruz" && toks.get(i + 1).is_some_and(|n| n.word == "roja")
}

/// A street number, written in digits ("3") or as an ordinal ("tercera", "segundo"), in
/// digits.
fn number_of(w: &str) -> Option<String> {
    if is_number(w) {
        return Some(w.to_owned());
    }
    const ORDINALS: [&str; 10] = [
        "primer", "segund", "tercer", "cuart", "quint", "sext", "septim", "octav", "noven", "decim",
    ];
    let stem = w
        .strip_suffix('a')
        .or_else(|| w.strip_suffix('o'))
        .unwrap_or(w);
    ORDINALS
        .iter()
        .position(|o| *o == stem)
        .map(|i| (i + 1).to_string())
}

/// The name starting at `i`: a number, capitalised words (with "de" between them, as in
/// "5 de Febrero"), or one lower-case word, two when the gazetteer knows the pair. Returns
/// the name's words and the index after it.
fn name_at(toks: &[Tok], i: usize, gaz: &Gazetteer) -> (Vec<String>, usize) {
    let mut name: Vec<String> = Vec::new();
    let mut j = i;
    while j < toks.len() && name.len() < 3 {
        let t = &toks[j];
        if t.word == BREAK {
            break;
        }
        // "calle 3", "la tercera", "calle segunda": one street, written either way.
        if let Some(number) = number_of(&t.word) {
            if name.is_empty() {
                name.push(number);
                j += 1;
            }
            break;
        }
        // A gerund ("la gente durmiendo") never starts a street's name, nor "la Cruz Roja".
        if name.is_empty() && (is_gerund(&t.word) || is_red_cross(toks, j)) {
            break;
        }
        let joins = matches!(t.word.as_str(), "de" | "del")
            && !name.is_empty()
            && toks.get(j + 1).is_some_and(|n| n.capital);
        if joins {
            name.push(t.word.clone());
            j += 1;
            continue;
        }
        if is_stop(&t.word) || kind_of(&t.word).is_some() || is_street_word(&t.word) {
            break;
        }
        if let Some(last) = name.last() {
            let pair = format!("{last} {}", t.word);
            let capitals = toks[j - 1].capital && t.capital;
            if !capitals && !gaz.knows(&pair) {
                break;
            }
        }
        name.push(t.word.clone());
        j += 1;
    }
    (name, j)
}

/// The places `text` names, leaving out the words of `exclude` (the colonia and the
/// municipality: every report of the colonia names them).
pub fn extract(text: &str, exclude: &[&str], gaz: &Gazetteer) -> Places {
    let toks = tokens(text);
    let excluded: HashSet<String> = exclude
        .iter()
        .flat_map(|e| {
            normalize(e)
                .split(' ')
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut found: BTreeSet<Place> = BTreeSet::new();
    let street = |name: Vec<String>, found: &mut BTreeSet<Place>| {
        let words: Vec<&String> = name
            .iter()
            .filter(|w| !matches!(w.as_str(), "de" | "del"))
            .collect();
        if words.is_empty() || words.iter().all(|w| excluded.contains(w.as_str())) {
            return;
        }
        found.insert(Place {
            kind: Kind::Street,
            name: name.join(" "),
        });
    };
    let mut i = 0;
    while i < toks.len() {
        let w = toks[i].word.as_str();
        // Where someone fled to is not where it happened.
        if w == "hacia" {
            i += 3;
            continue;
        }
        // "se fue corriendo por la Campillo": the way someone fled, not the place.
        if matches!(
            w,
            "corriendo" | "huyo" | "huyeron" | "escapo" | "escaparon" | "arranco" | "arrancaron"
        ) {
            i += 4;
            continue;
        }
        // "los estoy viendo desde la tienda": where the neighbour watches from, not where
        // it happens.
        if w == "desde"
            && i > 0
            && matches!(
                toks[i - 1].word.as_str(),
                "viendo" | "veo" | "vemos" | "ve" | "mirando" | "grabando" | "vimos" | "vi"
            )
        {
            i += 3;
            continue;
        }
        // "no es la casa de la Tabasco": the place it is not.
        if w == "no"
            && toks
                .get(i + 1)
                .is_some_and(|t| matches!(t.word.as_str(), "es" | "era" | "fue"))
        {
            while i < toks.len() && toks[i].word != BREAK {
                i += 1;
            }
            continue;
        }
        if is_street_word(w) {
            let mut j = i + 1;
            while toks
                .get(j)
                .is_some_and(|t| matches!(t.word.as_str(), "de" | "la" | "el" | "con" | "del"))
            {
                j += 1;
            }
            let (name, after) = name_at(&toks, j, gaz);
            if name.is_empty() {
                i += 1;
                continue;
            }
            street(name, &mut found);
            // "Yáñez y Galeana", "Allende y la Morelos".
            let mut next = after;
            if toks.get(next).is_some_and(|t| t.word == "y") {
                next += 1;
                if toks.get(next).is_some_and(|t| t.word == "la") {
                    next += 1;
                }
                let (second, end) = name_at(&toks, next, gaz);
                if !second.is_empty() {
                    street(second, &mut found);
                    next = end;
                }
            }
            i = next.max(i + 1);
            continue;
        }
        if let Some(kind) = kind_of(w) {
            found.insert(Place {
                kind,
                name: words::canonical(w).to_owned(),
            });
            i += 1;
            continue;
        }
        if matches!(w, "la" | "el") {
            if let Some(next) = toks.get(i + 1) {
                let known = |name: &[String]| {
                    !name.is_empty() && (gaz.knows(&name.join(" ")) || gaz.knows(&name[0]))
                };
                let (name, after) = name_at(&toks, i + 1, gaz);
                if !name.is_empty() && (next.capital || known(&name)) {
                    street(name, &mut found);
                    let mut end = after;
                    if toks.get(end).is_some_and(|t| t.word == "y") {
                        let mut k = end + 1;
                        if toks.get(k).is_some_and(|t| t.word == "la") {
                            k += 1;
                        }
                        let (second, e2) = name_at(&toks, k, gaz);
                        if toks.get(k).is_some_and(|t| t.capital) || known(&second) {
                            street(second, &mut found);
                            end = e2;
                        }
                    }
                    i = end.max(i + 1);
                    continue;
                }
            }
        }
        i += 1;
    }
    Places(found.into_iter().collect())
}

#[cfg(test)]
mod tests;
