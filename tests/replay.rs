//! `deskbot replay` end to end: the report's numbers on a small set whose outcome follows from
//! the demo shop's stories, agreement with the agents' tags through a label map, the per-ticket
//! file, bad input, and the read-only guarantee against loopback stand-ins of Shopify and
//! WooCommerce with `mode = "perform"` in the config.

#![cfg(all(feature = "cli", feature = "shopify", feature = "woocommerce"))]

mod common;
#[path = "platform_shopify/stand_in.rs"]
#[allow(dead_code)]
mod shopify;
#[path = "platform_woocommerce/stand_in.rs"]
#[allow(dead_code)]
mod woocommerce;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use deskbot::respond::facts::Order;
use serde_json::Value;
use wiremock::{MockServer, Request};

use common::root;

fn deskbot_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_deskbot"));
    command.args(args).current_dir(dir);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("binary runs")
}

/// From the repository root, where `examples/demo-shop` is the default shop.
fn deskbot(args: &[&str]) -> Output {
    deskbot_in(&root(), args, &[])
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

fn failed(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    text(&output.stderr)
}

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// Eight tickets whose outcomes follow from the demo shop's stories (`src/respond/demo.rs`):
/// omar's order is unfulfilled, jane's in transit, chen's delivered in November (so a return
/// is within the 30-day window on Nov 25 and outside it on Jan 25), lena's late, tom's parcel
/// held by the carrier. The tags are the agents': B is a disagreement deskbot automated, E one
/// it handed off, G carries no intent tag, H none at all.
const TICKETS: &str = "\
id,email,text,created_at,tags
A,omar@example.com,please cancel my order,,cancel
B,jane@example.com,Where is my dress?,,refund
C,chen@example.com,I'd like to return it,2026-11-25T10:00:00Z,\"refund, vip\"
D,chen@example.com,I'd like to return it,2027-01-25T10:00:00Z,Refund
E,,what are your opening hours,,wismo
F,lena@example.com,where is my order??,,wismo
G,tom@example.com,where is my order,,vip
H,,,,
";

const LABEL_MAP: &str = "from,to\nwismo,tracking\nrefund,return\ngeneral,other\n";

fn counts(report: &Value, key: &str) -> Vec<(String, u64)> {
    report[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_report_counts_what_the_demo_shop_would_have_done() {
    let dir = tempfile::tempdir().unwrap();
    let tickets = write(dir.path(), "tickets.csv", TICKETS);
    let map = write(dir.path(), "map.csv", LABEL_MAP);
    let out = dir.path().join("results.jsonl");
    let report = succeeded(&deskbot(&[
        "replay",
        "--input",
        tickets.to_str().unwrap(),
        "--tag-column",
        "tags",
        "--label-map",
        map.to_str().unwrap(),
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]));
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["messages"], 8);
    assert_eq!(report["replies"], 4);
    assert_eq!(report["handoffs"], 4);
    // Wilson 95% interval for 4 of 8: 0.2152–0.7848.
    let rate = &report["automation_rate"];
    assert_eq!(
        (
            rate["count"].as_u64(),
            rate["of"].as_u64(),
            rate["share"].as_f64()
        ),
        (Some(4), Some(8), Some(0.5))
    );
    assert_eq!(
        (rate["low"].as_f64(), rate["high"].as_f64()),
        (Some(0.2152), Some(0.7848))
    );
    assert_eq!(
        counts(&report, "situations"),
        [
            ("cancel/request_received".to_owned(), 1),
            ("return/outside_window".to_owned(), 1),
            ("return/within_window".to_owned(), 1),
            ("tracking/in_transit".to_owned(), 1),
        ]
    );
    assert_eq!(
        counts(&report, "handoff_reasons"),
        [
            ("carrier_exception".to_owned(), 1),
            ("empty_message".to_owned(), 1),
            ("late_shipment".to_owned(), 1),
            ("out_of_scope".to_owned(), 1),
        ]
    );
    let per_intent: Vec<(String, u64, u64)> = report["per_intent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["intent"].as_str().unwrap().to_owned(),
                r["messages"].as_u64().unwrap(),
                r["replies"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        per_intent,
        [
            ("tracking".to_owned(), 3, 1),
            ("return".to_owned(), 2, 2),
            ("missing_item".to_owned(), 0, 0),
            ("cancel".to_owned(), 1, 1),
            ("other".to_owned(), 2, 0),
        ]
    );
    assert_eq!(report["as_of_ticket_time"], 2);
    assert_eq!(report["read_only"]["configured_cancel_mode"], "request");
    assert_eq!(report["read_only"]["refused_writes"], 0);

    let agreement = &report["agreement"];
    assert_eq!(agreement["column"], "tags");
    assert_eq!(
        (
            &agreement["labelled"],
            &agreement["missing"],
            &agreement["no_intent"],
            &agreement["several_intents"]
        ),
        (
            &Value::from(6),
            &Value::from(1),
            &Value::from(1),
            &Value::from(0)
        )
    );
    assert_eq!(agreement["same_intent"]["count"], 4);
    assert_eq!(agreement["same_intent"]["of"], 6);
    assert_eq!(agreement["automated_same_intent"]["count"], 3);
    assert_eq!(agreement["automated_same_intent"]["of"], 4);
    let disagreements = agreement["disagreements"].as_array().unwrap();
    assert_eq!(disagreements.len(), 2);
    // The automated mistake comes first: a customer would have got it.
    assert_eq!(
        disagreements[0],
        serde_json::json!({"deskbot": "tracking", "automated": true, "agents": "return",
                           "count": 1, "tickets": ["B"]})
    );
    assert_eq!(
        disagreements[1],
        serde_json::json!({"deskbot": "other", "automated": false, "agents": "tracking",
                           "count": 1, "tickets": ["E"]})
    );
    let returns = &agreement["per_intent"][1];
    assert_eq!(returns["intent"], "return");
    assert_eq!(
        (
            &returns["tickets"],
            &returns["same_intent"],
            &returns["automated_same_intent"]
        ),
        (&Value::from(3), &Value::from(2), &Value::from(2))
    );

    // One line per ticket, in input order.
    let lines: Vec<Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["A", "B", "C", "D", "E", "F", "G", "H"]);
    assert_eq!(lines[0]["decision"], "reply");
    assert_eq!(lines[0]["situation"], "cancel/request_received");
    assert!(lines[0]["reply"].as_str().unwrap().contains("#1002"));
    assert!(lines[0]["follow_up"].as_str().unwrap().contains("1002"));
    assert_eq!(lines[2]["as_of"], "2026-11-25T10:00:00Z");
    assert_eq!(lines[3]["situation"], "return/outside_window");
    assert_eq!(lines[5]["decision"], "handoff");
    assert_eq!(lines[5]["reason"], "late_shipment");
    assert!(lines[5]["reply"].is_null());
    assert!(lines[5]["handoff_note"].as_str().unwrap().contains("1003"));
    assert_eq!(lines[1]["agent_intent"], "return");
    assert!(lines[6]["agent_intent"].is_null());
}

#[test]
fn the_text_report_says_the_same_and_the_out_file_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let tickets = write(dir.path(), "tickets.csv", TICKETS);
    let out = write(dir.path(), "results.jsonl", "kept\n");
    let args = [
        "replay",
        "--input",
        tickets.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let error = failed(&deskbot(&args));
    assert!(
        error.contains("already exists") && error.contains("--force"),
        "{error}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "kept\n");

    let mut forced = args.to_vec();
    forced.push("--force");
    let report = succeeded(&deskbot(&forced));
    assert!(
        report.contains("answered automatically     4 of 8") && report.contains("50.0%"),
        "{report}"
    );
    assert!(report.contains("1  late_shipment"), "{report}");
    // No label column was named: no agreement section.
    assert!(!report.contains("agreement"), "{report}");
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 8);
}

/// `--force` overwrites earlier results, never the tickets being replayed.
#[test]
fn the_out_file_is_never_the_input_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let tickets = write(dir.path(), "tickets.csv", TICKETS);
    let map = write(dir.path(), "map.csv", LABEL_MAP);
    for out in [&tickets, &map] {
        let error = failed(&deskbot(&[
            "replay",
            "--input",
            tickets.to_str().unwrap(),
            "--tag-column",
            "tags",
            "--label-map",
            map.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--force",
        ]));
        assert!(error.contains("which this command reads"), "{error}");
    }
    assert_eq!(std::fs::read_to_string(&tickets).unwrap(), TICKETS);
    assert_eq!(std::fs::read_to_string(&map).unwrap(), LABEL_MAP);
}

#[test]
fn standard_input_and_an_intent_column_work() {
    let csv = "ticket,from,text,label\n7,omar@example.com,please cancel my order,Cancel\n8,,what are your opening hours,\n";
    let mut child = Command::new(env!("CARGO_BIN_EXE_deskbot"))
        .args([
            "replay",
            "--input",
            "-",
            "--intent-column",
            "label",
            "--format",
            "json",
        ])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(csv.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let report: Value = serde_json::from_str(&succeeded(&output)).unwrap();
    assert_eq!(report["input"], "standard input");
    assert_eq!(report["replies"], 1, "{report}");
    assert_eq!(report["agreement"]["labelled"], 1, "{report}");
    assert_eq!(report["agreement"]["missing"], 1);
    assert_eq!(report["agreement"]["same_intent"]["count"], 1);
}

#[test]
fn a_help_desk_export_replays_through_its_own_column_names() {
    // Headers as a help-desk CSV export writes them, with the usual names present too but
    // holding something else: the named columns must be the ones read.
    let export = "\
Id,Requester email,Subject,Description,Created at,text,email
41,chen@example.com,Return,I'd like to return it,2026-11-25T10:00:00Z,hello,nobody@example.com
42,chen@example.com,Return,I'd like to return it,2027-01-25T10:00:00Z,hello,nobody@example.com
";
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "export.csv", export);
    let out = dir.path().join("results.jsonl");
    succeeded(&deskbot(&[
        "replay",
        "--input",
        input.to_str().unwrap(),
        "--text-column",
        "Description",
        "--ticket-column",
        "id",
        "--email-column",
        "requester email",
        "--created-at-column",
        "Created at",
        "--out",
        out.to_str().unwrap(),
    ]));
    let results: Vec<Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let summary: Vec<(&str, &str, &str, &str)> = results
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap(),
                r["intent"].as_str().unwrap(),
                r["as_of"].as_str().unwrap(),
                r["situation"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    // chen's delivered order: within the return window as of the first ticket, outside it as
    // of the second, which only a verified sender and the ticket's own time can tell.
    assert_eq!(summary[0].0, "41");
    assert_eq!(summary[1].0, "42");
    assert!(summary.iter().all(|r| r.1 == "return"), "{summary:?}");
    assert!(summary[0].2.starts_with("2026-11-25"), "{summary:?}");
    assert_eq!(summary[0].3, "return/within_window", "{summary:?}");
    assert_eq!(summary[1].3, "return/outside_window", "{summary:?}");

    let missing = failed(&deskbot(&[
        "replay",
        "--input",
        input.to_str().unwrap(),
        "--text-column",
        "Body",
    ]));
    assert!(
        missing.contains("export.csv:1: missing column `Body`"),
        "{missing}"
    );
}

#[test]
fn bad_input_names_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "text,created_at\nhello,2026-11-20T15:00:00Z\nwhere is it,yesterday\n",
            vec![],
            "bad.csv:3: field `created_at`",
        ),
        (
            "message\nhello\n",
            vec![],
            "bad.csv:1: missing column `text`",
        ),
        (
            "text,tags\nhello,cancel\nwhere is it,\"vip, urgent\"\n",
            vec!["--tag-column", "tags", "--unmapped", "error"],
            "bad.csv:3: field `tags`: the tags \"vip, urgent\" name no intent",
        ),
        (
            "text,intent\nhello,cancel\nwhere is it,retrun\n",
            vec!["--intent-column", "intent", "--unmapped", "error"],
            "bad.csv:3: field `intent`",
        ),
        (
            "text,tags\nhello,wismo\n",
            vec!["--tag-column", "labels"],
            "bad.csv:1: missing column `labels`",
        ),
    ];
    for (contents, extra, expected) in cases {
        let path = write(dir.path(), "bad.csv", contents);
        let mut args = vec!["replay", "--input", path.to_str().unwrap()];
        args.extend(extra);
        let error = failed(&deskbot(&args));
        assert!(error.contains(expected), "{expected:?} not in {error}");
    }
    let map = write(dir.path(), "map.csv", "from,to\nwismo,Shipping Status\n");
    let tickets = write(dir.path(), "tickets.csv", "text,tags\nhello,wismo\n");
    let error = failed(&deskbot(&[
        "replay",
        "--input",
        tickets.to_str().unwrap(),
        "--tag-column",
        "tags",
        "--label-map",
        map.to_str().unwrap(),
    ]));
    assert!(error.contains("map.csv:2: field `to`"), "{error}");
    // A label map means nothing without a column to read it against: a usage error.
    let output = deskbot(&[
        "replay",
        "--input",
        tickets.to_str().unwrap(),
        "--label-map",
        map.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
}

#[test]
fn the_built_in_demo_shop_leaves_no_store_or_log_behind() {
    // No checkout here, so the demo shop built into deskbot answers, and its store would go in
    // this folder: a replay must not create it.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "tickets.csv", TICKETS);
    let report = succeeded(&deskbot_in(
        dir.path(),
        &["replay", "--input", "tickets.csv", "--format", "json"],
        &[],
    ));
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["replies"], 4);
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["tickets.csv"]);
}

