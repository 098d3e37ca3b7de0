//! A throwaway PostgreSQL server for tests, from the system's own binaries (`initdb`, `pg_ctl`,
//! `createdb`): a fresh cluster in a temporary directory, on a free loopback port, with its unix
//! socket in that directory and a password-protected user, so tests connect the way a
//! deployment does (`postgres://user:password@host:port/db`).
//!
//! A missing binary or a server that will not start is a test failure with a message saying
//! what to install or what the server logged; never a skip.
//!
//! Use from a test file:
//! ```ignore
//! #[path = "support/postgres.rs"]
//! mod postgres;
//! let server = postgres::TestPostgres::shared();    // one per test binary
//! let url = server.database("my_test");             // a new, empty database
//! ```
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// The superuser the cluster is made with.
const USER: &str = "deskbot";
/// Its password (the cluster only listens on loopback and lives for one test run).
const PASSWORD: &str = "test-only-pw";

/// A running server; stopped and deleted on drop.
pub struct TestPostgres {
    /// `postgres://deskbot:…@127.0.0.1:{port}/postgres`: the server's maintenance database.
    pub url: String,
    /// The loopback port it listens on.
    pub port: u16,
    /// The temporary directory holding the cluster, its socket and its log.
    pub dir: PathBuf,
    bin: PathBuf,
    /// When the tests run as root: run the server binaries as this user (initdb refuses root).
    run_as: Option<&'static str>,
}

impl TestPostgres {
    /// Starts a new server. Panics, saying why, if the binaries are missing or it won't start.
    pub fn start() -> TestPostgres {
        let bin = server_bin_dir();
        let run_as = if is_root() { Some("postgres") } else { None };
        let dir = tempfile::Builder::new()
            .prefix("deskbot-pg-")
            .tempdir()
            .expect("a temporary directory for the test cluster")
            .keep();
        let data = dir.join("data");
        let password_file = dir.join("password");
        std::fs::write(&password_file, PASSWORD).expect("writing the password file");
        if let Some(user) = run_as {
            chown_to(&dir, user);
            chown_to(&password_file, user);
        }
        let port = free_port();
        let server = TestPostgres {
            url: format!("postgres://{USER}:{PASSWORD}@127.0.0.1:{port}/postgres"),
            port,
            dir: dir.clone(),
            bin,
            run_as,
        };
        let initdb = server.server_command("initdb", |cmd| {
            cmd.arg("-D")
                .arg(&data)
                .args([
                    "-U",
                    USER,
                    "--auth=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ])
                .args(["--locale=C"])
                .arg(format!("--pwfile={}", password_file.display()));
        });
        server.expect_success("initdb", initdb);
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300 \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            dir.display()
        );
        let log = dir.join("server.log");
        let started = server.server_command("pg_ctl", |cmd| {
            cmd.arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(&log)
                .args(["-o", &options, "-w", "-t", "60", "start"]);
        });
        if !started.status.success() {
            let log_text = std::fs::read_to_string(&log).unwrap_or_default();
            panic!(
                "the test PostgreSQL server did not start:\n{}\n{}\nserver log:\n{log_text}",
                String::from_utf8_lossy(&started.stdout),
                String::from_utf8_lossy(&started.stderr)
            );
        }
        server
    }

    /// One server for the whole test binary, started on first use. A static is never dropped,
    /// so a watchdog process stops the server and deletes its directory once this process has
    /// exited.
    pub fn shared() -> &'static TestPostgres {
        static SERVER: OnceLock<TestPostgres> = OnceLock::new();
        SERVER.get_or_init(|| {
            let server = TestPostgres::start();
            server.stop_when_process_exits();
            server
        })
    }

    /// Creates the database `name` (letters, digits and `_`) and gives its URL.
    pub fn database(&self, name: &str) -> String {
        assert!(
            !name.is_empty()
                && name.len() < 60
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "test database name {name:?}: use 1 to 59 letters, digits or _"
        );
        let created = Command::new(self.bin.join("createdb"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                USER,
                name,
            ])
            .env("PGPASSWORD", PASSWORD)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", self.bin.join("createdb").display()));
        self.expect_success(&format!("createdb {name}"), created);
        format!(
            "postgres://{USER}:{PASSWORD}@127.0.0.1:{}/{name}",
            self.port
        )
    }

    /// A unique database for one test: `{prefix}_{n}`.
    pub fn fresh_database(&self, prefix: &str) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        self.database(&format!("{prefix}_{n}"))
    }

    fn server_command(&self, program: &str, args: impl FnOnce(&mut Command)) -> Output {
        let path = self.bin.join(program);
        let mut cmd = match self.run_as {
            Some(user) => {
                let mut cmd = Command::new("runuser");
                cmd.args(["-u", user, "--"]).arg(&path);
                cmd
            }
            None => Command::new(&path),
        };
        args(&mut cmd);
        // The server inherits no pipes, so `pg_ctl start` returns and output() does not wait
        // for the server's lifetime.
        cmd.stdin(Stdio::null())
            .current_dir(&self.dir)
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", path.display()))
    }

    fn expect_success(&self, what: &str, output: Output) {
        assert!(
            output.status.success(),
            "{what} failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn stop_command(&self) -> String {
        let pg_ctl = self.bin.join("pg_ctl");
        let prefix = self
            .run_as
            .map(|user| format!("runuser -u {user} -- "))
            .unwrap_or_default();
        format!(
            "{prefix}'{}' -D '{}' -m immediate -w stop >/dev/null 2>&1; rm -rf '{}'",
            pg_ctl.display(),
            self.dir.join("data").display(),
            self.dir.display()
        )
    }

    // Never waited for on purpose: the watchdog's whole job is to outlive this process.
    #[allow(clippy::zombie_processes)]
    fn stop_when_process_exits(&self) {
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop}",
            pid = std::process::id(),
            stop = self.stop_command()
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting the test server's watchdog");
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        let _ = Command::new("sh")
            .args(["-c", &self.stop_command()])
            .stdin(Stdio::null())
            .status();
    }
}

/// The directory of `initdb` and `pg_ctl`: the newest `/usr/lib/postgresql/*/bin` (Debian,
/// Ubuntu), else `pg_config --bindir`, else `PATH`.
fn server_bin_dir() -> PathBuf {
    let has_tools = |dir: &Path| {
        ["initdb", "pg_ctl", "createdb"]
            .iter()
            .all(|t| dir.join(t).is_file())
    };
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| has_tools(bin))
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_tools(&bin) {
            return bin;
        }
    }
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).find(|dir| has_tools(dir)))
        .unwrap_or_default();
    on_path.unwrap_or_else(|| {
        panic!(
            "PostgreSQL server binaries (initdb, pg_ctl, createdb) not found in \
             /usr/lib/postgresql/*/bin, `pg_config --bindir` or PATH: install the `postgresql` \
             package (.ci/run does) to run the PostgreSQL tests"
        )
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

fn chown_to(path: &Path, user: &str) {
    let out = Command::new("chown")
        .arg(format!("{user}:"))
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("running chown: {e}"));
    assert!(
        out.status.success(),
        "chown {user} {}: {} (the server runs as `{user}` because initdb refuses root)",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding a loopback port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    // Give the kernel a moment before the server binds it.
    std::thread::sleep(Duration::from_millis(10));
    port
}
