//! `deskbot serve` end to end on the embedded default store, SQLite: the scenarios of
//! tests/serve_support/suite.rs against one process.

#![cfg(all(
    feature = "cli",
    feature = "serve",
    feature = "zendesk",
    feature = "shopify",
    feature = "ups"
))]

mod serve_support;
#[path = "platform_shopify/stand_in.rs"]
#[allow(dead_code)]
mod shopify;

use serve_support::suite::Backend;

serve_suite!(Backend::Sqlite);
