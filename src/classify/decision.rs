//! Confidence thresholds → automate or escalate, with the reason.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::classify::intent::Intent;
use crate::classify::label::{CustomLabel, Label, MAX_LABELS};

/// A probability for one label.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LabelScore {
    /// The label: a built-in intent or one of the shop's own.
    pub label: Label,
    /// Its probability, in `[0, 1]`.
    pub probability: f64,
}

impl Default for LabelScore {
    /// A placeholder for [`Scores`]' unused slots: `other` at probability 0.
    fn default() -> Self {
        LabelScore {
            label: Label::Intent(Intent::Other),
            probability: 0.0,
        }
    }
}

/// Every label's probability, most likely first. Kept inline (a model has at most
/// [`MAX_LABELS`] labels), so classifying allocates nothing; read it as a slice.
#[derive(Clone, Default, PartialEq)]
pub struct Scores(tinyvec::ArrayVec<[LabelScore; MAX_LABELS]>);

impl std::ops::Deref for Scores {
    type Target = [LabelScore];

    fn deref(&self) -> &[LabelScore] {
        &self.0
    }
}

impl std::ops::DerefMut for Scores {
    fn deref_mut(&mut self) -> &mut [LabelScore] {
        &mut self.0
    }
}

impl FromIterator<LabelScore> for Scores {
    /// # Panics
    /// With more than [`MAX_LABELS`] scores: no model has that many labels.
    fn from_iter<I: IntoIterator<Item = LabelScore>>(scores: I) -> Self {
        let mut inline = tinyvec::ArrayVec::new();
        for score in scores {
            inline.push(score);
        }
        Scores(inline)
    }
}

impl fmt::Debug for Scores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// What to do with a classified message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Confident enough to answer with the intent's script.
    Automate,
    /// Hand to a human.
    Escalate(EscalationReason),
}

impl Decision {
    /// Whether the message may be answered automatically.
    pub fn is_automate(&self) -> bool {
        matches!(self, Decision::Automate)
    }

    /// The escalation reason, if escalated.
    pub fn reason(&self) -> Option<EscalationReason> {
        match self {
            Decision::Automate => None,
            Decision::Escalate(reason) => Some(*reason),
        }
    }
}

/// Why a message goes to a human.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EscalationReason {
    /// Nothing to analyse: empty, whitespace, emoji or punctuation only.
    EmptyMessage,
    /// The most likely intent is `other`.
    OutOfScope,
    /// The most likely label is one of the shop's own, which deskbot has no script for.
    Custom {
        /// The label.
        label: CustomLabel,
    },
    /// The top intent's probability is below its threshold.
    LowConfidence {
        /// The top probability.
        confidence: f64,
        /// The threshold it missed.
        threshold: f64,
    },
    /// The top two intents are too close to call.
    Ambiguous {
        /// The second most likely label.
        runner_up: Label,
        /// Top probability minus runner-up probability.
        gap: f64,
        /// The margin required.
        margin: f64,
    },
    /// The scores are not probabilities (NaN, infinite, outside `[0, 1]`, or not summing to 1):
    /// the model is broken, and nothing it says can be trusted.
    InvalidScores,
}

impl EscalationReason {
    /// Stable machine-readable code (`empty_message`, `out_of_scope`, `custom:<label>`,
    /// `low_confidence`, `ambiguous`, `invalid_scores`).
    pub fn code(&self) -> &'static str {
        match self {
            EscalationReason::EmptyMessage => "empty_message",
            EscalationReason::OutOfScope => "out_of_scope",
            EscalationReason::Custom { label } => label.reason_code(),
            EscalationReason::LowConfidence { .. } => "low_confidence",
            EscalationReason::Ambiguous { .. } => "ambiguous",
            EscalationReason::InvalidScores => "invalid_scores",
        }
    }
}

/// Formats `smaller < larger` with as many decimals as it takes for the two to read differently
/// (at least three), so a message never claims "1.000 < 1.000".
pub fn format_below(smaller: f64, larger: f64) -> String {
    for decimals in 3..=17 {
        let (a, b) = (
            format!("{smaller:.decimals$}"),
            format!("{larger:.decimals$}"),
        );
        if a != b {
            return format!("{a} < {b}");
        }
    }
    // Equal to 17 decimals: the shortest round-trip forms still differ when the values do.
    format!("{smaller} < {larger}")
}

