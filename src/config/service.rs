//! `[serve]` and `[routing]`: how `deskbot serve` runs and where handoffs go on the help desk.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::{Checker, ConfigError};
use crate::adapters::Secret;
use crate::classify::intent::Intent;
use crate::respond::scripts::HandoffReason;
use crate::respond::Routing;

/// The environment variable holding the bearer token of `/v1/*`, unless `api_token_env` names
/// another.
pub const DEFAULT_API_TOKEN_ENV: &str = "DESKBOT_API_TOKEN";

/// The routing reason of the note left on a dead-lettered job's ticket
/// (`[routing.reasons.dead_letter]`).
pub const DEAD_LETTER_REASON: &str = "dead_letter";

/// How the service runs (`[serve]`).
#[derive(Debug, Clone, PartialEq)]
pub struct ServeSettings {
    /// Address to listen on. Default: `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// Jobs processed at once by this process. Default: 2.
    pub workers: usize,
    /// Attempts before a job is dead-lettered. Default: 5.
    pub max_attempts: u32,
    /// How long a claimed job is held before another worker may take it over (a crashed worker's
    /// job comes back after this). Default: 120 s.
    pub lease: Duration,
    /// Wait before the first retry; doubled per attempt. Default: 5 s.
    pub retry_initial: Duration,
    /// Longest wait between retries. Default: 10 minutes.
    pub retry_max: Duration,
    /// How often idle workers look for due jobs (new webhooks wake them at once). Default: 1 s.
    pub poll_interval: Duration,
    /// Bearer token for `/v1/classify` and `/v1/reply`; without one they answer 503.
    pub api_token: Option<Secret>,
    /// The model file, hot-reloaded on SIGHUP or when it changes. Default: the bundled model
    /// (nothing to reload).
    pub model: Option<PathBuf>,
    /// How often the model file's modification time is checked; zero turns it off.
    /// Default: 5 s.
    pub model_poll: Duration,
    /// How long shutdown waits for in-flight jobs before releasing them. Default: 30 s.
    pub shutdown_grace: Duration,
    /// How long a webhook (or `/v1/classify`) request may take, its body included, before it
    /// is answered 408: a client that opens a request and sends its body a byte at a time
    /// would otherwise hold a connection and a buffer for as long as it likes. Default: 30 s.
    pub request_timeout: Duration,
    /// Decision-log rows and finished jobs older than this are deleted. Default: 90 days.
    pub retention: Duration,
    /// Replies deskbot posts on one ticket before it hands the ticket's next message to a
    /// person (`reply_limit`), whatever that message says: an auto-responder, or another bot,
    /// answering every reply would otherwise keep deskbot answering too. Default: 3.
    pub max_replies_per_ticket: u32,
}

impl Default for ServeSettings {
    fn default() -> Self {
        ServeSettings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            workers: 2,
            max_attempts: 5,
            lease: Duration::from_secs(120),
            retry_initial: Duration::from_secs(5),
            retry_max: Duration::from_secs(600),
            poll_interval: Duration::from_secs(1),
            api_token: None,
            model: None,
            model_poll: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(30),
            request_timeout: Duration::from_secs(30),
            retention: Duration::from_secs(90 * 86_400),
            max_replies_per_ticket: 3,
        }
    }
}

/// Where handoffs go (`[routing]`): the first match of the handoff's reason, then its intent,
/// then the defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoutingSettings {
    /// For every handoff without a more specific rule.
    pub default: Routing,
    /// By reason name (`claim`, `carrier_exception`, `low_confidence`, …).
    pub by_reason: BTreeMap<String, Routing>,
    /// By intent.
    pub by_intent: BTreeMap<Intent, Routing>,
}

