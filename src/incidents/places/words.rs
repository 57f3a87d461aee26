//! The words place extraction knows: those that introduce a street's name, the generic
//! nouns for landmarks, schools and shops, and those that end a name. Generic Spanish, not
//! any city's streets.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::Kind;
use crate::triage::normalize;

/// Words that introduce a street's name.
const STREET_WORDS: [&str; 14] = [
    "calle",
    "avenida",
    "av",
    "bulevar",
    "boulevard",
    "blvd",
    "privada",
    "cerrada",
    "callejon",
    "carretera",
    "andador",
    "periferico",
    "calzada",
    "esquina",
];

/// Generic nouns for places people use as reference points, by kind.
const KIND_WORDS: [(&str, Kind); 52] = [
    ("parque", Kind::Landmark),
    ("puente", Kind::Landmark),
    ("rio", Kind::Landmark),
    ("canal", Kind::Landmark),
    ("arroyo", Kind::Landmark),
    ("mercado", Kind::Landmark),
    ("plaza", Kind::Landmark),
    ("panteon", Kind::Landmark),
    ("cementerio", Kind::Landmark),
    ("cancha", Kind::Landmark),
    ("catedral", Kind::Landmark),
    ("iglesia", Kind::Landmark),
    ("tianguis", Kind::Landmark),
    ("kiosco", Kind::Landmark),
    ("glorieta", Kind::Landmark),
    ("estacionamiento", Kind::Landmark),
    ("parada", Kind::Landmark),
    ("garita", Kind::Landmark),
    ("baldio", Kind::Landmark),
    ("hospital", Kind::Landmark),
    ("clinica", Kind::Landmark),
    ("banco", Kind::Landmark),
    ("escuela", Kind::School),
    ("primaria", Kind::School),
    ("secundaria", Kind::School),
    ("tecnica", Kind::School),
    ("prepa", Kind::School),
    ("preparatoria", Kind::School),
    ("cbtis", Kind::School),
    ("conalep", Kind::School),
    ("kinder", Kind::School),
    ("plantel", Kind::School),
    ("universidad", Kind::School),
    ("colegio", Kind::School),
    ("oxxo", Kind::Shop),
    ("farmacia", Kind::Shop),
    ("tienda", Kind::Shop),
    ("zapateria", Kind::Shop),
    ("tortilleria", Kind::Shop),
    ("papeleria", Kind::Shop),
    ("joyeria", Kind::Shop),
    ("bar", Kind::Shop),
    ("antro", Kind::Shop),
    ("cantina", Kind::Shop),
    ("abarrote", Kind::Shop),
    ("abarrotes", Kind::Shop),
    ("carniceria", Kind::Shop),
    ("ferreteria", Kind::Shop),
    ("gasolinera", Kind::Shop),
    ("restaurante", Kind::Shop),
    ("minisuper", Kind::Shop),
    ("expendio", Kind::Shop),
];

/// Words that end a name (or are never one): articles, prepositions, pronouns, common
/// verbs and adverbs, and the nouns that follow "la"/"el" without naming a place.
const STOP: [&str; 133] = [
    "a",
    "al",
    "ante",
    "bajo",
    "con",
    "contra",
    "de",
    "del",
    "desde",
    "en",
    "entre",
    "hacia",
    "hasta",
    "para",
    "por",
    "segun",
    "sin",
    "sobre",
    "tras",
    "y",
    "e",
    "o",
    "u",
    "ni",
    "que",
    "la",
    "las",
    "el",
    "los",
    "lo",
    "un",
    "una",
    "unos",
    "unas",
    "su",
    "sus",
    "mi",
    "mis",
    "tu",
    "este",
    "esta",
    "esto",
    "estos",
    "estas",
    "ese",
    "esa",
    "eso",
    "esos",
    "esas",
    "aqui",
    "ahi",
    "alla",
    "ahorita",
    "ahora",
    "ya",
    "no",
    "si",
    "se",
    "le",
    "les",
    "me",
    "te",
    "nos",
    "muy",
    "mas",
    "menos",
    "tambien",
    "otra",
    "otro",
    "otros",
    "otras",
    "como",
    "cuando",
    "donde",
    "mismo",
    "misma",
    "todo",
    "toda",
    "todos",
    "todas",
    "es",
    "son",
    "fue",
    "fueron",
    "era",
    "estan",
    "hay",
    "va",
    "van",
    "anda",
    "andan",
    "paso",
    "pasa",
    "pasan",
    "dicen",
    "dice",
    "casa",
    "calle",
    "colonia",
    "noche",
    "tarde",
    "manana",
    "madrugada",
    "dia",
    "hoy",
    "ayer",
    "anoche",
    "rato",
    "hora",
    "horas",
    "semana",
    "esquina",
    "entrada",
    "salida",
    "puerta",
    "zona",
    "linea",
    "cuadra",
    "vuelta",
    "policia",
    "patrulla",
    "gente",
    // Who came, not where: "ya llegó la Guardia", "se lo llevaron a la Fiscalía".
    "guardia",
    "fiscalia",
    "municipal",
    "estatal",
    "marina",
    "bomberos",
    "ambulancia",
    // Where from the speaker: "la calle de atrás", "la de enfrente", "la de junto".
    "atras",
    "enfrente",
    "junto",
    "?",
];

/// The word lists as `normalize` writes them ("oxxo" becomes "oxo"), so that they compare
/// with tokens.
struct Words {
    street: HashSet<String>,
    stop: HashSet<String>,
    kinds: HashMap<String, Kind>,
}

static WORDS: LazyLock<Words> = LazyLock::new(|| Words {
    street: STREET_WORDS.iter().map(|w| normalize(w)).collect(),
    stop: STOP.iter().map(|w| normalize(w)).collect(),
    kinds: KIND_WORDS.iter().map(|(w, k)| (normalize(w), *k)).collect(),
});

pub(super) fn is_stop(w: &str) -> bool {
    WORDS.stop.contains(w)
}

pub(super) fn is_street_word(w: &str) -> bool {
    WORDS.street.contains(w)
}

pub(super) fn kind_of(w: &str) -> Option<Kind> {
    WORDS.kinds.get(w).copied()
}

/// One name for the words people use for one kind of shop ("antro", "cantina" and "bar"
/// are one bar), as `normalize` writes it.
pub(super) fn canonical(w: &str) -> &str {
    match w {
        "antro" | "cantina" => "bar",
        other => other,
    }
}
