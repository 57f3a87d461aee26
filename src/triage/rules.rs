//! The rules file (`config/triage/rules.toml`): parsing, validation with line numbers, and
//! compilation of every pattern into one `RegexSet`, so a message costs a single scan.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::cue::Cue;
use super::pattern::{PatternSet, PatternSetBuilder};
use super::tuning::Tuning;
use super::{Category, TriageConfigError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: u32,
    cnie: Option<Spanned<BTreeMap<String, String>>>,
    decision: Option<Spanned<Tuning>>,
    #[serde(rename = "rule", default)]
    rules: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: Spanned<String>,
    category: Option<Spanned<String>>,
    cue: Option<Spanned<String>>,
    weight: Option<Spanned<f32>>,
    cnie: Option<Spanned<u32>>,
    #[serde(default)]
    unless: Vec<Spanned<String>>,
    patterns: Vec<Spanned<String>>,
}

/// One compiled rule. A rule votes for a category, raises a context cue, or both.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable name, e.g. "patrol.rondin".
    pub name: String,
    /// Category that gets `weight` added to its score.
    pub vote: Option<Category>,
    /// Context cue raised, read by `context::decide`.
    pub cue: Option<Cue>,
    /// Added to the category's score (after the strongest rule, scaled down).
    pub weight: f32,
    /// Suggested CNIE code, present in `RuleSet::cnie_names`.
    pub cnie: Option<u32>,
    /// Cues (as `Cue::bit` flags) that cancel this rule's vote.
    pub unless: u32,
}

/// All rules of a file, compiled.
#[derive(Debug)]
pub struct RuleSet {
    /// In file order; `fired` returns indices into it.
    pub rules: Vec<Rule>,
    /// The `[cnie]` table: code → catalogue name.
    pub cnie_names: BTreeMap<u32, String>,
    /// `version` of the file.
    pub file_version: u32,
    /// The `[decision]` table.
    pub tuning: Tuning,
    patterns: PatternSet,
}

impl RuleSet {
    /// Parses, validates and compiles a rules file.
    pub fn parse(source: &str) -> Result<Self, TriageConfigError> {
        let err = |span: Range<usize>, message: String| TriageConfigError {
            line: line_of(source, span.start),
            message,
        };
        let raw: RawFile = toml::from_str(source).map_err(|e| TriageConfigError {
            line: e.span().map_or(1, |s| line_of(source, s.start)),
            message: e.message().to_owned(),
        })?;
        let (cnie_span, cnie_table) = match raw.cnie {
            Some(t) => (t.span(), t.into_inner()),
            None => (0..0, BTreeMap::new()),
        };
        let mut cnie_names = BTreeMap::new();
        for (code, name) in cnie_table {
            let parsed = code
                .parse::<u32>()
                .ok()
                .filter(|c| (10_000..100_000).contains(c));
            let Some(parsed) = parsed else {
                return Err(err(
                    cnie_span,
                    format!("CNIE code {code:?} is not 5 digits"),
                ));
            };
            cnie_names.insert(parsed, name);
        }

        let tuning = match raw.decision {
            Some(d) => {
                let span = d.span();
                let t = d.into_inner();
                t.validate().map_err(|m| err(span, m))?;
                t
            }
            None => Tuning::default(),
        };
        let mut rules = Vec::with_capacity(raw.rules.len());
        let mut patterns = PatternSetBuilder::default();
        let mut seen = HashSet::new();
        for spanned in raw.rules {
            let span = spanned.span();
            let r = spanned.into_inner();
            let name = r.name.get_ref().clone();
            if !seen.insert(name.clone()) {
                return Err(err(r.name.span(), format!("duplicate rule name {name:?}")));
            }
            let (prefix, rest) = name.split_once('.').unwrap_or(("", ""));
            if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                let msg = format!("rule name {name:?} must look like prefix.snake_case");
                return Err(err(r.name.span(), msg));
            }
            let vote = match &r.category {
                Some(cat) => {
                    let c: Category = cat
                        .get_ref()
                        .parse()
                        .map_err(|e| err(cat.span(), format!("{e}")))?;
                    Some(c)
                }
                None => None,
            };
            let cue = match &r.cue {
                Some(k) => Some(k.get_ref().parse::<Cue>().map_err(|e| err(k.span(), e))?),
                None => None,
            };
            // A rule is named after what it does: its category ("patrol.rondin") or, for
            // cues, "context." ("context.hypothetical" may also vote for `other`).
            let prefix_ok = match (vote, cue) {
                (Some(c), Some(_)) => prefix == c.rule_prefix() || prefix == "context",
                (Some(c), None) => prefix == c.rule_prefix(),
                (None, Some(_)) => prefix == "context",
                (None, None) => {
                    let msg = "a rule needs a `category`, a `cue` or both".to_owned();
                    return Err(err(span, msg));
                }
            };
            if !prefix_ok {
                let want = vote.map_or("context", |c| c.rule_prefix());
                let msg = format!("rule {name:?} must be named {want}.…");
                return Err(err(r.name.span(), msg));
            }
            let weight = match &r.weight {
                Some(w) if !w.get_ref().is_finite() || w.get_ref().abs() > 20.0 => {
                    return Err(err(w.span(), "weight must be finite, within ±20".into()));
                }
                Some(w) => *w.get_ref(),
                None if vote.is_none() => 0.0,
                None => return Err(err(span, format!("rule {name:?} needs a weight"))),
            };
            let mut unless = 0;
            for u in &r.unless {
                let k: Cue = u.get_ref().parse().map_err(|e| err(u.span(), e))?;
                unless |= k.bit();
            }
            let cnie = match r.cnie {
                Some(code) if !cnie_names.contains_key(code.get_ref()) => {
                    let msg = format!("CNIE code {} is not in the [cnie] table", code.get_ref());
                    return Err(err(code.span(), msg));
                }
                other => other.map(|c| *c.get_ref()),
            };
            if r.patterns.is_empty() {
                return Err(err(span, format!("rule {name:?} has no patterns")));
            }
            for p in &r.patterns {
                patterns
                    .add(rules.len(), p.get_ref())
                    .map_err(|m| err(p.span(), m))?;
            }
            rules.push(Rule {
                name,
                vote,
                cue,
                weight,
                cnie,
                unless,
            });
        }
        if rules.is_empty() {
            return Err(err(0..0, "the file defines no [[rule]]".into()));
        }
        let patterns = patterns.build().map_err(|m| err(0..0, m))?;
        Ok(RuleSet {
            rules,
            cnie_names,
            file_version: raw.version,
            tuning,
            patterns,
        })
    }

    /// Indices of the rules that fire on normalised text, ascending and unique.
    pub fn fired(&self, normalized: &str) -> Vec<usize> {
        self.patterns.fired_rules(normalized)
    }
}

