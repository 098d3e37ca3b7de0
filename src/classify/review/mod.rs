//! The learning loop: pick the messages worth a person's time ([`select`]), write them as a
//! sheet to label in a spreadsheet ([`sheet`]), and turn the labelled sheet into training data,
//! with the live precision of automated answers measured on its audit rows ([`import`]).
//!
//! Messages come from the service's decision log (read by the caller) or from files
//! ([`input`]): a help-desk export, or the output of `deskbot classify --format jsonl`.

pub mod import;
pub mod input;
pub mod select;
pub mod sheet;

use std::fmt;
use std::path::PathBuf;

use crate::classify::dataset::DataError;
use crate::classify::label::Label;
use crate::classify::model::Prediction;

pub use import::{import, AuditTally, Imported, Proportion};
pub use input::{read_messages, InputMessage};
pub use select::{near_duplicate_key, select, ExportSettings, ReviewReason, ReviewRow, Selection};

/// Problems of the review commands beyond reading data files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReviewError {
    /// A data file (a sheet, an input, a training file) could not be read.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The destination exists and overwriting was not asked for.
    #[error("{} already exists; choose another file, or overwrite it on purpose", path.display())]
    Exists {
        /// The destination.
        path: PathBuf,
    },
    /// The destination's folder does not exist.
    #[error("cannot write {}: the folder {} does not exist", path.display(), dir.display())]
    NoFolder {
        /// The destination.
        path: PathBuf,
        /// Its folder.
        dir: PathBuf,
    },
    /// Writing failed; nothing was replaced.
    #[error("cannot write {}", path.display())]
    Write {
        /// The destination.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A training file to append to has no `text` or `intent` column.
    #[error("{}:1: cannot append: the header has no `{column}` column", path.display())]
    NotTrainingFile {
        /// The file.
        path: PathBuf,
        /// The missing column.
        column: &'static str,
    },
}

/// What the model decided for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoggedDecision {
    /// Answered automatically.
    Automate,
    /// Handed to a person, with the escalation's code (`low_confidence`, `ambiguous`, …).
    Escalate(String),
}

impl LoggedDecision {
    /// Reads the decision log's form: `automate` or `escalate:<code>`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "automate" => Some(LoggedDecision::Automate),
            other => other
                .strip_prefix("escalate:")
                .filter(|code| !code.trim().is_empty())
                .map(|code| LoggedDecision::Escalate(code.trim().to_owned())),
        }
    }
}

impl fmt::Display for LoggedDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoggedDecision::Automate => f.write_str("automate"),
            LoggedDecision::Escalate(code) => write!(f, "escalate:{code}"),
        }
    }
}

/// A prediction's numbers that cannot be probabilities.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{problem}")]
pub struct InvalidPrediction {
    /// What is wrong.
    pub problem: String,
}

/// What the model said about a message, as far as reviewing needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicted {
    /// The most likely label.
    pub label: Label,
    /// Its probability.
    pub confidence: f64,
    /// The second-highest probability (0 when only one score is known).
    pub runner_up: f64,
    /// What was done with the message.
    pub decision: LoggedDecision,
}

impl Predicted {
    /// From a prediction made now.
    pub fn from_prediction(prediction: &Prediction) -> Self {
        Predicted {
            label: prediction.label,
            confidence: prediction.confidence,
            runner_up: prediction.scores.get(1).map_or(0.0, |s| s.probability),
            decision: match prediction.decision.reason() {
                None => LoggedDecision::Automate,
                Some(reason) => LoggedDecision::Escalate(reason.code().to_owned()),
            },
        }
    }

