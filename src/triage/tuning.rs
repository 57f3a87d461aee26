//! The numbers of the decision (`[decision]` in the rules file), so they change with the
//! rules, are versioned with them, and can be tuned without touching code.

use serde::Deserialize;

/// Tuning of the decision, read from the `[decision]` table of the rules file. The
/// defaults are the shipped values, fitted on the dev split; the file states them too.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tuning {
    /// Score `other` starts with: a message needs this much evidence to go elsewhere.
    pub other_baseline: f32,
    /// Added to `other` for messages WhatsApp marks "forwarded".
    pub forwarded: f32,
    /// Added to `other` for "forwarded many times" (chains, rumours) instead.
    pub frequently_forwarded: f32,
    /// Emergency score is multiplied by this before comparing: the guide's precedence.
    pub emergency_boost: f32,
    /// Weight of every rule of a category after its strongest one.
    pub extra_rule_factor: f32,
    /// Added to an undefeated emergency score when a "now" cue fired.
    pub now_bonus: f32,
    /// An emergency needs at least this (boosted) score; weak harm words alone do not
    /// make one.
    pub emergency_min: f32,
    /// A category earlier in the guide's precedence order wins over the top-scoring one
    /// when its score is at least `apply_min` …
    pub apply_min: f32,
    /// … and at least `apply_ratio` times the top score.
    pub apply_ratio: f32,
    /// Follow-up and other scores are multiplied by this when an addendum cue says the
    /// message goes on to a new request.
    pub addendum_factor: f32,
    /// The model's vote is multiplied by this when no rule voted for a category other
    /// than `other`: with nothing else to go on, the model decides.
    pub model_silent_boost: f32,
    /// Multiplies the model's emergency vote (1.0: weighed like the other categories).
    pub model_emergency_scale: f32,
    /// Softmax temperature turning scores into a confidence.
    pub temperature: f32,
    /// Below this confidence a non-emergency guess becomes `other` + `needs_review`.
    pub min_confidence: f32,
    /// An `other` decision is flagged for review when another category scored this much.
    pub review_evidence: f32,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            other_baseline: 1.0,
            forwarded: 1.5,
            frequently_forwarded: 3.0,
            emergency_boost: 1.3,
            extra_rule_factor: 0.75,
            now_bonus: 1.0,
            emergency_min: 2.0,
            apply_min: 2.5,
            apply_ratio: 0.5,
            addendum_factor: 0.4,
            model_silent_boost: 2.0,
            model_emergency_scale: 1.0,
            temperature: 1.0,
            min_confidence: 0.4,
            review_evidence: 1.5,
        }
    }
}

impl Tuning {
    /// Rejects values that would make confidences meaningless.
    pub fn validate(&self) -> Result<(), String> {
        let all = [
            self.other_baseline,
            self.forwarded,
            self.frequently_forwarded,
            self.emergency_boost,
            self.extra_rule_factor,
            self.now_bonus,
            self.emergency_min,
            self.apply_min,
            self.apply_ratio,
            self.addendum_factor,
            self.model_silent_boost,
            self.model_emergency_scale,
            self.temperature,
            self.min_confidence,
            self.review_evidence,
        ];
        if all.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Err("[decision] values must be finite and not negative".to_owned());
        }
        if self.temperature <= 0.0 {
            return Err("[decision] temperature must be above 0".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_not() {
        assert!(Tuning::default().validate().is_ok());
        let cold = Tuning {
            temperature: 0.0,
            ..Tuning::default()
        };
        assert!(cold.validate().is_err());
        let nan = Tuning {
            apply_ratio: f32::NAN,
            ..Tuning::default()
        };
        assert!(nan.validate().is_err());
    }
}
