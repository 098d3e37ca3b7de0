//! `deskbot lookup order`: what deskbot sees of an order, as the platform answers.

use std::io::Write;

use anyhow::{Context, Result};
use deskbot::respond::facts::Order;

use super::args::{LookupArgs, LookupWhat, OutputFormat};
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
    }
}

fn print_orders(orders: &[Order], format: OutputFormat) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Json | OutputFormat::Jsonl => {
            // The same shape as `facts.orders[]` in `reply --format json`.
            #[derive(serde::Serialize)]
            struct Found<'a> {
                orders: &'a [Order],
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&Found { orders })?)?
        }
        OutputFormat::Text => {
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
