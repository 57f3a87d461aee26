//! Reading a report's normalised words ([`crate::triage::normalize`]) for the phrases and
//! words that [`super::details`], `errands`, `follow_ups` and `search` look for.

/// The words of a normalised text.
pub fn words(normalised: &str) -> Vec<&str> {
    normalised.split(' ').filter(|w| !w.is_empty()).collect()
}

/// Whether `phrase` stands in `words`, word for word and in order.
pub fn has_phrase(words: &[&str], phrase: &[&str]) -> bool {
    words.windows(phrase.len()).any(|w| w == phrase)
}

/// Whether any of `phrases` stands in `words`.
pub fn has_any_phrase(words: &[&str], phrases: &[&[&str]]) -> bool {
    phrases.iter().any(|p| has_phrase(words, p))
}

/// Whether any of `set` is one of `words`.
pub fn has_word(words: &[&str], set: &[&str]) -> bool {
    words.iter().any(|w| set.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_match_whole_words_in_order() {
        let w = words("  ya  regreso a su casa ");
        assert_eq!(w, ["ya", "regreso", "a", "su", "casa"]);
        assert!(has_phrase(&w, &["su", "casa"]));
        assert!(!has_phrase(&w, &["casa", "su"]));
        assert!(!has_phrase(&w, &["cas"]));
        assert!(has_any_phrase(&w, &[&["no"], &["regreso", "a"]]));
        assert!(has_word(&w, &["luz", "casa"]));
        assert!(!has_word(&w, &["luz"]));
    }
}
