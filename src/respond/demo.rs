//! The demo shop: a file-backed order platform, carrier and policy in `examples/demo-shop/`,
//! so `deskbot reply` works on a fresh clone with no credentials and no network.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::adapters::{
    normalize_order_number, AdapterError, MemoryCarrierTracker, MemoryOrderPlatform,
};
use crate::respond::facts::{Order, Tracking};
use crate::respond::policy::{Policy, PolicyError};

/// Where the demo shop lives, relative to the repository root.
pub const DEMO_SHOP_DIR: &str = "examples/demo-shop";

/// The demo shop's files, built into the library, so `deskbot reply` answers from the demo shop
/// wherever it is installed.
pub mod bundled {
    /// `orders.json`.
    pub const ORDERS: &str = include_str!("../../examples/demo-shop/orders.json");
    /// `tracking.json`.
    pub const TRACKING: &str = include_str!("../../examples/demo-shop/tracking.json");
    /// `carrier-failures.json`.
    pub const CARRIER_FAILURES: &str =
        include_str!("../../examples/demo-shop/carrier-failures.json");
    /// `deskbot.toml`: the demo shop's policy.
    pub const POLICY: &str = include_str!("../../examples/demo-shop/deskbot.toml");
    /// How the bundled files are named in messages.
    pub const ORIGIN: &str = "<bundled demo shop>";
}

/// A demo-shop file problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoShopError {
    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is not the expected JSON. The parser's message, with line and column, is the
    /// source, so it is not repeated here: `{:#}` prints it once.
    #[error("{} is not the expected JSON", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The JSON error, with line and column.
        source: serde_json::Error,
    },
    /// Two orders share a number, so a customer asking about it could get either.
    #[error("{}:{line}: field `number`: order number {number} is already used by the order at line {first_line}", path.display())]
    DuplicateOrderNumber {
        /// The file.
        path: PathBuf,
        /// The number, as a customer types it (without `#`).
        number: String,
        /// Line where the second order starts.
        line: u64,
        /// Line where the first order starts.
        first_line: u64,
    },
    /// The policy is invalid.
    #[error(transparent)]
    Policy(#[from] PolicyError),
}

/// One injected carrier failure (`carrier-failures.json`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CarrierFailure {
    number: String,
    error: FailureKind,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FailureKind {
    NotFound,
    Unauthenticated,
    RateLimited,
    Unavailable,
    Invalid,
}

impl FailureKind {
    fn to_error(&self, number: &str) -> AdapterError {
        match self {
            FailureKind::NotFound => AdapterError::not_found(format!("shipment {number}")),
            FailureKind::Unauthenticated => AdapterError::Unauthenticated {
                message: "demo carrier rejects the credentials".into(),
            },
            FailureKind::RateLimited => AdapterError::RateLimited {
                retry_after: Some(std::time::Duration::from_secs(30)),
            },
            FailureKind::Unavailable => AdapterError::unavailable("demo carrier is down"),
            FailureKind::Invalid => AdapterError::Invalid {
                message: "demo carrier sent an unreadable answer".into(),
            },
        }
    }
}

