//! Targets `csv`, `model` and `policy`: the files deskbot reads. Whatever the bytes, loading
//! returns a value or an error naming the file, and what loads behaves: a dataset holds no
//! blank text, a model classifies and saves to a file it can load again, a policy answers every
//! demo order through every script with clean replies.

use std::path::{Path, PathBuf};

use deskbot::classify::dataset::{
    read_texts, Dataset, DatasetOptions, LabelMap, OnConflict, Unmapped,
};
use deskbot::classify::model::train::train;
use deskbot::classify::vectorizer::CharNgrams;
use deskbot::respond::extract::{read_message, MessageFacts};
use deskbot::respond::facts::Order;
use deskbot::respond::policy::{Policy, PolicyError};
use deskbot::respond::scripts::{self, ScriptInput, ScriptResult, Shipment};
use deskbot::respond::verify::{verify, Verification, VerifiedOrder};
use deskbot::respond::Templates;
use deskbot::{Decision, Intent, IntentModel, TrainParams};
use jiff::Timestamp;

use super::checks::check_text;
use super::mutate::Mutator;
use super::{count, Harness, Shared, Tally};

/// Messages every model that loads must classify (and explain) without trouble.
const PROBES: &[&str] = &[
    "where is my order #1234?",
    "please cancel it",
    "I want to send the shoes back",
    "the box came without the scarf",
    "",
    "🙂 ?!",
    "1Z999AA10123456784",
];

// ---- csv ----------------------------------------------------------------------------------

/// Seeds: the head of every bundled training file, plus the shapes spreadsheets export.
pub fn csv_mutator(root: &Path) -> Mutator {
    let mut seeds: Vec<Vec<u8>> = vec![
        b"text,intent\n\"where, is it\",tracking\ncancel it,cancel\n".to_vec(),
        b"\xEF\xBB\xBFtext,intent\r\n\"where, is it\",tracking\r\ncancel it,cancel\r\n".to_vec(),
        b"id,intent,text\n7,return,send it back\n8,other,\"multi\nline\"\n".to_vec(),
        b"id,text\n1,hello\n2,\n3,bye\n".to_vec(),
        b"text,intent\nCancel it,cancel\ncancel   IT,cancel\nhi,other\n".to_vec(),
        b"text,intent\n\"say \"\"hi\"\"\",other\n".to_vec(),
    ];
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("training-data"))
        .expect("training-data")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("training file");
        let head: String = text.lines().take(12).flat_map(|l| [l, "\n"]).collect();
        seeds.push(head.into_bytes());
    }
    let tokens = [
        "text",
        "intent",
        "text,intent\n",
        "tracking",
        "cancel",
        "return",
        "missing_item",
        "other",
        "\"\"",
        ",\"",
        "\",",
        "\u{FFFD}",
    ];
    Mutator::new(seeds, &tokens, 16 * 1024)
}

/// Writes each input to one file per thread and loads it both ways.
pub struct CsvHarness {
    _dir: tempfile::TempDir,
    path: PathBuf,
    /// A help desk's tags → intents, for loading as `train --label-map` does.
    label_map: LabelMap,
    tally: Tally,
}

/// The map the csv target loads with: tags, an intent under another case, and a shop's label.
const LABEL_MAP: &str = "from,to\nwismo,tracking\nRefund Request,return\nvip,wholesale\n";

/// An error's variant name, for the tally.
fn variant(error: &impl std::fmt::Debug) -> String {
    let debug = format!("{error:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A fresh temporary directory, in memory where the system has one (`/dev/shm`): a million
/// small writes should not wait on a disk that compilers are also using.
pub(super) fn scratch_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    };
    dir.expect("a temporary directory")
}

/// `Err` unless `error`'s message names `path`.
pub(super) fn names_file(path: &Path, error: &dyn std::fmt::Display) -> Result<(), String> {
    let message = error.to_string();
    if message.contains(&*path.to_string_lossy()) {
        Ok(())
    } else {
        Err(format!("error does not name the file: {message}"))
    }
}

