//! Messages to review from files: a CSV (a help-desk export) or JSONL (a help-desk export, or
//! the output of `deskbot classify --format jsonl --with-text`, which carries the predictions).
//!
//! A file is JSONL when its name ends in `.jsonl` or `.ndjson`, CSV when it ends in `.csv`, and
//! otherwise JSONL when its first character (after a byte-order mark and blanks) is `{`.

use std::path::Path;

use serde_json::{Map, Value};

use super::{LoggedDecision, Predicted};
use crate::classify::dataset::{for_each_row, read_file, Column, DataError, Location};
use crate::classify::label::Label;

/// A message read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct InputMessage {
    /// Where it was read.
    pub location: Location,
    /// The message: the text column, or for a JSONL line with a `cleaned` object, the text the
    /// model read (`cleaned.text`).
    pub text: String,
    /// The ticket: the ticket column if it has one, else a JSONL `ticket` or `id` field.
    pub ticket: Option<String>,
    /// What the model said, when the file records it (a JSONL line with a `decision` field);
    /// `None` when the message is still to be classified.
    pub predicted: Option<Predicted>,
}

/// Reads the messages of one file. `text_column` names the column (CSV) or field (JSONL) with
/// the message; `ticket_column`, when given, a required column with the ticket (otherwise a
/// `ticket` column is read if there is one). Every problem names the file, line and field.
pub fn read_messages(
    path: &Path,
    text_column: &str,
    ticket_column: Option<&str>,
) -> Result<Vec<InputMessage>, DataError> {
    let bytes = read_file(path)?;
    let messages = if is_jsonl(path, &bytes) {
        read_jsonl(path, &bytes, text_column, ticket_column)?
    } else {
        read_csv(path, &bytes, text_column, ticket_column)?
    };
    // A file with a header and nothing else is a wrong file or an export cut short, not a
    // shop with nothing to review: an empty sheet would say all is well.
    if messages.is_empty() {
        return Err(DataError::NoRows {
            paths: vec![path.to_owned()],
            skipped: 0,
        });
    }
    Ok(messages)
}

fn is_jsonl(path: &Path, bytes: &[u8]) -> bool {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("jsonl" | "ndjson") => true,
        Some("csv") => false,
        _ => {
            let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        }
    }
}

fn read_csv(
    path: &Path,
    bytes: &[u8],
    text_column: &str,
    ticket_column: Option<&str>,
) -> Result<Vec<InputMessage>, DataError> {
    let columns = [
        Column::required(text_column),
        match ticket_column {
            Some(name) => Column::required(name),
            None => Column::optional("ticket"),
        },
    ];
    let mut messages = Vec::new();
    for_each_row(path, bytes, &columns, |location, fields| {
        messages.push(InputMessage {
            location,
            text: fields[0].unwrap_or_default().to_owned(),
            ticket: fields[1]
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
            predicted: None,
        });
        Ok::<_, DataError>(())
    })?;
    Ok(messages)
}

fn read_jsonl(
    path: &Path,
    bytes: &[u8],
    text_column: &str,
    ticket_column: Option<&str>,
) -> Result<Vec<InputMessage>, DataError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut messages = Vec::new();
    for (index, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let location = Location {
            path: path.to_owned(),
            line: index as u64 + 1,
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let value: Value = serde_json::from_slice(line).map_err(|e| DataError::Malformed {
            location: location.clone(),
            message: format!("not a JSON object: {e}"),
        })?;
        let Value::Object(object) = value else {
            return Err(DataError::Malformed {
                location,
                message: "not a JSON object: each line must be one `{...}`".to_owned(),
            });
        };
        messages.push(jsonl_message(
            location,
            &object,
            text_column,
            ticket_column,
        )?);
    }
    if messages.is_empty() {
        return Err(DataError::NoRows {
            paths: vec![path.to_owned()],
            skipped: 0,
        });
    }
    Ok(messages)
}

