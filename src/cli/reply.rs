//! `deskbot reply` and `deskbot check-templates`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use deskbot::respond::demo::{DemoShop, DEMO_CASES};
use deskbot::respond::scripts::REPLY_SITUATIONS;
use deskbot::respond::Templates;
use deskbot::{Customer, IntentModel, Outcome, Prediction, Responder};
use jiff::Timestamp;

use super::args::{CheckTemplatesArgs, OutputFormat, ReplyArgs};
use super::percent;

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn responder(
    model: Arc<IntentModel>,
    shop: &Path,
    policy: Option<&Path>,
    templates: &Path,
) -> Result<Responder> {
    let shop = DemoShop::load(shop, policy)
        .with_context(|| format!("loading the shop in {}", shop.display()))?;
    let templates = Templates::load(templates)?;
    Ok(Responder::new(
        model,
        Arc::new(shop.platform),
        Arc::new(shop.carriers),
        shop.policy,
        templates,
    ))
}

pub fn run(args: ReplyArgs) -> Result<()> {
    let model = IntentModel::load_with(&args.model.model, args.model.load_options())
        .with_context(|| format!("loading {}", args.model.model.display()))?;
    let responder = responder(
        Arc::new(model),
        &args.shop,
        args.config.as_deref(),
        &args.templates,
    )?;
    let now = match &args.now {
        Some(text) => text
            .parse::<Timestamp>()
            .with_context(|| format!("--now {text:?} is not an RFC 3339 time"))?,
        None => responder.policy().now(),
    };
    let customer = Customer {
        email: args.from.clone(),
    };
    let outcome = runtime()?.block_on(responder.respond_at(&args.message, &customer, now));
    let mut out = std::io::stdout().lock();
    match args.format {
        OutputFormat::Json | OutputFormat::Jsonl => {
            writeln!(out, "{}", serde_json::to_string_pretty(&outcome)?)?
        }
        OutputFormat::Text => match &outcome {
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
                writeln!(out, "---")?;
                write!(out, "{note}")?;
            }
        },
    }
    Ok(())
}

pub fn check_templates(args: CheckTemplatesArgs) -> Result<()> {
    let templates = Templates::load(&args.templates)?;
    let check = templates.check();
    // The scripts run on the demo shop's facts with the intent forced, so this needs no model.
    let shop = DemoShop::load(&args.shop, None)
        .with_context(|| format!("loading fixture facts from {}", args.shop.display()))?;
    let now = shop.policy.now();
    // The intent is forced for every story, so the model is never consulted.
    let model = IntentModel::load(&args.model.model)
        .with_context(|| format!("loading {}", args.model.model.display()))?;
    let responder = Responder::new(
        Arc::new(model),
        Arc::new(shop.platform),
        Arc::new(shop.carriers),
        shop.policy,
        templates,
    );
    let runtime = runtime()?;
    let mut rendered: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in DEMO_CASES {
        let customer = Customer {
            email: case.email.map(str::to_owned),
        };
        let outcome = runtime.block_on(responder.respond_to(
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
                reason:
                    deskbot::respond::scripts::HandoffReason::TemplateFailed { template, detail },
                ..
            } => failures.push(format!("{template}: {detail}")),
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
        } else if let Some(count) = rendered.get(&id) {
            writeln!(out, "ok        {id} (rendered {count}× from demo facts)")?;
        } else if id == "cancel/cancelled" {
            writeln!(
                out,
                "present   {id} (only with cancellation mode \"perform\")"
            )?;
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
    for failure in &failures {
        writeln!(out, "FAILED    {failure}")?;
        problems += 1;
    }
    if problems > 0 {
        bail!(
            "{problems} template problem(s) in {}",
            args.templates.display()
        );
    }
    writeln!(
        out,
        "all {} situations have templates that render",
        REPLY_SITUATIONS.len()
    )?;
    Ok(())
}
