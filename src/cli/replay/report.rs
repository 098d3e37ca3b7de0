//! What a replay found: one result per ticket, and the report over all of them (automation
//! rate, situations, handoff reasons, per intent, agreement with the agents).

use std::collections::BTreeMap;
use std::io::Write;

use deskbot::classify::review::Proportion;
use deskbot::jiff::Timestamp;
use deskbot::{Intent, Outcome};
use serde::Serialize;

use super::input::{AgentLabel, PastTicket};
use crate::cli::percent;

/// Disagreements shown in the text report; JSON lists them all.
const SHOWN_DISAGREEMENTS: usize = 10;
/// Tickets named per disagreement.
const EXAMPLE_TICKETS: usize = 5;

/// What deskbot would have done with one ticket: one line of `--out`.
#[derive(Debug, Clone, Serialize)]
pub struct TicketResult {
    /// The ticket's id, if the file has one.
    pub id: Option<String>,
    /// The line its row starts on.
    pub line: u64,
    /// The time it was answered as of.
    pub as_of: String,
    /// The intent deskbot read.
    pub intent: Intent,
    /// Its confidence.
    pub confidence: f64,
    /// `reply` or `handoff`.
    pub decision: &'static str,
    /// Why it was handed off (the most specific name: `low_confidence`, `late_shipment`, …).
    pub reason: Option<&'static str>,
    /// `group/name` of the reply's situation.
    pub situation: Option<String>,
    /// What a person would still have had to do after the reply.
    pub follow_up: Option<String>,
    /// The reply deskbot would have sent.
    pub reply: Option<String>,
    /// The note a person would have got instead.
    pub handoff_note: Option<String>,
    /// The agents' intent, when the labels name exactly one.
    pub agent_intent: Option<Intent>,
    #[serde(skip)]
    name: String,
    #[serde(skip)]
    agent: AgentLabel,
}

impl TicketResult {
    /// The result of answering `ticket` as of `as_of`.
    pub fn new(ticket: &PastTicket, outcome: Outcome, as_of: Timestamp) -> Self {
        // Replay compares in deskbot's intents: a shop's own label is `other` to it.
        let (intent, confidence) = match &outcome {
            Outcome::Reply {
                intent, confidence, ..
            } => (*intent, *confidence),
            Outcome::Handoff {
                intent, confidence, ..
            } => (intent.intent(), *confidence),
        };
        let mut result = TicketResult {
            id: ticket.id.clone(),
            line: ticket.location.line,
            as_of: as_of.to_string(),
            intent,
            confidence,
            decision: "reply",
            reason: None,
            situation: None,
            follow_up: None,
            reply: None,
            handoff_note: None,
            agent_intent: ticket.agent.intent(),
            name: ticket.name(),
            agent: ticket.agent.clone(),
        };
        match outcome {
            Outcome::Reply {
                text,
                situation,
                follow_up,
                ..
            } => {
                result.situation = Some(situation);
                result.follow_up = follow_up;
                result.reply = Some(text);
            }
            Outcome::Handoff { reason, note, .. } => {
                result.decision = "handoff";
                result.reason = Some(reason.name());
                result.handoff_note = Some(note);
            }
        }
        result
    }

    fn automated(&self) -> bool {
        self.situation.is_some()
    }
}

/// A share with its 95% Wilson interval, rounded for reading.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Share {
    pub count: usize,
    pub of: usize,
    pub share: f64,
    pub low: f64,
    pub high: f64,
}

impl Share {
    fn of(count: usize, of: usize) -> Option<Share> {
        Proportion::wilson(count, of).map(|p| Share {
            count,
            of,
            share: rounded(p.estimate),
            low: rounded(p.low),
            high: rounded(p.high),
        })
    }

    fn describe(&self) -> String {
        format!(
            "{:>5} of {:<5} {:>6}  (95% interval {}–{})",
            self.count,
            self.of,
            percent(self.count as f64 / self.of as f64),
            percent(self.low),
            percent(self.high)
        )
    }
}

