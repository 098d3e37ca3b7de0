//! `deskbot.toml`: the shop policy plus the connections deskbot makes (`[platform]`, `[helpdesk]`,
//! `[carriers.*]`, `[http]`). Read and checked once at start-up; secrets come only from
//! environment variables, and a missing one is an error naming the variable.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::adapters::Secret;
use crate::respond::policy::{Policy, PolicyError};

mod helpdesk;
mod service;
#[cfg(feature = "store")]
mod store;

pub use helpdesk::{
    GorgiasSettings, HelpDeskKind, HelpDeskSettings, ZendeskSettings, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_REPLAY_WINDOW,
};
pub use service::{RoutingSettings, ServeSettings, DEAD_LETTER_REASON, DEFAULT_API_TOKEN_ENV};
#[cfg(feature = "store")]
pub use store::{
    DEFAULT_DATABASE_URL_ENV, DEFAULT_MAX_CONNECTIONS, DEFAULT_RETENTION_DAYS, DEFAULT_STORE_FILE,
};

/// The Shopify Admin API version deskbot is written against.
pub const SHOPIFY_API_VERSION: &str = "2025-10";

/// A configuration problem, with the file it came from.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not valid TOML, or a table with unknown or mistyped keys (the message has the line).
    #[error("config {}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The TOML error, with line and column.
        message: String,
    },
    /// The policy part is invalid.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A value out of range or not allowed here.
    #[error("config {}: field `{field}`: {problem}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The dotted field name.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// A secret's environment variable is unset or empty.
    #[error("config {}: `{field}` needs the environment variable {variable}, which is {state}", path.display())]
    MissingSecret {
        /// The file.
        path: PathBuf,
        /// The table needing it.
        field: String,
        /// The variable's name.
        variable: String,
        /// "not set" or "empty".
        state: &'static str,
    },
}

/// Which order platform to read from, with what was checked about it.
#[derive(Debug, Clone, PartialEq)]
pub enum PlatformSettings {
    /// The file-backed demo shop (`orders.json`, `tracking.json`): the default.
    Demo {
        /// Its folder: `dir` in the table (relative to the config file). `None`: the default
        /// demo shop, `examples/demo-shop` in the working directory when there is one (a
        /// checkout), else the copy built into deskbot.
        dir: Option<PathBuf>,
    },
    /// Shopify GraphQL Admin API.
    Shopify {
        /// Origin, `https://{shop}.myshopify.com` by default.
        base_url: String,
        /// API version, [`SHOPIFY_API_VERSION`] by default.
        api_version: String,
        /// Admin API access token.
        access_token: Secret,
    },
    /// WooCommerce REST v3.
    WooCommerce {
        /// The shop's own site.
        base_url: String,
        /// Consumer key.
        consumer_key: Secret,
        /// Consumer secret.
        consumer_secret: Secret,
    },
    /// Magento 2 / Adobe Commerce REST.
    Magento {
        /// The shop's own site.
        base_url: String,
        /// Store code in `/rest/{store_code}/V1`.
        store_code: String,
        /// Admin or integration token.
        access_token: Secret,
    },
    /// BigCommerce v2.
    BigCommerce {
        /// Origin, `https://api.bigcommerce.com` by default.
        base_url: String,
        /// The store hash in `/stores/{store_hash}/`.
        store_hash: String,
        /// API account access token.
        access_token: Secret,
    },
}

impl PlatformSettings {
    /// The vendor's short name (`shopify`, `demo`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            PlatformSettings::Demo { .. } => "demo",
            PlatformSettings::Shopify { .. } => "shopify",
            PlatformSettings::WooCommerce { .. } => "woocommerce",
            PlatformSettings::Magento { .. } => "magento",
            PlatformSettings::BigCommerce { .. } => "bigcommerce",
        }
    }
}

