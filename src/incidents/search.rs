//! A search for a missing person, and the news of it.
//!
//! An emergency is told for about an hour and a half ([`super::Policy::window`]); a search
//! for a grandfather with Alzheimer's or a girl who did not come home goes on for hours,
//! and the neighbours who shared it write again when there is news: "¿alguna novedad de
//! don Rafael?", "sigue sin aparecer", "ya apareció, gracias a todos". Those belong to the
//! search for a day. Giving the whole incident a day was measured and left out (README,
//! "Incident grouping quality"): every later emergency of the colonia joined it. So only
//! a report that speaks of the search gets the longer window, and only against an
//! incident that is one.

use super::phrases::has_any_phrase;

/// What a report says about a search for someone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Search {
    /// Someone is missing ("no ha regresado", "desaparecido", "se busca").
    pub missing: bool,
    /// News of a search, or a question about it ("ya apareció", "lo encontraron",
    /// "sigue sin aparecer", "¿alguna novedad?").
    pub news: bool,
}

impl Search {
    /// Reads normalised words ([`crate::triage::normalize`]).
    pub fn read(words: &[&str]) -> Search {
        let missing = has_any_phrase(words, MISSING);
        // "ya regresó" of a person, not of the water or the power ("ya regresó la luz").
        let came_back = words.windows(3).any(|w| {
            w[0] == "ya" && w[1] == "regreso" && !matches!(w[2], "la" | "el" | "los" | "las")
        }) || words.ends_with(&["ya", "regreso"]);
        let news = came_back || has_any_phrase(words, NEWS);
        Search { missing, news }
    }

    /// It speaks of a search: a missing person, or news of one.
    pub fn speaks(&self) -> bool {
        self.missing || self.news
    }
}

const MISSING: &[&[&str]] = &[
    &["no", "ha", "regresado"],
    &["no", "ha", "llegado"],
    &["no", "llego", "a", "dormir"],
    &["no", "aparece"],
    &["desaparecido"],
    &["desaparecida"],
    &["desaparecio"],
    &["se", "busca"],
    &["lo", "estamos", "buscando"],
    &["la", "estamos", "buscando"],
    &["no", "sabemos", "nada", "de"],
];

const NEWS: &[&[&str]] = &[
    &["aparecio"],
    &["sin", "aparecer"],
    &["lo", "encontraron"],
    &["la", "encontraron"],
    &["ya", "esta", "en", "la", "casa"],
    &["ya", "esta", "en", "su", "casa"],
    &["ya", "esta", "en", "casa"],
    &["novedad"],
    &["novedades"],
];

#[cfg(test)]
mod tests {
    use super::Search;
    use crate::incidents::phrases::words;
    use crate::triage::normalize;

    fn read(text: &str) -> Search {
        Search::read(&words(&normalize(text)))
    }

    #[test]
    fn a_search_and_its_news_are_read() {
        assert!(read("mi abuelito salió a caminar a las 5 y no ha regresado").missing);
        assert!(read("SE BUSCA: Don Rafael, 78 años").missing);
        assert!(read("¿alguna novedad de don Rafael??").news);
        assert!(read("sigue sin aparecer?? ya avisaron a la policía?").news);
        assert!(read("Gracias a todos, ya apareció en la central").news);
        assert!(read("ya está en la casa, lo encontraron dormido").news);
        assert!(read("Karla ya regresó, estaba con una amiga").news);
        let robbery = read("estan asaltando el oxxo, ya llegó la patrulla");
        assert!(!robbery.speaks());
        assert!(!read("ya regresó la luz en la calle del jardín").speaks());
    }
}
