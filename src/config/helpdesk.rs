//! `[helpdesk]`: which help desk tickets come from and outcomes go to, its credentials (from
//! environment variables), and what its webhooks must prove.
//!
//! ```toml
//! [helpdesk]
//! kind = "zendesk"              # or "gorgias", or "memory" (the default: tests and demos)
//! subdomain = "acme"            # https://acme.zendesk.com; or base_url = "…"
//! email = "deskbot@acme.example"
//! api_token_env = "ZENDESK_API_TOKEN"            # the default
//! webhook_secret_env = "ZENDESK_WEBHOOK_SECRET"  # the default
//! replay_window_secs = 300
//! handoff_status = "open"
//! max_body_bytes = 1048576
//! ```
//!
//! Gorgias: `account = "acme"` (→ `https://acme.gorgias.com/api`) or `base_url`, `email`,
//! `api_key_env` (default `GORGIAS_API_KEY`), `webhook_secret_env` (default
//! `GORGIAS_WEBHOOK_SECRET`, the value of the `X-Deskbot-Secret` header the shop adds to its
//! HTTP integration).

/// The shortest Gorgias webhook secret accepted (see `webhook_secret` below).
const MIN_GORGIAS_SECRET_CHARS: usize = 16;

use std::time::Duration;

use serde::Deserialize;

use super::{Checker, ConfigError, RoutingSettings};
use crate::adapters::Secret;

/// Webhook bodies larger than this are refused unless `max_body_bytes` says otherwise.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Zendesk's default replay window for signed webhooks.
pub const DEFAULT_REPLAY_WINDOW: Duration = Duration::from_secs(300);

/// The help desk (`[helpdesk]`).
#[derive(Debug, Clone, PartialEq)]
pub struct HelpDeskSettings {
    /// Which one, with its connection.
    pub kind: HelpDeskKind,
    /// Largest webhook body accepted. Default: 1 MiB.
    pub max_body_bytes: usize,
    /// Status a handoff sets when `[routing]` names none. Default: none (left as it is).
    pub handoff_status: Option<String>,
}

impl Default for HelpDeskSettings {
    fn default() -> Self {
        HelpDeskSettings {
            kind: HelpDeskKind::Memory,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            handoff_status: None,
        }
    }
}

impl HelpDeskSettings {
    /// The vendor's short name (`zendesk`, `gorgias`, `memory`).
    pub fn name(&self) -> &'static str {
        match self.kind {
            HelpDeskKind::Memory => "memory",
            HelpDeskKind::Zendesk(_) => "zendesk",
            HelpDeskKind::Gorgias(_) => "gorgias",
        }
    }
}

/// A help desk and how to reach it.
#[derive(Debug, Clone, PartialEq)]
pub enum HelpDeskKind {
    /// Tickets in memory (tests, demos); webhooks are off.
    Memory,
    /// Zendesk Support.
    Zendesk(ZendeskSettings),
    /// Gorgias.
    Gorgias(GorgiasSettings),
}

/// Zendesk Support.
#[derive(Debug, Clone, PartialEq)]
pub struct ZendeskSettings {
    /// `https://{subdomain}.zendesk.com`, or the `base_url` given.
    pub base_url: String,
    /// The agent deskbot acts as.
    pub email: String,
    /// Its API token.
    pub api_token: Secret,
    /// The webhook's signing secret.
    pub webhook_secret: Secret,
    /// How far a signature timestamp may be from now. Default: 300 s.
    pub replay_window: Duration,
}