/// 1-based line of a byte offset.
fn line_of(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len());
    source.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of_error(src: &str) -> (usize, String) {
        let e = RuleSet::parse(src).unwrap_err();
        (e.line, e.message)
    }

    const HEAD: &str = "version = 1\n[cnie]\n\"50305\" = \"Solicitud de rondín\"\n";

    #[test]
    fn compiles_and_fires() {
        let src = format!(
            "{HEAD}[[rule]]\nname = \"patrol.rondin\"\ncategory = \"patrol\"\nweight = 2.0\n\
             cnie = 50305\npatterns = ['\\brondin(es)?\\b']\n"
        );
        let set = RuleSet::parse(&src).unwrap();
        assert_eq!(set.fired("manden rondines por favor"), vec![0]);
        assert!(set.fired("mandarina").is_empty());
    }

    #[test]
    fn errors_name_the_line() {
        let rule = |body: &str| format!("{HEAD}\n[[rule]]\nname = \"patrol.x\"\n{body}");
        let (line, msg) =
            line_of_error(&rule("category = \"patrol\"\nweight = 1\npatterns = ['(']"));
        assert_eq!(line, 9, "{msg}");
        assert!(msg.contains("not a valid regex"));
        let (line, msg) = line_of_error(&rule(
            "category = \"patrulla\"\nweight = 1\npatterns = ['a']",
        ));
        assert_eq!((line, msg.contains("unknown category")), (7, true));
        let (line, _) = line_of_error(&rule(
            "category = \"patrol\"\nweight = 1\npatterns = ['a?']",
        ));
        assert_eq!(line, 9);
        let (line, _) = line_of_error(&rule(
            "category = \"patrol\"\nweight = 1\npatterns = ['Robo']",
        ));
        assert_eq!(line, 9);
        let (line, _) = line_of_error(&rule(
            "category = \"patrol\"\ncnie = 1\nweight = 1\npatterns = ['a']",
        ));
        assert_eq!(line, 8);
        let (line, msg) =
            line_of_error(&rule("category = \"patrol\"\nwieght = 1\npatterns = ['a']"));
        assert!(msg.contains("wieght") && line >= 5, "{line} {msg}");
        let (line, _) = line_of_error("version = \"one\"\n");
        assert_eq!(line, 1);
    }
}
