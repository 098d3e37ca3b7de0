//! `deskbot reply` and `deskbot check-templates`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Result};
use deskbot::respond::demo::DEMO_CASES;
use deskbot::respond::policy::CancelMode;
use deskbot::respond::scripts::{HandoffReason, REPLY_SITUATIONS};
use deskbot::respond::{Answerer, Templates, BUNDLED_ORIGIN};
use deskbot::{Customer, Intent, Outcome, Prediction, Responder};

use super::args::{CheckTemplatesArgs, DocumentFormat, ReplyArgs, ShopArgs, ThresholdArgs};
use super::{describe_cleaning, load_model_from, percent, prepare_message, runtime, shop};

pub fn run(args: ReplyArgs) -> Result<()> {
    let model = load_model_from(&args.model, &ThresholdArgs::default())?;
    let shop = shop::open(&args.shop)?;
    let templates = load_templates(args.templates.as_deref())?;
    let responder = Responder::new(
        Arc::new(model),
        shop.connections.platform,
        shop.connections.carriers,
        shop.config.policy,
        templates,
    );
    let now = args.now.unwrap_or_else(|| responder.policy().now());
    let customer = Customer {
        email: args.from.clone(),
    };
    let (message, cleaned) = prepare_message(&args.message, args.no_clean);
    let outcome = runtime()?.block_on(responder.respond_at(&message, &customer, now));
    let mut out = std::io::stdout().lock();
    match args.format {
        DocumentFormat::Json => {
            let mut value = serde_json::to_value(&outcome)?;
            if let Some(cleaned) = &cleaned {
                value["cleaned"] = serde_json::to_value(cleaned)?;
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?
        }
        DocumentFormat::Text => match &outcome {
            Outcome::Reply {
                text,
                intent,
                confidence,
                situation,
                follow_up,
                ..
            } => {
                writeln!(
                    out,
                    "reply     {situation} ({intent}, {} confident)",
                    percent(*confidence)
                )?;
                if let Some(task) = follow_up {
                    writeln!(out, "follow-up {task}")?;
                }
                if let Some(cleaned) = &cleaned {
                    writeln!(out, "cleaned   {}", describe_cleaning(cleaned))?;
                }
                writeln!(out, "---")?;
                write!(out, "{text}")?;
            }
            Outcome::Handoff {
                reason,
                intent,
                confidence,
                note,
                ..
            } => {
                writeln!(
                    out,
                    "handoff   {} ({intent}, {} confident)",
                    reason.code(),
                    percent(*confidence)
                )?;
                if let Some(cleaned) = &cleaned {
                    writeln!(out, "cleaned   {}", describe_cleaning(cleaned))?;
                }
                writeln!(out, "---")?;
                write!(out, "{note}")?;
            }
        },
    }
    Ok(())
}

/// The templates in `dir`, or the bundled ones.
pub(super) fn load_templates(dir: Option<&Path>) -> Result<Templates> {
    Ok(match dir {
        Some(dir) => Templates::load(dir)?,
        None => Templates::bundled()?,
    })
}

pub fn check_templates(args: CheckTemplatesArgs) -> Result<()> {
    let templates = load_templates(args.templates.as_deref())?;
    let check = templates.check();
    // Every story runs with its intent forced, so no model is needed. Cancel stories run a
    // second time under `mode = "perform"`, against a fresh copy of the shop (a cancel changes
    // it), which reaches the situation only that mode has.
    let shop_args = ShopArgs {
        config: None,
        shop: args.shop.clone(),
    };
    let shop = shop::open(&shop_args)?;
    let now = shop.config.policy.now();
    let mut performing = shop.config.policy.clone();
    performing.cancel_mode = CancelMode::Perform;
    let answerer = Answerer::new(
        shop.connections.platform,
        shop.connections.carriers,
        shop.config.policy,
        templates,
    );
    let fresh = shop::open(&shop_args)?;
    let performer = Answerer::new(
        fresh.connections.platform,
        fresh.connections.carriers,
        performing,
        load_templates(args.templates.as_deref())?,
    );
    let runtime = runtime()?;
    let mut rendered: BTreeMap<String, usize> = BTreeMap::new();
    // One line per failing template, however many stories reach it.
    let mut failures: BTreeMap<String, String> = BTreeMap::new();
    let runs = DEMO_CASES.iter().map(|case| (&answerer, case)).chain(
        DEMO_CASES
            .iter()
            .filter(|case| case.intent == Intent::Cancel)
            .map(|case| (&performer, case)),
    );
    for (answerer, case) in runs {
        let customer = Customer {
            email: case.email.map(str::to_owned),
        };
        let outcome = runtime.block_on(answerer.respond_to(
            Prediction::certain(case.intent),
            case.message,
            &customer,
            now,
        ));
        match &outcome {
            Outcome::Reply { situation, .. } => {
                *rendered.entry(situation.clone()).or_default() += 1
            }
            Outcome::Handoff {
                reason: HandoffReason::TemplateFailed { template, detail },
                ..
            } => {
                failures
                    .entry(template.clone())
                    .or_insert_with(|| detail.clone());
            }
            Outcome::Handoff { .. } => {}
        }
    }
    let mut out = std::io::stdout().lock();
    let mut problems = 0;
    for (group, name) in REPLY_SITUATIONS {
        let id = format!("{group}/{name}");
        if check.missing.contains(&id) {
            writeln!(out, "MISSING   {id}.tera (no template for this situation)")?;
            problems += 1;
        } else if let Some(detail) = failures.get(&id) {
            writeln!(out, "FAILED    {id}: {detail}")?;
            problems += 1;
        } else if let Some(count) = rendered.get(&id) {
            writeln!(out, "ok        {id} (rendered {count}× from demo facts)")?;
        } else {
            writeln!(out, "UNTESTED  {id} (no demo story reaches it)")?;
            problems += 1;
        }
    }
    for orphan in &check.orphans {
        writeln!(
            out,
            "ORPHAN    {orphan}.tera (no script produces this situation)"
        )?;
        problems += 1;
    }
    if problems > 0 {
        bail!(
            "{problems} template problem(s) in {}",
            args.templates
                .as_deref()
                .map_or_else(|| BUNDLED_ORIGIN.to_owned(), |d| d.display().to_string())
        );
    }
    writeln!(
        out,
        "all {} situations have templates that render",
        REPLY_SITUATIONS.len()
    )?;
    Ok(())
}
