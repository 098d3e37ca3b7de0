//! `[store]`: where the job queue and the decision log live (a SQLite file by default, or a
//! PostgreSQL database shared by replicas), and how long finished work is kept.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::{Checker, ConfigError};
use crate::store::StoreSettings;

/// The SQLite file when the config names none, next to the config file.
pub const DEFAULT_STORE_FILE: &str = "deskbot.db";
/// The environment variable holding the PostgreSQL URL, unless `url_env` names another.
pub const DEFAULT_DATABASE_URL_ENV: &str = "DATABASE_URL";
/// PostgreSQL connections per process, unless `max_connections` says otherwise.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;
/// Days decision-log rows and finished jobs are kept, unless `retention_days` says otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StoreTable {
    kind: Option<String>,
    path: Option<PathBuf>,
    url_env: Option<String>,
    max_connections: Option<u32>,
    retention_days: Option<u32>,
}

impl Checker<'_> {
    /// The store's settings and, if the table sets it, the retention in days.
    pub(super) fn store(
        &self,
        table: Option<StoreTable>,
        base: &Path,
    ) -> Result<(StoreSettings, Option<u32>), ConfigError> {
        let table = table.unwrap_or_default();
        if let Some(days) = table.retention_days {
            if !(1..=36_500).contains(&days) {
                return Err(self.invalid(
                    "store.retention_days",
                    format!("{days} is outside 1..=36500"),
                ));
            }
        }
        let settings = match table.kind.as_deref().map(str::trim).unwrap_or("sqlite") {
            "sqlite" => {
                for (field, set) in [
                    ("url_env", table.url_env.is_some()),
                    ("max_connections", table.max_connections.is_some()),
                ] {
                    if set {
                        return Err(self.invalid(
                            &format!("store.{field}"),
                            "is for kind = \"postgres\"; a SQLite store takes `path`",
                        ));
                    }
                }
                let path = table
                    .path
                    .unwrap_or_else(|| PathBuf::from(DEFAULT_STORE_FILE));
                if path.as_os_str().is_empty() {
                    return Err(self.invalid("store.path", "is empty"));
                }
                StoreSettings::Sqlite {
                    path: base.join(path),
                }
            }
            "postgres" | "postgresql" => {
                if table.path.is_some() {
                    return Err(self.invalid(
                        "store.path",
                        "is for kind = \"sqlite\"; a PostgreSQL store takes `url_env`",
                    ));
                }
                let variable = table
                    .url_env
                    .unwrap_or_else(|| DEFAULT_DATABASE_URL_ENV.to_owned());
                let url = self.secret("store.url_env", &variable)?;
                // The value is a secret: say what is wrong with it without showing it.
                let scheme_ok = ["postgres://", "postgresql://"]
                    .iter()
                    .any(|scheme| url.expose().starts_with(scheme));
                if !scheme_ok {
                    return Err(self.invalid(
                        "store.url_env",
                        format!(
                            "the value of {variable} is not a postgres:// or postgresql:// URL"
                        ),
                    ));
                }
                let max_connections = table.max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS);
                if !(1..=1_000).contains(&max_connections) {
                    return Err(self.invalid(
                        "store.max_connections",
                        format!("{max_connections} is outside 1..=1000"),
                    ));
                }
                StoreSettings::Postgres {
                    url,
                    max_connections,
                }
            }
            other => {
                return Err(self.invalid(
                    "store.kind",
                    format!("{other:?} is not a store; use \"sqlite\" or \"postgres\""),
                ))
            }
        };
        Ok((settings, table.retention_days))
    }
}