impl CsvHarness {
    pub fn new() -> Self {
        let dir = scratch_dir();
        let path = dir.path().join("fuzz.csv");
        let map_path = dir.path().join("labels.csv");
        std::fs::write(&map_path, LABEL_MAP).expect("the label map");
        let label_map = LabelMap::load(&map_path).expect("the label map loads");
        CsvHarness {
            _dir: dir,
            path,
            label_map,
            tally: Tally::new(),
        }
    }
}

impl Harness for CsvHarness {
    fn run(&mut self, input: &[u8]) -> Result<(), String> {
        std::fs::write(&self.path, input).map_err(|e| format!("harness: {e}"))?;
        let named = |error: &dyn std::fmt::Display| names_file(&self.path, error);
        let texts = read_texts(&self.path);
        if let Err(error) = &texts {
            named(error)?;
        }
        // As `train --label-map … --unmapped other|skip --on-conflict majority|skip` loads an
        // export: the first byte picks the rules.
        let first = input.first().copied().unwrap_or_default();
        let options = DatasetOptions::default()
            .label_map(self.label_map.clone())
            .unmapped(if first & 1 == 0 {
                Unmapped::Other
            } else {
                Unmapped::Skip
            })
            .on_conflict(if first & 2 == 0 {
                OnConflict::Majority
            } else {
                OnConflict::Skip
            });
        match Dataset::load_many(&[&self.path], &options) {
            Err(error) => {
                count(&mut self.tally, format!("mapped/{}", variant(&error)));
                named(&error)?
            }
            Ok(data) => {
                count(&mut self.tally, "mapped/loaded");
                if let Some(m) = data.messages.iter().find(|m| m.text.trim().is_empty()) {
                    return Err(format!("a mapped dataset kept a blank text: {:?}", m.text));
                }
                let mut labels = std::collections::HashMap::new();
                for m in &data.messages {
                    if let Some(other) = labels.insert(m.text.as_str(), m.label) {
                        if other != m.label {
                            return Err(format!(
                                "conflicts resolved, yet {:?} is both {other} and {}",
                                m.text, m.label
                            ));
                        }
                    }
                }
            }
        }
        let loaded = Dataset::load(&self.path);
        count(
            &mut self.tally,
            match &loaded {
                Ok(_) => "loaded".to_owned(),
                Err(error) => variant(error),
            },
        );
        match loaded {
            Err(error) => named(&error),
            Ok(data) => {
                if data.messages.is_empty() {
                    return Err("a dataset loaded with no message".into());
                }
                if let Some(m) = data.messages.iter().find(|m| m.text.trim().is_empty()) {
                    return Err(format!("a dataset loaded with a blank text: {:?}", m.text));
                }
                if data.sha256.len() != 64 {
                    return Err(format!("sha256 {:?} is not 64 hex digits", data.sha256));
                }
                match texts {
                    Ok(texts) if texts.len() >= data.messages.len() => Ok(()),
                    Ok(texts) => Err(format!(
                        "read_texts found {} texts where Dataset::load kept {} messages",
                        texts.len(),
                        data.messages.len()
                    )),
                    Err(error) => Err(format!(
                        "Dataset::load accepts the file but read_texts fails: {error}"
                    )),
                }
            }
        }
    }

    fn tally(&self) -> Tally {
        self.tally.clone()
    }
}

// ---- model --------------------------------------------------------------------------------

