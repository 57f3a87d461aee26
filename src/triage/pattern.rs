//! Compiles rule patterns into one `RegexSet` and maps its matches back to rules.
//!
//! A pattern may be a conjunction, `A && B`: it matches when every part matches anywhere
//! in the text, in any order. Conjunctions replace `A.*B`, which would make the DFA's
//! states depend on everything read so far (and miss `B … A`).

use regex::{Regex, RegexSet, RegexSetBuilder};

/// Patterns of all rules, compiled together.
///
/// Parts that start with `\b` (nearly all) are anchored and run from every word start:
/// an unanchored set over hundreds of patterns makes the lazy DFA build a new state for
/// almost every byte of unseen text, because its states are unions of partial matches
/// begun at every earlier position. Anchored at a word start, the states follow the
/// patterns' own prefixes, which stay cached. The few other parts (`^…`) run once over
/// the whole text.
#[derive(Debug)]
pub struct PatternSet {
    anchored: RegexSet,
    whole: RegexSet,
    /// Part index of every pattern of `anchored` and of `whole`.
    anchored_part: Vec<usize>,
    whole_part: Vec<usize>,
    /// Group (one pattern of the file, maybe `A && B`) of every part.
    part_group: Vec<usize>,
    /// Rule and number of parts of every group.
    groups: Vec<(usize, usize)>,
}

/// Collects patterns rule by rule; `build` compiles them.
#[derive(Debug, Default)]
pub struct PatternSetBuilder {
    /// Plain (non-conjunction) patterns per rule; `build` merges each rule's into one
    /// alternation, which keeps the set small.
    plain: Vec<(usize, String)>,
    /// Conjunctions: rule and checked parts.
    conjunctions: Vec<(usize, Vec<String>)>,
}

impl PatternSetBuilder {
    /// Adds one pattern of `rule`; the error explains what is wrong with it.
    pub fn add(&mut self, rule: usize, pattern: &str) -> Result<(), String> {
        let parts = pattern
            .split("&&")
            .map(|p| check(p.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        match <[String; 1]>::try_from(parts) {
            Ok([one]) => self.plain.push((rule, one)),
            Err(parts) => self.conjunctions.push((rule, parts)),
        }
        Ok(())
    }

    /// Compiles everything added.
    pub fn build(self) -> Result<PatternSet, String> {
        // Each group: its rule and its parts; a plain group has one part.
        let mut groups: Vec<(usize, Vec<String>)> = Vec::new();
        for (rule, p) in self.plain {
            // Anchorable and whole-text patterns of a rule merge separately.
            let anchorable = p.starts_with(WORD_START);
            match groups.last_mut() {
                Some((r, ps)) if *r == rule && ps[0].starts_with(WORD_START) == anchorable => {
                    ps[0] = format!("{}|(?:{p})", ps[0]);
                }
                _ => groups.push((rule, vec![format!("(?:{p})")])),
            }
        }
        groups.extend(self.conjunctions);
        let mut set = PatternSet {
            anchored: RegexSet::empty(),
            whole: RegexSet::empty(),
            anchored_part: Vec::new(),
            whole_part: Vec::new(),
            part_group: Vec::new(),
            groups: Vec::new(),
        };
        let (mut anchored, mut whole) = (Vec::new(), Vec::new());
        for (g, (rule, parts)) in groups.into_iter().enumerate() {
            set.groups.push((rule, parts.len()));
            for part in parts {
                let i = set.part_group.len();
                set.part_group.push(g);
                if part.trim_start_matches("(?:").starts_with(WORD_START) {
                    anchored.push(format!("^(?:{part})"));
                    set.anchored_part.push(i);
                } else {
                    whole.push(part);
                    set.whole_part.push(i);
                }
            }
        }
        let compile = |patterns: &[String]| {
            RegexSetBuilder::new(patterns)
                .size_limit(64 << 20)
                .dfa_size_limit(32 << 20)
                .build()
                .map_err(|e| format!("rules do not compile together: {e}"))
        };
        set.anchored = compile(&anchored)?;
        set.whole = compile(&whole)?;
        Ok(set)
    }
}

/// How `check` writes a leading `\b`.
const WORD_START: &str = "(?-u:\\b)";

impl PatternSet {
    /// Indices of the rules with a matching pattern, ascending and unique.
    pub fn fired_rules(&self, text: &str) -> Vec<usize> {
        let mut hit = vec![false; self.part_group.len()];
        let starts = std::iter::once(0).chain(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b' ')
                .map(|(i, _)| i + 1),
        );
        for start in starts.filter(|&s| s < text.len()) {
            // Most words start no pattern; `is_match` says so without collecting a set.
            let suffix = &text[start..];
            if self.anchored.is_match(suffix) {
                for p in self.anchored.matches(suffix).iter() {
                    hit[self.anchored_part[p]] = true;
                }
            }
        }
        for p in self.whole.matches(text).iter() {
            hit[self.whole_part[p]] = true;
        }
        // Parts of a group are adjacent, so counting runs of hits finds complete groups.
        let mut rules = Vec::with_capacity(8);
        let mut run = (usize::MAX, 0);
        for (part, _) in hit.iter().enumerate().filter(|(_, &h)| h) {
            let g = self.part_group[part];
            run = if run.0 == g { (g, run.1 + 1) } else { (g, 1) };
            if run.1 == self.groups[g].1 {
                rules.push(self.groups[g].0);
            }
        }
        rules.sort_unstable();
        rules.dedup();
        rules
    }
}

/// Checks one part and rewrites `\b` as an ASCII word boundary: normalised text is ASCII
/// in practice, and a Unicode `\b` would force the slow engine on every message.
fn check(p: &str) -> Result<String, String> {
    if p.is_empty() {
        return Err("empty pattern (or empty side of `&&`)".to_owned());
    }
    let mut out = String::with_capacity(p.len() + 16);
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('b') => out.push_str("(?-u:\\b)"),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            c if c.is_ascii_uppercase() || !c.is_ascii() => {
                return Err(format!(
                    "pattern {p:?}: patterns match normalised text, write it in lowercase \
                     without accents (found {c:?})"
                ));
            }
            c => out.push(c),
        }
    }
    let re = Regex::new(&out).map_err(|e| format!("pattern {p:?} is not a valid regex: {e}"))?;
    if re.is_match("") {
        return Err(format!(
            "pattern {p:?} matches the empty text, so it would always fire"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conjunctions_need_every_part_in_any_order() {
        let mut b = PatternSetBuilder::default();
        b.add(0, r"\bvenden\b && \bcristal\b").unwrap();
        b.add(1, r"\bparque\b").unwrap();
        let set = b.build().unwrap();
        assert_eq!(set.fired_rules("en el parque venden cristal"), vec![0, 1]);
        assert_eq!(set.fired_rules("cristal es lo que venden"), vec![0]);
        assert_eq!(set.fired_rules("venden tacos"), Vec::<usize>::new());
    }

    #[test]
    fn rejects_bad_parts() {
        let mut b = PatternSetBuilder::default();
        assert!(b.add(0, "a && ").is_err());
        assert!(b.add(0, "(").unwrap_err().contains("not a valid regex"));
        assert!(b.add(0, "x*").unwrap_err().contains("empty text"));
        assert!(b.add(0, "Robo").unwrap_err().contains("lowercase"));
        assert!(b.add(0, "niño").unwrap_err().contains("lowercase"));
    }
}