/// The retention in force: `[store] retention_days`, else `[serve] retention_days` (its older
/// home), else 90 days. Both set to different values is an error rather than a guess.
pub(super) fn retention_days(
    checker: &Checker<'_>,
    store_days: Option<u32>,
    serve_retention: Duration,
) -> Result<u32, ConfigError> {
    let serve_days = u32::try_from(serve_retention.as_secs() / 86_400).unwrap_or(u32::MAX);
    match store_days {
        None => Ok(serve_days),
        Some(days) if serve_days == days || serve_days == DEFAULT_RETENTION_DAYS => Ok(days),
        Some(days) => Err(checker.invalid(
            "store.retention_days",
            format!("is {days} but serve.retention_days is {serve_days}; set it once, in [store]"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_support::load;

    fn error(extra: &str, env: &[(&str, &str)]) -> String {
        load(extra, env).unwrap_err().to_string()
    }

    #[test]
    fn no_store_table_means_a_sqlite_file_beside_the_config() {
        let config = load("", &[]).unwrap();
        assert_eq!(
            config.store,
            StoreSettings::Sqlite {
                path: PathBuf::from("shop/deskbot.db")
            }
        );
        assert_eq!(config.retention_days, 90);
        let config = load(
            "[store]\npath = \"data/queue.db\"\nretention_days = 7\n",
            &[],
        )
        .unwrap();
        assert_eq!(
            config.store,
            StoreSettings::Sqlite {
                path: PathBuf::from("shop/data/queue.db")
            }
        );
        assert_eq!(config.retention_days, 7);
        assert_eq!(config.serve.retention, Duration::from_secs(7 * 86_400));
        let config = load(
            "[store]\nkind = \"sqlite\"\npath = \"/var/lib/deskbot/q.db\"\n",
            &[],
        );
        assert_eq!(
            config.unwrap().store,
            StoreSettings::Sqlite {
                path: PathBuf::from("/var/lib/deskbot/q.db")
            }
        );
    }

    #[test]
    fn postgres_takes_its_url_from_the_environment() {
        let url = "postgres://deskbot:pw@db:5432/deskbot";
        let config = load("[store]\nkind = \"postgres\"\n", &[("DATABASE_URL", url)]).unwrap();
        match &config.store {
            StoreSettings::Postgres {
                url: secret,
                max_connections,
            } => {
                assert_eq!(secret.expose(), url);
                assert_eq!(*max_connections, 10);
            }
            other => panic!("{other:?}"),
        }
        assert!(!format!("{:?}", config.store).contains("pw@"));
        let table = "[store]\nkind = \"postgres\"\nurl_env = \"QUEUE_DB\"\nmax_connections = 3\n";
        let config = load(table, &[("QUEUE_DB", url)]).unwrap();
        assert!(matches!(
            config.store,
            StoreSettings::Postgres {
                max_connections: 3,
                ..
            }
        ));
        let missing = error(table, &[("DATABASE_URL", url)]);
        assert!(
            missing.contains("QUEUE_DB") && missing.contains("not set"),
            "{missing}"
        );
        let missing = error("[store]\nkind = \"postgres\"\n", &[]);
        assert!(
            missing.contains("DATABASE_URL") && missing.contains("store.url_env"),
            "{missing}"
        );
    }

    #[test]
    fn mistakes_name_the_field_and_never_show_the_url() {
        let cases: &[(&str, &str)] = &[
            ("[store]\nkind = \"mysql\"\n", "store.kind"),
            ("[store]\nretention_days = 0\n", "store.retention_days"),
            ("[store]\nurl_env = \"X\"\n", "store.url_env"),
            ("[store]\nmax_connections = 4\n", "store.max_connections"),
            ("[store]\npath = \"\"\n", "store.path"),
            (
                "[store]\nkind = \"postgres\"\npath = \"q.db\"\n",
                "store.path",
            ),
            (
                "[store]\nkind = \"postgres\"\nmax_connections = 0\n",
                "store.max_connections",
            ),
            (
                "[store]\nretention_days = 30\n[serve]\nretention_days = 14\n",
                "store.retention_days",
            ),
        ];
        let env = [("DATABASE_URL", "postgres://u:pw@h/d")];
        for (table, field) in cases {
            let message = error(table, &env);
            assert!(message.contains(field), "{table}: {message}");
            assert!(message.contains("shop/deskbot.toml"), "{table}: {message}");
        }
        let unknown = error("[store]\nfile = \"q.db\"\n", &[]);
        assert!(unknown.contains("file"), "{unknown}");
        let secret = "mysql://root:Hunter2@db/x";
        let message = error(
            "[store]\nkind = \"postgres\"\n",
            &[("DATABASE_URL", secret)],
        );
        assert!(message.contains("DATABASE_URL"), "{message}");
        assert!(!message.contains("Hunter2"), "{message}");
    }

    #[test]
    fn retention_in_serve_alone_still_counts() {
        let config = load("[serve]\nretention_days = 14\n", &[]).unwrap();
        assert_eq!(config.retention_days, 14);
        let both = "[store]\nretention_days = 14\n[serve]\nretention_days = 14\n";
        assert_eq!(load(both, &[]).unwrap().retention_days, 14);
    }
}