/// Four decimals: enough for any share a report shows, without float noise in JSON. A value
/// that is not exactly 0 or 1 is never rounded onto them.
fn rounded(value: f64) -> f64 {
    let short = (value * 10_000.0).round() / 10_000.0;
    if (short == 0.0 || short == 1.0) && short != value {
        value
    } else {
        short
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub name: String,
    pub count: usize,
}

/// Counts by name, most frequent first (ties by name, so the order is stable).
fn counted<'a>(names: impl Iterator<Item = &'a str>) -> Vec<Count> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for name in names {
        *counts.entry(name).or_default() += 1;
    }
    let mut counts: Vec<Count> = counts
        .into_iter()
        .map(|(name, count)| Count {
            name: name.to_owned(),
            count,
        })
        .collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    counts
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntentRow {
    pub intent: Intent,
    pub messages: usize,
    pub replies: usize,
    pub handoffs: usize,
}

/// How the replay kept the shop untouched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadOnly {
    /// The cancellation mode the config names.
    pub configured_cancel_mode: &'static str,
    /// The mode the replay answered in (always `request`).
    pub replayed_cancel_mode: &'static str,
    /// Writes the read-only platform refused (none, when `perform` is off as it must be).
    pub refused_writes: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgreementRow {
    /// The agents' intent.
    pub intent: Intent,
    pub tickets: usize,
    /// Of them, read as the same intent by deskbot.
    pub same_intent: usize,
    /// Of them, answered automatically.
    pub automated: usize,
    /// Of them, answered automatically with the agents' intent.
    pub automated_same_intent: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    /// deskbot's intent.
    pub deskbot: Intent,
    /// Whether deskbot answered these automatically (the costly kind) or handed them off.
    pub automated: bool,
    /// The agents' intent.
    pub agents: Intent,
    pub count: usize,
    /// The first few tickets (ids, else lines).
    pub tickets: Vec<String>,
}

/// deskbot's intents against the agents'.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    /// The column read.
    pub column: String,
    /// Tickets whose labels name exactly one intent: the ones compared.
    pub labelled: usize,
    /// Tickets with an empty label cell.
    pub missing: usize,
    /// Tickets whose labels name no intent.
    pub no_intent: usize,
    /// Tickets whose tags name several intents.
    pub several_intents: usize,
    /// Labelled tickets deskbot read as the agents' intent.
    pub same_intent: Option<Share>,
    /// Labelled tickets deskbot answered automatically, with the agents' intent: an estimate
    /// of the precision of automated answers on this shop's tickets.
    pub automated_same_intent: Option<Share>,
    /// Per agents' intent.
    pub per_intent: Vec<AgreementRow>,
    /// Every (deskbot, automated, agents) combination that differs, automated ones first, then
    /// the most frequent.
    pub disagreements: Vec<Disagreement>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The file replayed.
    pub input: String,
    pub messages: usize,
    pub replies: usize,
    pub handoffs: usize,
    /// Replies over all messages.
    pub automation_rate: Option<Share>,
    /// Tickets answered as of their own `created_at`.
    pub as_of_ticket_time: usize,
    /// Tickets answered as of the policy's clock (or now), having no `created_at`.
    pub as_of_default_clock: usize,
    /// Replies per situation.
    pub situations: Vec<Count>,
    /// Handoffs per reason.
    pub handoff_reasons: Vec<Count>,
    pub per_intent: Vec<IntentRow>,
    pub agreement: Option<Agreement>,
    pub read_only: ReadOnly,
}

impl Report {
    /// The report over `results`; `label_column` when the tickets carry the agents' view.
    pub fn build(
        input: String,
        results: &[TicketResult],
        dated: usize,
        label_column: Option<&str>,
        read_only: ReadOnly,
    ) -> Report {
        let replies = results.iter().filter(|r| r.automated()).count();
        let per_intent = Intent::ALL
            .iter()
            .map(|&intent| {
                let of_intent = results.iter().filter(|r| r.intent == intent);
                let replies = of_intent.clone().filter(|r| r.automated()).count();
                let messages = of_intent.count();
                IntentRow {
                    intent,
                    messages,
                    replies,
                    handoffs: messages - replies,
                }
            })
            .collect();
        Report {
            input,
            messages: results.len(),
            replies,
            handoffs: results.len() - replies,
            automation_rate: Share::of(replies, results.len()),
            as_of_ticket_time: dated,
            as_of_default_clock: results.len() - dated,
            situations: counted(results.iter().filter_map(|r| r.situation.as_deref())),
            handoff_reasons: counted(results.iter().filter_map(|r| r.reason)),
            per_intent,
            agreement: label_column.map(|column| agreement(column, results)),
            read_only,
        }
    }