impl fmt::Display for EscalationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EscalationReason::EmptyMessage => f.write_str("empty message"),
            EscalationReason::OutOfScope => f.write_str("out of scope (other)"),
            EscalationReason::Custom { label } => write!(f, "the shop's own label `{label}`"),
            EscalationReason::LowConfidence {
                confidence,
                threshold,
            } => write!(
                f,
                "low confidence ({})",
                format_below(*confidence, *threshold)
            ),
            EscalationReason::Ambiguous {
                runner_up,
                gap,
                margin,
            } => write!(
                f,
                "ambiguous with {runner_up} (gap < margin: {})",
                format_below(*gap, *margin)
            ),
            EscalationReason::InvalidScores => {
                f.write_str("invalid scores (not finite, or not a probability distribution)")
            }
        }
    }
}

/// A threshold setting that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidThreshold {
    /// A value outside its range.
    #[error("{name} must be a number in {range}, got {value}")]
    OutOfRange {
        /// Which setting.
        name: String,
        /// The allowed range, for the message.
        range: &'static str,
        /// The value given.
        value: f64,
    },
    /// A threshold for an intent that is never automated, so it would silently mean nothing.
    #[error("a threshold for `{intent}` means nothing: `{intent}` is never automated")]
    NeverAutomated {
        /// The intent.
        intent: Intent,
    },
}

/// Confidence thresholds, stored in the model file and overridable at load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Minimum top probability for intents without an override. Default: 0.6.
    pub default: f64,
    /// Per-intent minimum top probability (set by tuning). Default: none.
    pub per_intent: BTreeMap<Intent, f64>,
    /// Minimum gap between the top two probabilities. Default: 0.1.
    pub ambiguity_margin: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            default: 0.6,
            per_intent: BTreeMap::new(),
            ambiguity_margin: 0.1,
        }
    }
}

impl Thresholds {
    /// Sets the default threshold (default 0.6).
    pub fn with_default(mut self, threshold: f64) -> Self {
        self.default = threshold;
        self
    }

    /// Sets one intent's threshold, overriding the default for it.
    pub fn with_intent(mut self, intent: Intent, threshold: f64) -> Self {
        self.per_intent.insert(intent, threshold);
        self
    }

    /// Sets the ambiguity margin (default 0.1).
    pub fn with_ambiguity_margin(mut self, margin: f64) -> Self {
        self.ambiguity_margin = margin;
        self
    }

    /// Checks every value is within `[0, 1]` (margin `[0, 1)`).
    pub fn check(&self) -> Result<(), InvalidThreshold> {
        let in_unit = |name: String, value: f64| {
            if (0.0..=1.0).contains(&value) {
                Ok(())
            } else {
                Err(InvalidThreshold::OutOfRange {
                    name,
                    range: "[0, 1]",
                    value,
                })
            }
        };
        in_unit("default threshold".into(), self.default)?;
        for (&intent, &value) in &self.per_intent {
            if !intent.is_in_scope() {
                return Err(InvalidThreshold::NeverAutomated { intent });
            }
            in_unit(format!("threshold for {intent}"), value)?;
        }
        if !(0.0..1.0).contains(&self.ambiguity_margin) {
            return Err(InvalidThreshold::OutOfRange {
                name: "ambiguity margin".into(),
                range: "[0, 1)",
                value: self.ambiguity_margin,
            });
        }
        Ok(())
    }

    /// The threshold that applies to `intent`.
    pub fn for_intent(&self, intent: Intent) -> f64 {
        self.per_intent
            .get(&intent)
            .copied()
            .unwrap_or(self.default)
    }

