//! Target `review`: the learning loop's files. Whatever the bytes, reading them as messages to
//! review (CSV or JSONL), as a labelled sheet or as a label map returns a value or an error
//! naming the file. Messages that read are put through the whole loop: picked for a sheet,
//! written, labelled as a person agreeing with the model would, and imported again, which must
//! give back every row's text and label, and an audit that counts exactly the rows it had.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use deskbot::classify::dataset::{LabelMap, LabelRules, Unmapped};
use deskbot::classify::label::Label;
use deskbot::classify::review::sheet::write_sheet;
use deskbot::classify::review::{
    import, read_messages, select, ExportSettings, Predicted, ReviewMessage, ReviewReason,
    ReviewRow,
};
use deskbot::IntentModel;

use super::files::{names_file, scratch_dir};
use super::mutate::Mutator;
use super::{count, Harness, Shared, Tally};

/// How the first byte of an input names its file: the readers pick CSV or JSONL by extension,
/// and sniff the bytes without one.
const EXTENSIONS: [&str; 3] = ["csv", "jsonl", "txt"];

/// Seeds: help-desk exports, `classify --format jsonl` lines, a filled-in sheet, a label map.
/// Each starts with the byte that picks its extension.
pub fn mutator() -> Mutator {
    let seeds: Vec<Vec<u8>> = [
        (0u8, &b"ticket,subject,text\n4711,hi,where is my order #1234?\n,x,\"cancel, please\"\n"[..]),
        (
            1,
            br#"{"intent":"tracking","confidence":0.55,"decision":"escalate","reason":"low_confidence","scores":{"tracking":0.55,"missing_item":0.25,"cancel":0.1,"other":0.05,"return":0.05},"text":"where is it","id":7}
{"cleaned":{"text":"cancel my order","was_html":true},"intent":"cancel","confidence":0.99,"decision":"automate","reason":null,"scores":{"cancel":0.99,"other":0.01},"text":"<p>cancel my order</p>"}
{"text":"no prediction here","ticket":"T-9"}
"#,
        ),
        (
            2,
            b"\xEF\xBB\xBFtext,predicted,confidence,reason,count,ticket,intent\r\n\
              where is it,tracking,0.5500,low_confidence,3,T-1,tracking\r\n\
              '=HYPERLINK(1),other,0.9000,audit,1,,other\r\n\
              the scarf is missing,missing_item,0.9800,audit,2,9,return\r\n\
              buy now,other,0.7000,out_of_scope,1,,\r\n",
        ),
        (0, b"from,to\nwismo,tracking\nRefund Request,return\nvip,wholesale\n"),
        (1, b"{\"text\":\"=1+1\",\"ticket\":12}\r\n{\"text\":\"'=still text\"}\n"),
    ]
    .into_iter()
    .map(|(extension, body)| [&[extension][..], body].concat())
    .collect();
    let tokens = [
        "text",
        "intent",
        "predicted",
        "reason",
        "count",
        "ticket",
        "audit",
        "out_of_scope",
        "low_confidence",
        "ambiguous",
        "\"decision\":\"automate\"",
        "\"decision\":\"escalate\"",
        "\"scores\":{}",
        "\"confidence\":1e308",
        "\"cleaned\":{\"text\":\"\"}",
        "'",
        "'=",
        "=",
        "+",
        "-",
        "@",
        "\t",
        "{",
        "}",
        "\"\"",
        ",\"",
        "\",",
    ];
    Mutator::new(seeds, &tokens, 16 * 1024)
}

/// Writes each input to one file per thread and reads it every way the loop does.
pub struct ReviewHarness {
    dir: tempfile::TempDir,
    model: Arc<IntentModel>,
    tally: Tally,
}