    /// The report for a person.
    pub fn write_text(&self, out: &mut impl Write) -> std::io::Result<()> {
        writeln!(
            out,
            "replay of {}: {} messages, read-only",
            self.input, self.messages
        )?;
        if let Some(rate) = &self.automation_rate {
            writeln!(out, "answered automatically {}", rate.describe())?;
        }
        writeln!(out, "handed to a person     {:>5}", self.handoffs)?;
        if !self.situations.is_empty() {
            writeln!(out, "\nsituations (replies)")?;
            for count in &self.situations {
                writeln!(out, "  {:>5}  {}", count.count, count.name)?;
            }
        }
        if !self.handoff_reasons.is_empty() {
            writeln!(out, "\nhandoff reasons")?;
            for count in &self.handoff_reasons {
                writeln!(out, "  {:>5}  {}", count.count, count.name)?;
            }
        }
        writeln!(
            out,
            "\n{:<14} {:>8} {:>8} {:>10}",
            "deskbot read", "messages", "replied", "handed off"
        )?;
        for row in &self.per_intent {
            writeln!(
                out,
                "  {:<12} {:>8} {:>8} {:>10}",
                row.intent.as_str(),
                row.messages,
                row.replies,
                row.handoffs
            )?;
        }
        if let Some(agreement) = &self.agreement {
            agreement.write_text(out)?;
        }
        writeln!(out, "\nnotes")?;
        writeln!(
            out,
            "  nothing was posted, no order cancelled, no task created, nothing written to the service's store or decision log"
        )?;
        if self.read_only.configured_cancel_mode != self.read_only.replayed_cancel_mode {
            writeln!(
                out,
                "  the config's cancellation mode `{}` was replayed as `{}`",
                self.read_only.configured_cancel_mode, self.read_only.replayed_cancel_mode
            )?;
        }
        if self.read_only.refused_writes > 0 {
            writeln!(
                out,
                "  {} write(s) to the order platform were refused",
                self.read_only.refused_writes
            )?;
        }
        writeln!(
            out,
            "  {} ticket(s) answered as of their created_at, {} as of the shop's clock; order and parcel facts are read as they are now, not as they were then",
            self.as_of_ticket_time, self.as_of_default_clock
        )?;
        Ok(())
    }
}