fn jsonl_message(
    location: Location,
    object: &Map<String, Value>,
    text_column: &str,
    ticket_column: Option<&str>,
) -> Result<InputMessage, DataError> {
    let invalid = |field: &str, problem: String| DataError::InvalidField {
        location: location.clone(),
        field: field.to_owned(),
        problem,
    };
    let cleaned = object
        .get("cleaned")
        .and_then(|c| c.get("text"))
        .and_then(Value::as_str);
    let text =
        match (cleaned, object.get(text_column)) {
            (Some(cleaned), _) => cleaned.to_owned(),
            (None, Some(Value::String(text))) => text.clone(),
            (None, Some(_)) => return Err(invalid(text_column, "not a string".to_owned())),
            (None, None) => return Err(invalid(
                text_column,
                "missing; `deskbot classify --format jsonl --with-text` writes the message's text"
                    .to_owned(),
            )),
        };
    let ticket_fields: Vec<&str> = match ticket_column {
        Some(name) => vec![name],
        None => vec!["ticket", "id"],
    };
    let mut ticket = None;
    for field in &ticket_fields {
        ticket = match object.get(*field) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => return Err(invalid(field, "not a string or number".to_owned())),
        };
        break;
    }
    if let (Some(name), None) = (ticket_column, &ticket) {
        return Err(invalid(name, "missing".to_owned()));
    }
    let predicted = match object.get("decision") {
        None | Some(Value::Null) => None,
        Some(_) => Some(jsonl_prediction(object, &invalid)?),
    };
    Ok(InputMessage {
        location,
        text,
        ticket,
        predicted,
    })
}

/// The prediction of a line that has a `decision`: `intent`, `confidence`, `reason` and
/// `scores` as `deskbot classify --format jsonl` writes them.
fn jsonl_prediction(
    object: &Map<String, Value>,
    invalid: &dyn Fn(&str, String) -> DataError,
) -> Result<Predicted, DataError> {
    let string = |field: &str| match object.get(field) {
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        None | Some(Value::Null) => Ok(None),
        Some(_) => Err(invalid(field, "not a string".to_owned())),
    };
    let decision = match (string("decision")?, string("reason")?) {
        (Some("automate"), _) => LoggedDecision::Automate,
        (Some("escalate"), Some(code)) if !code.trim().is_empty() => {
            LoggedDecision::Escalate(code.trim().to_owned())
        }
        (Some("escalate"), _) => {
            return Err(invalid(
                "reason",
                "an escalation needs its reason code".to_owned(),
            ))
        }
        (Some(other), _) => LoggedDecision::parse(other).ok_or_else(|| {
            invalid(
                "decision",
                format!("{other:?} is neither `automate` nor `escalate`"),
            )
        })?,
        (None, _) => return Err(invalid("decision", "not a string".to_owned())),
    };
    let intent: Label = string("intent")?
        .ok_or_else(|| invalid("intent", "missing".to_owned()))?
        .parse()
        .map_err(|e| invalid("intent", format!("{e}")))?;
    let confidence = object
        .get("confidence")
        .and_then(Value::as_f64)
        .ok_or_else(|| invalid("confidence", "missing, or not a number".to_owned()))?;
    let Some(Value::Object(scores)) = object.get("scores") else {
        return Err(invalid(
            "scores",
            "missing, or not an object of probabilities".to_owned(),
        ));
    };
    let scores: Vec<f64> = scores
        .iter()
        .map(|(label, p)| {
            p.as_f64()
                .ok_or_else(|| invalid("scores", format!("{label:?} is not a number")))
        })
        .collect::<Result<_, _>>()?;
    Predicted::from_scores(intent, confidence, scores, decision)
        .map_err(|e| invalid("scores", e.problem))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::intent::Intent;

    fn read(
        name: &str,
        bytes: &[u8],
        ticket: Option<&str>,
    ) -> Result<Vec<InputMessage>, DataError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        read_messages(&path, "text", ticket)
    }

    #[test]
    fn csv_reads_text_and_ticket_columns() {
        let messages = read(
            "desk.csv",
            b"ticket,subject,text\n4711,hi,where is it\n,x,\"cancel, please\"\n",
            None,
        )
        .unwrap();
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].ticket.as_deref(), Some("4711"));
        assert_eq!(messages[1].text, "cancel, please");
        assert_eq!(messages[1].ticket, None);
        assert_eq!(messages[1].location.line, 3);
        assert!(messages.iter().all(|m| m.predicted.is_none()));
        let err = read("desk.csv", b"text\nhi\n", Some("id")).unwrap_err();
        assert!(err.to_string().contains("missing column `id`"), "{err}");
    }

    const CLASSIFIED: &[u8] = br#"{"intent":"tracking","confidence":0.55,"decision":"escalate","reason":"low_confidence","scores":{"tracking":0.55,"missing_item":0.25,"cancel":0.1,"other":0.05,"return":0.05},"text":"where is it","id":7}
{"cleaned":{"text":"cancel my order","was_html":true},"intent":"cancel","confidence":0.99,"decision":"automate","reason":null,"scores":{"cancel":0.99,"other":0.01},"text":"<p>cancel my order</p>"}

