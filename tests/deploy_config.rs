//! The deployment example's config (examples/deploy/deskbot.toml, mounted by compose.yaml and
//! named by deskbot.service) stays one that deskbot accepts, as the README promises.

#![cfg(all(feature = "serve", feature = "shopify", feature = "zendesk"))]

use std::path::Path;

use deskbot::config::{Config, ConfigError, HelpDeskKind};
use deskbot::store::StoreSettings;

const DEPLOY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/deploy/deskbot.toml");

fn secrets(name: &str) -> Option<String> {
    match name {
        "SHOPIFY_ACCESS_TOKEN" | "ZENDESK_API_TOKEN" | "ZENDESK_WEBHOOK_SECRET" => {
            Some(format!("dummy-{name}"))
        }
        "DATABASE_URL" => Some("postgres://deskbot:deskbot@postgres:5432/deskbot".to_owned()),
        _ => None,
    }
}

#[test]
fn the_deployment_config_loads_with_its_secrets() {
    let config = Config::load_with_env(Path::new(DEPLOY), &secrets).expect("the example loads");
    assert!(matches!(config.store, StoreSettings::Postgres { .. }));
    assert!(matches!(config.helpdesk.kind, HelpDeskKind::Zendesk(_)));
    assert_eq!(config.platform.kind(), "shopify");
    assert!(config.routing.by_reason.contains_key("claim"));
}

#[test]
fn without_the_database_url_it_says_which_variable_is_missing() {
    let without = |name: &str| (name != "DATABASE_URL").then(|| secrets(name)).flatten();
    let error = Config::load_with_env(Path::new(DEPLOY), &without).unwrap_err();
    assert!(
        matches!(&error, ConfigError::MissingSecret { variable, .. } if variable == "DATABASE_URL"),
        "{error}"
    );
}
