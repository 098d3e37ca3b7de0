//! `deskbot reply` and `deskbot check-templates`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use deskbot::respond::demo::{DemoShop, DemoShopError, DEMO_CASES};
use deskbot::respond::policy::CancelMode;
use deskbot::respond::scripts::{HandoffReason, REPLY_SITUATIONS};
use deskbot::respond::{Answerer, Templates};
use deskbot::{Customer, Intent, IntentModel, Outcome, Prediction, Responder};
use jiff::Timestamp;

use super::args::{CheckTemplatesArgs, DocumentFormat, ReplyArgs};
use super::{percent, runtime, shop};

/// The demo shop in `dir`, with the policy from `config` when given. Errors name the file at
/// fault: the policy's own errors carry its path.
fn load_shop(dir: &Path, config: Option<&Path>) -> Result<DemoShop> {
    DemoShop::load(dir, config).map_err(|error| match error {
        DemoShopError::Policy(error) => anyhow::Error::new(error),
        other => {
            anyhow::Error::new(other).context(format!("loading the demo shop in {}", dir.display()))
        }
    })
}

pub fn run(args: ReplyArgs) -> Result<()> {
    let model = IntentModel::load_with(&args.model.model, args.model.load_options())
        .with_context(|| format!("loading {}", args.model.model.display()))?;
    let shop = shop::open(&args.shop)?;
    let templates = Templates::load(&args.templates)?;
    let responder = Responder::new(
        Arc::new(model),
        shop.connections.platform,
        shop.connections.carriers,
        shop.config.policy,
        templates,
    );
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
        DocumentFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&outcome)?)?,
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
    // Every story runs with its intent forced, so no model is needed. Cancel stories run a
    // second time under `mode = "perform"`, which reaches the situation only that mode has.
    let shop = load_shop(&args.shop, None)?;
    let now = shop.policy.now();
    let mut performing = shop.policy.clone();
    performing.cancel_mode = CancelMode::Perform;
    let answerer = Answerer::new(
        Arc::new(shop.platform),
        Arc::new(shop.carriers),
        shop.policy,
        templates,
    );
    let perform_shop = load_shop(&args.shop, None)?;
    let performer = Answerer::new(
        Arc::new(perform_shop.platform),
        Arc::new(perform_shop.carriers),
        performing,
        Templates::load(&args.templates)?,
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