    /// Decides on scores sorted by descending probability. `empty` marks a message with
    /// nothing to analyse. Scores that are not probabilities always escalate.
    pub fn decide(&self, scores: &[LabelScore], empty: bool) -> Decision {
        let (Some(top), runner_up) = (scores.first(), scores.get(1)) else {
            return Decision::Escalate(EscalationReason::EmptyMessage);
        };
        // Checked first: every comparison below is false for NaN, which would let a broken
        // model's answer through.
        if !are_probabilities(scores) {
            return Decision::Escalate(EscalationReason::InvalidScores);
        }
        if empty {
            return Decision::Escalate(EscalationReason::EmptyMessage);
        }
        let intent = match top.label {
            Label::Custom(label) => return Decision::Escalate(EscalationReason::Custom { label }),
            Label::Intent(intent) if !intent.is_in_scope() => {
                return Decision::Escalate(EscalationReason::OutOfScope)
            }
            Label::Intent(intent) => intent,
        };
        let threshold = self.for_intent(intent);
        if top.probability < threshold {
            return Decision::Escalate(EscalationReason::LowConfidence {
                confidence: top.probability,
                threshold,
            });
        }
        if let Some(runner_up) = runner_up {
            let gap = top.probability - runner_up.probability;
            if gap < self.ambiguity_margin {
                return Decision::Escalate(EscalationReason::Ambiguous {
                    runner_up: runner_up.label,
                    gap,
                    margin: self.ambiguity_margin,
                });
            }
        }
        Decision::Automate
    }
}

/// Slack for rounding in probabilities computed by softmax (their sum is 1 to within a few ulps).
const PROBABILITY_TOLERANCE: f64 = 1e-6;

