//! The `deskbot` binary against loopback stand-ins of each order platform: `reply --config`
//! gives the same outcome as the demo shop for every demo story, and `lookup` and `doctor`
//! report what they see, including bad credentials, an unreachable host and a TLS failure.

#![cfg(all(
    feature = "cli",
    feature = "shopify",
    feature = "magento",
    feature = "woocommerce",
    feature = "bigcommerce"
))]

#[path = "platform_bigcommerce/stand_in.rs"]
#[allow(dead_code)]
mod bigcommerce;
mod common;
#[path = "platform_magento/standin.rs"]
#[allow(dead_code)]
mod magento;
#[path = "platform_shopify/stand_in.rs"]
#[allow(dead_code)]
mod shopify;
#[path = "platform_woocommerce/stand_in.rs"]
#[allow(dead_code)]
mod woocommerce;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use deskbot::respond::demo::DEMO_CASES;
use deskbot::respond::facts::Order;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

use common::root;

fn demo_orders() -> Vec<Order> {
    let text = std::fs::read_to_string(root().join("examples/demo-shop/orders.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A `deskbot.toml`: the demo policy, `platform`, and the demo shop's carriers.
fn config(dir: &Path, platform: &str) -> PathBuf {
    let shop = root().join("examples/demo-shop");
    let policy = std::fs::read_to_string(shop.join("deskbot.toml")).unwrap();
    let path = dir.join("deskbot.toml");
    std::fs::write(
        &path,
        format!(
            "{policy}\n{platform}\n[carriers.demo]\ndir = {:?}\n",
            shop.display().to_string()
        ),
    )
    .unwrap();
    path
}

fn deskbot(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_deskbot"));
    command.args(args).current_dir(root());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `reply --format json` as (outcome, situation or reason code).
fn outcome(output: &Output) -> (String, String) {
    let value: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&output.stdout), text(&output.stderr)));
    let kind = value["outcome"].as_str().unwrap().to_owned();
    let what = if kind == "reply" {
        value["situation"].as_str().unwrap().to_owned()
    } else {
        value["reason"]["code"].as_str().unwrap().to_owned()
    };
    (kind, what)
}

/// Every demo story through the CLI, on `config` and on the demo shop: the same outcomes,
/// except the senders listed in `differ` (a fact the platform cannot express).
fn same_stories_as_the_demo_shop(config: &Path, env: &[(&str, &str)], differ: &[&str]) {
    let config = config.to_str().unwrap();
    let mut mismatches = Vec::new();
    for case in DEMO_CASES {
        let mut args = vec!["reply", "--format", "json"];
        if let Some(email) = case.email {
            args.extend(["--from", email]);
        }
        args.push(case.message);
        let on_demo = outcome(&deskbot(&args, &[]));
        let mut platform_args = args.clone();
        platform_args.extend(["--config", config]);
        let on_platform = outcome(&deskbot(&platform_args, env));
        let excused = case.email.is_some_and(|email| differ.contains(&email));
        if on_demo != on_platform && !excused {
            mismatches.push(format!(
                "{:?} {:?}: demo {on_demo:?}, platform {on_platform:?}",
                case.email, case.message
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

fn lookup_and_doctor_work(config: &Path, env: &[(&str, &str)], vendor: &str) {
    let config = config.to_str().unwrap();
    let out = deskbot(
        &[
            "lookup", "order", "--number", "1006", "--config", config, "--format", "json",
        ],
        env,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(found["orders"][0]["number"], "1006");
    assert_eq!(found["orders"][0]["email"], "chen@example.com");
    let out = deskbot(&["doctor", "--config", config], env);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains(vendor) && text(&out.stdout).contains("OK"),
        "{}",
        text(&out.stdout)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn shopify_through_the_cli() {
    let server = shopify::Shop::new(&demo_orders()).serve().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        &format!(
            "[platform]\nkind = \"shopify\"\nshop = \"juniper-oak\"\nbase_url = \"{}\"\n",
            server.uri()
        ),
    );
    let env = [("SHOPIFY_ACCESS_TOKEN", shopify::TOKEN)];
    tokio::task::spawn_blocking(move || {
        same_stories_as_the_demo_shop(&config, &env, &[]);
        lookup_and_doctor_work(&config, &env, "shopify");
        // The wrong token: doctor says so and fails.
        let out = deskbot(
            &["doctor", "--config", config.to_str().unwrap()],
            &[("SHOPIFY_ACCESS_TOKEN", "wrong")],
        );
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stdout).contains("bad credentials"),
            "{}",
            text(&out.stdout)
        );
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn magento_through_the_cli() {
    let store = magento::StandIn::new(magento::render(&demo_orders()));
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(store).mount(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        &format!(
            "[platform]\nkind = \"magento\"\nbase_url = \"{}\"\n",
            server.uri()
        ),
    );
    let env = [("MAGENTO_ACCESS_TOKEN", magento::TOKEN)];
    tokio::task::spawn_blocking(move || {
        // Magento has no platform-side "delivered", so leo's conflict cannot arise there.
        same_stories_as_the_demo_shop(&config, &env, &["leo@example.com"]);
        lookup_and_doctor_work(&config, &env, "magento");
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn woocommerce_through_the_cli() {
    let (server, _) = woocommerce::stand_in(&demo_orders(), |o| o.number.parse().unwrap()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        &format!(
            "[platform]\nkind = \"woocommerce\"\nbase_url = \"{}\"\n",
            server.uri()
        ),
    );
    let env = [
        ("WOOCOMMERCE_CONSUMER_KEY", "ck_test"),
        ("WOOCOMMERCE_CONSUMER_SECRET", "cs_test"),
    ];
    tokio::task::spawn_blocking(move || {
        same_stories_as_the_demo_shop(&config, &env, &[]);
        lookup_and_doctor_work(&config, &env, "woocommerce");
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn bigcommerce_through_the_cli() {
    let (server, _) = bigcommerce::serve(demo_orders()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        &format!(
            "[platform]\nkind = \"bigcommerce\"\nbase_url = \"{}\"\nstore_hash = \"{}\"\n",
            server.uri(),
            bigcommerce::STORE
        ),
    );
    let env = [("BIGCOMMERCE_ACCESS_TOKEN", bigcommerce::TOKEN)];
    tokio::task::spawn_blocking(move || {
        // BigCommerce shipments have no delivery status, so leo's conflict cannot arise there.
        same_stories_as_the_demo_shop(&config, &env, &["leo@example.com"]);
        lookup_and_doctor_work(&config, &env, "bigcommerce");
    })
    .await
    .unwrap();
}

/// A UPS stand-in: the token endpoint and one documented body per tracking number; UPS's
/// not-found body for any other.
async fn ups_stand_in(parcels: &[(&str, &str)]) -> MockServer {
    use wiremock::matchers::{method, path};
    use wiremock::ResponseTemplate;
    let fixture = |name: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(root().join("tests/fixtures/ups").join(name)).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/security/v1/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("token.json")))
        .mount(&server)
        .await;
    for (number, body) in parcels {
        Mock::given(method("GET"))
            .and(path(format!("/api/track/v1/details/{number}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture(body)))
            .mount(&server)
            .await;
    }
    // Any other number: UPS's documented "no tracking information" answer, as UPS gives it
    // (a bare 404 would be a wrong base_url, not an unknown parcel).
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex("^/api/track/v1/details/"))
        .respond_with(ResponseTemplate::new(404).set_body_json(fixture("not_found.json")))
        .with_priority(10)
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn a_platform_and_a_carrier_stand_in_through_the_cli() {
    let shop = shopify::Shop::new(&demo_orders()).serve().await;
    let ups = ups_stand_in(&[
        ("1ZE7V2180388685590", "in_transit.json"),
        ("1ZE7V2180375529845", "delayed.json"),
        ("1ZE7V2180355089359", "delivered.json"),
        ("1ZE7V2180374041202", "exception.json"),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string(root().join("examples/demo-shop/deskbot.toml")).unwrap();
    let config = dir.path().join("deskbot.toml");
    std::fs::write(
        &config,
        format!(
            "{policy}\n[platform]\nkind = \"shopify\"\nshop = \"juniper-oak\"\nbase_url = \"{}\"\n\n[carriers.ups]\nbase_url = \"{}\"\n",
            shop.uri(),
            ups.uri()
        ),
    )
    .unwrap();
    let env = [
        ("SHOPIFY_ACCESS_TOKEN", shopify::TOKEN),
        ("UPS_CLIENT_ID", "deskbot-test-client"),
        ("UPS_CLIENT_SECRET", "s3cret-value"),
    ];
    tokio::task::spawn_blocking(move || {
        let config = config.to_str().unwrap();
        for (email, message, expected) in [
            (
                "ivy@example.com",
                "Where is my order #1014?",
                "tracking/in_transit",
            ),
            (
                "raj@example.com",
                "Where is my order #1004? It still hasn't come.",
                "tracking/delayed",
            ),
            (
                "chen@example.com",
                "Where is my order #1006?",
                "tracking/delivered",
            ),
            // Lucas's other parcel is USPS, which this config leaves untracked.
            (
                "lucas@example.com",
                "Where is my order #1011?",
                "untracked_carrier",
            ),
        ] {
            let out = deskbot(
                &[
                    "reply", "--format", "json", "--config", config, "--from", email, message,
                ],
                &env,
            );
            assert_eq!(
                outcome(&out).1,
                expected,
                "{message}: {}",
                text(&out.stdout)
            );
        }
        let out = deskbot(
            &[
                "lookup",
                "tracking",
                "1ZE7V2180374041202",
                "--config",
                config,
                "--format",
                "json",
            ],
            &env,
        );
        let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(found["tracking"][0]["status"], "exception", "{found}");
        let out = deskbot(&["doctor", "--config", config], &env);
        assert!(out.status.success(), "{}", text(&out.stdout));
        assert!(text(&out.stdout).contains("ups"), "{}", text(&out.stdout));
    })
    .await
    .unwrap();
}

#[test]
fn doctor_tells_unreachable_from_tls_trouble() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let unreachable = config(
        dir.path(),
        &format!("[platform]\nkind = \"magento\"\nbase_url = \"http://127.0.0.1:{port}\"\n[http]\nmax_retries = 0\n"),
    );
    let out = deskbot(
        &["doctor", "--config", unreachable.to_str().unwrap()],
        &[("MAGENTO_ACCESS_TOKEN", "t")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("unreachable"),
        "{}",
        text(&out.stdout)
    );

    // A plain-HTTP listener spoken to over https: the TLS handshake fails.
    let plain = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = plain.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in plain.incoming().flatten() {
            use std::io::Write;
            let mut stream = stream;
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
        }
    });
    let tls_dir = tempfile::tempdir().unwrap();
    let tls = config(
        tls_dir.path(),
        &format!("[platform]\nkind = \"magento\"\nbase_url = \"https://127.0.0.1:{port}\"\n[http]\nmax_retries = 0\n"),
    );
    let out = deskbot(
        &["doctor", "--config", tls.to_str().unwrap()],
        &[("MAGENTO_ACCESS_TOKEN", "t")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("TLS error"),
        "{}",
        text(&out.stdout)
    );
}
