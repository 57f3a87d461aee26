//! Context logic: turns fired rules (votes and cues), the model's vote and the message
//! flags into a decision. This is where "anoche hubo balazos" stops being an emergency,
//! where fireworks dates and chains are read, where the guide's precedence applies, and
//! where low-confidence guesses become `other` with `needs_review`.

use chrono::{Datelike, NaiveDate};

use super::cue::{Cue, Cues};
use super::rules::RuleSet;
use super::tuning::Tuning;
use super::{Category, Classification, Cnie, Input, Priority};

const E: usize = Category::Emergency911 as usize;
const OTHER: usize = Category::Other as usize;

/// Cues that always mean "not an emergency".
const ALWAYS_DEFEAT: [Cue; 4] = [Cue::Hypothetical, Cue::Joke, Cue::Negation, Cue::Elsewhere];
/// Cues that mean "not an emergency" unless something says it is happening now:
/// "pasen la voz, se me perdió el niño ahorita" is still one.
const DEFEAT_UNLESS_NOW: [Cue; 5] = [
    Cue::Chain,
    Cue::Flyer,
    Cue::Past,
    Cue::Habitual,
    Cue::Planning,
];

/// What the decision saw on the way, for the calibrated stage ([`super::stack`]): it learns
/// from these how far to trust each part, instead of a hand-set vote.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trace {
    /// Rule votes per category before the model and the context logic.
    pub rule_votes: [f32; 6],
    /// Votes per category after the model, the cues and the precedence boosts.
    pub final_votes: [f32; 6],
    /// Cues read from the fired rules and the date.
    pub cues: Cues,
    /// An emergency vote was cancelled by a cue (past, negation, chain, …).
    pub defused: bool,
    /// The guide's precedence overrode the top-scoring category.
    pub overridden: bool,
}

/// Decides the category of one message from its fired rules and model scores.
pub fn decide(
    rules: &RuleSet,
    fired: &[usize],
    model: Option<&[f32; 6]>,
    input: &Input<'_>,
    t: &Tuning,
) -> (Classification, Trace) {
    let mut names: Vec<String> = Vec::with_capacity(fired.len() + 3);
    let cues = read_cues(rules, fired, input, &mut names);
    let mut votes = tally(rules, fired, cues, t, &mut names);
    let rule_votes = votes;
    if input.frequently_forwarded {
        votes[OTHER] += t.frequently_forwarded;
        names.push("input.frequently_forwarded".to_owned());
    } else if input.forwarded {
        votes[OTHER] += t.forwarded;
        names.push("input.forwarded".to_owned());
    }
    // Whether the rules alone saw an emergency; the model always gives it some weight.
    let rules_saw_emergency = votes[E] >= t.apply_min;
    if let Some(m) = model {
        // With no rule for any real category, the model is all there is to go on.
        let silent = votes[..OTHER].iter().all(|&v| v <= 0.0);
        let k = if silent { t.model_silent_boost } else { 1.0 };
        for (c, (v, s)) in votes.iter_mut().zip(m).enumerate() {
            let ke = if c == E { t.model_emergency_scale } else { 1.0 };
            *v += k * ke * s;
        }
        if let Some(c) = top_share(m) {
            names.push(format!("model.{}", c.as_str()));
        }
    }
    // Runs after the model so that it cannot revive a past event either.
    let now = cues.has(Cue::Now);
    // Bangs read as fireworks by the date: the model's vote for shots must not undo that
    // reading either, unless the message says it is happening right now.
    let season_bangs = names.iter().any(|n| n == "context.fireworks_date");
    let mut defused = false;
    if votes[E] > 0.0 {
        defused = ALWAYS_DEFEAT.iter().any(|&k| cues.has(k))
            || input.frequently_forwarded
            || (!now
                && (input.forwarded
                    || season_bangs
                    || DEFEAT_UNLESS_NOW.iter().any(|&k| cues.has(k))));
        if defused {
            votes[E] = 0.0;
        } else if now {
            votes[E] += t.now_bonus;
        }
    }
    if cues.has(Cue::Addendum) {
        votes[Category::FollowUp.index()] *= t.addendum_factor;
        votes[OTHER] *= t.addendum_factor;
    }
    votes[E] *= t.emergency_boost;
    if votes[E] < t.emergency_min {
        votes[E] = 0.0;
    }

    let (best, overridden) = choose(&votes, cues, t);
    let unsure = !overridden && softmax_of(&votes, best, t.temperature) < t.min_confidence;
    let (category, mut needs_review) = match best {
        Category::Other | Category::Emergency911 => (best, false),
        _ if unsure => (Category::Other, true),
        _ => (best, false),
    };
    if category == Category::Other {
        // Set aside with a rival in sight, or an emergency told as past, chain or joke:
        // worth an operator's glance either way.
        let rival = votes[..OTHER].iter().copied().fold(0f32, f32::max);
        needs_review |=
            rival >= t.review_evidence || (defused && (rules_saw_emergency || season_bangs));
    }
    let mut priority = category.default_priority();
    if category == Category::Patrol
        && cues.has(Cue::RecentCrime)
        && cues.has(Cue::Past)
        && !cues.has(Cue::LongAgo)
    {
        priority = Priority::High;
    }
    let trace = Trace {
        rule_votes,
        final_votes: votes,
        cues,
        defused,
        overridden,
    };
    let decision = Classification {
        category,
        priority,
        confidence: softmax_of(&votes, category, t.temperature),
        needs_review,
        rules: names,
        cnie: suggested_cnie(rules, fired, category, cues),
        emergency_probability: 0.0,
        emergency_reply: category == Category::Emergency911,
    };
    (decision, trace)
}

