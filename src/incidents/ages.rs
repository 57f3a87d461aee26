//! The ages a report gives of the people it is about ("una niña de 4 años", "7 añitos"):
//! two missing children, or two people hurt, of different ages within the hour in one
//! colonia are two events, however alike the rest of the words read.

/// Ages told in `words` (normalised: "anos" for "años"), sorted, no repeats.
pub fn read(words: &[&str]) -> Vec<u8> {
    let mut ages: Vec<u8> = words
        .windows(2)
        .filter(|p| matches!(p[1], "anos" | "ano" | "anitos" | "anito"))
        .filter_map(|p| p[0].parse::<u8>().ok())
        .filter(|age| (1..=99).contains(age))
        .collect();
    ages.sort_unstable();
    ages.dedup();
    ages
}

/// Whether `mine` names ages and none of them is among the ages `theirs` name (when they
/// name any): the report is about someone else.
pub fn conflict(mine: &[u8], theirs: &[&[u8]]) -> bool {
    let told: Vec<u8> = theirs.iter().flat_map(|a| a.iter().copied()).collect();
    !mine.is_empty() && !told.is_empty() && !mine.iter().any(|a| told.contains(a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triage::normalize;

    fn ages(text: &str) -> Vec<u8> {
        let n = normalize(text);
        read(&n.split(' ').collect::<Vec<_>>())
    }

    #[test]
    fn ages_are_read_from_numbers_before_years() {
        assert_eq!(ages("se perdio una niña de 4 años, vestido rosa"), vec![4]);
        assert_eq!(ages("el hijo de una compañera, 7 añitos"), vec![7]);
        assert_eq!(ages("hace 3 dias que no hay agua"), Vec::<u8>::new());
        assert_eq!(ages("van 200 anos de la colonia"), Vec::<u8>::new());
    }

    #[test]
    fn another_age_is_someone_else_and_no_age_agrees() {
        assert!(conflict(&[4], &[&[7]]));
        assert!(!conflict(&[7], &[&[4], &[7]]));
        assert!(!conflict(&[], &[&[7]]));
        assert!(!conflict(&[4], &[&[]]));
    }
}
