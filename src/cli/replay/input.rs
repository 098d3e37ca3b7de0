//! Past tickets from a CSV: the message, who sent it, when, and what the agents called it.
//!
//! Read with the training data's CSV reader, so a file's encoding, quoting and header are
//! checked the same way and every problem names the file, line and field.

use std::io::Read;
use std::path::Path;

use deskbot::classify::dataset::{
    for_each_row, Column, DataError, LabelRules, LabelStats, Location, Unmapped,
};
use deskbot::jiff::Timestamp;
use deskbot::Intent;

/// One past ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct PastTicket {
    /// Where its row starts.
    pub location: Location,
    /// The `id` column, else the `ticket` column, when not empty.
    pub id: Option<String>,
    /// The customer's message.
    pub text: String,
    /// The sender: the `email` column, else the `from` column, when not empty.
    pub email: Option<String>,
    /// When the ticket came in (`created_at`), when given.
    pub created_at: Option<Timestamp>,
    /// What the agents called it.
    pub agent: AgentLabel,
}

impl PastTicket {
    /// How reports name the ticket: its id, else its line.
    pub fn name(&self) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| format!("line {}", self.location.line))
    }
}

/// The agents' intent for a ticket, as far as its label or tags tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentLabel {
    /// No label column, or an empty cell.
    Missing,
    /// The agents' intent.
    Intent(Intent),
    /// A label or tags that name no intent (with `--unmapped skip`).
    NoIntent,
    /// Tags that name more than one intent: which one the agents meant is unknown.
    Several(Vec<Intent>),
}

impl AgentLabel {
    /// The intent, when there is exactly one.
    pub fn intent(&self) -> Option<Intent> {
        match self {
            AgentLabel::Intent(intent) => Some(*intent),
            _ => None,
        }
    }
}

/// Which column holds the agents' view, and how it becomes an intent.
#[derive(Debug, Clone)]
pub struct LabelSettings {
    /// The column's name.
    pub column: String,
    /// Whether it holds a list of tags (else one label).
    pub tags: bool,
    /// Label map and the rule for labels naming no intent.
    pub rules: LabelRules,
}

/// Which columns hold a ticket's parts. A column named here must be in the header; left unnamed,
/// the usual names are read when present (`id` else `ticket`, `email` else `from`,
/// `created_at`), so a help-desk export replays without rewriting it.
#[derive(Debug, Clone)]
pub struct TicketColumns {
    /// The message (default `text`).
    pub text: String,
    /// The ticket's id.
    pub ticket: Option<String>,
    /// The sender's e-mail address.
    pub email: Option<String>,
    /// When the ticket came in.
    pub created_at: Option<String>,
}

impl Default for TicketColumns {
    fn default() -> Self {
        TicketColumns {
            text: "text".to_owned(),
            ticket: None,
            email: None,
            created_at: None,
        }
    }
}

/// `named` as a required column, else the first of `usual` present (two slots either way, so
/// the fields keep their places).
fn named_or_usual<'a>(named: Option<&'a str>, usual: [&'a str; 2]) -> [Column<'a>; 2] {
    match named {
        Some(name) => [Column::required(name), Column::optional(name)],
        None => usual.map(Column::optional),
    }
}

/// Reads the tickets of `path` (`-`: standard input).
pub fn read_tickets(
    path: &Path,
    names: &TicketColumns,
    labels: Option<&LabelSettings>,
) -> Result<Vec<PastTicket>, DataError> {
    let bytes = read_input(path)?;
    let created_at_column = names.created_at.as_deref().map_or("created_at", str::trim);
    let mut columns = vec![Column::required(&names.text)];
    columns.extend(named_or_usual(names.ticket.as_deref(), ["id", "ticket"]));
    columns.extend(named_or_usual(names.email.as_deref(), ["email", "from"]));
    columns.push(match names.created_at {
        Some(_) => Column::required(created_at_column),
        None => Column::optional(created_at_column),
    });
    if let Some(labels) = labels {
        columns.push(Column::required(&labels.column));
    }
    // Each tag is tried on its own, and most tags (`vip`, `urgent`) name no intent: those are
    // passed over here, and the ticket-level rule decides when none is left.
    let tag_rules = labels.map(|labels| LabelRules {
        map: labels.rules.map.clone(),
        unmapped: Unmapped::Skip,
    });
    let mut tickets = Vec::new();
    for_each_row(path, &bytes, &columns, |location, fields| {
        let present = |index: usize| {
            fields[index]
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
        };
        let created_at = match present(5) {
            None => None,
            Some(raw) => Some(
                raw.parse::<Timestamp>()
                    .map_err(|_| DataError::InvalidField {
                        location: location.clone(),
                        field: created_at_column.to_owned(),
                        problem: format!(
                    "{raw:?} is not an RFC 3339 time with an offset, e.g. 2026-11-20T15:04:00Z"
                ),
                    })?,
            ),
        };
        let agent = match (labels, &tag_rules) {
            (Some(labels), Some(tag_rules)) => {
                let cell = fields[6].unwrap_or_default();
                agent_label(labels, tag_rules, cell, &location)?
            }
            _ => AgentLabel::Missing,
        };
        tickets.push(PastTicket {
            id: present(1).or_else(|| present(2)),
            text: fields[0].unwrap_or_default().to_owned(),
            email: present(3).or_else(|| present(4)),
            created_at,
            agent,
            location,
        });
        Ok::<_, DataError>(())
    })?;
    Ok(tickets)
}