/// Whether every score is a finite probability and together they could be a distribution: at
/// most 1 in total, and exactly 1 (within rounding) when the list is a model's whole (every
/// model has at least the five built-in intents).
fn are_probabilities(scores: &[LabelScore]) -> bool {
    let in_unit = |p: f64| (-PROBABILITY_TOLERANCE..=1.0 + PROBABILITY_TOLERANCE).contains(&p);
    if !scores.iter().all(|s| in_unit(s.probability)) {
        return false;
    }
    let total: f64 = scores.iter().map(|s| s.probability).sum();
    if scores.len() >= Intent::COUNT {
        (total - 1.0).abs() <= PROBABILITY_TOLERANCE
    } else {
        total <= 1.0 + PROBABILITY_TOLERANCE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(pairs: &[(Intent, f64)]) -> Vec<LabelScore> {
        pairs
            .iter()
            .map(|&(intent, probability)| LabelScore {
                label: intent.into(),
                probability,
            })
            .collect()
    }

    #[test]
    fn confident_in_scope_intent_is_automated() {
        let t = Thresholds::default();
        let s = scores(&[(Intent::Tracking, 0.9), (Intent::Other, 0.05)]);
        assert_eq!(t.decide(&s, false), Decision::Automate);
    }

    #[test]
    fn each_escalation_reason_is_reachable_in_priority_order() {
        let t = Thresholds::default()
            .with_default(0.6)
            .with_ambiguity_margin(0.3);
        let empty = scores(&[(Intent::Tracking, 0.9), (Intent::Other, 0.1)]);
        assert_eq!(
            t.decide(&empty, true),
            Decision::Escalate(EscalationReason::EmptyMessage)
        );
        let other = scores(&[(Intent::Other, 0.99), (Intent::Cancel, 0.01)]);
        assert_eq!(
            t.decide(&other, false),
            Decision::Escalate(EscalationReason::OutOfScope)
        );
        let low = scores(&[(Intent::Cancel, 0.5), (Intent::Other, 0.2)]);
        assert_eq!(
            t.decide(&low, false).reason().unwrap().code(),
            "low_confidence"
        );
        // Probabilities that could come from a model: together at most 1.
        let close = scores(&[(Intent::Return, 0.6), (Intent::MissingItem, 0.35)]);
        match t.decide(&close, false) {
            Decision::Escalate(EscalationReason::Ambiguous { runner_up, gap, .. }) => {
                assert_eq!(runner_up, Intent::MissingItem);
                assert!((gap - 0.25).abs() < 1e-12);
            }
            other => panic!("expected ambiguous, got {other:?}"),
        }
    }

    #[test]
    fn a_shops_own_label_on_top_escalates_with_its_name_whatever_the_confidence() {
        let t = Thresholds::default();
        let exchange = CustomLabel::parse("exchange").unwrap();
        let s = vec![
            LabelScore {
                label: Label::Custom(exchange),
                probability: 0.99,
            },
            LabelScore {
                label: Intent::Return.into(),
                probability: 0.01,
            },
        ];
        let decision = t.decide(&s, false);
        assert_eq!(
            decision,
            Decision::Escalate(EscalationReason::Custom { label: exchange })
        );
        assert_eq!(decision.reason().unwrap().code(), "custom:exchange");
        // Under a built-in intent it is only a runner-up, and a close one is ambiguous.
        let s = vec![
            LabelScore {
                label: Intent::Return.into(),
                probability: 0.62,
            },
            LabelScore {
                label: Label::Custom(exchange),
                probability: 0.38,
            },
        ];
        let t = t.with_ambiguity_margin(0.3);
        match t.decide(&s, false) {
            Decision::Escalate(EscalationReason::Ambiguous { runner_up, .. }) => {
                assert_eq!(runner_up, Label::Custom(exchange))
            }
            other => panic!("expected ambiguous, got {other:?}"),
        }
    }

    #[test]
    fn per_intent_threshold_overrides_default() {
        let t = Thresholds::default().with_intent(Intent::Cancel, 0.95);
        let s = scores(&[(Intent::Cancel, 0.9), (Intent::Other, 0.1)]);
        assert!(!t.decide(&s, false).is_automate());
        let s = scores(&[(Intent::Tracking, 0.9), (Intent::Other, 0.1)]);
        assert!(t.decide(&s, false).is_automate());
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        assert!(Thresholds::default().with_default(1.5).check().is_err());
        assert!(Thresholds::default()
            .with_intent(Intent::Tracking, -0.1)
            .check()
            .is_err());
        assert!(Thresholds::default()
            .with_ambiguity_margin(1.0)
            .check()
            .is_err());
        assert!(Thresholds::default()
            .with_default(f64::NAN)
            .check()
            .is_err());
        assert!(Thresholds::default().check().is_ok());
    }

    #[test]
    fn scores_that_are_not_probabilities_escalate() {
        let t = Thresholds::default();
        let all = |first: f64, rest: f64| {
            let mut s = scores(&[(Intent::Tracking, first)]);
            for intent in [
                Intent::Return,
                Intent::MissingItem,
                Intent::Cancel,
                Intent::Other,
            ] {
                s.push(LabelScore {
                    label: intent.into(),
                    probability: rest,
                });
            }
            s
        };
        assert_eq!(t.decide(&all(0.96, 0.01), false), Decision::Automate);
        for broken in [
            all(f64::NAN, f64::NAN),
            all(f64::NAN, 0.0),
            all(1.0, f64::NAN),
            all(f64::INFINITY, 0.0),
            all(0.96, 0.2),
            all(0.9, 0.0),
            all(1.5, -0.125),
            scores(&[(Intent::Tracking, 0.9), (Intent::Other, 0.9)]),
        ] {
            assert_eq!(
                t.decide(&broken, false),
                Decision::Escalate(EscalationReason::InvalidScores),
                "{broken:?}"
            );
            assert_eq!(
                t.decide(&broken, true).reason().unwrap().code(),
                "invalid_scores"
            );
        }
    }

    #[test]
    fn messages_show_the_digits_where_the_numbers_differ() {
        let low = EscalationReason::LowConfidence {
            confidence: 0.99995,
            threshold: 0.99996,
        };
        assert_eq!(low.to_string(), "low confidence (0.99995 < 0.99996)");
        let low = EscalationReason::LowConfidence {
            confidence: 0.5,
            threshold: 0.6,
        };
        assert_eq!(low.to_string(), "low confidence (0.500 < 0.600)");
        let close = EscalationReason::Ambiguous {
            runner_up: Intent::Cancel.into(),
            gap: 0.0999999,
            margin: 0.1,
        };
        assert_eq!(
            close.to_string(),
            "ambiguous with cancel (gap < margin: 0.0999999 < 0.1000000)"
        );
        assert_eq!(
            format_below(1.0 - f64::EPSILON, 1.0),
            "0.9999999999999998 < 1.0000000000000000"
        );
    }

    #[test]
    fn a_threshold_for_other_is_rejected() {
        let err = Thresholds::default()
            .with_intent(Intent::Other, 0.5)
            .check()
            .unwrap_err();
        assert_eq!(
            err,
            InvalidThreshold::NeverAutomated {
                intent: Intent::Other
            }
        );
        assert!(err.to_string().contains("never automated"), "{err}");
    }
}
