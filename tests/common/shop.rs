//! The demo shop and responder, as the respond tests use them.

use std::path::Path;
use std::sync::Arc;

use deskbot::respond::demo::DemoShop;
use deskbot::respond::policy::Policy;
use deskbot::respond::scripts::REPLY_SITUATIONS;
use deskbot::respond::Templates;
use deskbot::{Customer, Intent, IntentModel, Outcome, Prediction, Responder};
use jiff::Timestamp;

use super::root;

pub fn model() -> Arc<IntentModel> {
    Arc::new(IntentModel::load(root().join("models/intent-model.json")).unwrap())
}

pub fn demo() -> DemoShop {
    DemoShop::load(&root().join("examples/demo-shop"), None).unwrap()
}

pub fn templates() -> Templates {
    Templates::load(&root().join("templates")).unwrap()
}

/// The demo policy with one setting changed.
pub fn demo_policy_with(from: &str, to: &str) -> Policy {
    let text = std::fs::read_to_string(root().join("examples/demo-shop/deskbot.toml")).unwrap();
    assert!(text.contains(from), "the demo policy has {from:?}");
    Policy::from_toml(Path::new("changed.toml"), &text.replace(from, to)).unwrap()
}

pub fn demo_responder() -> (Responder, Timestamp) {
    let shop = demo();
    let now = shop.policy.now();
    let responder = Responder::new(
        model(),
        Arc::new(shop.platform),
        Arc::new(shop.carriers),
        shop.policy,
        templates(),
    );
    (responder, now)
}

pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

pub fn customer(email: Option<&str>) -> Customer {
    Customer {
        email: email.map(str::to_owned),
    }
}

/// What `responder` does with `message` from `email`, the intent forced to `intent`.
pub fn answer(
    responder: &Responder,
    intent: Intent,
    message: &str,
    email: Option<&str>,
    now: Timestamp,
) -> Outcome {
    block_on(responder.respond_to(Prediction::certain(intent), message, &customer(email), now))
}

/// A copy of the bundled templates in `dir`, to break one on purpose.
pub fn copy_templates(dir: &Path) {
    for (group, name) in REPLY_SITUATIONS {
        let from = root()
            .join("templates")
            .join(group)
            .join(format!("{name}.tera"));
        let to_dir = dir.join(group);
        std::fs::create_dir_all(&to_dir).unwrap();
        std::fs::copy(from, to_dir.join(format!("{name}.tera"))).unwrap();
    }
}