/// Where parcels are tracked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CarrierSettings {
    /// A file-backed tracker (`tracking.json`, `carrier-failures.json`) in this folder.
    pub demo_dir: Option<PathBuf>,
    /// UPS Track API v1 (OAuth 2 client credentials).
    pub ups: Option<OAuthCarrier>,
    /// USPS Tracking API v3 (OAuth 2 client credentials).
    pub usps: Option<OAuthCarrier>,
    /// FedEx Track API v1 (OAuth 2 client credentials).
    pub fedex: Option<OAuthCarrier>,
    /// DHL Shipment Tracking – Unified (API key).
    pub dhl: Option<ApiKeyCarrier>,
}

impl CarrierSettings {
    /// Slugs of the live carriers configured, in a fixed order.
    pub fn configured(&self) -> Vec<&'static str> {
        [
            ("ups", self.ups.is_some()),
            ("usps", self.usps.is_some()),
            ("fedex", self.fedex.is_some()),
            ("dhl", self.dhl.is_some()),
        ]
        .into_iter()
        .filter_map(|(slug, on)| on.then_some(slug))
        .collect()
    }
}

/// A carrier API behind OAuth 2 client credentials.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthCarrier {
    /// The carrier's origin (production by default; a sandbox or a local stand-in here).
    pub base_url: String,
    /// Client id.
    pub client_id: Secret,
    /// Client secret.
    pub client_secret: Secret,
}

/// A carrier API behind an API key.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKeyCarrier {
    /// The carrier's origin.
    pub base_url: String,
    /// The key.
    pub api_key: Secret,
}

/// Timeouts, retries, cache and limits for every vendor call (`[http]`, plus per-platform
/// limits in `[platform]`).
#[derive(Debug, Clone, PartialEq)]
pub struct HttpSettings {
    /// One request's timeout. Default: 10 s.
    pub request_timeout: Duration,
    /// One operation, retries included. Default: 30 s.
    pub deadline: Duration,
    /// Retries after the first attempt. Default: 3.
    pub max_retries: usize,
    /// First backoff. Default: 250 ms.
    pub initial_backoff: Duration,
    /// Longest backoff. Default: 5 s.
    pub max_backoff: Duration,
    /// Read cache lifetime; zero turns it off. Default: 5 minutes.
    pub cache_ttl: Duration,
    /// Read cache size. Default: 10 000 answers.
    pub cache_capacity: u64,
    /// The platform's requests in flight. Default: 4.
    pub max_concurrency: usize,
    /// The platform's requests per second, if capped. Default: none.
    pub requests_per_second: Option<u32>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            request_timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(30),
            max_retries: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(5),
            cache_ttl: Duration::from_secs(300),
            cache_capacity: 10_000,
            max_concurrency: 4,
            requests_per_second: None,
        }
    }
}

/// A checked `deskbot.toml`.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file.
    pub path: PathBuf,
    /// The shop policy.
    pub policy: Policy,
    /// The order platform.
    pub platform: PlatformSettings,
    /// The carriers.
    pub carriers: CarrierSettings,
    /// Vendor call settings.
    pub http: HttpSettings,
    /// How `deskbot serve` runs.
    pub serve: ServeSettings,
    /// Where handoffs go on the help desk.
    pub routing: RoutingSettings,
    /// Where the job queue and decision log live (`[store]`; default: SQLite `deskbot.db`
    /// next to the config file).
    #[cfg(feature = "store")]
    pub store: crate::store::StoreSettings,
    /// Days decision-log rows and finished jobs are kept (`[store] retention_days`, at least
    /// 1; default 90). `serve.retention` always agrees with it.
    #[cfg(feature = "store")]
    pub retention_days: u32,
    /// The help desk (`[helpdesk]`; in memory when absent).
    pub helpdesk: HelpDeskSettings,
}