/// The demo shop's adapters and policy.
#[derive(Debug)]
pub struct DemoShop {
    /// Orders (`orders.json`).
    pub platform: MemoryOrderPlatform,
    /// Tracking (`tracking.json`, `carrier-failures.json`).
    pub carriers: MemoryCarrierTracker,
    /// Policy (`deskbot.toml`).
    pub policy: Policy,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, DemoShopError> {
    parse_json(path, &read_text(path)?)
}

fn read_text(path: &Path) -> Result<String, DemoShopError> {
    std::fs::read_to_string(path).map_err(|source| DemoShopError::Io {
        path: path.to_owned(),
        source,
    })
}

fn parse_json<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, DemoShopError> {
    serde_json::from_str(text).map_err(|source| DemoShopError::Json {
        path: path.to_owned(),
        source,
    })
}

/// Reads `orders.json`, whose order numbers must be unique as a customer types them.
fn read_orders(path: &Path) -> Result<Vec<Order>, DemoShopError> {
    parse_orders(path, &read_text(path)?)
}

fn parse_orders(path: &Path, text: &str) -> Result<Vec<Order>, DemoShopError> {
    let orders: Vec<Order> = parse_json(path, text)?;
    let mut first_index: HashMap<String, usize> = HashMap::with_capacity(orders.len());
    for (index, order) in orders.iter().enumerate() {
        let number = normalize_order_number(&order.number);
        if let Some(&first) = first_index.get(&number) {
            let lines = element_lines(text);
            let line_of = |i: usize| lines.get(i).copied().unwrap_or(1);
            return Err(DemoShopError::DuplicateOrderNumber {
                path: path.to_owned(),
                number,
                line: line_of(index),
                first_line: line_of(first),
            });
        }
        first_index.insert(number, index);
    }
    Ok(orders)
}

fn with_failures(
    mut carriers: MemoryCarrierTracker,
    failures: Vec<CarrierFailure>,
) -> MemoryCarrierTracker {
    for failure in failures {
        let error = failure.error.to_error(&failure.number);
        carriers = carriers.with_failure(&failure.number, error);
    }
    carriers
}

/// The 1-based line on which each element of the top-level JSON array in `text` starts; empty
/// if `text` is not an array. serde does not report where a value was, so the array is read
/// again as raw slices of `text`, whose offsets give the lines.
fn element_lines(text: &str) -> Vec<u64> {
    let elements: Vec<&serde_json::value::RawValue> =
        serde_json::from_str(text).unwrap_or_default();
    elements
        .iter()
        .map(|raw| {
            let offset = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
            let before = text.as_bytes().get(..offset).unwrap_or_default();
            1 + before.iter().filter(|&&b| b == b'\n').count() as u64
        })
        .collect()
}

impl DemoShop {
    /// Loads the shop in `dir`. `policy` overrides `dir/deskbot.toml` when given.
    pub fn load(dir: &Path, policy: Option<&Path>) -> Result<DemoShop, DemoShopError> {
        let platform = DemoShop::orders(dir)?;
        let carriers = DemoShop::carriers(dir)?;
        let policy =
            Policy::load(&policy.map_or_else(|| dir.join("deskbot.toml"), Path::to_owned))?;
        Ok(DemoShop {
            platform,
            carriers,
            policy,
        })
    }

    /// The orders in `dir/orders.json`.
    pub fn orders(dir: &Path) -> Result<MemoryOrderPlatform, DemoShopError> {
        Ok(MemoryOrderPlatform::new(read_orders(
            &dir.join("orders.json"),
        )?))
    }

    /// The bundled demo shop's orders.
    pub fn bundled_orders() -> Result<MemoryOrderPlatform, DemoShopError> {
        let path = Path::new(bundled::ORIGIN).join("orders.json");
        Ok(MemoryOrderPlatform::new(parse_orders(
            &path,
            bundled::ORDERS,
        )?))
    }

    /// The bundled demo shop's carrier answers.
    pub fn bundled_carriers() -> Result<MemoryCarrierTracker, DemoShopError> {
        let origin = Path::new(bundled::ORIGIN);
        let tracking: Vec<Tracking> = parse_json(&origin.join("tracking.json"), bundled::TRACKING)?;
        let failures: Vec<CarrierFailure> = parse_json(
            &origin.join("carrier-failures.json"),
            bundled::CARRIER_FAILURES,
        )?;
        Ok(with_failures(MemoryCarrierTracker::new(tracking), failures))
    }

    /// The carrier answers in `dir/tracking.json`, with the failures in
    /// `dir/carrier-failures.json` if present.
    pub fn carriers(dir: &Path) -> Result<MemoryCarrierTracker, DemoShopError> {
        let tracking: Vec<Tracking> = read_json(&dir.join("tracking.json"))?;
        let failures_path = dir.join("carrier-failures.json");
        let failures: Vec<CarrierFailure> = if failures_path.exists() {
            read_json(&failures_path)?
        } else {
            Vec::new()
        };
        Ok(with_failures(MemoryCarrierTracker::new(tracking), failures))
    }
}

/// One demo-shop story: a message from a customer and what deskbot must do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoCase {
    /// The sender, if known.
    pub email: Option<&'static str>,
    /// The message.
    pub message: &'static str,
    /// The intent to answer (forced, so the table tests the scripts, not the classifier).
    pub intent: crate::Intent,
    /// `group/situation` of the reply, or `handoff/<code>[/<rule>]`.
    pub expect: &'static str,
}