/// Cues of the fired rules, after the cues that cancel others and the date.
fn read_cues(rules: &RuleSet, fired: &[usize], input: &Input<'_>, names: &mut Vec<String>) -> Cues {
    let mut cues = Cues::default();
    for r in fired.iter().filter_map(|&i| rules.rules[i].cue) {
        cues.insert(r);
    }
    if cues.has(Cue::Serious) {
        cues.remove(Cue::Joke);
        cues.remove(Cue::Negation);
    }
    if cues.has(Cue::NotFireworks) {
        cues.remove(Cue::Fireworks);
    } else if cues.has(Cue::Bang) && input.local_date.is_some_and(fireworks_season) {
        // Ambiguous bangs on the nights fireworks are usual are read as fireworks.
        cues.insert(Cue::Fireworks);
        names.push("context.fireworks_date".to_owned());
    }
    cues
}

/// Scores per category from the vote rules, and the names of the rules that count.
fn tally(
    rules: &RuleSet,
    fired: &[usize],
    cues: Cues,
    t: &Tuning,
    names: &mut Vec<String>,
) -> [f32; 6] {
    // Rules of one category often fire on the same phrase ("rondines", "que pase la
    // patrulla"), so only the strongest counts in full and the rest are discounted.
    let mut strongest = [0f32; 6];
    let mut total = [0f32; 6];
    for r in fired.iter().map(|&i| &rules.rules[i]) {
        if let Some(c) = r.vote {
            if cues.any(r.unless) {
                continue;
            }
            strongest[c.index()] = strongest[c.index()].max(r.weight);
            total[c.index()] += r.weight;
        }
        names.push(r.name.clone());
    }
    let mut votes = [0f32; 6];
    votes[OTHER] = t.other_baseline;
    for c in 0..6 {
        votes[c] += strongest[c] + t.extra_rule_factor * (total[c] - strongest[c]);
    }
    votes
}

/// The top category, then the guide's precedence: an earlier category that clearly
/// applies wins. Returns whether precedence changed the pick.
fn choose(votes: &[f32; 6], cues: Cues, t: &Tuning) -> (Category, bool) {
    let mut best = Category::Emergency911;
    for c in Category::ALL {
        // Strictly greater: ties go to the category earlier in precedence order.
        if votes[c.index()] > votes[best.index()] {
            best = c;
        }
    }
    let top = votes[best.index()];
    // A what-if question names crimes without reporting one; follow-ups mention the
    // request they follow (rounds, a talk, a tip), so only an emergency overrides them.
    let reach = match best {
        _ if cues.has(Cue::Hypothetical) => 0,
        Category::FollowUp => 1,
        _ => best.index(),
    };
    // An emergency takes precedence only when it is happening now: tips and patrol
    // requests also describe armed or violent people.
    let now = cues.has(Cue::Now);
    Category::ALL[..reach]
        .iter()
        .find(|&&c| {
            let v = votes[c.index()];
            v >= t.apply_min && v >= t.apply_ratio * top && (c != Category::Emergency911 || now)
        })
        .map_or((best, false), |&c| (c, true))
}

