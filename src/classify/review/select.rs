//! Which messages a person should label, and in what order.
//!
//! - **Picked:** every `low_confidence` and `ambiguous` escalation; a seeded random sample of
//!   `out_of_scope` escalations (and `custom:<label>` ones: a shop's own label is as unanswered
//!   as `other`), which measures how many messages the model sends to a person
//!   that it should have answered (and finds the phrasings, languages and labels it has never
//!   seen: those are confidently `other`, not uncertain); and a seeded random sample of
//!   automated answers (the audit), which measures the live precision of automated answers.
//!   Other escalations (`empty_message`, `invalid_scores`) are not picked.
//! - **Near-duplicates** collapse into one row with their count: two messages are near
//!   duplicates when [`near_duplicate_key`] gives them the same key.
//! - **Order:** escalation rows by how much a label would teach, the group's mean
//!   [uncertainty](super::Predicted::uncertainty) × its count, highest first (ties: larger
//!   count, then first seen). The out-of-scope sample follows, then the audit, each as one
//!   block in the order their messages came: what they measure needs all of them labelled, not
//!   the most uncertain few.

use std::collections::HashMap;

use super::{LoggedDecision, ReviewMessage};
use crate::classify::label::Label;
use crate::classify::text::{normalize, tokenize, Token};

/// Audit rows picked by default.
pub const DEFAULT_AUDIT: usize = 50;

/// Out-of-scope escalations sampled by default.
pub const DEFAULT_OUT_OF_SCOPE: usize = 20;

/// Added to the seed for the out-of-scope sample, so it is drawn independently of the audit.
const OUT_OF_SCOPE_STREAM: u64 = 0x6F75_745F_7363_6F70;

/// The audit sample's default seed: a fixed one, so that the same messages give the same sheet.
pub const DEFAULT_SEED: u64 = 1;

/// How a sheet is picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportSettings {
    audit: usize,
    out_of_scope: usize,
    seed: u64,
}

impl Default for ExportSettings {
    fn default() -> Self {
        ExportSettings {
            audit: DEFAULT_AUDIT,
            out_of_scope: DEFAULT_OUT_OF_SCOPE,
            seed: DEFAULT_SEED,
        }
    }
}

impl ExportSettings {
    /// Automated answers to sample for the audit (all of them when fewer). Default:
    /// [`DEFAULT_AUDIT`]; 0 picks none.
    pub fn audit(mut self, messages: usize) -> Self {
        self.audit = messages;
        self
    }

    /// Out-of-scope escalations to sample (all of them when fewer). Default:
    /// [`DEFAULT_OUT_OF_SCOPE`]; 0 picks none.
    pub fn out_of_scope(mut self, messages: usize) -> Self {
        self.out_of_scope = messages;
        self
    }

    /// The seed of both samples. Default: [`DEFAULT_SEED`].
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// Why a row is on the sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewReason {
    /// Escalated: the top probability was below its threshold.
    LowConfidence,
    /// Escalated: the top two intents were too close.
    Ambiguous,
    /// An `out_of_scope` (or `custom:<label>`) escalation in the random sample of those.
    OutOfScope,
    /// An automated answer in the random audit sample.
    Audit,
}

impl ReviewReason {
    /// `low_confidence`, `ambiguous`, `out_of_scope` or `audit`: the sheet's `reason` column.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReviewReason::LowConfidence => "low_confidence",
            ReviewReason::Ambiguous => "ambiguous",
            ReviewReason::OutOfScope => "out_of_scope",
            ReviewReason::Audit => "audit",
        }
    }

    fn of(decision: &LoggedDecision) -> Option<Self> {
        match decision {
            LoggedDecision::Escalate(code) if code == "low_confidence" => {
                Some(ReviewReason::LowConfidence)
            }
            LoggedDecision::Escalate(code) if code == "ambiguous" => Some(ReviewReason::Ambiguous),
            LoggedDecision::Escalate(code)
                if code == "out_of_scope" || code.starts_with("custom:") =>
            {
                Some(ReviewReason::OutOfScope)
            }
            _ => None,
        }
    }
}

/// One row of the sheet: a message standing for its near-duplicates.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRow {
    /// The first message of the group, as the model read it.
    pub text: String,
    /// What the model predicted for it.
    pub predicted: Label,
    /// With this probability.
    pub confidence: f64,
    /// Why it is on the sheet.
    pub reason: ReviewReason,
    /// Messages in the group.
    pub count: usize,
    /// The first message's ticket.
    pub ticket: Option<String>,
    /// The group's mean uncertainty.
    pub uncertainty: f64,
}

