//! Running `deskbot serve` as a process against loopback stand-ins: config files, signed
//! webhooks, waiting for the outcome, SIGKILL and restart.

#![allow(dead_code)]

pub mod suite;
pub mod zendesk;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The Zendesk webhook's signing secret in these tests.
pub const ZENDESK_SECRET: &str = "whsec-zendesk-test-0123456789";
/// The Gorgias integration's shared secret in these tests.
pub const GORGIAS_SECRET: &str = "gorgias-shared-secret-0123456789";

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The demo policy followed by `extra` tables, written to `dir/deskbot.toml`.
pub fn write_config(dir: &Path, extra: &str) -> PathBuf {
    let policy = std::fs::read_to_string(root().join("examples/demo-shop/deskbot.toml")).unwrap();
    let path = dir.join("deskbot.toml");
    std::fs::write(&path, format!("{policy}\n{extra}\n")).unwrap();
    path
}

/// A config file and the environment its secrets come from.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub env: Vec<(String, String)>,
}

impl ConfigFile {
    /// The environment as `Deskbot::start` takes it.
    pub fn env(&self) -> Vec<(&str, &str)> {
        self.env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

/// A running `deskbot serve`.
pub struct Deskbot {
    child: Child,
    pub url: String,
    log: Arc<Mutex<String>>,
}

impl Deskbot {
    /// Starts `deskbot serve --config config --listen 127.0.0.1:0` with `env` and waits until it
    /// listens.
    pub fn start(config: &Path, env: &[(&str, &str)]) -> Deskbot {
        let mut command = Command::new(env!("CARGO_BIN_EXE_deskbot"));
        command
            .args(["serve", "--config"])
            .arg(config)
            .args(["--listen", "127.0.0.1:0"])
            .current_dir(config.parent().unwrap())
            .env("DESKBOT_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("deskbot starts");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.split("listening on ").nth(1) {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(url.trim().to_owned());
                    }
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "deskbot serve did not start:\n{}",
                    log.lock().unwrap().clone()
                );
            }
        };
        Deskbot { child, url, log }
    }

    /// What it logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then waits for the exit; returns whether it exited successfully.
    pub fn terminate(mut self) -> bool {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            assert!(Instant::now() < deadline, "deskbot did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends SIGHUP.
    pub fn hangup(&self) {
        let status = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Deskbot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Zendesk's signature headers for `body` at `timestamp`:
/// base64(HMAC-SHA256(secret, timestamp + body)).
pub fn zendesk_signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A Zendesk event-subscription body for a new comment on `ticket`.
pub fn zendesk_event(ticket: u64, comment: u64) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "account_id": 10000,
        "detail": {"id": ticket.to_string(), "status": "OPEN", "requester_id": "20001"},
        "event": {"comment": {"id": comment.to_string(), "body": "…", "is_public": true,
            "author": {"id": "20001", "is_staff": false, "name": "Customer"}}},
        "id": format!("01HX{ticket:08}{comment:08}"),
        "subject": format!("zen:ticket:{ticket}"),
        "time": "2026-11-20T14:00:00.000Z",
        "type": "zen:event-type:ticket.comment_added",
        "zendesk_event_version": "2022-11-06"
    }))
    .unwrap()
}

/// Posts a signed Zendesk webhook; returns the status code (0 when the connection failed).
pub async fn post_zendesk(
    client: reqwest::Client,
    url: String,
    body: Vec<u8>,
    secret: &'static str,
    timestamp: String,
) -> u16 {
    let signature = zendesk_signature(secret, &timestamp, &body);
    client
        .post(format!("{url}/webhooks/zendesk"))
        .header("content-type", "application/json")
        .header("x-zendesk-webhook-signature", signature)
        .header("x-zendesk-webhook-signature-timestamp", timestamp)
        .body(body)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

/// Now, as Zendesk writes its signature timestamp.
pub fn now_stamp() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Polls `check` until it holds or `timeout` passes; panics with `what` and the log then.
pub async fn wait_for(
    what: &str,
    timeout: Duration,
    log: impl Fn() -> String,
    check: impl Fn() -> bool,
) {
    let deadline = Instant::now() + timeout;
    while !check() {
        if Instant::now() > deadline {
            panic!("timed out waiting for {what}; deskbot's log:\n{}", log());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `deskbot jobs list --format json` for `config`.
pub fn jobs(config: &ConfigFile) -> serde_json::Value {
    let (ok, out, err) = deskbot(
        config,
        &["jobs", "list", "--format", "json", "--limit", "10000"],
    );
    assert!(ok, "{err}");
    serde_json::from_str(&out).unwrap()
}

/// Runs `deskbot` with `args` (plus `--config config`) in the config's environment, returning
/// (success, stdout, stderr).
pub fn deskbot(config: &ConfigFile, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_deskbot"))
        .args(args)
        .arg("--config")
        .arg(&config.path)
        .envs(config.env())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
