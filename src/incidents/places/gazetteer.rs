//! The street names an agency's own recent reports use, fitted without labels.

use std::collections::HashSet;

use super::{extract, Kind};

/// Street names the agency's recent reports introduce with a street word or capitalise
/// after "la": lets "por la tabasco", written in lower case, be read as a street.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    names: HashSet<String>,
}

impl Gazetteer {
    pub fn fit<'a>(corpus: impl IntoIterator<Item = &'a str>) -> Self {
        let empty = Gazetteer::default();
        let mut names = HashSet::new();
        for text in corpus {
            for p in extract(text, &[], &empty).0 {
                if p.kind == Kind::Street && !p.name.chars().all(|c| c.is_ascii_digit()) {
                    names.insert(p.name);
                }
            }
        }
        Gazetteer { names }
    }

    pub(super) fn knows(&self, name: &str) -> bool {
        self.names.contains(name)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}