impl ReviewRow {
    /// How much a label would teach: mean uncertainty × count.
    pub fn priority(&self) -> f64 {
        self.uncertainty * self.count as f64
    }
}

/// The picked rows and what was seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// Escalation rows in priority order, then the audit rows.
    pub rows: Vec<ReviewRow>,
    /// Messages looked at.
    pub messages: usize,
    /// Of those, answered automatically.
    pub automated: usize,
    /// Escalated for low confidence.
    pub low_confidence: usize,
    /// Escalated as ambiguous.
    pub ambiguous: usize,
    /// Escalated as out of scope.
    pub out_of_scope: usize,
    /// Of those, sampled.
    pub out_of_scope_sampled: usize,
    /// Escalated for another reason, not picked.
    pub other_escalations: usize,
    /// Blank: nothing a label could teach, so never on the sheet (import would refuse the
    /// row).
    pub blank: usize,
    /// Automated answers sampled for the audit.
    pub audited: usize,
}

/// The key near-duplicates share: the message through the classifier's own normalisation and
/// masking, unstemmed. Lowercased (NFKC), punctuation and spacing dropped, and order numbers,
/// tracking numbers, e-mail addresses, URLs, money, dates and other numbers replaced by their
/// placeholder, so "Where is order #1234?" and "where is ORDER 5678" share a key (as the
/// classifier reads them: "order 12", too short for an order number, is a plain number). Words
/// keep their form and order ("cancel" is not "cancelled"), so one label fits every message of
/// the group, and one model gives every message of a group the same prediction: their features
/// are the same. A message with no words at all keys on its trimmed text.
pub fn near_duplicate_key(text: &str) -> String {
    let normalized = normalize::normalize(text);
    let mut key = String::with_capacity(normalized.len());
    tokenize::tokenize(&normalized, |token| {
        if !key.is_empty() {
            key.push(' ');
        }
        match token {
            Token::Word(word) => key.push_str(word),
            Token::Masked(placeholder) => key.push_str(placeholder.token()),
        }
    });
    if key.is_empty() {
        text.trim().to_owned()
    } else {
        key
    }
}

/// Picks the sheet's rows from `messages` (in the order they came).
pub fn select(messages: &[ReviewMessage], settings: &ExportSettings) -> Selection {
    let mut selection = Selection {
        rows: Vec::new(),
        messages: messages.len(),
        automated: 0,
        low_confidence: 0,
        ambiguous: 0,
        out_of_scope: 0,
        out_of_scope_sampled: 0,
        other_escalations: 0,
        blank: 0,
        audited: 0,
    };
    let mut escalations = Groups::default();
    let mut automated = Vec::new();
    let mut out_of_scope = Vec::new();
    for (index, message) in messages.iter().enumerate() {
        if message.text.trim().is_empty() {
            selection.blank += 1;
            continue;
        }
        match (
            &message.predicted.decision,
            ReviewReason::of(&message.predicted.decision),
        ) {
            (LoggedDecision::Automate, _) => {
                selection.automated += 1;
                automated.push(index);
            }
            (_, Some(ReviewReason::OutOfScope)) => {
                selection.out_of_scope += 1;
                out_of_scope.push(index);
            }
            (_, Some(reason)) => {
                match reason {
                    ReviewReason::Ambiguous => selection.ambiguous += 1,
                    _ => selection.low_confidence += 1,
                }
                escalations.add(near_duplicate_key(&message.text), message, reason);
            }
            (_, None) => selection.other_escalations += 1,
        }
    }
    let mut rows = escalations.into_rows();
    // `sort_by` is stable: equal priorities and counts keep the order first seen.
    rows.sort_by(|a, b| {
        b.priority()
            .total_cmp(&a.priority())
            .then(b.count.cmp(&a.count))
    });

    let sample = sample_indices(
        out_of_scope.len(),
        settings.out_of_scope,
        settings.seed.wrapping_add(OUT_OF_SCOPE_STREAM),
    );
    selection.out_of_scope_sampled = sample.len();
    let mut sampled = Groups::default();
    for position in sample {
        let message = &messages[out_of_scope[position]];
        sampled.add(
            near_duplicate_key(&message.text),
            message,
            ReviewReason::OutOfScope,
        );
    }
    rows.extend(sampled.into_rows());

    let sample = sample_indices(automated.len(), settings.audit, settings.seed);
    selection.audited = sample.len();
    let mut audit = Groups::default();
    for position in sample {
        let message = &messages[automated[position]];
        // Keyed with the prediction too: one row must stand for one predicted intent, which
        // the person's label is compared with.
        let key = format!(
            "{}\u{0}{}",
            message.predicted.label,
            near_duplicate_key(&message.text)
        );
        audit.add(key, message, ReviewReason::Audit);
    }
    rows.extend(audit.into_rows());
    selection.rows = rows;
    selection
}

