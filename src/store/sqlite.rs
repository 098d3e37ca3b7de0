//! The store in one SQLite file: the default, for one `deskbot serve` process (or a few on one
//! machine sharing the file).

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use super::sql::{sql_store, CLAIM_SQLITE};
use super::StoreError;

/// The schema, built into the binary.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// How long a writer waits for another connection's or process's write to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections in the pool. Writes take turns on SQLite whatever the number; several
/// connections let reads (`/metrics`, listings) go on beside a write.
const MAX_CONNECTIONS: u32 = 4;

/// A job queue and decision log in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens the file at `path`, creating it if missing, and creates or migrates the schema.
    ///
    /// WAL journal with `synchronous = FULL`: a call that returned has reached the disk (a job
    /// acknowledged to a help desk survives a power cut), while readers never block the writer.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let failed = |message: String| StoreError::Open {
            location: path.display().to_string(),
            message,
        };
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(BUSY_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| failed(e.to_string()))?;
        // SQLite's migration lock is a no-op, so two processes opening a new file at once can
        // both try to create the schema; the loser's attempt fails and, run again, finds the
        // schema in place.
        let mut migrated = MIGRATOR.run(&pool).await;
        if migrated.is_err() {
            tokio::time::sleep(Duration::from_millis(200)).await;
            migrated = MIGRATOR.run(&pool).await;
        }
        migrated.map_err(|e| failed(format!("migrating the schema: {e}")))?;
        Ok(SqliteStore {
            pool,
            path: path.to_owned(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes every connection (checkpointing the WAL); later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

sql_store!(SqliteStore, "sqlite", CLAIM_SQLITE, None);

#[cfg(test)]
mod tests {
    use super::*;

    /// The settings durability and concurrency rest on, as the connections report them.
    #[tokio::test]
    async fn connections_are_durable_and_wait_for_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("pragmas.db"))
            .await
            .unwrap();
        let mut conn = store.pool.acquire().await.unwrap();
        let text = |sql: &'static str| sqlx::query_scalar::<_, String>(sql);
        let number = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
        assert_eq!(
            text("PRAGMA journal_mode")
                .fetch_one(&mut *conn)
                .await
                .unwrap(),
            "wal"
        );
        // 2 = FULL: every commit is synced to disk before it returns.
        assert_eq!(
            number("PRAGMA synchronous")
                .fetch_one(&mut *conn)
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            number("PRAGMA busy_timeout")
                .fetch_one(&mut *conn)
                .await
                .unwrap(),
            10_000
        );
        assert_eq!(
            number("PRAGMA foreign_keys")
                .fetch_one(&mut *conn)
                .await
                .unwrap(),
            1
        );
        assert_eq!(store.path(), dir.path().join("pragmas.db"));
    }
}
