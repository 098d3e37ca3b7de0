//! The store in PostgreSQL: one queue shared by several `deskbot serve` replicas.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use super::sql::{sql_store, CLAIM_LOCK_POSTGRES, CLAIM_POSTGRES};
use super::{redact_url, StoreError};

/// The schema, built into the binary. Running it takes PostgreSQL's advisory lock, so replicas
/// starting together migrate once.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// How long a call waits for a free connection before failing.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// A job queue and decision log in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`) with at most
    /// `max_connections`, and creates or migrates the schema. Error messages show the URL with
    /// its password replaced.
    pub async fn connect(url: &str, max_connections: u32) -> Result<PostgresStore, StoreError> {
        let failed = |message: String| StoreError::Open {
            location: redact_url(url),
            message: scrub(&message, url),
        };
        if max_connections == 0 {
            return Err(failed("max_connections must be at least 1".to_owned()));
        }
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await
            .map_err(|e| failed(e.to_string()))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| failed(format!("migrating the schema: {e}")))?;
        Ok(PostgresStore { pool })
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `message` without the URL's password, should a driver message ever quote it.
fn scrub(message: &str, url: &str) -> String {
    let password = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', '?'])
        .next()
        .and_then(|authority| authority.rsplit_once('@'))
        .and_then(|(user_info, _)| user_info.split_once(':'))
        .map(|(_, password)| password)
        .filter(|password| !password.is_empty());
    let message = message.replace(url, &redact_url(url));
    match password {
        Some(password) => message.replace(password, "***"),
        None => message,
    }
}

sql_store!(
    PostgresStore,
    "postgres",
    CLAIM_POSTGRES,
    Some(CLAIM_LOCK_POSTGRES)
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_never_carry_the_password() {
        let url = "postgres://deskbot:Tr0ub4dor@db:5432/deskbot";
        let message = format!("error connecting to {url}: password Tr0ub4dor rejected");
        let clean = scrub(&message, url);
        assert!(!clean.contains("Tr0ub4dor"), "{clean}");
        assert!(
            clean.contains("postgres://deskbot:***@db:5432/deskbot"),
            "{clean}"
        );
    }

    #[tokio::test]
    async fn an_unreachable_server_is_an_open_error_without_the_password() {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        let err = PostgresStore::connect("postgres://u:SeCrEt@127.0.0.1:1/db", 1)
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, StoreError::Open { .. }), "{text}");
        assert!(!text.contains("SeCrEt"), "{text}");
        assert!(text.contains("postgres://u:***@127.0.0.1:1/db"), "{text}");
    }
}