/// Messages grouped by key, in the order each key was first seen.
#[derive(Default)]
struct Groups {
    index: HashMap<String, usize>,
    groups: Vec<(ReviewRow, f64)>,
}

impl Groups {
    fn add(&mut self, key: String, message: &ReviewMessage, reason: ReviewReason) {
        let uncertainty = message.predicted.uncertainty();
        match self.index.get(&key) {
            Some(&at) => {
                let (row, total) = &mut self.groups[at];
                row.count += 1;
                *total += uncertainty;
            }
            None => {
                self.index.insert(key, self.groups.len());
                self.groups.push((
                    ReviewRow {
                        text: message.text.clone(),
                        predicted: message.predicted.label,
                        confidence: message.predicted.confidence,
                        reason,
                        count: 1,
                        ticket: message.ticket.clone(),
                        uncertainty,
                    },
                    uncertainty,
                ));
            }
        }
    }

    fn into_rows(self) -> Vec<ReviewRow> {
        self.groups
            .into_iter()
            .map(|(mut row, total)| {
                row.uncertainty = total / row.count as f64;
                row
            })
            .collect()
    }
}

/// `wanted` distinct indices below `population`, uniformly at random for `seed`, ascending.
///
/// A partial Fisher–Yates shuffle driven by SplitMix64: a generator written out here, not a
/// crate's, so that a seed picks the same sample in every version of deskbot.
fn sample_indices(population: usize, wanted: usize, seed: u64) -> Vec<usize> {
    let wanted = wanted.min(population);
    let mut indices: Vec<usize> = (0..population).collect();
    let mut random = SplitMix64(seed);
    for i in 0..wanted {
        let j = i + random.below((population - i) as u64) as usize;
        indices.swap(i, j);
    }
    indices.truncate(wanted);
    indices.sort_unstable();
    indices
}