/// The connection tables as written.
#[derive(Debug, Default, Deserialize)]
struct ConnectionTables {
    #[serde(default)]
    platform: Option<PlatformTable>,
    #[serde(default)]
    carriers: Option<CarriersTable>,
    #[serde(default)]
    http: Option<HttpTable>,
    #[serde(default)]
    serve: Option<service::ServeTable>,
    #[serde(default)]
    routing: Option<service::RoutingTable>,
    #[cfg(feature = "store")]
    #[serde(default)]
    store: Option<store::StoreTable>,
    #[serde(default)]
    helpdesk: Option<helpdesk::HelpDeskTable>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlatformTable {
    kind: String,
    base_url: Option<String>,
    dir: Option<PathBuf>,
    shop: Option<String>,
    api_version: Option<String>,
    store_hash: Option<String>,
    store_code: Option<String>,
    access_token_env: Option<String>,
    consumer_key_env: Option<String>,
    consumer_secret_env: Option<String>,
    max_concurrency: Option<usize>,
    requests_per_second: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CarriersTable {
    demo: Option<DemoCarrierTable>,
    ups: Option<CarrierTable>,
    usps: Option<CarrierTable>,
    fedex: Option<CarrierTable>,
    dhl: Option<CarrierTable>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CarrierTable {
    base_url: Option<String>,
    client_id_env: Option<String>,
    client_secret_env: Option<String>,
    api_key_env: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoCarrierTable {
    dir: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpTable {
    timeout_secs: Option<f64>,
    deadline_secs: Option<f64>,
    max_retries: Option<usize>,
    initial_backoff_ms: Option<u64>,
    max_backoff_ms: Option<u64>,
    cache_ttl_secs: Option<u64>,
    cache_capacity: Option<u64>,
}

/// Reads environment variables; tests pass their own.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl Config {
    /// Reads and checks `path`, taking secrets from the process environment.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Config::load_with_env(path, &process_env)
    }

    /// Reads and checks `path`, taking secrets from `env`.
    pub fn load_with_env(path: &Path, env: EnvLookup<'_>) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        Config::from_toml(path, &text, env)
    }

    /// Reads only `[store]` from `path` (the rest must still parse): what `deskbot jobs` and
    /// `deskbot forget` need, so an operator's shell needs none of the vendors' secrets.
    #[cfg(feature = "store")]
    pub fn load_store(path: &Path) -> Result<crate::store::StoreSettings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        let tables: ConnectionTables = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let checker = Checker {
            path,
            env: &process_env,
        };
        let base = path.parent().unwrap_or(Path::new(""));
        Ok(checker.store(tables.store, base)?.0)
    }

    /// Parses and checks config text; `path` names the file in messages and anchors relative
    /// folders (`dir = "shop"` is next to the file).
    pub fn from_toml(path: &Path, text: &str, env: EnvLookup<'_>) -> Result<Config, ConfigError> {
        let policy = Policy::from_toml(path, text)?;
        let tables: ConnectionTables = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        let checker = Checker { path, env };
        let mut http = HttpSettings::default();
        if let Some(table) = tables.http {
            checker.http(table, &mut http)?;
        }
        let platform = match tables.platform {
            // The demo shop stays the default, where the README's first command finds it.
            None => PlatformSettings::Demo { dir: None },
            Some(table) => checker.platform(table, base, &mut http)?,
        };
        let carriers = match tables.carriers {
            None => CarrierSettings::default(),
            Some(table) => checker.carriers(table, base)?,
        };
        #[allow(unused_mut)]
        let mut serve = checker.serve(tables.serve, base)?;
        #[cfg(feature = "store")]
        let (store, retention_days) = {
            let (settings, days) = checker.store(tables.store, base)?;
            let days = store::retention_days(&checker, days, serve.retention)?;
            serve.retention = Duration::from_secs(u64::from(days) * 86_400);
            (settings, days)
        };
        let routing = match tables.routing {
            None => RoutingSettings::default(),
            Some(table) => checker.routing(table)?,
        };
        let helpdesk = match tables.helpdesk {
            None => HelpDeskSettings::default(),
            Some(table) => checker.helpdesk(table)?,
        };
        checker.routing_for_help_desk(&routing, &helpdesk)?;
        Ok(Config {
            path: path.to_owned(),
            policy,
            platform,
            carriers,
            http,
            serve,
            routing,
            #[cfg(feature = "store")]
            store,
            #[cfg(feature = "store")]
            retention_days,
            helpdesk,
        })
    }
}

struct Checker<'a> {
    path: &'a Path,
    env: EnvLookup<'a>,
}

impl Checker<'_> {
    fn invalid(&self, field: &str, problem: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_owned(),
            field: field.to_owned(),
            problem: problem.into(),
        }
    }

    fn secret(&self, field: &str, variable: &str) -> Result<Secret, ConfigError> {
        let missing = |state| ConfigError::MissingSecret {
            path: self.path.to_owned(),
            field: field.to_owned(),
            variable: variable.to_owned(),
            state,
        };
        match (self.env)(variable) {
            None => Err(missing("not set")),
            Some(value) if value.trim().is_empty() => Err(missing("empty")),
            Some(value) => Ok(Secret::new(value.trim())),
        }
    }

    fn carriers(&self, table: CarriersTable, base: &Path) -> Result<CarrierSettings, ConfigError> {
        let oauth = |slug: &str, table: Option<CarrierTable>, origin: &str, prefix: &str| {
            let Some(table) = table else {
                return Ok(None);
            };
            if table.api_key_env.is_some() {
                return Err(self.invalid(
                    &format!("carriers.{slug}.api_key_env"),
                    format!("{slug} authenticates with client_id_env and client_secret_env"),
                ));
            }
            let base_url = self.carrier_url(slug, table.base_url, origin)?;
            let id_var = table
                .client_id_env
                .unwrap_or_else(|| format!("{prefix}_CLIENT_ID"));
            let secret_var = table
                .client_secret_env
                .unwrap_or_else(|| format!("{prefix}_CLIENT_SECRET"));
            Ok(Some(OAuthCarrier {
                base_url,
                client_id: self.secret(&format!("carriers.{slug}.client_id_env"), &id_var)?,
                client_secret: self
                    .secret(&format!("carriers.{slug}.client_secret_env"), &secret_var)?,
            }))
        };
        // In the order the table is documented, so the first missing secret is the one named.
        let ups = oauth("ups", table.ups, "https://onlinetools.ups.com", "UPS")?;
        let usps = oauth("usps", table.usps, "https://apis.usps.com", "USPS")?;
        let fedex = oauth("fedex", table.fedex, "https://apis.fedex.com", "FEDEX")?;
        let dhl = match table.dhl {
            None => None,
            Some(dhl) => {
                if dhl.client_id_env.is_some() || dhl.client_secret_env.is_some() {
                    return Err(self.invalid(
                        "carriers.dhl.client_id_env",
                        "dhl authenticates with api_key_env",
                    ));
                }
                let variable = dhl.api_key_env.unwrap_or_else(|| "DHL_API_KEY".to_owned());
                Some(ApiKeyCarrier {
                    base_url: self.carrier_url("dhl", dhl.base_url, "https://api-eu.dhl.com")?,
                    api_key: self.secret("carriers.dhl.api_key_env", &variable)?,
                })
            }
        };
        Ok(CarrierSettings {
            demo_dir: table.demo.map(|demo| base.join(demo.dir)),
            ups,
            usps,
            fedex,
            dhl,
        })
    }

    /// A carrier's origin: the production one unless the table names another, and https
    /// unless it is a loopback stand-in.
    fn carrier_url(
        &self,
        slug: &str,
        given: Option<String>,
        production: &str,
    ) -> Result<String, ConfigError> {
        let url = given.unwrap_or_else(|| production.to_owned());
        #[cfg(feature = "http")]
        {
            crate::adapters::http::parse_base_url(&url)
                .map_err(|e| self.invalid(&format!("carriers.{slug}.base_url"), e.problem))?;
            Ok(url)
        }
        #[cfg(not(feature = "http"))]
        Err(self.invalid(
            &format!("carriers.{slug}"),
            format!("this deskbot was built without the `http` feature, so {url} cannot be used"),
        ))
    }

    fn http(&self, table: HttpTable, http: &mut HttpSettings) -> Result<(), ConfigError> {
        let seconds = |field: &str, value: f64, max: f64| {
            if value.is_finite() && value > 0.0 && value <= max {
                Ok(Duration::from_secs_f64(value))
            } else {
                Err(self.invalid(field, format!("{value} is not in (0, {max}] seconds")))
            }
        };
        if let Some(value) = table.timeout_secs {
            http.request_timeout = seconds("http.timeout_secs", value, 300.0)?;
        }
        if let Some(value) = table.deadline_secs {
            http.deadline = seconds("http.deadline_secs", value, 3600.0)?;
        }
        if http.deadline < http.request_timeout {
            return Err(self.invalid("http.deadline_secs", "must be at least http.timeout_secs"));
        }
        if let Some(value) = table.max_retries {
            if value > 10 {
                return Err(self.invalid("http.max_retries", format!("{value} is more than 10")));
            }
            http.max_retries = value;
        }
        if let Some(value) = table.initial_backoff_ms {
            http.initial_backoff = Duration::from_millis(value.clamp(1, 60_000));
        }
        if let Some(value) = table.max_backoff_ms {
            http.max_backoff = Duration::from_millis(value.clamp(1, 600_000));
        }
        if http.max_backoff < http.initial_backoff {
            return Err(self.invalid(
                "http.max_backoff_ms",
                "must be at least http.initial_backoff_ms",
            ));
        }
        if let Some(value) = table.cache_ttl_secs {
            http.cache_ttl = Duration::from_secs(value.min(86_400));
        }
        if let Some(value) = table.cache_capacity {
            http.cache_capacity = value;
        }
        Ok(())
    }

    fn platform(
        &self,
        table: PlatformTable,
        base: &Path,
        http: &mut HttpSettings,
    ) -> Result<PlatformSettings, ConfigError> {
        let kind = table.kind.trim().to_ascii_lowercase();
        if let Some(value) = table.max_concurrency {
            if !(1..=64).contains(&value) {
                return Err(self.invalid(
                    "platform.max_concurrency",
                    format!("{value} is outside 1..=64"),
                ));
            }
            http.max_concurrency = value;
        }
        if let Some(value) = table.requests_per_second {
            if value == 0 {
                return Err(self.invalid("platform.requests_per_second", "must be at least 1"));
            }
            http.requests_per_second = Some(value);
        }
        // A key that belongs to another platform is a mistake worth saying out loud.
        let only_for = |field: &str, present: bool, kinds: &[&str]| {
            if present && !kinds.contains(&kind.as_str()) {
                Err(self.invalid(
                    &format!("platform.{field}"),
                    format!("is for {} only, not {kind:?}", kinds.join(" and ")),
                ))
            } else {
                Ok(())
            }
        };
        only_for("dir", table.dir.is_some(), &["demo"])?;
        only_for("shop", table.shop.is_some(), &["shopify"])?;
        only_for("api_version", table.api_version.is_some(), &["shopify"])?;
        only_for("store_hash", table.store_hash.is_some(), &["bigcommerce"])?;
        only_for("store_code", table.store_code.is_some(), &["magento"])?;
        only_for(
            "access_token_env",
            table.access_token_env.is_some(),
            &["shopify", "magento", "bigcommerce"],
        )?;
        only_for(
            "consumer_key_env",
            table.consumer_key_env.is_some(),
            &["woocommerce"],
        )?;
        only_for(
            "consumer_secret_env",
            table.consumer_secret_env.is_some(),
            &["woocommerce"],
        )?;
        only_for(
            "base_url",
            table.base_url.is_some(),
            &["shopify", "woocommerce", "magento", "bigcommerce"],
        )?;
        let token = |default: &str| {
            let variable = table.access_token_env.as_deref().unwrap_or(default);
            self.secret("platform.access_token_env", variable)
        };
        let required = |field: &str, value: Option<String>| {
            value
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    self.invalid(
                        &format!("platform.{field}"),
                        format!("is required for {kind}"),
                    )
                })
        };
        let settings = match kind.as_str() {
            "demo" => PlatformSettings::Demo {
                dir: table.dir.map(|dir| base.join(dir)),
            },
            "shopify" => {
                let shop = required("shop", table.shop)?;
                if !shop.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    return Err(self.invalid(
                        "platform.shop",
                        format!("{shop:?} is not a shop handle (the NAME in NAME.myshopify.com)"),
                    ));
                }
                let api_version = table
                    .api_version
                    .unwrap_or_else(|| SHOPIFY_API_VERSION.to_owned());
                if !is_shopify_version(&api_version) {
                    return Err(self.invalid(
                        "platform.api_version",
                        format!("{api_version:?} is not a version like {SHOPIFY_API_VERSION}"),
                    ));
                }
                PlatformSettings::Shopify {
                    base_url: table
                        .base_url
                        .unwrap_or_else(|| format!("https://{shop}.myshopify.com")),
                    api_version,
                    access_token: token("SHOPIFY_ACCESS_TOKEN")?,
                }
            }
            "woocommerce" => PlatformSettings::WooCommerce {
                base_url: required("base_url", table.base_url)?,
                consumer_key: self.secret(
                    "platform.consumer_key_env",
                    table
                        .consumer_key_env
                        .as_deref()
                        .unwrap_or("WOOCOMMERCE_CONSUMER_KEY"),
                )?,
                consumer_secret: self.secret(
                    "platform.consumer_secret_env",
                    table
                        .consumer_secret_env
                        .as_deref()
                        .unwrap_or("WOOCOMMERCE_CONSUMER_SECRET"),
                )?,
            },
            "magento" => {
                let store_code = table.store_code.unwrap_or_else(|| "default".to_owned());
                if store_code.is_empty()
                    || !store_code
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    return Err(self.invalid(
                        "platform.store_code",
                        format!("{store_code:?} is not a store code (letters, digits, _)"),
                    ));
                }
                PlatformSettings::Magento {
                    base_url: required("base_url", table.base_url)?,
                    store_code,
                    access_token: token("MAGENTO_ACCESS_TOKEN")?,
                }
            }
            "bigcommerce" => {
                let store_hash = required("store_hash", table.store_hash)?;
                if !store_hash.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(self.invalid(
                        "platform.store_hash",
                        format!("{store_hash:?} is not a store hash (letters and digits)"),
                    ));
                }
                PlatformSettings::BigCommerce {
                    base_url: table
                        .base_url
                        .unwrap_or_else(|| "https://api.bigcommerce.com".to_owned()),
                    store_hash,
                    access_token: token("BIGCOMMERCE_ACCESS_TOKEN")?,
                }
            }
            other => {
                return Err(self.invalid(
                    "platform.kind",
                    format!(
                        "{other:?} is not one of shopify, woocommerce, magento, bigcommerce, demo"
                    ),
                ))
            }
        };
        self.check_built_in(&settings)?;
        Ok(settings)
    }

    /// A vendor compiled out of this build is an error now, not at the first message.
    fn check_built_in(&self, settings: &PlatformSettings) -> Result<(), ConfigError> {
        let built = match settings {
            PlatformSettings::Demo { .. } => true,
            PlatformSettings::Shopify { .. } => cfg!(feature = "shopify"),
            PlatformSettings::WooCommerce { .. } => cfg!(feature = "woocommerce"),
            PlatformSettings::Magento { .. } => cfg!(feature = "magento"),
            PlatformSettings::BigCommerce { .. } => cfg!(feature = "bigcommerce"),
        };
        if !built {
            return Err(self.invalid(
                "platform.kind",
                format!(
                    "this deskbot was built without the `{}` feature",
                    settings.kind()
                ),
            ));
        }
        #[cfg(feature = "http")]
        if let PlatformSettings::Shopify { base_url, .. }
        | PlatformSettings::WooCommerce { base_url, .. }
        | PlatformSettings::Magento { base_url, .. }
        | PlatformSettings::BigCommerce { base_url, .. } = settings
        {
            crate::adapters::http::parse_base_url(base_url)
                .map_err(|e| self.invalid("platform.base_url", e.problem))?;
        }
        Ok(())
    }
}