{"text":"no prediction here","ticket":"T-9"}
"#;

    #[test]
    fn jsonl_reads_predictions_cleaned_text_and_tickets() {
        let messages = read("out.jsonl", CLASSIFIED, None).unwrap();
        assert_eq!(messages.len(), 3);
        let first = messages[0].predicted.as_ref().unwrap();
        assert_eq!(first.label, Intent::Tracking);
        assert_eq!(
            first.decision,
            LoggedDecision::Escalate("low_confidence".into())
        );
        assert_eq!(first.runner_up, 0.25);
        assert_eq!(messages[0].ticket.as_deref(), Some("7"));
        assert_eq!(messages[1].text, "cancel my order");
        assert_eq!(
            messages[1].predicted.as_ref().unwrap().decision,
            LoggedDecision::Automate
        );
        assert_eq!(messages[2].predicted, None);
        assert_eq!(messages[2].ticket.as_deref(), Some("T-9"));
        assert_eq!(messages[2].location.line, 4);
        // Told by its first character when the name says nothing.
        let content = |messages: &[InputMessage]| {
            messages
                .iter()
                .map(|m| {
                    (
                        m.location.line,
                        m.text.clone(),
                        m.ticket.clone(),
                        m.predicted.clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            content(&read("out.txt", CLASSIFIED, None).unwrap()),
            content(&messages)
        );
    }

    #[test]
    fn jsonl_problems_name_file_line_and_field() {
        let cases: [(&[u8], &str); 7] = [
            (b"{\"text\":\"a\"}\n{\"text\": 3}\n", "in.jsonl:2: field `text`: not a string"),
            (b"{\"intent\":\"cancel\"}\n", "in.jsonl:1: field `text`: missing; `deskbot classify --format jsonl --with-text`"),
            (b"{\"text\":\"a\"}\nnot json\n", "in.jsonl:2: not a JSON object"),
            (b"[1,2]\n", "in.jsonl:1: not a JSON object"),
            (
                b"{\"text\":\"a\",\"intent\":\"retrun\",\"confidence\":0.9,\"decision\":\"automate\",\"scores\":{\"retrun\":0.9}}\n",
                "in.jsonl:1: field `intent`: label \"retrun\" looks like a misspelling of the intent `return`",
            ),
            (
                b"{\"text\":\"a\",\"intent\":\"cancel\",\"confidence\":0.9,\"decision\":\"escalate\",\"reason\":null,\"scores\":{}}\n",
                "in.jsonl:1: field `reason`: an escalation needs its reason code",
            ),
            (
                b"{\"text\":\"a\",\"intent\":\"cancel\",\"confidence\":0.9,\"decision\":\"automate\",\"scores\":{\"cancel\":\"high\"}}\n",
                "in.jsonl:1: field `scores`: \"cancel\" is not a number",
            ),
        ];
        for (bytes, expected) in cases {
            let err = read("in.jsonl", bytes, None).unwrap_err().to_string();
            assert!(err.contains(expected), "{expected}\n{err}");
        }
    }
}