/// SplitMix64 (Steele, Lea and Flood 2014): 64 bits of state, a fixed sequence per seed.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (`bound > 0`), without modulo bias: draws in the last, partial
    /// run of `bound` values are drawn again.
    fn below(&mut self, bound: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % bound;
        loop {
            let draw = self.next();
            if draw < zone {
                return draw % bound;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Predicted;
    use super::*;
    use crate::classify::intent::Intent;

    fn message(text: &str, intent: Intent, scores: [f64; 2], decision: &str) -> ReviewMessage {
        ReviewMessage {
            text: text.to_owned(),
            ticket: Some(format!("t-{text}")),
            predicted: Predicted::from_scores(
                intent.into(),
                scores[0],
                scores,
                LoggedDecision::parse(decision).unwrap(),
            )
            .unwrap(),
        }
    }

    #[test]
    fn near_duplicates_differ_only_in_case_punctuation_and_identifiers() {
        let key = near_duplicate_key("Where is order #1234?");
        assert_eq!(key, "where is order __order_number__");
        for same in [
            "where is ORDER #5678",
            "Where   is order 99812!!",
            "where is order #1",
        ] {
            assert_eq!(near_duplicate_key(same), key, "{same}");
        }
        assert_eq!(
            near_duplicate_key("mail me at ann@example.com or see https://x.example/o/1"),
            "mail me at __email__ or see __url__"
        );
        assert_ne!(near_duplicate_key("where is my order"), key);
        assert_ne!(
            near_duplicate_key("cancel it"),
            near_duplicate_key("cancelled it")
        );
        assert_eq!(near_duplicate_key("  🙂 "), "🙂");
    }

    #[test]
    fn escalations_are_picked_grouped_and_ordered_by_uncertainty_times_count() {
        let messages = vec![
            // Uncertainty 1 − (0.5 − 0.3) = 0.8, three times: priority 2.4.
            message(
                "where is #11",
                Intent::Tracking,
                [0.5, 0.3],
                "escalate:low_confidence",
            ),
            message(
                "Where is #12?",
                Intent::Tracking,
                [0.5, 0.3],
                "escalate:low_confidence",
            ),
            message(
                "WHERE IS #13",
                Intent::Tracking,
                [0.5, 0.3],
                "escalate:low_confidence",
            ),
            // 1 − (0.46 − 0.44) = 0.98, once: 0.98.
            message(
                "refund or swap",
                Intent::Return,
                [0.46, 0.44],
                "escalate:ambiguous",
            ),
            // 0.9 twice: 1.8.
            message(
                "lost it",
                Intent::MissingItem,
                [0.4, 0.3],
                "escalate:low_confidence",
            ),
            message(
                "lost it!",
                Intent::MissingItem,
                [0.4, 0.3],
                "escalate:low_confidence",
            ),
            // Not picked.
            message("hello", Intent::Other, [0.9, 0.05], "escalate:out_of_scope"),
            message("", Intent::Other, [0.2, 0.2], "escalate:empty_message"),
            message("cancel", Intent::Cancel, [0.99, 0.01], "automate"),
        ];
        let selection = select(
            &messages,
            &ExportSettings::default().audit(0).out_of_scope(0),
        );
        let rows: Vec<_> = selection
            .rows
            .iter()
            .map(|r| (r.text.as_str(), r.count, r.reason))
            .collect();
        assert_eq!(
            rows,
            [
                ("where is #11", 3, ReviewReason::LowConfidence),
                ("lost it", 2, ReviewReason::LowConfidence),
                ("refund or swap", 1, ReviewReason::Ambiguous),
            ]
        );
        assert!((selection.rows[0].priority() - 2.4).abs() < 1e-9);
        assert_eq!(selection.rows[0].ticket.as_deref(), Some("t-where is #11"));
        assert_eq!(
            (
                selection.messages,
                selection.automated,
                selection.low_confidence,
                selection.ambiguous,
                selection.out_of_scope,
                selection.out_of_scope_sampled,
                selection.other_escalations,
                selection.blank,
                selection.audited
            ),
            (9, 1, 5, 1, 1, 0, 0, 1, 0)
        );
    }

    #[test]
    fn out_of_scope_escalations_are_a_seeded_sample_after_the_uncertain_ones() {
        let products = [
            "apples",
            "boots",
            "candles",
            "desks",
            "eggs",
            "forks",
            "gloves",
            "hats",
            "inks",
            "jackets",
            "kites",
            "lamps",
            "mugs",
            "nails",
            "oars",
            "pens",
            "quilts",
            "rugs",
            "socks",
            "tents",
            "umbrellas",
            "vases",
            "wallets",
            "xylophones",
            "yarn",
            "zips",
            "belts",
            "caps",
            "dolls",
            "fans",
        ];
        let mut messages: Vec<ReviewMessage> = products
            .iter()
            .map(|product| {
                message(
                    &format!("do you sell {product}"),
                    Intent::Other,
                    [0.9, 0.05],
                    "escalate:out_of_scope",
                )
            })
            .collect();
        messages.push(message(
            "where is it",
            Intent::Tracking,
            [0.5, 0.4],
            "escalate:low_confidence",
        ));
        messages.push(message("cancel", Intent::Cancel, [0.99, 0.01], "automate"));
        let pick = |seed| {
            select(
                &messages,
                &ExportSettings::default().out_of_scope(5).seed(seed),
            )
        };
        let selection = pick(1);
        assert_eq!(
            (selection.out_of_scope, selection.out_of_scope_sampled),
            (30, 5)
        );
        let reasons: Vec<_> = selection.rows.iter().map(|r| r.reason).collect();
        assert_eq!(
            reasons,
            [
                ReviewReason::LowConfidence,
                ReviewReason::OutOfScope,
                ReviewReason::OutOfScope,
                ReviewReason::OutOfScope,
                ReviewReason::OutOfScope,
                ReviewReason::OutOfScope,
                ReviewReason::Audit,
            ]
        );
        let sampled = |selection: &Selection| -> Vec<String> {
            selection
                .rows
                .iter()
                .filter(|r| r.reason == ReviewReason::OutOfScope)
                .map(|r| r.text.clone())
                .collect()
        };
        assert_eq!(sampled(&selection), sampled(&pick(1)));
        assert_ne!(sampled(&selection), sampled(&pick(2)));
        // In the order the messages came, and not the first five.
        let positions: Vec<usize> = sampled(&selection)
            .iter()
            .map(|text| messages.iter().position(|m| &m.text == text).unwrap())
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
        assert_ne!(
            sampled(&selection),
            products[..5]
                .iter()
                .map(|p| format!("do you sell {p}"))
                .collect::<Vec<_>>()
        );
        // Everything, when fewer than asked; none, when none are asked for.
        let all = select(&messages, &ExportSettings::default().out_of_scope(100));
        assert_eq!(all.out_of_scope_sampled, 30);
        let none = select(&messages, &ExportSettings::default().out_of_scope(0));
        assert_eq!(none.out_of_scope_sampled, 0);
        assert!(none
            .rows
            .iter()
            .all(|r| r.reason != ReviewReason::OutOfScope));
    }

    #[test]
    fn the_audit_is_a_seeded_sample_of_automated_answers() {
        // Spelled-out words, so that no two messages share a near-duplicate key.
        let messages: Vec<ReviewMessage> = (0..200)
            .map(|i| {
                let words: String = format!("{i:03}")
                    .chars()
                    .map(|d| {
                        [
                            "zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                            "nine",
                        ][d as usize - '0' as usize]
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                message(&words, Intent::Tracking, [0.97, 0.01], "automate")
            })
            .collect();
        let pick = |seed| {
            let selection = select(&messages, &ExportSettings::default().audit(20).seed(seed));
            assert_eq!(selection.audited, 20);
            assert!(selection
                .rows
                .iter()
                .all(|r| r.reason == ReviewReason::Audit && r.count == 1));
            selection
                .rows
                .into_iter()
                .map(|r| r.text)
                .collect::<Vec<_>>()
        };
        let first = pick(7);
        assert_eq!(first.len(), 20);
        assert_eq!(first, pick(7), "the same seed picks the same sample");
        assert_ne!(first, pick(8), "another seed picks another sample");
        // In the order the messages came.
        let positions: Vec<usize> = first
            .iter()
            .map(|t| messages.iter().position(|m| &m.text == t).unwrap())
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    }

    #[test]
    fn the_audit_takes_everything_when_asked_for_more_and_collapses_near_duplicates() {
        let messages = vec![
            message("cancel order #1", Intent::Cancel, [0.95, 0.02], "automate"),
            message(
                "where is my parcel",
                Intent::Tracking,
                [0.97, 0.01],
                "automate",
            ),
            message("Cancel order #2!", Intent::Cancel, [0.95, 0.02], "automate"),
            // The same key under another prediction is a row of its own.
            message("cancel order #3", Intent::Tracking, [0.7, 0.2], "automate"),
        ];
        let selection = select(&messages, &ExportSettings::default().audit(100));
        assert_eq!(selection.audited, 4);
        let rows: Vec<_> = selection
            .rows
            .iter()
            .map(|r| (r.text.as_str(), r.predicted.intent(), r.count))
            .collect();
        assert_eq!(
            rows,
            [
                ("cancel order #1", Intent::Cancel, 2),
                ("where is my parcel", Intent::Tracking, 1),
                ("cancel order #3", Intent::Tracking, 1),
            ]
        );
    }

    #[test]
    fn blank_messages_are_counted_and_never_put_on_the_sheet() {
        let messages = vec![
            message(
                "",
                Intent::Tracking,
                [0.55, 0.25],
                "escalate:low_confidence",
            ),
            message(" \n\t", Intent::Cancel, [0.5, 0.45], "escalate:ambiguous"),
            message("  ", Intent::Cancel, [0.99, 0.01], "automate"),
            message(
                "where is it",
                Intent::Tracking,
                [0.55, 0.25],
                "escalate:low_confidence",
            ),
        ];
        let selection = select(&messages, &ExportSettings::default().audit(10));
        assert_eq!(selection.blank, 3);
        assert_eq!(
            (
                selection.low_confidence,
                selection.ambiguous,
                selection.automated
            ),
            (1, 0, 0)
        );
        let texts: Vec<&str> = selection.rows.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["where is it"]);
    }

    #[test]
    fn the_sampler_is_uniform_enough_and_fixed_per_seed() {
        // Every index is drawn about equally often over many seeds.
        let mut hits = [0u32; 10];
        for seed in 0..5000 {
            for i in sample_indices(10, 3, seed) {
                hits[i] += 1;
            }
        }
        // 1500 expected per index; 5 standard deviations is about ±160.
        assert!(hits.iter().all(|&h| (1340..=1660).contains(&h)), "{hits:?}");
        // SplitMix64's published first output for seed 0.
        assert_eq!(SplitMix64(0).next(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(sample_indices(5, 0, 3), Vec::<usize>::new());
        assert_eq!(sample_indices(0, 4, 3), Vec::<usize>::new());
        assert_eq!(sample_indices(4, 9, 3), [0, 1, 2, 3]);
    }

    #[test]
    fn a_shops_own_label_escalation_is_sampled_with_out_of_scope_ones() {
        assert_eq!(
            ReviewReason::of(&LoggedDecision::Escalate("custom:wholesale".into())),
            Some(ReviewReason::OutOfScope)
        );
        assert_eq!(
            ReviewReason::of(&LoggedDecision::Escalate("empty_message".into())),
            None
        );
    }
}