    /// From recorded numbers: the confidence and every intent's probability, in any order.
    /// Each must be a probability; the confidence must be the highest of them.
    pub fn from_scores(
        label: Label,
        confidence: f64,
        scores: impl IntoIterator<Item = f64>,
        decision: LoggedDecision,
    ) -> Result<Self, InvalidPrediction> {
        let probability = |value: f64| value.is_finite() && (0.0..=1.0).contains(&value);
        if !probability(confidence) {
            return Err(InvalidPrediction {
                problem: format!("confidence {confidence} is not a probability"),
            });
        }
        let mut scores: Vec<f64> = scores.into_iter().collect();
        if let Some(bad) = scores.iter().find(|&&s| !probability(s)) {
            return Err(InvalidPrediction {
                problem: format!("score {bad} is not a probability"),
            });
        }
        scores.sort_by(|a, b| b.total_cmp(a));
        // Recorded floats may have been rounded on the way; a tolerance keeps them readable.
        if scores.first().is_some_and(|&top| top > confidence + 1e-6) {
            return Err(InvalidPrediction {
                problem: format!(
                    "confidence {confidence} is below the highest score {}",
                    scores[0]
                ),
            });
        }
        Ok(Predicted {
            label,
            confidence,
            runner_up: scores.get(1).copied().unwrap_or(0.0),
            decision,
        })
    }

    /// How unsure the model was: `1 − (p₁ − p₂)`, one minus the margin between the two most
    /// likely intents. 0 is a certain answer, 1 a coin toss between two intents. The margin
    /// (rather than `1 − p₁`) also sees the ambiguous case, where p₁ can be high enough and the
    /// runner-up close behind it.
    pub fn uncertainty(&self) -> f64 {
        (1.0 - (self.confidence - self.runner_up)).clamp(0.0, 1.0)
    }
}

/// A message with what the model said about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewMessage {
    /// The text the model read (after cleaning).
    pub text: String,
    /// The help-desk ticket, if known.
    pub ticket: Option<String>,
    /// The model's answer.
    pub predicted: Predicted,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::intent::Intent;

    #[test]
    fn decisions_parse_as_the_log_writes_them() {
        assert_eq!(
            LoggedDecision::parse("automate"),
            Some(LoggedDecision::Automate)
        );
        assert_eq!(
            LoggedDecision::parse("escalate:low_confidence"),
            Some(LoggedDecision::Escalate("low_confidence".into()))
        );
        for bad in ["escalate:", "escalate", "reply", ""] {
            assert_eq!(LoggedDecision::parse(bad), None, "{bad:?}");
        }
        assert_eq!(
            LoggedDecision::Escalate("ambiguous".into()).to_string(),
            "escalate:ambiguous"
        );
    }

    #[test]
    fn uncertainty_is_one_minus_the_top_two_margin() {
        let predicted = |scores: &[f64]| {
            Predicted::from_scores(
                Intent::Tracking.into(),
                scores[0],
                scores.iter().copied(),
                LoggedDecision::Automate,
            )
            .unwrap()
        };
        assert!((predicted(&[0.9, 0.05, 0.05]).uncertainty() - 0.15).abs() < 1e-12);
        assert!((predicted(&[0.45, 0.44, 0.11]).uncertainty() - 0.99).abs() < 1e-12);
        assert!((predicted(&[1.0]).uncertainty()).abs() < 1e-12);
        // Scores in any order: the runner-up is the second highest.
        let unordered = Predicted::from_scores(
            Intent::Cancel.into(),
            0.6,
            [0.1, 0.6, 0.3],
            LoggedDecision::Automate,
        )
        .unwrap();
        assert_eq!(unordered.runner_up, 0.3);
    }

    #[test]
    fn numbers_that_are_not_probabilities_are_refused() {
        let try_scores = |confidence: f64, scores: &[f64]| {
            Predicted::from_scores(
                Intent::Return.into(),
                confidence,
                scores.iter().copied(),
                LoggedDecision::Automate,
            )
        };
        assert!(try_scores(f64::NAN, &[0.5]).is_err());
        assert!(try_scores(1.5, &[0.5]).is_err());
        assert!(try_scores(0.5, &[0.5, -0.1]).is_err());
        let err = try_scores(0.4, &[0.4, 0.6]).unwrap_err();
        assert!(
            err.to_string().contains("below the highest score 0.6"),
            "{err}"
        );
    }
}