macro_rules! case {
    ($email:expr, $message:expr, $intent:ident, $expect:expr) => {
        DemoCase {
            email: $email,
            message: $message,
            intent: crate::Intent::$intent,
            expect: $expect,
        }
    };
}

/// Every demo story, covering every reply situation and every handoff kind the demo shop can
/// show (see `examples/demo-shop/README.md`).
pub const DEMO_CASES: &[DemoCase] = &[
    case!(
        Some("jane@example.com"),
        "Where is my dress?",
        Tracking,
        "tracking/in_transit"
    ),
    case!(
        Some("jane@example.com"),
        "I want to return the dress",
        Return,
        "return/not_yet_delivered"
    ),
    case!(
        Some("jane@example.com"),
        "please cancel my order",
        Cancel,
        "cancel/already_shipped"
    ),
    case!(
        Some("jane@example.com"),
        "my dress never came",
        MissingItem,
        "tracking/in_transit"
    ),
    case!(
        Some("omar@example.com"),
        "has my order shipped?",
        Tracking,
        "tracking/not_shipped_yet"
    ),
    case!(
        Some("omar@example.com"),
        "cancel my order please",
        Cancel,
        "cancel/request_received"
    ),
    case!(
        Some("omar@example.com"),
        "how do I return this",
        Return,
        "return/not_yet_delivered"
    ),
    case!(
        Some("lena@example.com"),
        "where is my order??",
        Tracking,
        "handoff/policy_requires_human/late_shipment"
    ),
    case!(
        Some("lena@example.com"),
        "cancel it",
        Cancel,
        "cancel/request_received"
    ),
    case!(
        Some("raj@example.com"),
        "my parcel is stuck",
        Tracking,
        "tracking/delayed"
    ),
    case!(
        Some("mia@example.com"),
        "when will it arrive",
        Tracking,
        "tracking/out_for_delivery"
    ),
    case!(
        Some("chen@example.com"),
        "where is my package",
        Tracking,
        "tracking/delivered"
    ),
    case!(
        Some("chen@example.com"),
        "it says delivered but it's not here",
        MissingItem,
        "missing_item/delivered_recently"
    ),
    case!(
        Some("chen@example.com"),
        "the lamp shade wasn't in the box",
        MissingItem,
        "handoff/policy_requires_human/claim"
    ),
    case!(
        Some("chen@example.com"),
        "I'd like to return it",
        Return,
        "return/within_window"
    ),
    case!(
        Some("sofia@example.com"),
        "where is my order",
        Tracking,
        "tracking/delivered"
    ),
    case!(
        Some("sofia@example.com"),
        "I never got my parcel",
        MissingItem,
        "handoff/policy_requires_human/claim"
    ),
    case!(
        Some("sofia@example.com"),
        "can I still return this?",
        Return,
        "return/outside_window"
    ),
    case!(
        Some("tom@example.com"),
        "where is my order",
        Tracking,
        "handoff/policy_requires_human/carrier_exception"
    ),
    case!(
        Some("ana@example.com"),
        "where is my order",
        Tracking,
        "common/several_orders"
    ),
    case!(
        Some("ana@example.com"),
        "where is order #1009",
        Tracking,
        "tracking/in_transit"
    ),
    case!(
        Some("lucas@example.com"),
        "where is my stuff",
        Tracking,
        "tracking/several_shipments"
    ),
    case!(
        Some("lucas@example.com"),
        "only part of my order came",
        MissingItem,
        "missing_item/split_shipment"
    ),
    case!(
        Some("emma@example.com"),
        "where is my order",
        Tracking,
        "tracking/delivered"
    ),
    case!(
        Some("emma@example.com"),
        "I want to return my order",
        Return,
        "return/already_returned"
    ),
    case!(
        Some("noah@example.com"),
        "cancel my order",
        Cancel,
        "cancel/already_cancelled"
    ),
    case!(
        Some("ivy@example.com"),
        "where is my parcel",
        Tracking,
        "tracking/attempted_delivery"
    ),
    case!(
        Some("leo@example.com"),
        "where is my order",
        Tracking,
        "handoff/conflicting_facts"
    ),
    case!(
        Some("zoe@example.com"),
        "where is my order",
        Tracking,
        "handoff/adapter_failure"
    ),
    case!(
        Some("jane@example.com"),
        "where is order #9999?",
        Tracking,
        "handoff/no_order_found"
    ),
    case!(
        None,
        "where is order #1006",
        Tracking,
        "common/verify_identity"
    ),
    case!(
        None,
        "Hi, I am chen@example.com. Please cancel order #1006",
        Cancel,
        "common/verify_identity"
    ),
    case!(
        Some("jane@example.com"),
        "where is parcel 1ZE7V2180355089359?",
        Tracking,
        "common/unknown_tracking_number"
    ),
    case!(
        Some("lucas@example.com"),
        "any news on 9400111104639405802109?",
        Tracking,
        "tracking/in_transit"
    ),
    case!(
        Some("nobody@example.com"),
        "where is my order",
        Tracking,
        "common/need_order_number"
    ),
    case!(
        None,
        "where is my order",
        Tracking,
        "common/verify_identity"
    ),
    case!(
        None,
        "where is parcel 9400111798643261622439?",
        Tracking,
        "tracking/parcel_status"
    ),
    case!(
        Some("jane@example.com"),
        "where is order #1006",
        Tracking,
        "handoff/policy_requires_human/email_mismatch"
    ),
];