impl ReviewHarness {
    pub fn new(shared: &Shared) -> Self {
        ReviewHarness {
            dir: scratch_dir(),
            model: Arc::clone(&shared.model),
            tally: Tally::new(),
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Harness for ReviewHarness {
    fn run(&mut self, input: &[u8]) -> Result<(), String> {
        let Some((&pick, body)) = input.split_first() else {
            return Ok(());
        };
        let extension = EXTENSIONS[usize::from(pick) % EXTENSIONS.len()];
        let path = self.file(&format!("input.{extension}"));
        std::fs::write(&path, body).map_err(|e| format!("harness: {e}"))?;

        // The same bytes as a label map, and as a labelled sheet under each rule for labels
        // that are not intents.
        if let Err(error) = LabelMap::load(&path) {
            names_file(&path, &error)?;
        }
        for unmapped in [Unmapped::Error, Unmapped::Other, Unmapped::Skip] {
            let rules = LabelRules {
                map: None,
                unmapped,
            };
            match import(&[&path], &rules, None) {
                Err(error) => names_file(&path, &error)?,
                Ok(imported) => {
                    if let Some(m) = imported.messages.iter().find(|m| m.text.trim().is_empty()) {
                        return Err(format!("a sheet imported a blank text: {:?}", m.text));
                    }
                    if imported.messages.len() + imported.unlabelled > imported.rows {
                        return Err(format!(
                            "import counted {} rows but kept {} and skipped {}",
                            imported.rows,
                            imported.messages.len(),
                            imported.unlabelled
                        ));
                    }
                }
            }
        }

        // As messages to review: through the whole loop.
        let messages = match read_messages(&path, "text", None) {
            Err(error) => {
                count(&mut self.tally, "messages/error");
                return names_file(&path, &error);
            }
            Ok(messages) => messages,
        };
        count(&mut self.tally, "messages/read");
        let messages: Vec<ReviewMessage> = messages
            .into_iter()
            .map(|message| ReviewMessage {
                predicted: message.predicted.unwrap_or_else(|| {
                    Predicted::from_prediction(&self.model.classify(&message.text))
                }),
                text: message.text,
                ticket: message.ticket,
            })
            .collect();
        let settings = ExportSettings::default().audit(3).out_of_scope(2).seed(7);
        let selection = select(&messages, &settings);
        let grouped: usize = selection.rows.iter().map(|row| row.count).sum();
        if grouped > messages.len() {
            return Err(format!(
                "the sheet's rows count {grouped} messages of {}",
                messages.len()
            ));
        }
        if let Some(row) = selection
            .rows
            .iter()
            .find(|row| !(0.0..=1.0).contains(&row.confidence) || !row.uncertainty.is_finite())
        {
            return Err(format!(
                "a row's confidence {} or uncertainty {} is out of range",
                row.confidence, row.uncertainty
            ));
        }
        count(
            &mut self.tally,
            if selection.rows.is_empty() {
                "sheet/empty"
            } else {
                "sheet/rows"
            },
        );

        // Export, then label every row as a person agreeing with the model would, and import:
        // every row's text and label come back. One text gets one label: the same message can
        // be on a sheet twice with different predictions (an escalation, and an audit row of a
        // later model's answer), and a person gives both rows the same intent.
        let labels = row_labels(&selection.rows);
        let mut sheet = Vec::new();
        write_sheet(&selection.rows, &mut sheet).map_err(|e| format!("write_sheet: {e}"))?;
        let labelled = fill_intent_column(&sheet, &labels)?;
        let sheet_path = self.file("sheet.csv");
        std::fs::write(&sheet_path, labelled).map_err(|e| format!("harness: {e}"))?;
        let imported = import(&[&sheet_path], &LabelRules::default(), None)
            .map_err(|error| format!("an exported sheet, labelled, fails to import: {error}"))?;
        if imported.rows != selection.rows.len() {
            return Err(format!(
                "wrote {} rows, import read {}",
                selection.rows.len(),
                imported.rows
            ));
        }
        if imported.messages.len() + imported.duplicates != selection.rows.len() {
            return Err(format!(
                "{} rows came back as {} messages and {} duplicates",
                selection.rows.len(),
                imported.messages.len(),
                imported.duplicates
            ));
        }
        for message in &imported.messages {
            let at = selection
                .rows
                .iter()
                .position(|row| row.text == message.text)
                .ok_or_else(|| {
                    format!("imported text {:?} is no row of the sheet", message.text)
                })?;
            if labels[at] != message.label {
                return Err(format!(
                    "{:?} was labelled {}, came back as {}",
                    message.text, labels[at], message.label
                ));
            }
        }
        let (mut audited, mut audited_messages, mut right) = (0, 0, 0);
        for (row, label) in selection.rows.iter().zip(&labels) {
            if row.reason == ReviewReason::Audit {
                audited += 1;
                audited_messages += row.count;
                if row.predicted == *label {
                    right += row.count;
                }
            }
        }
        let audit = imported.audit;
        if (audit.rows, audit.messages, audit.correct) != (audited, audited_messages, right) {
            return Err(format!(
                "{audited} audit rows for {audited_messages} messages, {right} right, came back \
                 as {audit:?}"
            ));
        }
        count(&mut self.tally, "sheet/round trip");
        Ok(())
    }

    fn tally(&self) -> Tally {
        self.tally.clone()
    }
}

/// Each row's label: its prediction, unless a row before it has the same text as import
/// compares texts (case and spacing aside), whose label it takes.
fn row_labels(rows: &[ReviewRow]) -> Vec<Label> {
    let mut first: HashMap<String, Label> = HashMap::new();
    rows.iter()
        .map(|row| {
            let key: Vec<String> = row.text.split_whitespace().map(str::to_lowercase).collect();
            *first.entry(key.join(" ")).or_insert(row.predicted)
        })
        .collect()
}

/// `sheet` with row `i`'s `intent` cell set to `labels[i]`.
fn fill_intent_column(sheet: &[u8], labels: &[Label]) -> Result<Vec<u8>, String> {
    let body = sheet.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(sheet);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body);
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("the exported sheet is not CSV: {e}"))?;
        let mut fields: Vec<&str> = record.iter().collect();
        if fields.len() != 7 {
            return Err(format!(
                "sheet line {} has {} fields",
                index + 1,
                fields.len()
            ));
        }
        if index > 0 {
            let label = labels
                .get(index - 1)
                .ok_or_else(|| format!("the sheet has more than {} rows", labels.len()))?;
            fields[6] = label.as_str();
        }
        writer
            .write_record(&fields)
            .map_err(|e| format!("harness: {e}"))?;
    }
    writer.into_inner().map_err(|e| format!("harness: {e}"))
}