impl RoutingSettings {
    /// The routing for a handoff with `reasons` (most specific first: a reason's
    /// [`HandoffReason::name`], then its [`HandoffReason::code`], so `policy_requires_human`
    /// catches every policy rule without a table of its own) on `intent`. Each of group,
    /// assignee and status comes from the most specific rule that sets it.
    pub fn route(&self, reasons: &[&str], intent: Intent) -> Routing {
        let layers: Vec<Option<&Routing>> = reasons
            .iter()
            .map(|r| self.by_reason.get(*r))
            .chain([self.by_intent.get(&intent), Some(&self.default)])
            .collect();
        let pick = |field: fn(&Routing) -> &Option<String>| {
            layers
                .iter()
                .flatten()
                .find_map(|routing| field(routing).clone())
        };
        Routing {
            group: pick(|r| &r.group),
            assignee: pick(|r| &r.assignee),
            status: pick(|r| &r.status),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ServeTable {
    listen: Option<String>,
    workers: Option<usize>,
    max_attempts: Option<u32>,
    lease_secs: Option<f64>,
    retry_initial_secs: Option<f64>,
    retry_max_secs: Option<f64>,
    poll_interval_secs: Option<f64>,
    api_token_env: Option<String>,
    model: Option<PathBuf>,
    model_poll_secs: Option<f64>,
    shutdown_grace_secs: Option<f64>,
    request_timeout_secs: Option<f64>,
    retention_days: Option<u32>,
    max_replies_per_ticket: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RoutingTable {
    #[serde(flatten)]
    default: RouteTable,
    #[serde(default)]
    reasons: BTreeMap<String, RouteTable>,
    #[serde(default)]
    intents: BTreeMap<String, RouteTable>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteTable {
    group: Option<String>,
    assignee: Option<String>,
    status: Option<String>,
}

impl Checker<'_> {
    pub(super) fn serve(
        &self,
        table: Option<ServeTable>,
        base: &Path,
    ) -> Result<ServeSettings, ConfigError> {
        let mut serve = ServeSettings::default();
        let explicit_token_env = table.as_ref().and_then(|t| t.api_token_env.clone());
        let token_env = explicit_token_env
            .clone()
            .unwrap_or_else(|| DEFAULT_API_TOKEN_ENV.to_owned());
        serve.api_token = match (self.env)(&token_env) {
            Some(value) if !value.trim().is_empty() => Some(Secret::new(value.trim())),
            // Naming a variable that is not there is a mistake; the default one is optional.
            _ if explicit_token_env.is_some() => {
                return Err(self
                    .secret("serve.api_token_env", &token_env)
                    .expect_err("the variable is unset or empty"))
            }
            _ => None,
        };
        let Some(table) = table else {
            return Ok(serve);
        };
        let seconds =
            |field: &str, value: Option<f64>, min: f64, max: f64, default: Duration| match value {
                None => Ok(default),
                Some(v) if v.is_finite() && v >= min && v <= max => Ok(Duration::from_secs_f64(v)),
                Some(v) => Err(self.invalid(
                    &format!("serve.{field}"),
                    format!("{v} is not in [{min}, {max}] seconds"),
                )),
            };
        if let Some(listen) = table.listen {
            serve.listen = listen.trim().parse().map_err(|_| {
                self.invalid(
                    "serve.listen",
                    format!("{listen:?} is not an address and port such as 127.0.0.1:8080"),
                )
            })?;
        }
        if let Some(workers) = table.workers {
            if !(1..=256).contains(&workers) {
                return Err(self.invalid("serve.workers", format!("{workers} is outside 1..=256")));
            }
            serve.workers = workers;
        }
        if let Some(attempts) = table.max_attempts {
            if !(1..=100).contains(&attempts) {
                return Err(self.invalid(
                    "serve.max_attempts",
                    format!("{attempts} is outside 1..=100"),
                ));
            }
            serve.max_attempts = attempts;
        }
        serve.lease = seconds("lease_secs", table.lease_secs, 1.0, 86_400.0, serve.lease)?;
        serve.retry_initial = seconds(
            "retry_initial_secs",
            table.retry_initial_secs,
            0.01,
            86_400.0,
            serve.retry_initial,
        )?;
        serve.retry_max = seconds(
            "retry_max_secs",
            table.retry_max_secs,
            0.01,
            7.0 * 86_400.0,
            serve.retry_max,
        )?;
        if serve.retry_max < serve.retry_initial {
            return Err(self.invalid(
                "serve.retry_max_secs",
                "must be at least serve.retry_initial_secs",
            ));
        }
        serve.poll_interval = seconds(
            "poll_interval_secs",
            table.poll_interval_secs,
            0.01,
            60.0,
            serve.poll_interval,
        )?;
        serve.model_poll = seconds(
            "model_poll_secs",
            table.model_poll_secs,
            0.0,
            3600.0,
            serve.model_poll,
        )?;
        serve.shutdown_grace = seconds(
            "shutdown_grace_secs",
            table.shutdown_grace_secs,
            0.0,
            3600.0,
            serve.shutdown_grace,
        )?;
        serve.request_timeout = seconds(
            "request_timeout_secs",
            table.request_timeout_secs,
            0.1,
            600.0,
            serve.request_timeout,
        )?;
        if let Some(days) = table.retention_days {
            if !(1..=36_500).contains(&days) {
                return Err(self.invalid(
                    "serve.retention_days",
                    format!("{days} is outside 1..=36500"),
                ));
            }
            serve.retention = Duration::from_secs(u64::from(days) * 86_400);
        }
        if let Some(replies) = table.max_replies_per_ticket {
            if !(1..=1000).contains(&replies) {
                return Err(self.invalid(
                    "serve.max_replies_per_ticket",
                    format!("{replies} is outside 1..=1000"),
                ));
            }
            serve.max_replies_per_ticket = replies;
        }
        serve.model = table.model.map(|path| base.join(path));
        Ok(serve)
    }

    pub(super) fn routing(&self, table: RoutingTable) -> Result<RoutingSettings, ConfigError> {
        let route = |field: &str, table: RouteTable| -> Result<Routing, ConfigError> {
            let clean = |name: &str, value: Option<String>| match value {
                Some(v) if v.trim().is_empty() => {
                    Err(self.invalid(&format!("{field}.{name}"), "is empty; leave it out instead"))
                }
                other => Ok(other.map(|v| v.trim().to_owned())),
            };
            Ok(Routing {
                group: clean("group", table.group)?,
                assignee: clean("assignee", table.assignee)?,
                status: clean("status", table.status)?,
            })
        };
        let mut routing = RoutingSettings {
            default: route("routing", table.default)?,
            ..RoutingSettings::default()
        };
        for (name, table) in table.reasons {
            if !HandoffReason::is_routable(&name) && name != DEAD_LETTER_REASON {
                return Err(self.invalid(
                    &format!("routing.reasons.{name}"),
                    format!(
                        "is not a handoff reason; known: {}, {DEAD_LETTER_REASON}, and \
                         custom:<label> for a label of your own",
                        HandoffReason::NAMES.join(", ")
                    ),
                ));
            }
            let field = format!("routing.reasons.{name}");
            routing.by_reason.insert(name, route(&field, table)?);
        }
        for (name, table) in table.intents {
            let field = format!("routing.intents.{name}");
            let intent: Intent = name
                .parse()
                .map_err(|_| self.invalid(&field, "is not an intent"))?;
            routing.by_intent.insert(intent, route(&field, table)?);
        }
        Ok(routing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_support::load;

    #[test]
    fn the_request_timeout_is_read_in_seconds_within_its_range() {
        let config = load("[serve]\nrequest_timeout_secs = 2.5\n", &[]).unwrap();
        assert_eq!(config.serve.request_timeout, Duration::from_millis(2500));
        let default = load("", &[]).unwrap();
        assert_eq!(default.serve.request_timeout, Duration::from_secs(30));
        for bad in ["0", "0.05", "601"] {
            let error = load(&format!("[serve]\nrequest_timeout_secs = {bad}\n"), &[])
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("serve.request_timeout_secs"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn the_reply_limit_is_read_within_its_range() {
        assert_eq!(load("", &[]).unwrap().serve.max_replies_per_ticket, 3);
        let one = load("[serve]\nmax_replies_per_ticket = 1\n", &[]).unwrap();
        assert_eq!(one.serve.max_replies_per_ticket, 1);
        for bad in ["0", "1001"] {
            let error = load(&format!("[serve]\nmax_replies_per_ticket = {bad}\n"), &[])
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("serve.max_replies_per_ticket"),
                "{bad}: {error}"
            );
        }
    }

    fn routes(group: &str) -> Routing {
        Routing {
            group: Some(group.to_owned()),
            ..Routing::default()
        }
    }

    #[test]
    fn the_most_specific_rule_wins_field_by_field() {
        let mut settings = RoutingSettings {
            default: Routing {
                group: Some("front".into()),
                assignee: None,
                status: Some("open".into()),
            },
            ..RoutingSettings::default()
        };
        settings.by_reason.insert("claim".into(), routes("claims"));
        settings.by_intent.insert(Intent::Return, routes("returns"));
        let claim = settings.route(&["claim", "policy_requires_human"], Intent::Return);
        assert_eq!(claim.group.as_deref(), Some("claims"));
        assert_eq!(claim.status.as_deref(), Some("open"));
        let other = settings.route(&["low_confidence"], Intent::Return);
        assert_eq!(other.group.as_deref(), Some("returns"));
        let plain = settings.route(&[], Intent::Tracking);
        assert_eq!(plain.group.as_deref(), Some("front"));
    }

    #[test]
    fn a_shops_own_label_routes_by_its_name_then_by_custom() {
        assert!(HandoffReason::is_routable("custom:address_change"));
        assert!(HandoffReason::is_routable("custom"));
        assert!(!HandoffReason::is_routable("custom:Address Change"));
        assert!(!HandoffReason::is_routable("custom:trackng"));
        let mut settings = RoutingSettings::default();
        settings.by_reason.insert("custom".into(), routes("triage"));
        settings
            .by_reason
            .insert("custom:wholesale".into(), routes("sales"));
        let wholesale = settings.route(&["custom:wholesale", "custom"], Intent::Other);
        assert_eq!(wholesale.group.as_deref(), Some("sales"));
        let other = settings.route(&["custom:address_change", "custom"], Intent::Other);
        assert_eq!(other.group.as_deref(), Some("triage"));
    }

    #[test]
    fn a_policy_rule_falls_back_to_policy_requires_human() {
        let mut settings = RoutingSettings::default();
        settings
            .by_reason
            .insert("policy_requires_human".into(), routes("policy"));
        settings.by_reason.insert("claim".into(), routes("claims"));
        let late = settings.route(
            &["late_shipment", "policy_requires_human"],
            Intent::Tracking,
        );
        assert_eq!(late.group.as_deref(), Some("policy"));
        let claim = settings.route(&["claim", "policy_requires_human"], Intent::Tracking);
        assert_eq!(claim.group.as_deref(), Some("claims"));
    }
}
