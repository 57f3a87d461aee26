//! The numbers grouping decides with, and which categories may share an incident.
//!
//! README, "Incident grouping quality", says how they were chosen: the windows and the
//! radius by reasoning, the weights and thresholds on the `dev` half of the labelled bursts.

use chrono::Duration;

/// How a category behaves in grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Something happening now: a short window, and place and time say most.
    Emergency,
    /// A request about a standing problem (patrol) or a tip about one (089): days.
    Request,
    /// A request for a talk: a week.
    Talk,
    /// Follow-ups and chat ("ya llegó la patrulla", "qué miedo"): they join what they are
    /// about and open nothing others join.
    Chat,
}

impl Family {
    pub fn of(category: &str) -> Family {
        match category {
            "emergency_911" => Family::Emergency,
            "tip_089" | "patrol" => Family::Request,
            "workshop" => Family::Talk,
            _ => Family::Chat,
        }
    }
}

/// The thresholds and weights; [`Policy::default`] is what the service runs with.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Two pins closer than this are the same place.
    pub radius_m: f64,
    /// The score a report needs against an emergency incident.
    pub emergency_threshold: f64,
    /// … against a patrol or tip incident.
    pub request_threshold: f64,
    /// … against a talk request.
    pub talk_threshold: f64,
    /// Added to the threshold for follow-ups and chat: they must say something about the
    /// incident, not only be nearby.
    pub chat_extra: f64,
    /// Added to the threshold when only the municipality is shared (no colonia known).
    pub municipality_only: f64,
    /// Added to the score when the report's category is that of one of the incident's
    /// reports (not for chat: two comments say nothing of being about one event).
    pub same_category: f64,
    /// Subtracted when a tip meets a patrol request (or the reverse): the same problem is
    /// sometimes both, but usually not.
    pub tip_and_patrol: f64,
    /// Added when the report names a street or shop the incident names.
    pub shared_place: f64,
    /// Added when the report describes a coloured thing the incident describes ("moto
    /// roja").
    pub shared_detail: f64,
    /// Added at most for recency (the incident's last report just now), decaying with
    /// [`Policy::recency_scale`].
    pub recency: f64,
    /// Added to the threshold of a patrol, tip or talk incident when the report names none
    /// of its places or coloured things.
    pub unnamed: f64,
    /// Added when the report says it adds to what was told ("también", "apoyamos").
    pub echo: f64,
    /// Added when a follow-up meets a patrol request, a tip or a talk request.
    pub follow_up: f64,
    /// How much the word vectors' reading adds to the n-grams' against an emergency (see
    /// [`super::alike`]; nothing against a standing problem).
    pub sense_weight: f64,
    /// How long an emergency incident must have been quiet for "otra vez" to be a new one.
    pub again_quiet: Duration,
    /// Added to an emergency's threshold for an emergency report, times the share of the
    /// incident's window already gone: a late report needs a little more evidence.
    pub late_emergency: f64,
    /// How long news of a missing person's search belongs to it ([`super::search`]).
    pub search_window: Duration,
    /// Added when a report speaks of the search an incident is.
    pub search_news: f64,
    /// How long before an event a comment about it may have come for the event to take
    /// its incident over ([`super::grouping`]'s `take_over`).
    pub take_over_window: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            radius_m: 400.0,
            emergency_threshold: 0.10,
            request_threshold: 0.25,
            talk_threshold: 0.20,
            chat_extra: 0.0,
            municipality_only: 0.15,
            same_category: 0.05,
            tip_and_patrol: 0.20,
            shared_place: 0.05,
            shared_detail: 0.05,
            recency: 0.20,
            unnamed: 0.10,
            echo: 0.15,
            follow_up: 0.10,
            sense_weight: 0.40,
            again_quiet: Duration::minutes(20),
            late_emergency: 0.10,
            search_window: Duration::hours(24),
            search_news: 0.10,
            take_over_window: Duration::minutes(30),
        }
    }
}

impl Policy {
    /// How long after an incident's first report another can still be about it: an
    /// emergency is over within about an hour and a half, neighbours keep asking about a
    /// standing problem for a couple of days, a talk request gathers support for a week.
    /// Counted from the first report, so an incident cannot chain on for ever.
    pub fn window(&self, category: &str) -> Duration {
        match Family::of(category) {
            Family::Emergency => Duration::minutes(90),
            Family::Request => Duration::days(2),
            Family::Talk => Duration::days(7),
            Family::Chat => Duration::hours(12),
        }
    }

    /// The longest window: incidents older than this are closed to new reports.
    pub fn longest_window(&self) -> Duration {
        ["emergency_911", "tip_089", "patrol", "workshop", "other"]
            .iter()
            .map(|c| self.window(c))
            .max()
            .unwrap_or_else(|| Duration::days(7))
    }

    /// How fast recency fades after the incident's last report: a live emergency's reports
    /// come minutes apart, a request's hours apart.
    pub fn recency_scale(&self, category: &str) -> Duration {
        match Family::of(category) {
            Family::Emergency => Duration::minutes(30),
            _ => Duration::hours(12),
        }
    }

    /// The score a report of `category` needs against an incident of `incident`'s
    /// category, or `None` when the two cannot be one event: an emergency is not a patrol
    /// request (a request written after a shooting is a new request), and an incident
    /// opened by chat takes nothing (an event may take it over instead: see
    /// [`super::grouping`]).
    pub fn threshold(&self, incident: &str, category: &str) -> Option<f64> {
        let base = match Family::of(incident) {
            Family::Emergency => self.emergency_threshold,
            Family::Request => self.request_threshold,
            Family::Talk => self.talk_threshold,
            Family::Chat => return None,
        };
        match Family::of(category) {
            Family::Chat => Some(base + self.chat_extra),
            f if f == Family::of(incident) => Some(base),
            _ => None,
        }
    }

    /// The penalty between the two categories (a tip against a patrol request).
    pub fn category_penalty(&self, incident: &str, category: &str) -> f64 {
        let pair = [incident, category];
        if pair.contains(&"tip_089") && pair.contains(&"patrol") {
            self.tip_and_patrol
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emergencies_take_follow_ups_but_not_requests() {
        let p = Policy::default();
        assert_eq!(
            p.threshold("emergency_911", "emergency_911"),
            Some(p.emergency_threshold)
        );
        assert!(p
            .threshold("emergency_911", "follow_up")
            .is_some_and(|t| t > 0.0));
        assert_eq!(p.threshold("emergency_911", "patrol"), None);
        assert_eq!(p.threshold("patrol", "emergency_911"), None);
        assert_eq!(p.threshold("patrol", "tip_089"), Some(p.request_threshold));
        assert!(p.category_penalty("patrol", "tip_089") > 0.0);
        assert_eq!(p.threshold("other", "other"), None);
        assert_eq!(p.longest_window(), Duration::days(7));
    }
}