/// The category the model itself favours, when it holds at least half of its vote.
fn top_share(m: &[f32; 6]) -> Option<Category> {
    let total: f32 = m.iter().sum();
    Category::ALL
        .into_iter()
        .find(|c| total > 0.0 && m[c.index()] >= 0.5 * total)
}

/// Softmax probability of `c` among the scores.
fn softmax_of(votes: &[f32; 6], c: Category, temperature: f32) -> f32 {
    let own = votes[c.index()];
    let sum: f32 = votes.iter().map(|v| ((v - own) / temperature).exp()).sum();
    (1.0 / sum).clamp(0.0, 1.0)
}

/// The CNIE code of the strongest fired, uncancelled rule of the chosen category.
fn suggested_cnie(
    rules: &RuleSet,
    fired: &[usize],
    category: Category,
    cues: Cues,
) -> Option<Cnie> {
    let mut best: Option<(f32, u32)> = None;
    for r in fired.iter().map(|&i| &rules.rules[i]) {
        if r.vote != Some(category) || cues.any(r.unless) {
            continue;
        }
        if let Some(code) = r.cnie {
            if best.is_none_or(|(w, _)| r.weight > w) {
                best = Some((r.weight, code));
            }
        }
    }
    best.map(|(_, code)| Cnie {
        code,
        name: rules.cnie_names.get(&code).cloned().unwrap_or_default(),
    })
}

/// Days when fireworks are usual in Mexico: Independence (15–16 Sept), Guadalupe
/// (12 Dec), Christmas (24–25 Dec) and New Year (31 Dec–1 Jan).
pub fn fireworks_season(d: NaiveDate) -> bool {
    matches!(
        (d.month(), d.day()),
        (9, 15 | 16) | (12, 12 | 24 | 25 | 31) | (1, 1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fireworks_dates() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert!(fireworks_season(d(9, 15)) && fireworks_season(d(12, 31)));
        assert!(fireworks_season(d(1, 1)) && fireworks_season(d(12, 12)));
        assert!(!fireworks_season(d(9, 17)) && !fireworks_season(d(7, 4)));
    }

    #[test]
    fn precedence_needs_now_for_emergencies() {
        let t = Tuning::default();
        let votes = [3.0, 5.0, 0.0, 0.0, 0.0, 1.0];
        assert_eq!(
            choose(&votes, Cues::default(), &t),
            (Category::Tip089, false)
        );
        let mut now = Cues::default();
        now.insert(Cue::Now);
        assert_eq!(choose(&votes, now, &t), (Category::Emergency911, true));
        let mut what_if = now;
        what_if.insert(Cue::Hypothetical);
        assert_eq!(choose(&votes, what_if, &t), (Category::Tip089, false));
    }

    #[test]
    fn follow_ups_are_not_overridden_by_the_request_they_mention() {
        let t = Tuning::default();
        let votes = [0.0, 0.0, 2.5, 0.0, 4.0, 1.0];
        assert_eq!(
            choose(&votes, Cues::default(), &t),
            (Category::FollowUp, false)
        );
        let votes = [0.0, 0.0, 2.5, 4.0, 0.0, 1.0];
        assert_eq!(
            choose(&votes, Cues::default(), &t),
            (Category::Patrol, true)
        );
    }

    #[test]
    fn confidence_is_a_probability() {
        let p = softmax_of(&[0.0, 0.0, 3.0, 0.0, 0.0, 1.0], Category::Patrol, 1.0);
        assert!(p > 0.5 && p < 1.0);
        assert_eq!(
            top_share(&[0.0, 0.1, 0.8, 0.0, 0.0, 0.1]),
            Some(Category::Patrol)
        );
        assert_eq!(top_share(&[0.0; 6]), None);
    }
}
