//! The two closed vocabularies of the classifier's output: [`Category`] and [`Priority`].
//! Machine names are stable identifiers (database, API, exports); see
//! `shared/spec/triage-categories.md`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What the bot does with a message. Declaration order is the guide's precedence order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Category {
    /// Threat to life, body or property happening now.
    #[serde(rename = "emergency_911")]
    Emergency911,
    /// Crime information best reported anonymously.
    #[serde(rename = "tip_089")]
    Tip089,
    /// Request for police presence or a recurring, non-urgent problem.
    #[serde(rename = "patrol")]
    Patrol,
    /// Request for a prevention talk, workshop or training.
    #[serde(rename = "workshop")]
    Workshop,
    /// Question or comment about a request already made.
    #[serde(rename = "follow_up")]
    FollowUp,
    /// Everything else, including what the classifier cannot place.
    #[serde(rename = "other")]
    Other,
}

impl Category {
    /// All categories in precedence order.
    pub const ALL: [Category; 6] = [
        Category::Emergency911,
        Category::Tip089,
        Category::Patrol,
        Category::Workshop,
        Category::FollowUp,
        Category::Other,
    ];

    /// Stable machine name, e.g. `"emergency_911"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Category::Emergency911 => "emergency_911",
            Category::Tip089 => "tip_089",
            Category::Patrol => "patrol",
            Category::Workshop => "workshop",
            Category::FollowUp => "follow_up",
            Category::Other => "other",
        }
    }

    /// Label shown to people.
    pub fn label_es(&self) -> &'static str {
        crate::vocab::category_es(self.as_str())
    }

    /// Prefix of the rule names that vote for this category (`emergency.robo_en_curso`).
    pub fn rule_prefix(&self) -> &'static str {
        match self {
            Category::Emergency911 => "emergency",
            Category::Tip089 => "tip",
            Category::Patrol => "patrol",
            Category::Workshop => "workshop",
            Category::FollowUp => "follow_up",
            Category::Other => "other",
        }
    }

    /// Position in [`Category::ALL`], for indexing score and confusion arrays.
    pub fn index(&self) -> usize {
        *self as usize
    }

    /// The priority the guide assigns to the category by default.
    pub fn default_priority(&self) -> Priority {
        match self {
            Category::Emergency911 => Priority::Critical,
            Category::Tip089 => Priority::High,
            Category::Patrol => Priority::Normal,
            Category::Workshop | Category::FollowUp => Priority::Low,
            Category::Other => Priority::None,
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A machine name that is not one of the closed vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownLabel {
    /// "category" or "priority".
    pub kind: &'static str,
    /// The text that did not match.
    pub value: String,
}

impl FromStr for Category {
    type Err = UnknownLabel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownLabel {
                kind: "category",
                value: s.to_owned(),
            })
    }
}

/// Queue priority. The derived order puts `Critical` first when sorting ascending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Emergencies.
    Critical,
    /// 089 tips and patrol requests that name a recent crime.
    High,
    /// Patrol requests.
    Normal,
    /// Workshops and follow-ups.
    Low,
    /// Not queued.
    None,
}

impl Priority {
    /// All priorities, most urgent first.
    pub const ALL: [Priority; 5] = [
        Priority::Critical,
        Priority::High,
        Priority::Normal,
        Priority::Low,
        Priority::None,
    ];

    /// Stable machine name, e.g. `"critical"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Priority::Critical => "critical",
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
            Priority::None => "none",
        }
    }

    /// 0 for the most urgent; use it to sort queues.
    pub fn rank(&self) -> u8 {
        *self as u8
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Priority {
    type Err = UnknownLabel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownLabel {
                kind: "priority",
                value: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_str_and_serde() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>(), Ok(c));
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{c}\""));
            assert_eq!(serde_json::from_str::<Category>(&json).unwrap(), c);
        }
        for p in Priority::ALL {
            assert_eq!(p.as_str().parse::<Priority>(), Ok(p));
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{p}\""));
        }
        assert!("emergency911".parse::<Category>().is_err());
    }

    #[test]
    fn critical_sorts_first() {
        let mut ps = [
            Priority::None,
            Priority::Low,
            Priority::Critical,
            Priority::High,
        ];
        ps.sort();
        assert_eq!(ps[0], Priority::Critical);
        assert_eq!(Priority::Critical.rank(), 0);
    }
}