fn demo_orders() -> Vec<Order> {
    let text = std::fs::read_to_string(root().join("examples/demo-shop/orders.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The demo policy with `mode = "perform"`, `platform`, and the demo shop's carriers.
fn performing_config(dir: &Path, platform: &str) -> PathBuf {
    let shop = root().join("examples/demo-shop");
    let policy = std::fs::read_to_string(shop.join("deskbot.toml")).unwrap();
    let performing = policy.replace("mode = \"request\"", "mode = \"perform\"");
    assert_ne!(
        performing, policy,
        "the demo policy names its cancellation mode"
    );
    write(
        dir,
        "deskbot.toml",
        &format!(
            "{performing}\n{platform}\n[carriers.demo]\ndir = {:?}\n",
            shop.display().to_string()
        ),
    )
}

/// Against `server` with a config that says `perform`: `reply` does cancel (so the stand-in
/// sees writes when they happen), and `replay` of the same request sends none.
async fn replay_sends_no_write(
    server: &MockServer,
    platform: String,
    env: Vec<(&'static str, &'static str)>,
    is_write: fn(&Request) -> bool,
) {
    let dir = tempfile::tempdir().unwrap();
    let config = performing_config(dir.path(), &platform);
    let tickets = write(
        dir.path(),
        "tickets.csv",
        "email,text\nomar@example.com,please cancel my order\n",
    );
    let writes = |requests: Vec<Request>| requests.iter().filter(|r| is_write(r)).count();

    let (config_arg, tickets_arg) = (
        config.to_str().unwrap().to_owned(),
        tickets.to_str().unwrap().to_owned(),
    );
    let env_for_replay = env.clone();
    let report = tokio::task::spawn_blocking(move || {
        succeeded(&deskbot_in(
            &root(),
            &[
                "replay",
                "--input",
                &tickets_arg,
                "--config",
                &config_arg,
                "--format",
                "json",
            ],
            &env_for_replay,
        ))
    })
    .await
    .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert!(!requests.is_empty(), "the replay read from the stand-in");
    assert_eq!(writes(requests), 0, "the replay sent a write");
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["replies"], 1);
    assert_eq!(report["situations"][0]["name"], "cancel/request_received");
    assert_eq!(report["read_only"]["configured_cancel_mode"], "perform");
    assert_eq!(report["read_only"]["replayed_cancel_mode"], "request");

    // The control: the same config really cancels through `reply`, and the stand-in sees it.
    let config_arg = config.to_str().unwrap().to_owned();
    let reply = tokio::task::spawn_blocking(move || {
        succeeded(&deskbot_in(
            &root(),
            &[
                "reply",
                "--config",
                &config_arg,
                "--from",
                "omar@example.com",
                "--format",
                "json",
                "please cancel my order",
            ],
            &env,
        ))
    })
    .await
    .unwrap();
    let reply: Value = serde_json::from_str(&reply).unwrap();
    assert_eq!(reply["situation"], "cancel/cancelled", "{reply}");
    assert!(writes(server.received_requests().await.unwrap()) >= 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_against_woocommerce_in_perform_mode_writes_nothing() {
    let (server, _) = woocommerce::stand_in(&demo_orders(), |o| o.number.parse().unwrap()).await;
    let platform = format!(
        "[platform]\nkind = \"woocommerce\"\nbase_url = \"{}\"\n",
        server.uri()
    );
    let env = vec![
        ("WOOCOMMERCE_CONSUMER_KEY", "ck_test"),
        ("WOOCOMMERCE_CONSUMER_SECRET", "cs_test"),
    ];
    // WooCommerce REST reads are GETs; a cancel is `PUT orders/{id}`.
    replay_sends_no_write(&server, platform, env, |r| r.method.as_str() != "GET").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_against_shopify_in_perform_mode_writes_nothing() {
    let server = shopify::Shop::new(&demo_orders()).serve().await;
    let platform = format!(
        "[platform]\nkind = \"shopify\"\nshop = \"juniper-oak\"\nbase_url = \"{}\"\n",
        server.uri()
    );
    let env = vec![("SHOPIFY_ACCESS_TOKEN", shopify::TOKEN)];
    // Every Shopify GraphQL call is a POST; a write is a `mutation` (`orderCancel`).
    replay_sends_no_write(&server, platform, env, |r| {
        text(&r.body).contains("mutation")
    })
    .await;
}