/// `group/situation` or `handoff/<code>[/<rule>]` of an outcome, as in [`DemoCase::expect`].
pub fn outcome_label(outcome: &crate::Outcome) -> String {
    match outcome {
        crate::Outcome::Reply { situation, .. } => situation.clone(),
        crate::Outcome::Handoff { reason, .. } => match reason {
            crate::respond::scripts::HandoffReason::PolicyRequiresHuman { rule, .. } => {
                format!("handoff/{}/{rule}", reason.code())
            }
            other => format!("handoff/{}", other.code()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(number: &str) -> String {
        format!(
            r#"  {{
    "id": "ord-{number}-{}",
    "number": "{number}",
    "email": "jane@example.com",
    "created_at": "2026-11-12T18:24:00Z",
    "financial_status": "paid",
    "fulfillment_status": "unfulfilled",
    "line_items": []
  }}"#,
            number.len()
        )
    }

    /// A shop directory with the demo policy, no tracking and `orders` as orders.json.
    fn shop_with_orders(orders: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEMO_SHOP_DIR);
        std::fs::copy(demo.join("deskbot.toml"), dir.path().join("deskbot.toml")).unwrap();
        std::fs::write(dir.path().join("tracking.json"), "[]").unwrap();
        std::fs::write(dir.path().join("orders.json"), orders).unwrap();
        dir
    }

    /// The error and its causes as `{:#}` prints them in the CLI.
    fn chain(error: &dyn std::error::Error) -> String {
        let mut text = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            text.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        text
    }

    #[test]
    fn distinct_order_numbers_load() {
        let orders = format!("[\n{},\n{}\n]\n", order("1001"), order("1002"));
        let dir = shop_with_orders(&orders);
        assert!(DemoShop::load(dir.path(), None).is_ok());
    }

    #[test]
    fn duplicate_order_numbers_are_an_error_naming_file_line_and_number() {
        // The second order 1001 starts on line 20; "#1001" is the same number to a customer.
        let orders = format!(
            "[\n{},\n{},\n{}\n]\n",
            order("1001"),
            order("1002"),
            order("#1001")
        );
        let dir = shop_with_orders(&orders);
        let err = DemoShop::load(dir.path(), None).unwrap_err();
        let message = chain(&err);
        assert!(
            message.contains("orders.json:20: field `number`: order number 1001 is already used by the order at line 2"),
            "{message}"
        );
    }

    #[test]
    fn json_errors_print_the_parser_message_once() {
        let dir = shop_with_orders(r#"[{"id": 1}]"#);
        let err = DemoShop::load(dir.path(), None).unwrap_err();
        let message = chain(&err);
        assert!(message.contains("orders.json"), "{message}");
        assert_eq!(message.matches("at line 1 column").count(), 1, "{message}");
    }
}