/// Seeds: two small models trained here on every 12th bundled message (about 300), one plain
/// and one with tuned thresholds, single words and character n-grams, so each input parses in
/// well under a millisecond.
pub fn model_mutator(root: &Path) -> Mutator {
    let mut data = Dataset::load(&root.join("training-data")).expect("training data");
    data.messages = data.messages.into_iter().step_by(12).collect();
    let plain = TrainParams::default().tuning(None);
    let varied = TrainParams::default()
        .max_ngram(1)
        .char_ngrams(Some(CharNgrams { min: 3, max: 4 }))
        .max_features(400);
    let seeds = [plain, varied]
        .into_iter()
        .map(|params| {
            let params = params.check().expect("valid params");
            let model = train(&params, data.clone(), None).expect("training").model;
            model.to_file().render().into_bytes()
        })
        .collect();
    let tokens = [
        "\"weights\"",
        "\"idf\"",
        "\"features\"",
        "\"intercepts\"",
        "\"thresholds\"",
        "[",
        "]",
        "{",
        "}",
        "[1e308,1e308,1e308,1e308,1e308]",
        "[]",
        ":",
        "\"format_version\": 2",
        "\"\"",
        "\"__order_number__\"",
    ];
    Mutator::new(seeds, &tokens, 1 << 20)
}

/// Loads each input as a model; a model that loads classifies, explains and round-trips.
#[derive(Default)]
pub struct ModelHarness {
    tally: Tally,
}

/// The name model errors must carry.
const MODEL_NAME: &str = "fuzz/model.json";

impl Harness for ModelHarness {
    fn run(&mut self, input: &[u8]) -> Result<(), String> {
        let loaded = IntentModel::from_slice(MODEL_NAME, input);
        count(
            &mut self.tally,
            match &loaded {
                Ok(_) => "loaded".to_owned(),
                Err(error) => variant(error),
            },
        );
        let model = match loaded {
            Ok(model) => model,
            Err(error) if error.to_string().contains(MODEL_NAME) => return Ok(()),
            Err(error) => return Err(format!("error does not name the file: {error}")),
        };
        let saved = model.to_file().render();
        let reloaded = IntentModel::from_slice("fuzz/resaved.json", saved.as_bytes())
            .map_err(|e| format!("a model that loads saves a file it cannot load: {e}"))?;
        for probe in PROBES {
            let prediction = model.classify(probe);
            let finite = prediction.scores.iter().all(|s| s.probability.is_finite());
            if prediction.decision == Decision::Automate && !finite {
                return Err(format!(
                    "non-finite scores automated: {probe:?} → {} {:?}",
                    prediction.intent, prediction.scores
                ));
            }
            if finite && reloaded.classify(probe) != prediction {
                return Err(format!(
                    "{probe:?} classifies differently after save and load"
                ));
            }
            model.explain(probe, 5);
        }
        Ok(())
    }

    fn tally(&self) -> Tally {
        self.tally.clone()
    }
}

// ---- policy -------------------------------------------------------------------------------

/// Seeds: the demo policy, and the same with every optional section in its other form.
pub fn policy_mutator(demo_policy: &str) -> Mutator {
    let variants = [
        ("mode = \"request\"", "mode = \"perform\""),
        (
            "several_open_orders = \"ask\"",
            "several_open_orders = \"handoff\"",
        ),
        ("locale = \"en-US\"", "locale = \"en-GB\""),
        (
            "timezone = \"America/New_York\"",
            "timezone = \"Pacific/Kiritimati\"",
        ),
        (
            "verify = \"sender_email\"",
            "verify = \"sender_email_or_postcode\"",
        ),
        (
            "clock = \"2026-11-20T15:00:00Z\"",
            "clock = \"9999-12-31T23:59:59Z\"",
        ),
    ];
    let mut seeds = vec![demo_policy.as_bytes().to_vec()];
    for (from, to) in variants {
        assert!(demo_policy.contains(from), "the demo policy has {from}");
        seeds.push(demo_policy.replace(from, to).into_bytes());
    }
    let tokens = [
        "[shop]",
        "[orders]",
        "[shipping]",
        "=",
        "\"\"\"",
        "'''",
        "[[",
        "]]",
        "clock = ",
        "lookback = ",
        "\"Etc/GMT+12\"",
        "\"-009999-01-01T00:00:00Z\"",
        "\"9999-12-31T23:59:59Z\"",
        "\"0000-01-01T00:00:00Z\"",
        "sign_off = \"{{ x }}\"",
        "window_days = ",
    ];
    Mutator::new(seeds, &tokens, 16 * 1024)
}