fn read_input(path: &Path) -> Result<Vec<u8>, DataError> {
    let io_error = |source| DataError::Io {
        path: path.to_owned(),
        source,
    };
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map_err(io_error)?;
        Ok(bytes)
    } else {
        std::fs::read(path).map_err(io_error)
    }
}

/// The agents' intent from one cell of the label column.
fn agent_label(
    labels: &LabelSettings,
    tag_rules: &LabelRules,
    cell: &str,
    location: &Location,
) -> Result<AgentLabel, DataError> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(AgentLabel::Missing);
    }
    // Help desks capitalise tags and labels ("Cancel"); intents' own names are lowercase, and
    // the label map ignores case anyway.
    let folded = cell.to_lowercase();
    let mut stats = LabelStats::default();
    if !labels.tags {
        return Ok(
            match labels
                .rules
                .resolve(&folded, location, &labels.column, &mut stats)?
            {
                // Replay compares in deskbot's intents: a shop's own label is `other` to it.
                Some(label) => AgentLabel::Intent(label.intent()),
                None => AgentLabel::NoIntent,
            },
        );
    }
    let mut intents = Vec::new();
    let mut resolve = |label: &str| {
        tag_rules
            .resolve(label, location, &labels.column, &mut stats)
            .map(|found| found.inspect(|label| intents.push(label.intent())))
    };
    for tag in folded
        .split([',', ';', '|'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        // A multi-word tag may be a label as a whole ("shipping status") or a space-separated
        // list, as some help-desk exports write tags.
        if resolve(tag)?.is_none() && tag.contains(char::is_whitespace) {
            for word in tag.split_whitespace() {
                resolve(word)?;
            }
        }
    }
    intents.sort();
    intents.dedup();
    Ok(match intents.as_slice() {
        [] => match labels.rules.unmapped {
            Unmapped::Skip => AgentLabel::NoIntent,
            Unmapped::Other => AgentLabel::Intent(Intent::Other),
            _ => {
                return Err(DataError::InvalidField {
                    location: location.clone(),
                    field: labels.column.clone(),
                    problem: format!(
                        "the tags {cell:?} name no intent{}; map one of them, or pass --unmapped skip or --unmapped other",
                        labels
                            .rules
                            .map
                            .as_ref()
                            .map(|map| format!(", in the label map {} or by an intent's own name", map.path().display()))
                            .unwrap_or_else(|| " (no --label-map is given, so only intents' own names count)".to_owned())
                    ),
                })
            }
        },
        [one] => AgentLabel::Intent(*one),
        several => AgentLabel::Several(several.to_vec()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskbot::classify::dataset::LabelMap;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn tags(dir: &Path, unmapped: Unmapped) -> LabelSettings {
        let map = write(
            dir,
            "map.csv",
            "from,to\nwismo,tracking\nshipping status,tracking\nrefund,return\n",
        );
        LabelSettings {
            column: "tags".into(),
            tags: true,
            rules: LabelRules {
                map: Some(LabelMap::load(&map).unwrap()),
                unmapped,
            },
        }
    }

    #[test]
    fn reads_ids_senders_times_and_falls_back_between_column_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "t.csv",
            "ticket,from,text,created_at\nT1,jane@example.com,where is it,2026-11-01T10:00:00Z\n,, hi ,\n",
        );
        let tickets = read_tickets(&path, &TicketColumns::default(), None).unwrap();
        assert_eq!(tickets.len(), 2);
        assert_eq!(tickets[0].id.as_deref(), Some("T1"));
        assert_eq!(tickets[0].email.as_deref(), Some("jane@example.com"));
        assert_eq!(
            tickets[0].created_at,
            Some("2026-11-01T10:00:00Z".parse().unwrap())
        );
        assert_eq!(tickets[1].id, None);
        assert_eq!(tickets[1].name(), "line 3");
        assert_eq!(tickets[1].text, " hi ");
        assert_eq!(tickets[1].created_at, None);
        assert_eq!(tickets[1].agent, AgentLabel::Missing);
    }

    #[test]
    fn named_columns_read_a_help_desk_export_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "export.csv",
            "Id,Requester email,Subject,Description,Created at,ticket,email\n\
             41,jane@example.com,Order,where is my order?,2026-11-01T10:00:00Z,T9,x@example.com\n",
        );
        let names = TicketColumns {
            text: "description".into(),
            ticket: Some("ID".into()),
            email: Some(" Requester Email ".into()),
            created_at: Some("Created at".into()),
        };
        let tickets = read_tickets(&path, &names, None).unwrap();
        assert_eq!(tickets.len(), 1);
        assert_eq!(tickets[0].text, "where is my order?");
        // The named columns win over the usual names, which the file also has.
        assert_eq!(tickets[0].id.as_deref(), Some("41"));
        assert_eq!(tickets[0].email.as_deref(), Some("jane@example.com"));
        assert_eq!(
            tickets[0].created_at,
            Some("2026-11-01T10:00:00Z".parse().unwrap())
        );
    }

    #[test]
    fn a_named_column_must_be_there_and_its_errors_carry_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "export.csv",
            "Description,Created at\nwhere is it,last tuesday\n",
        );
        let missing = TicketColumns {
            text: "Description".into(),
            email: Some("Requester email".into()),
            ..TicketColumns::default()
        };
        let error = read_tickets(&path, &missing, None).unwrap_err().to_string();
        assert!(
            error.contains("export.csv:1") && error.contains("Requester email"),
            "{error}"
        );
        let dated = TicketColumns {
            text: "Description".into(),
            created_at: Some("Created at".into()),
            ..TicketColumns::default()
        };
        let error = read_tickets(&path, &dated, None).unwrap_err().to_string();
        assert!(
            error.contains("export.csv:2: field `Created at`") && error.contains("last tuesday"),
            "{error}"
        );
        // Left unnamed, the default message column is required as before.
        let error = read_tickets(&path, &TicketColumns::default(), None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("missing column `text`"), "{error}");
    }

    #[test]
    fn a_bad_time_names_file_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "t.csv",
            "text,created_at\nok,2026-11-01T10:00:00+01:00\nbad,2026-11-01 10:00\n",
        );
        let error = read_tickets(&path, &TicketColumns::default(), None)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("t.csv:3: field `created_at`") && error.contains("2026-11-01 10:00"),
            "{error}"
        );
    }

    #[test]
    fn tags_name_the_agents_intent_through_the_map() {
        let dir = tempfile::tempdir().unwrap();
        let labels = tags(dir.path(), Unmapped::Skip);
        let path = write(
            dir.path(),
            "t.csv",
            "text,tags\na,\"vip, WISMO\"\nb,Shipping Status\nc,vip urgent\nd,refund wismo\ne,cancel\nf,\n",
        );
        let agents: Vec<AgentLabel> = read_tickets(&path, &TicketColumns::default(), Some(&labels))
            .unwrap()
            .into_iter()
            .map(|t| t.agent)
            .collect();
        assert_eq!(
            agents,
            [
                AgentLabel::Intent(Intent::Tracking),
                AgentLabel::Intent(Intent::Tracking),
                AgentLabel::NoIntent,
                AgentLabel::Several(vec![Intent::Tracking, Intent::Return]),
                AgentLabel::Intent(Intent::Cancel),
                AgentLabel::Missing,
            ]
        );
        let other = tags(dir.path(), Unmapped::Other);
        let agents = read_tickets(&path, &TicketColumns::default(), Some(&other)).unwrap();
        assert_eq!(agents[2].agent, AgentLabel::Intent(Intent::Other));
    }

    #[test]
    fn unmapped_tags_as_an_error_name_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let labels = tags(dir.path(), Unmapped::Error);
        let path = write(dir.path(), "t.csv", "text,tags\na,wismo\nb,vip\n");
        let error = read_tickets(&path, &TicketColumns::default(), Some(&labels))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("t.csv:3: field `tags`") && error.contains("\"vip\""),
            "{error}"
        );
    }

    #[test]
    fn an_intent_column_reads_one_label_and_a_missing_column_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let labels = LabelSettings {
            column: "intent".into(),
            tags: false,
            rules: LabelRules::default(),
        };
        let path = write(dir.path(), "v.csv", "text,intent\na,Cancel\nb,\n");
        let agents: Vec<AgentLabel> = read_tickets(&path, &TicketColumns::default(), Some(&labels))
            .unwrap()
            .into_iter()
            .map(|t| t.agent)
            .collect();
        assert_eq!(
            agents,
            [AgentLabel::Intent(Intent::Cancel), AgentLabel::Missing]
        );
        let path = write(dir.path(), "t.csv", "text,intent\na,cancel\nb,\nc,retrun\n");
        let error = read_tickets(&path, &TicketColumns::default(), Some(&labels))
            .unwrap_err()
            .to_string();
        assert!(error.contains("t.csv:4: field `intent`"), "{error}");
        let path = write(dir.path(), "u.csv", "text,label\na,cancel\n");
        let error = read_tickets(&path, &TicketColumns::default(), Some(&labels))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("u.csv:1: missing column `intent`"),
            "{error}"
        );
    }
}
