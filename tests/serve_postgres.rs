//! `deskbot serve` end to end on PostgreSQL: the scenarios of tests/serve_support/suite.rs, each
//! in a fresh database on one throwaway server (tests/support/postgres.rs), with two `serve`
//! processes competing for the jobs. Needs `--features postgres-tests` and the PostgreSQL server
//! binaries; without a server these tests fail, they are never skipped.

#![cfg(all(
    feature = "postgres-tests",
    feature = "cli",
    feature = "serve",
    feature = "zendesk",
    feature = "shopify",
    feature = "ups"
))]

#[path = "support/postgres.rs"]
mod postgres;
mod serve_support;
#[path = "platform_shopify/stand_in.rs"]
#[allow(dead_code)]
mod shopify;

use serve_support::suite::Backend;

serve_suite!(Backend::Postgres(
    postgres::TestPostgres::shared().fresh_database("serve")
));