/// Where the demo shop's clock stands when a fuzzed policy has none, so runs stay
/// deterministic.
const DEMO_NOW: &str = "2026-11-20T15:00:00Z";

/// Loads each input as a policy; one that loads answers every demo order through every script.
pub struct PolicyHarness {
    templates: Templates,
    orders: Vec<(VerifiedOrder, Vec<Shipment>)>,
    messages: [MessageFacts; 2],
    tally: Tally,
}

impl PolicyHarness {
    /// Loads the templates and pairs the demo orders with their tracking.
    pub fn new(shared: &Shared) -> Self {
        let orders = shared
            .demo_orders
            .iter()
            .map(|order| {
                let shipments = shipments(order, shared);
                let verified =
                    verify(Verification::None, order.clone(), None, "").expect("trusted channel");
                (verified, shipments)
            })
            .collect();
        PolicyHarness {
            templates: Templates::load(&shared.root.join("templates")).expect("templates"),
            orders,
            messages: [
                read_message("where is it?"),
                read_message("one of the items was not in the box"),
            ],
            tally: Tally::new(),
        }
    }
}

/// `order`'s parcels with what the demo carrier says, as the responder pairs them.
fn shipments(order: &Order, shared: &Shared) -> Vec<Shipment> {
    order
        .fulfillments
        .iter()
        .filter_map(|fulfillment| {
            let number = fulfillment.tracking_numbers.first()?;
            let tracking = shared
                .demo_tracking
                .iter()
                .find(|t| t.number == *number)?
                .clone();
            Some(Shipment {
                fulfillment: fulfillment.clone(),
                tracking,
            })
        })
        .collect()
}

/// The name policy errors must carry.
const POLICY_NAME: &str = "fuzz/deskbot.toml";

impl Harness for PolicyHarness {
    fn run(&mut self, input: &[u8]) -> Result<(), String> {
        let text = String::from_utf8_lossy(input);
        let loaded = Policy::from_toml(Path::new(POLICY_NAME), &text);
        count(
            &mut self.tally,
            match &loaded {
                Ok(_) => "loaded".to_owned(),
                Err(PolicyError::Invalid { field, .. }) => format!("Invalid {field}"),
                Err(error) => variant(error),
            },
        );
        let policy = match loaded {
            Ok(policy) => policy,
            Err(error) if error.to_string().contains(POLICY_NAME) => return Ok(()),
            Err(error) => return Err(format!("error does not name the file: {error}")),
        };
        let now = policy
            .clock
            .unwrap_or_else(|| DEMO_NOW.parse::<Timestamp>().expect("demo clock"));
        for (order, shipments) in &self.orders {
            for (i, intent) in Intent::ALL.into_iter().enumerate() {
                let message = &self.messages[i % 2];
                let input = ScriptInput::new(order, shipments, &policy, now, message);
                let situation = match scripts::run(intent, &input) {
                    ScriptResult::Reply(situation) => situation,
                    ScriptResult::Handoff(reason) => {
                        count(&mut self.tally, format!("handoff/{}", reason.code()));
                        continue;
                    }
                };
                count(&mut self.tally, situation.id());
                let text = self.templates.render(&situation).map_err(|e| {
                    format!(
                        "a policy that loads fails a template for order #{}: {e}",
                        order.order().number
                    )
                })?;
                check_text(&text, &[]).map_err(|e| {
                    format!(
                        "{e} (order #{}, {})\nreply: {text:?}",
                        order.order().number,
                        situation.id()
                    )
                })?;
            }
        }
        Ok(())
    }

    fn tally(&self) -> Tally {
        self.tally.clone()
    }
}
