//! `deskbot lookup order`: what deskbot sees of an order, as the platform answers.

use std::io::Write;

use anyhow::{Context, Result};
use deskbot::respond::facts::Order;

use super::args::{DocumentFormat, LookupArgs, LookupWhat};
use super::{runtime, shop};

pub fn run(args: LookupArgs) -> Result<()> {
    match args.what {
        LookupWhat::Order(order) => {
            let shop = shop::open(&order.shop)?;
            let platform = shop.connections.platform;
            let orders: Vec<Order> = runtime()?
                .block_on(async {
                    match (&order.number, &order.email) {
                        (Some(number), _) => platform
                            .order_by_number(number)
                            .await
                            .map(|order| vec![order])
                            .or_else(|error| match error {
                                deskbot::adapters::AdapterError::NotFound { .. } => Ok(Vec::new()),
                                other => Err(other),
                            }),
                        (None, Some(email)) => {
                            platform
                                .recent_orders_by_email(email, shop.config.policy.order_lookback)
                                .await
                        }
                        (None, None) => unreachable!("clap requires --number or --email"),
                    }
                })
                .with_context(|| format!("asking {} for orders", platform.name()))?;
            print_orders(&orders, order.format)
        }
        LookupWhat::Tracking(args) => tracking(args),
    }
}

fn print_orders(orders: &[Order], format: DocumentFormat) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        DocumentFormat::Json => {
            // The same shape as `facts.orders[]` in `reply --format json`.
            #[derive(serde::Serialize)]
            struct Found<'a> {
                orders: &'a [Order],
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&Found { orders })?)?
        }
        DocumentFormat::Text => {
            if orders.is_empty() {
                writeln!(out, "no orders")?;
            }
            for order in orders {
                writeln!(
                    out,
                    "#{}  {}  placed {}  {:?} / {:?}{}",
                    order.number,
                    order.email,
                    order.created_at,
                    order.financial_status,
                    order.fulfillment_status,
                    order
                        .cancelled_at
                        .map(|at| format!("  cancelled {at}"))
                        .unwrap_or_default()
                )?;
                writeln!(out, "  items: {}", order.describe_items())?;
                for fulfillment in &order.fulfillments {
                    writeln!(
                        out,
                        "  shipment {}: {} {}",
                        fulfillment.id,
                        fulfillment.carrier.as_deref().unwrap_or("(no carrier)"),
                        fulfillment.tracking_numbers.join(", ")
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// `deskbot lookup tracking`: what the carriers say, in the shape of `facts.shipments[].tracking`
/// in `reply --format json`.
fn tracking(args: super::args::LookupTrackingArgs) -> Result<()> {
    use deskbot::adapters::CarrierTracker;
    use deskbot::carrier;

    let config = shop::load(&args.shop)?;
    let carriers = deskbot::adapters::connect::carriers(&config)
        .with_context(|| format!("connecting as {} says", config.path.display()))?;
    let forced = args.carrier;
    let mut asked = Vec::new();
    let mut unknown = Vec::new();
    for number in &args.numbers {
        match forced.or_else(|| carrier::resolve(None, number)) {
            Some(carrier) => asked.push((carrier, carrier::normalize(number))),
            None => unknown.push(number.clone()),
        }
    }
    let answers = runtime()?.block_on(carriers.track_many(&asked));
    #[derive(serde::Serialize)]
    struct Found {
        tracking: Vec<deskbot::respond::facts::Tracking>,
        errors: Vec<Problem>,
    }
    #[derive(serde::Serialize)]
    struct Problem {
        number: String,
        carrier: Option<String>,
        kind: &'static str,
        error: String,
    }
    let mut found = Found {
        tracking: Vec::new(),
        errors: unknown
            .into_iter()
            .map(|number| Problem {
                number,
                carrier: None,
                kind: "unrecognised_carrier",
                error: "no known carrier format; pass --carrier".to_owned(),
            })
            .collect(),
    };
    for ((carrier, number), answer) in asked.into_iter().zip(answers) {
        match answer {
            Ok(tracking) => found.tracking.push(tracking),
            Err(error) => found.errors.push(Problem {
                number,
                carrier: Some(carrier.slug().into_owned()),
                kind: error.kind(),
                error: error.to_string(),
            }),
        }
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        DocumentFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&found)?)?,
        DocumentFormat::Text => {
            for tracking in &found.tracking {
                writeln!(
                    out,
                    "{} {}  {}{}",
                    tracking.carrier.display_name(),
                    tracking.number,
                    tracking.status.describe(),
                    tracking
                        .latest_event
                        .as_ref()
                        .map(|e| format!("  (latest {}: {})", e.time, e.description))
                        .unwrap_or_default()
                )?;
            }
            for problem in &found.errors {
                writeln!(
                    out,
                    "{}  {}: {}",
                    problem.number, problem.kind, problem.error
                )?;
            }
        }
    }
    if !found.errors.is_empty() && found.tracking.is_empty() {
        anyhow::bail!("no parcel could be tracked");
    }
    Ok(())
}