fn agreement(column: &str, results: &[TicketResult]) -> Agreement {
    let count =
        |wanted: fn(&AgentLabel) -> bool| results.iter().filter(|r| wanted(&r.agent)).count();
    let labelled: Vec<(&TicketResult, Intent)> = results
        .iter()
        .filter_map(|r| r.agent.intent().map(|agents| (r, agents)))
        .collect();
    let same = labelled.iter().filter(|(r, a)| r.intent == *a).count();
    let automated: Vec<&(&TicketResult, Intent)> =
        labelled.iter().filter(|(r, _)| r.automated()).collect();
    let automated_same = automated.iter().filter(|(r, a)| r.intent == *a).count();
    let per_intent = Intent::ALL
        .iter()
        .map(|&intent| {
            let rows: Vec<&TicketResult> = labelled
                .iter()
                .filter(|(_, a)| *a == intent)
                .map(|(r, _)| *r)
                .collect();
            AgreementRow {
                intent,
                tickets: rows.len(),
                same_intent: rows.iter().filter(|r| r.intent == intent).count(),
                automated: rows.iter().filter(|r| r.automated()).count(),
                automated_same_intent: rows
                    .iter()
                    .filter(|r| r.automated() && r.intent == intent)
                    .count(),
            }
        })
        .collect();
    let mut pairs: BTreeMap<(bool, Intent, Intent), Vec<&str>> = BTreeMap::new();
    for (result, agents) in &labelled {
        if result.intent != *agents {
            pairs
                .entry((result.automated(), result.intent, *agents))
                .or_default()
                .push(&result.name);
        }
    }
    let mut disagreements: Vec<Disagreement> = pairs
        .into_iter()
        .map(|((automated, deskbot, agents), tickets)| Disagreement {
            deskbot,
            automated,
            agents,
            count: tickets.len(),
            tickets: tickets
                .into_iter()
                .take(EXAMPLE_TICKETS)
                .map(str::to_owned)
                .collect(),
        })
        .collect();
    // A wrong automated answer reached a customer; a wrong handoff only cost a person's time.
    disagreements.sort_by(|a, b| {
        b.automated
            .cmp(&a.automated)
            .then_with(|| b.count.cmp(&a.count))
            .then_with(|| (a.deskbot, a.agents).cmp(&(b.deskbot, b.agents)))
    });
    Agreement {
        column: column.to_owned(),
        labelled: labelled.len(),
        missing: count(|a| *a == AgentLabel::Missing),
        no_intent: count(|a| *a == AgentLabel::NoIntent),
        several_intents: count(|a| matches!(a, AgentLabel::Several(_))),
        same_intent: Share::of(same, labelled.len()),
        automated_same_intent: Share::of(automated_same, automated.len()),
        per_intent,
        disagreements,
    }
}

impl Agreement {
    fn write_text(&self, out: &mut impl Write) -> std::io::Result<()> {
        writeln!(
            out,
            "\nagreement with the agents (column `{}`)",
            self.column
        )?;
        writeln!(
            out,
            "  compared {} ticket(s); left out: {} without a label, {} naming no intent, {} naming several",
            self.labelled, self.missing, self.no_intent, self.several_intents
        )?;
        if let Some(share) = &self.same_intent {
            writeln!(out, "  same intent            {}", share.describe())?;
        }
        if let Some(share) = &self.automated_same_intent {
            writeln!(out, "  automated, same intent {}", share.describe())?;
        }
        if self.labelled == 0 {
            return Ok(());
        }
        writeln!(
            out,
            "\n  {:<14} {:>7} {:>12} {:>9} {:>14}",
            "agents said", "tickets", "deskbot same", "automated", "automated same"
        )?;
        for row in self.per_intent.iter().filter(|row| row.tickets > 0) {
            writeln!(
                out,
                "  {:<14} {:>7} {:>12} {:>9} {:>14}",
                row.intent.as_str(),
                row.tickets,
                row.same_intent,
                row.automated,
                row.automated_same_intent
            )?;
        }
        if !self.disagreements.is_empty() {
            writeln!(out, "\n  top disagreements")?;
            for one in self.disagreements.iter().take(SHOWN_DISAGREEMENTS) {
                writeln!(
                    out,
                    "  {:>5}  deskbot {} `{}`, the agents said `{}` ({})",
                    one.count,
                    if one.automated {
                        "automated"
                    } else {
                        "handed off"
                    },
                    one.deskbot.as_str(),
                    one.agents.as_str(),
                    one.tickets.join(", ")
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_rounded_but_never_onto_the_ends() {
        assert_eq!(rounded(0.215_206), 0.2152);
        assert_eq!(rounded(1.0), 1.0);
        assert_eq!(rounded(0.999_991), 0.999_991);
        assert_eq!(rounded(0.000_01), 0.000_01);
        let share = Share::of(4, 8).unwrap();
        assert_eq!((share.share, share.low, share.high), (0.5, 0.2152, 0.7848));
        assert_eq!(Share::of(0, 0), None);
    }

    #[test]
    fn counts_come_most_frequent_first_then_by_name() {
        let names = ["b", "a", "c", "b", "a", "b"];
        let counts: Vec<(String, usize)> = counted(names.into_iter())
            .into_iter()
            .map(|c| (c.name, c.count))
            .collect();
        assert_eq!(counts, [("b".into(), 3), ("a".into(), 2), ("c".into(), 1)]);
    }
}
