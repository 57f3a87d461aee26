//! Registry-wide uniqueness of people's identifiers: a phone or BSUID must name exactly one
//! member or coordinator, otherwise an incoming message could not be attributed.

use std::collections::HashMap;

use super::phone::Phone;

/// Where something was defined: index of the source file and 1-based line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Loc {
    pub source: usize,
    pub line: usize,
}

#[derive(Debug, Default)]
pub(super) struct Identities {
    phones: HashMap<Phone, (Loc, String)>,
    bsuids: HashMap<String, (Loc, String)>,
}

impl Identities {
    /// Records `phone` for `who`; if it was already taken, returns the first owner instead.
    pub fn claim_phone(&mut self, phone: &Phone, at: Loc, who: &str) -> Option<(Loc, String)> {
        claim(&mut self.phones, phone.clone(), at, who)
    }

    /// Records `bsuid` for `who`; if it was already taken, returns the first owner instead.
    pub fn claim_bsuid(&mut self, bsuid: &str, at: Loc, who: &str) -> Option<(Loc, String)> {
        claim(&mut self.bsuids, bsuid.to_owned(), at, who)
    }
}

fn claim<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, (Loc, String)>,
    key: K,
    at: Loc,
    who: &str,
) -> Option<(Loc, String)> {
    match map.get(&key) {
        Some(first) => Some(first.clone()),
        None => {
            map.insert(key, (at, who.to_owned()));
            None
        }
    }
}