/// Gorgias.
#[derive(Debug, Clone, PartialEq)]
pub struct GorgiasSettings {
    /// `https://{account}.gorgias.com/api`, or the `base_url` given.
    pub base_url: String,
    /// The user deskbot acts as (the API key's account).
    pub email: String,
    /// The REST API key.
    pub api_key: Secret,
    /// The shared secret of the `X-Deskbot-Secret` header.
    pub webhook_secret: Secret,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HelpDeskTable {
    kind: Option<String>,
    subdomain: Option<String>,
    account: Option<String>,
    base_url: Option<String>,
    email: Option<String>,
    api_token_env: Option<String>,
    api_key_env: Option<String>,
    webhook_secret_env: Option<String>,
    replay_window_secs: Option<u64>,
    max_body_bytes: Option<usize>,
    handoff_status: Option<String>,
}

impl Checker<'_> {
    pub(super) fn helpdesk(&self, table: HelpDeskTable) -> Result<HelpDeskSettings, ConfigError> {
        let kind = table
            .kind
            .as_deref()
            .unwrap_or("memory")
            .trim()
            .to_ascii_lowercase();
        let only_for = |field: &str, present: bool, kinds: &[&str]| {
            if present && !kinds.contains(&kind.as_str()) {
                Err(self.invalid(
                    &format!("helpdesk.{field}"),
                    format!("is for {} only, not {kind:?}", kinds.join(" and ")),
                ))
            } else {
                Ok(())
            }
        };
        only_for("subdomain", table.subdomain.is_some(), &["zendesk"])?;
        only_for("api_token_env", table.api_token_env.is_some(), &["zendesk"])?;
        only_for(
            "replay_window_secs",
            table.replay_window_secs.is_some(),
            &["zendesk"],
        )?;
        only_for("account", table.account.is_some(), &["gorgias"])?;
        only_for("api_key_env", table.api_key_env.is_some(), &["gorgias"])?;
        for (field, present) in [
            ("base_url", table.base_url.is_some()),
            ("email", table.email.is_some()),
            ("webhook_secret_env", table.webhook_secret_env.is_some()),
            ("handoff_status", table.handoff_status.is_some()),
        ] {
            only_for(field, present, &["zendesk", "gorgias"])?;
        }
        let max_body_bytes = match table.max_body_bytes {
            None => DEFAULT_MAX_BODY_BYTES,
            Some(n) if (1024..=64 * 1024 * 1024).contains(&n) => n,
            Some(n) => {
                return Err(self.invalid(
                    "helpdesk.max_body_bytes",
                    format!("{n} is outside 1024..=67108864"),
                ))
            }
        };
        let email = || {
            let email = table.email.as_deref().map(str::trim).unwrap_or("");
            if email.is_empty() {
                return Err(self.invalid("helpdesk.email", format!("is required for {kind}")));
            }
            if !email.contains('@') || email.chars().any(char::is_whitespace) {
                return Err(self.invalid(
                    "helpdesk.email",
                    format!("{email:?} is not an e-mail address"),
                ));
            }
            Ok(email.to_owned())
        };
        let handle = |field: &str, value: Option<&str>| -> Result<Option<String>, ConfigError> {
            let Some(value) = value.map(str::trim) else {
                return Ok(None);
            };
            if value.is_empty()
                || !value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return Err(self.invalid(
                    &format!("helpdesk.{field}"),
                    format!("{value:?} is not an account name (letters, digits, -)"),
                ));
            }
            Ok(Some(value.to_ascii_lowercase()))
        };
        let base_url = |field: &str, name: Option<String>, origin: &dyn Fn(&str) -> String| {
            let url = match (&table.base_url, name) {
                (Some(_), Some(_)) => {
                    return Err(self.invalid(
                        "helpdesk.base_url",
                        format!("give either base_url or {field}, not both"),
                    ))
                }
                (Some(url), None) => url.trim().to_owned(),
                (None, Some(name)) => origin(&name),
                (None, None) => {
                    return Err(self.invalid(
                        &format!("helpdesk.{field}"),
                        format!("is required for {kind} (or give base_url)"),
                    ))
                }
            };
            #[cfg(feature = "http")]
            crate::adapters::http::parse_base_url(&url)
                .map_err(|e| self.invalid("helpdesk.base_url", e.problem))?;
            Ok(url)
        };
        let handoff_status = table
            .handoff_status
            .as_deref()
            .map(str::trim)
            .map(str::to_ascii_lowercase);
        let settings_kind = match kind.as_str() {
            "memory" => HelpDeskKind::Memory,
            "zendesk" => {
                let subdomain = handle("subdomain", table.subdomain.as_deref())?;
                let base_url = base_url("subdomain", subdomain, &|s| {
                    format!("https://{s}.zendesk.com")
                })?;
                let replay_window = match table.replay_window_secs {
                    None => DEFAULT_REPLAY_WINDOW,
                    Some(secs) if (1..=3600).contains(&secs) => Duration::from_secs(secs),
                    Some(secs) => {
                        return Err(self.invalid(
                            "helpdesk.replay_window_secs",
                            format!("{secs} is outside 1..=3600"),
                        ))
                    }
                };
                HelpDeskKind::Zendesk(ZendeskSettings {
                    base_url,
                    email: email()?,
                    api_token: self.secret(
                        "helpdesk.api_token_env",
                        table
                            .api_token_env
                            .as_deref()
                            .unwrap_or("ZENDESK_API_TOKEN"),
                    )?,
                    webhook_secret: self.secret(
                        "helpdesk.webhook_secret_env",
                        table
                            .webhook_secret_env
                            .as_deref()
                            .unwrap_or("ZENDESK_WEBHOOK_SECRET"),
                    )?,
                    replay_window,
                })
            }
            "gorgias" => {
                let account = handle("account", table.account.as_deref())?;
                let base_url = base_url("account", account, &|a| {
                    format!("https://{a}.gorgias.com/api")
                })?;
                HelpDeskKind::Gorgias(GorgiasSettings {
                    base_url,
                    email: email()?,
                    api_key: self.secret(
                        "helpdesk.api_key_env",
                        table.api_key_env.as_deref().unwrap_or("GORGIAS_API_KEY"),
                    )?,
                    webhook_secret: {
                        let variable = table
                            .webhook_secret_env
                            .as_deref()
                            .unwrap_or("GORGIAS_WEBHOOK_SECRET");
                        let secret = self.secret("helpdesk.webhook_secret_env", variable)?;
                        // Gorgias does not sign its requests: this header value is all that
                        // keeps strangers from queueing jobs, so a guessable one is refused.
                        if secret.expose().chars().count() < MIN_GORGIAS_SECRET_CHARS {
                            return Err(self.invalid(
                                "helpdesk.webhook_secret_env",
                                format!(
                                    "{variable} is shorter than {MIN_GORGIAS_SECRET_CHARS} characters: the shared secret is the only check on Gorgias requests; use a long random value (e.g. `openssl rand -hex 32`)"
                                ),
                            ));
                        }
                        secret
                    },
                })
            }
            other => {
                return Err(self.invalid(
                    "helpdesk.kind",
                    format!("{other:?} is not one of zendesk, gorgias, memory"),
                ))
            }
        };
        let built = match settings_kind {
            HelpDeskKind::Memory => true,
            HelpDeskKind::Zendesk(_) => cfg!(feature = "zendesk"),
            HelpDeskKind::Gorgias(_) => cfg!(feature = "gorgias"),
        };
        if !built {
            return Err(self.invalid(
                "helpdesk.kind",
                format!("this deskbot was built without the `{kind}` feature"),
            ));
        }
        let settings = HelpDeskSettings {
            kind: settings_kind,
            max_body_bytes,
            handoff_status,
        };
        if let Some(status) = &settings.handoff_status {
            self.check_status(&settings, "helpdesk.handoff_status", status)?;
        }
        Ok(settings)
    }

    fn check_status(
        &self,
        settings: &HelpDeskSettings,
        field: &str,
        status: &str,
    ) -> Result<(), ConfigError> {
        let allowed: &[&str] = match settings.kind {
            HelpDeskKind::Memory => return Ok(()),
            // What an API update may set: `closed` is reached only through `solved`.
            HelpDeskKind::Zendesk(_) => &["new", "open", "pending", "hold", "solved"],
            HelpDeskKind::Gorgias(_) => &["open", "closed"],
        };
        if allowed.contains(&status) {
            Ok(())
        } else {
            Err(self.invalid(
                field,
                format!(
                    "{status:?} is not a {} status ({})",
                    settings.name(),
                    allowed.join(", ")
                ),
            ))
        }
    }

    /// `[routing]` against the help desk: Zendesk and Gorgias route by numeric ids (a group or
    /// team id, a user id) and know their own statuses.
    pub(super) fn routing_for_help_desk(
        &self,
        routing: &RoutingSettings,
        settings: &HelpDeskSettings,
    ) -> Result<(), ConfigError> {
        if settings.kind == HelpDeskKind::Memory {
            return Ok(());
        }
        let mut rules: Vec<(String, &crate::respond::Routing)> =
            vec![("routing".to_owned(), &routing.default)];
        rules.extend(
            routing
                .by_reason
                .iter()
                .map(|(name, r)| (format!("routing.reasons.{name}"), r)),
        );
        rules.extend(
            routing
                .by_intent
                .iter()
                .map(|(intent, r)| (format!("routing.intents.{}", intent.as_str()), r)),
        );
        for (prefix, rule) in rules {
            for (name, value) in [("group", &rule.group), ("assignee", &rule.assignee)] {
                if let Some(value) = value {
                    if !value.bytes().all(|b| b.is_ascii_digit()) || value.len() > 19 {
                        return Err(self.invalid(
                            &format!("{prefix}.{name}"),
                            format!(
                                "{value:?} is not a numeric id; {} routes by the {} id \
                                 (see its admin settings)",
                                settings.name(),
                                if name == "group" {
                                    "group/team"
                                } else {
                                    "user"
                                }
                            ),
                        ));
                    }
                }
            }
            if let Some(status) = &rule.status {
                self.check_status(settings, &format!("{prefix}.status"), status)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_support::load;

    const ZENDESK_ENV: &[(&str, &str)] = &[
        ("ZENDESK_API_TOKEN", "zd-token"),
        ("ZENDESK_WEBHOOK_SECRET", "zd-secret"),
    ];

    #[test]
    fn no_table_means_the_memory_desk() {
        let config = load("", &[]).unwrap();
        assert_eq!(config.helpdesk, HelpDeskSettings::default());
        assert_eq!(config.helpdesk.max_body_bytes, 1024 * 1024);
    }

    #[test]
    fn zendesk_takes_its_secrets_from_the_environment() {
        let table = "[helpdesk]\nkind = \"zendesk\"\nsubdomain = \"Acme\"\nemail = \"bot@acme.example\"\nhandoff_status = \"Open\"\n";
        let config = load(table, ZENDESK_ENV).unwrap();
        let HelpDeskKind::Zendesk(zendesk) = &config.helpdesk.kind else {
            panic!("{:?}", config.helpdesk);
        };
        assert_eq!(zendesk.base_url, "https://acme.zendesk.com");
        assert_eq!(zendesk.api_token.expose(), "zd-token");
        assert_eq!(zendesk.webhook_secret.expose(), "zd-secret");
        assert_eq!(zendesk.replay_window, Duration::from_secs(300));
        assert_eq!(config.helpdesk.handoff_status.as_deref(), Some("open"));
        let error = load(table, &[("ZENDESK_API_TOKEN", "t")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("ZENDESK_WEBHOOK_SECRET"), "{error}");
        assert!(error.contains("shop/deskbot.toml"), "{error}");
    }

    #[test]
    fn gorgias_gets_its_api_root() {
        let table = "[helpdesk]\nkind = \"gorgias\"\naccount = \"acme\"\nemail = \"bot@acme.example\"\nwebhook_secret_env = \"HOOK\"\n";
        let secret = "4f1c9e0a7b2d5e8f";
        let config = load(table, &[("GORGIAS_API_KEY", "k"), ("HOOK", secret)]).unwrap();
        let HelpDeskKind::Gorgias(gorgias) = &config.helpdesk.kind else {
            panic!("{:?}", config.helpdesk);
        };
        assert_eq!(gorgias.base_url, "https://acme.gorgias.com/api");
        assert_eq!(gorgias.webhook_secret.expose(), secret);
        // The shared secret is all that guards the endpoint: a short one is refused, by name.
        let error = load(
            table,
            &[("GORGIAS_API_KEY", "k"), ("HOOK", "4f1c9e0a7b2d5e8")],
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("helpdesk.webhook_secret_env")
                && error.contains("HOOK is shorter than 16 characters"),
            "{error}"
        );
    }

    #[test]
    fn mistakes_name_the_file_and_field() {
        let zd =
            |rest: &str| format!("[helpdesk]\nkind = \"zendesk\"\nemail = \"b@a.example\"\n{rest}");
        for (table, field) in [
            (
                "[helpdesk]\nkind = \"freshdesk\"\n".to_owned(),
                "helpdesk.kind",
            ),
            (zd(""), "helpdesk.subdomain"),
            (zd("subdomain = \"a.b\"\n"), "helpdesk.subdomain"),
            (
                zd("subdomain = \"a\"\nbase_url = \"https://x.example\"\n"),
                "helpdesk.base_url",
            ),
            (
                zd("base_url = \"http://remote.example\"\n"),
                "helpdesk.base_url",
            ),
            (
                zd("subdomain = \"a\"\nreplay_window_secs = 0\n"),
                "helpdesk.replay_window_secs",
            ),
            (
                zd("subdomain = \"a\"\nhandoff_status = \"escalated\"\n"),
                "helpdesk.handoff_status",
            ),
            (
                zd("subdomain = \"a\"\nmax_body_bytes = 10\n"),
                "helpdesk.max_body_bytes",
            ),
            (
                zd("subdomain = \"a\"\naccount = \"a\"\n"),
                "helpdesk.account",
            ),
            (zd("subdomain = \"a\"\nsecret = \"inline\"\n"), "secret"),
            (
                "[helpdesk]\nkind = \"zendesk\"\nsubdomain = \"a\"\n".to_owned(),
                "helpdesk.email",
            ),
            (
                "[helpdesk]\nkind = \"memory\"\nemail = \"b@a.example\"\n".to_owned(),
                "helpdesk.email",
            ),
            (
                zd("subdomain = \"a\"\n[routing]\ngroup = \"support\"\n"),
                "routing.group",
            ),
            (
                zd("subdomain = \"a\"\n[routing.reasons.claim]\nassignee = \"ann\"\n"),
                "routing.reasons.claim.assignee",
            ),
            (
                zd("subdomain = \"a\"\n[routing]\nstatus = \"closed\"\n"),
                "routing.status",
            ),
        ] {
            let error = load(&table, ZENDESK_ENV).unwrap_err().to_string();
            assert!(error.contains(field), "{table}\n→ {error}");
            assert!(error.contains("shop/deskbot.toml"), "{error}");
        }
    }

    #[test]
    fn numeric_routing_is_accepted_for_a_real_desk_and_anything_for_memory() {
        let table = "[helpdesk]\nkind = \"zendesk\"\nsubdomain = \"a\"\nemail = \"b@a.example\"\n[routing]\ngroup = \"98738\"\nassignee = \"235323\"\nstatus = \"pending\"\n";
        assert!(load(table, ZENDESK_ENV).is_ok());
        assert!(load("[routing]\ngroup = \"support\"\n", &[]).is_ok());
    }
}
