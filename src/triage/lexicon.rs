//! Whole-token rewrites applied after folding: SMS spellings and the misspellings seen in
//! neighbourhood groups (domain-mx §5.1 and §5.2 entries 154–161). Keys are folded tokens
//! (lowercase, no accents, letter runs collapsed); values are already normalised text, so
//! normalisation stays idempotent (a unit test checks both).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use super::FNV_OFFSET;

/// Sorted by key, so duplicates are easy to spot.
const REWRITES: &[(&str, &str)] = &[
    ("aca", "aqui"),
    ("ahoritita", "ahorita"),
    ("ahorititita", "ahorita"),
    ("aier", "ayer"),
    ("aki", "aqui"),
    ("ambulansia", "ambulancia"),
    ("aorita", "ahorita"),
    ("aqi", "aqui"),
    ("ausilio", "auxilio"),
    ("auxlio", "auxilio"),
    ("balacea", "balacera"),
    ("balasera", "balacera"),
    ("balaso", "balazo"),
    ("balasos", "balazos"),
    ("bigilancia", "vigilancia"),
    ("bijilancia", "vigilancia"),
    ("bn", "bien"),
    ("capasitacion", "capacitacion"),
    ("cn", "con"),
    ("conferensia", "conferencia"),
    ("d", "de"),
    ("desaparesida", "desaparecida"),
    ("desaparesido", "desaparecido"),
    ("dl", "del"),
    ("dnd", "donde"),
    ("emergensia", "emergencia"),
    ("esk", "esquina"),
    ("estorcion", "extorsion"),
    ("estorsion", "extorsion"),
    ("extorcion", "extorsion"),
    ("frnte", "frente"),
    ("grasias", "gracias"),
    ("grax", "gracias"),
    ("hechar", "echar"),
    ("hechen", "echen"),
    ("hechenle", "echenle"),
    ("horita", "ahorita"),
    ("insendio", "incendio"),
    ("k", "que"),
    ("ke", "que"),
    ("mnden", "manden"),
    ("msj", "mensaje"),
    ("nd", "nada"),
    ("nececitamos", "necesitamos"),
    ("noxe", "noche"),
    ("ntc", "no te creas"),
    ("ntp", "no te preocupes"),
    ("ora", "hora"),
    ("oras", "horas"),
    ("orita", "ahorita"),
    ("pa", "para"),
    ("pal", "para el"),
    ("patrullage", "patrullaje"),
    ("patruya", "patrulla"),
    ("patruyaje", "patrullaje"),
    ("patruyas", "patrullas"),
    ("platik", "platica"),
    ("plis", "por favor"),
    ("pls", "por favor"),
    ("plz", "por favor"),
    ("polisia", "policia"),
    ("polisias", "policias"),
    ("porfa", "por favor"),
    ("porfavor", "por favor"),
    ("porq", "porque"),
    ("pq", "porque"),
    ("ps", "pues"),
    ("q", "que"),
    ("qe", "que"),
    ("rrondin", "rondin"),
    ("rrondines", "rondines"),
    ("sospechoza", "sospechosa"),
    ("sospechozas", "sospechosas"),
    ("sospechozo", "sospechoso"),
    ("sospechozos", "sospechosos"),
    ("sperando", "esperando"),
    ("sta", "esta"),
    ("stan", "estan"),
    ("ta", "esta"),
    ("tambn", "tambien"),
    ("tb", "tambien"),
    ("tbn", "tambien"),
    ("tdos", "todos"),
    ("tmb", "tambien"),
    ("tmbien", "tambien"),
    ("tmbn", "tambien"),
    ("tons", "entonces"),
    ("toy", "estoy"),
    ("urjente", "urgente"),
    ("vd", "verdad"),
    ("vigilansia", "vigilancia"),
    ("vijilancia", "vigilancia"),
    ("x", "por"),
    ("xa", "para"),
    ("xfa", "por favor"),
    ("xfabor", "por favor"),
    ("xfavor", "por favor"),
    ("xfis", "por favor"),
    ("xk", "porque"),
    ("xo", "pero"),
    ("xq", "porque"),
];

/// The rewrite for a folded token, if any.
pub fn lookup(token: &str) -> Option<&'static str> {
    // Every token of every message comes through here; a hash map is several times
    // faster than a binary search of string comparisons.
    static INDEX: OnceLock<Index> = OnceLock::new();
    let index = INDEX.get_or_init(|| Index {
        map: REWRITES.iter().copied().collect(),
        first: REWRITES
            .iter()
            .fold([0; MAX_KEY_LEN + 1], |mut acc, (k, _)| {
                acc[k.len()] |= letter_bit(k.as_bytes()[0]);
                acc
            }),
    });
    // Most tokens are ordinary words that no key of their length starts like.
    let first = token.as_bytes().first().map_or(0, |&b| letter_bit(b));
    if token.len() > MAX_KEY_LEN || index.first[token.len()] & first == 0 {
        return None;
    }
    index.map.get(token).copied()
}

struct Index {
    map: HashMap<&'static str, &'static str, BuildHasherDefault<Fnv>>,
    /// Per key length, the first letters keys of that length start with.
    first: [u32; MAX_KEY_LEN + 1],
}

/// Bit of an ASCII letter; other bytes share bit 31.
fn letter_bit(b: u8) -> u32 {
    if b.is_ascii_lowercase() {
        1 << (b - b'a')
    } else {
        1 << 31
    }
}

/// Longest key, so longer tokens skip the lookup.
const MAX_KEY_LEN: usize = 12;

/// FNV-1a: short keys, no need for a DoS-resistant hash (the table is fixed).
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { FNV_OFFSET } else { self.0 };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

#[cfg(test)]
mod tests {
    use super::super::normalize::normalize;
    use super::*;

    #[test]
    fn sorted_unique_and_stable() {
        assert!(REWRITES.iter().all(|(k, _)| k.len() <= MAX_KEY_LEN));
        for pair in REWRITES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "not sorted: {:?}", pair);
        }
        for (key, value) in REWRITES {
            assert_eq!(normalize(key), *value, "key {key}");
            assert_eq!(
                normalize(value),
                *value,
                "value {value} is not a fixed point"
            );
        }
    }
}
