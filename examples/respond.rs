//! The README's library example: answer one message from the demo shop.
//!
//! `cargo run --release --example respond -- jane@example.com "Where is my dress?"`

use std::sync::Arc;

use deskbot::respond::{demo::DemoShop, Templates};
use deskbot::{Customer, IntentModel, Outcome, Responder};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let email = args.next().unwrap_or_else(|| "jane@example.com".to_owned());
    let message = args
        .next()
        .unwrap_or_else(|| "Where is my dress?".to_owned());

    let shop = DemoShop::load("examples/demo-shop".as_ref(), None)?; // or your own adapters
    let responder = Responder::new(
        Arc::new(IntentModel::load("models/intent-model.json")?),
        Arc::new(shop.platform), // impl OrderPlatform
        Arc::new(shop.carriers), // impl CarrierTracker
        shop.policy,
        Templates::load("templates".as_ref())?,
    );
    let customer = Customer { email: Some(email) };
    match responder.respond(&message, &customer).await {
        Outcome::Reply {
            text, situation, ..
        } => println!("{situation}\n{text}"),
        Outcome::Handoff { reason, note, .. } => println!("to a human: {reason}\n{note}"),
    }
    Ok(())
}