/// `YYYY-MM`, as Shopify names its quarterly API versions.
fn is_shopify_version(version: &str) -> bool {
    let bytes = version.as_bytes();
    bytes.len() == 7
        && bytes[4] == b'-'
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[5..].iter().all(u8::is_ascii_digit)
}

/// What the config tests of this module and its submodules share.
#[cfg(test)]
mod test_support {
    use std::path::Path;

    use super::{Config, ConfigError};

    const DEMO: &str = include_str!("../examples/demo-shop/deskbot.toml");

    /// The demo shop's `deskbot.toml` with `extra` appended, read with `env` as the environment.
    pub(super) fn load(extra: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        Config::from_toml(
            Path::new("shop/deskbot.toml"),
            &format!("{DEMO}\n{extra}"),
            &lookup,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use test_support::load;

    #[test]
    fn no_platform_table_means_the_bundled_demo_shop() {
        let config = load("", &[]).unwrap();
        assert_eq!(config.platform, PlatformSettings::Demo { dir: None });
        let config = load("[platform]\nkind = \"demo\"\ndir = \"orders\"\n", &[]).unwrap();
        assert_eq!(
            config.platform,
            PlatformSettings::Demo {
                dir: Some(PathBuf::from("shop/orders"))
            }
        );
        assert_eq!(config.http, HttpSettings::default());
    }

    #[test]
    fn secrets_come_from_the_environment_and_their_absence_names_the_variable() {
        let table = "[platform]\nkind = \"bigcommerce\"\nstore_hash = \"abc123\"\n";
        let error = load(table, &[]).unwrap_err().to_string();
        assert!(
            error.contains("BIGCOMMERCE_ACCESS_TOKEN") && error.contains("not set"),
            "{error}"
        );
        let error = load(table, &[("BIGCOMMERCE_ACCESS_TOKEN", "  ")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("empty"), "{error}");
        let config = load(table, &[("BIGCOMMERCE_ACCESS_TOKEN", "tok")]).unwrap();
        match config.platform {
            PlatformSettings::BigCommerce {
                base_url,
                store_hash,
                access_token,
            } => {
                assert_eq!(base_url, "https://api.bigcommerce.com");
                assert_eq!(store_hash, "abc123");
                assert_eq!(access_token.expose(), "tok");
            }
            other => panic!("{other:?}"),
        }
        let renamed = format!("{table}access_token_env = \"BC_TOKEN\"\n");
        let error = load(&renamed, &[("BIGCOMMERCE_ACCESS_TOKEN", "tok")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("BC_TOKEN"), "{error}");
    }

    #[test]
    fn each_platform_gets_its_defaults() {
        let config = load(
            "[platform]\nkind = \"shopify\"\nshop = \"juniper-oak\"\n",
            &[("SHOPIFY_ACCESS_TOKEN", "shpat")],
        )
        .unwrap();
        assert!(matches!(
            config.platform,
            PlatformSettings::Shopify { ref base_url, ref api_version, .. }
                if base_url == "https://juniper-oak.myshopify.com" && api_version == SHOPIFY_API_VERSION
        ));
        let config = load(
            "[platform]\nkind = \"magento\"\nbase_url = \"https://shop.example\"\n",
            &[("MAGENTO_ACCESS_TOKEN", "t")],
        )
        .unwrap();
        assert!(
            matches!(config.platform, PlatformSettings::Magento { ref store_code, .. } if store_code == "default")
        );
        let config = load(
            "[platform]\nkind = \"woocommerce\"\nbase_url = \"https://shop.example\"\n",
            &[
                ("WOOCOMMERCE_CONSUMER_KEY", "ck"),
                ("WOOCOMMERCE_CONSUMER_SECRET", "cs"),
            ],
        )
        .unwrap();
        assert_eq!(config.platform.kind(), "woocommerce");
    }

    #[test]
    fn mistakes_name_the_field() {
        let env = [
            ("SHOPIFY_ACCESS_TOKEN", "t"),
            ("WOOCOMMERCE_CONSUMER_KEY", "k"),
            ("WOOCOMMERCE_CONSUMER_SECRET", "s"),
        ];
        for (table, field) in [
            ("[platform]\nkind = \"squarespace\"\n", "platform.kind"),
            ("[platform]\nkind = \"woocommerce\"\n", "platform.base_url"),
            ("[platform]\nkind = \"shopify\"\n", "platform.shop"),
            (
                "[platform]\nkind = \"shopify\"\nshop = \"a.b/c\"\n",
                "platform.shop",
            ),
            (
                "[platform]\nkind = \"shopify\"\nshop = \"s\"\napi_version = \"latest\"\n",
                "platform.api_version",
            ),
            (
                "[platform]\nkind = \"shopify\"\nshop = \"s\"\nstore_hash = \"x\"\n",
                "platform.store_hash",
            ),
            (
                "[platform]\nkind = \"woocommerce\"\nbase_url = \"http://shop.example\"\n",
                "platform.base_url",
            ),
            (
                "[platform]\nkind = \"demo\"\nmax_concurrency = 0\n",
                "platform.max_concurrency",
            ),
            ("[http]\ntimeout_secs = 0\n", "http.timeout_secs"),
            (
                "[http]\ntimeout_secs = 20\ndeadline_secs = 5\n",
                "http.deadline_secs",
            ),
            ("[http]\nmax_retries = 99\n", "http.max_retries"),
        ] {
            let error = load(table, &env).unwrap_err().to_string();
            assert!(error.contains(field), "{table}: {error}");
            assert!(error.contains("shop/deskbot.toml"), "{error}");
        }
        let error = load("[platform]\nkind = \"demo\"\nsurprise = 1\n", &env)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("surprise") && error.contains("line"),
            "{error}"
        );
    }

    #[test]
    fn carriers_take_their_secrets_from_the_environment() {
        let table = "[carriers.ups]\n[carriers.dhl]\nbase_url = \"https://api-test.dhl.com\"\n[carriers.fedex]\nclient_id_env = \"FX_ID\"\nclient_secret_env = \"FX_SECRET\"\n";
        let error = load(table, &[("UPS_CLIENT_ID", "id")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("UPS_CLIENT_SECRET"), "{error}");
        let env = [
            ("UPS_CLIENT_ID", "id"),
            ("UPS_CLIENT_SECRET", "s"),
            ("DHL_API_KEY", "k"),
            ("FX_ID", "f"),
            ("FX_SECRET", "g"),
        ];
        let config = load(table, &env).unwrap();
        let carriers = &config.carriers;
        assert_eq!(carriers.configured(), ["ups", "fedex", "dhl"]);
        assert_eq!(
            carriers.ups.as_ref().unwrap().base_url,
            "https://onlinetools.ups.com"
        );
        assert_eq!(
            carriers.dhl.as_ref().unwrap().base_url,
            "https://api-test.dhl.com"
        );
        assert_eq!(carriers.fedex.as_ref().unwrap().client_secret.expose(), "g");
        let error = load("[carriers.dhl]\nclient_id_env = \"X\"\n", &env)
            .unwrap_err()
            .to_string();
        assert!(error.contains("api_key_env"), "{error}");
        let error = load("[carriers.ups]\nbase_url = \"http://ups.example\"\n", &env)
            .unwrap_err()
            .to_string();
        assert!(error.contains("carriers.ups.base_url"), "{error}");
    }

    #[test]
    fn loopback_stand_ins_may_use_plain_http() {
        let config = load(
            "[platform]\nkind = \"woocommerce\"\nbase_url = \"http://127.0.0.1:8080\"\n",
            &[
                ("WOOCOMMERCE_CONSUMER_KEY", "k"),
                ("WOOCOMMERCE_CONSUMER_SECRET", "s"),
            ],
        );
        assert!(config.is_ok(), "{config:?}");
    }
}
