//! From a checked [`Config`] to live adapters: the order platform (behind the read cache), the
//! carriers and the help desk. One place, so the CLI and the service connect the same way.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{AdapterError, CarrierRouter, CarrierTracker, HelpDesk, MemoryHelpDesk, OrderPlatform};
use crate::config::{Config, HelpDeskKind, HttpSettings, PlatformSettings};
use crate::respond::demo::{bundled, DemoShop, DemoShopError, DEMO_SHOP_DIR};

/// Why the adapters could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The demo shop's files are unreadable.
    #[error("the demo shop in {}", dir.display())]
    DemoShop {
        /// Its folder.
        dir: PathBuf,
        /// What went wrong.
        source: DemoShopError,
    },
    /// A vendor client could not be built.
    #[error("connecting to {vendor}")]
    Vendor {
        /// Which vendor.
        vendor: &'static str,
        /// What went wrong.
        source: AdapterError,
    },
}

/// The adapters a configuration describes.
#[derive(Clone)]
pub struct Connections {
    /// Where orders come from.
    pub platform: Arc<dyn OrderPlatform>,
    /// Where parcels are tracked.
    pub carriers: Arc<CarrierRouter>,
}

/// Builds the adapters `config` names. Nothing is called yet: [`OrderPlatform::check_connection`]
/// is what `deskbot doctor` uses to try them.
pub fn connect(config: &Config) -> Result<Connections, ConnectError> {
    let platform = platform(&config.platform, &config.http, &config.policy.timezone)?;
    let carriers = carriers(config)?;
    Ok(Connections { platform, carriers })
}

/// The order platform `settings` names, its reads cached as `http` says. `shop_zone` is the
/// shop's time zone, where a platform that keeps days without a time (WooCommerce's shipping
/// date) places them.
pub fn platform(
    settings: &PlatformSettings,
    http: &HttpSettings,
    shop_zone: &jiff::tz::TimeZone,
) -> Result<Arc<dyn OrderPlatform>, ConnectError> {
    #[cfg(feature = "http")]
    let cache = super::http::CacheConfig {
        ttl: http.cache_ttl,
        capacity: http.cache_capacity,
    };
    #[cfg(not(feature = "http"))]
    let _ = (http, shop_zone);
    Ok(match settings {
        PlatformSettings::Demo { dir } => Arc::new(match demo_folder(dir.as_deref()) {
            Some(dir) => {
                DemoShop::orders(&dir).map_err(|source| ConnectError::DemoShop { dir, source })?
            }
            None => DemoShop::bundled_orders().map_err(|source| ConnectError::DemoShop {
                dir: PathBuf::from(bundled::ORIGIN),
                source,
            })?,
        }),
        #[allow(unreachable_patterns)]
        other => {
            let vendor = other.kind();
            let failed = |source| ConnectError::Vendor { vendor, source };
            #[cfg(feature = "http")]
            {
                let client = vendor_client(other, http, shop_zone).map_err(failed)?;
                return Ok(Arc::new(super::http::CachedPlatform::new(client, cache)));
            }
            #[cfg(not(feature = "http"))]
            return Err(failed(AdapterError::Invalid {
                message: format!("this deskbot was built without the `{vendor}` feature"),
            }));
        }
    })
}

/// A vendor's platform client, uncached.
#[cfg(feature = "http")]
fn vendor_client(
    settings: &PlatformSettings,
    http: &HttpSettings,
    // Unused in a build without WooCommerce.
    #[allow(unused_variables)] shop_zone: &jiff::tz::TimeZone,
) -> Result<Box<dyn OrderPlatform>, AdapterError> {
    use super::http::{parse_base_url, HttpConfig};
    // Unused in a build with no platform feature.
    #[allow(unused_variables)]
    let config = HttpConfig::from(http);
    #[allow(unused_variables)]
    let base = |url: &str| {
        parse_base_url(url).map_err(|e| AdapterError::Invalid {
            message: e.to_string(),
        })
    };
    match settings {
        #[cfg(feature = "shopify")]
        PlatformSettings::Shopify {
            base_url,
            api_version,
            access_token,
        } => Ok(Box::new(super::platforms::shopify::Shopify::new(
            base(base_url)?,
            api_version,
            access_token.clone(),
            &config,
        )?)),
        #[cfg(feature = "magento")]
        PlatformSettings::Magento {
            base_url,
            store_code,
            access_token,
        } => Ok(Box::new(super::platforms::magento::Magento::new(
            base(base_url)?,
            store_code,
            access_token.clone(),
            &config,
        )?)),
        #[cfg(feature = "woocommerce")]
        PlatformSettings::WooCommerce { base_url, .. } => Ok(Box::new(
            super::platforms::woocommerce::WooCommerce::new(base(base_url)?, settings, &config)?
                .in_time_zone(shop_zone.clone()),
        )),
        #[cfg(feature = "bigcommerce")]
        PlatformSettings::BigCommerce {
            base_url,
            store_hash,
            access_token,
        } => Ok(Box::new(super::platforms::bigcommerce::BigCommerce::new(
            base(base_url)?,
            store_hash,
            access_token.clone(),
            &config,
        )?)),
        other => Err(AdapterError::Invalid {
            message: format!(
                "this deskbot was built without the `{}` feature",
                other.kind()
            ),
        }),
    }
}

/// The carrier trackers `config` names: the live ones first, then the demo shop's file-backed
/// tracker for every other carrier when one is configured (or the platform is the demo shop).
pub fn carriers(config: &Config) -> Result<Arc<CarrierRouter>, ConnectError> {
    // The demo carriers answer for every carrier without a live tracker: when named, or when
    // the platform is the demo shop (whose parcels they know).
    let demo: Option<Option<PathBuf>> = match (&config.carriers.demo_dir, &config.platform) {
        (Some(dir), _) => Some(Some(dir.clone())),
        (None, PlatformSettings::Demo { dir }) => Some(demo_folder(dir.as_deref())),
        (None, _) => None,
    };
    let fallback: Option<Arc<dyn CarrierTracker>> = match demo {
        Some(Some(dir)) => Some(Arc::new(
            DemoShop::carriers(&dir).map_err(|source| ConnectError::DemoShop { dir, source })?,
        )),
        Some(None) => Some(Arc::new(DemoShop::bundled_carriers().map_err(
            |source| ConnectError::DemoShop {
                dir: PathBuf::from(bundled::ORIGIN),
                source,
            },
        )?)),
        None => None,
    };
    #[cfg(feature = "http")]
    let live = live_carriers(config)?;
    #[cfg(not(feature = "http"))]
    let live = Vec::new();
    Ok(Arc::new(CarrierRouter::new(live, fallback)))
}

/// The help desk `config` names (`[helpdesk]`): Zendesk or Gorgias on the shared HTTP stack with
/// `[http]`'s retries, or an empty in-memory desk when none is configured. Nothing is called
/// yet: [`HelpDesk::check_connection`] is what `deskbot doctor` uses.
pub fn help_desk(config: &Config) -> Result<Arc<dyn HelpDesk>, ConnectError> {
    let settings = &config.helpdesk;
    #[allow(unused_variables)]
    let failed = |vendor: &'static str| move |source| ConnectError::Vendor { vendor, source };
    #[cfg(feature = "http")]
    #[allow(unused_variables)]
    let base = |vendor: &'static str, url: &str| -> Result<url::Url, ConnectError> {
        url::Url::parse(url).map_err(|e| ConnectError::Vendor {
            vendor,
            source: AdapterError::Invalid {
                message: format!("base_url {url:?}: {e}"),
            },
        })
    };
    match &settings.kind {
        HelpDeskKind::Memory => Ok(Arc::new(MemoryHelpDesk::default())),
        #[cfg(feature = "zendesk")]
        HelpDeskKind::Zendesk(zendesk) => {
            let desk = super::helpdesk::zendesk::Zendesk::new(
                base("zendesk", &zendesk.base_url)?,
                &zendesk.email,
                zendesk.api_token.clone(),
                &super::http::HttpConfig::from(&config.http),
            )
            .map_err(failed("zendesk"))?
            .with_handoff_status(settings.handoff_status.clone());
            Ok(Arc::new(desk))
        }
        #[cfg(feature = "gorgias")]
        HelpDeskKind::Gorgias(gorgias) => {
            let desk = super::helpdesk::gorgias::Gorgias::new(
                base("gorgias", &gorgias.base_url)?,
                &gorgias.email,
                gorgias.api_key.clone(),
                &super::http::HttpConfig::from(&config.http),
            )
            .map_err(failed("gorgias"))?
            .with_handoff_status(settings.handoff_status.clone());
            Ok(Arc::new(desk))
        }
        #[allow(unreachable_patterns)]
        _ => Err(ConnectError::Vendor {
            vendor: settings.name(),
            source: AdapterError::Invalid {
                message: format!(
                    "this deskbot was built without the `{}` feature",
                    settings.name()
                ),
            },
        }),
    }
}

/// The demo shop's folder: the one configured, else `examples/demo-shop` when the working
/// directory is a checkout; `None` means the copy built into deskbot.
fn demo_folder(configured: Option<&Path>) -> Option<PathBuf> {
    match configured {
        Some(dir) => Some(dir.to_owned()),
        None => {
            let checkout = Path::new(DEMO_SHOP_DIR);
            checkout
                .join("orders.json")
                .is_file()
                .then(|| checkout.to_owned())
        }
    }
}

/// The live carrier trackers configured, UPS, USPS, FedEx, DHL in that order.
#[cfg(feature = "http")]
fn live_carriers(config: &Config) -> Result<Vec<Arc<dyn CarrierTracker>>, ConnectError> {
    // Unused in a build with no carrier feature.
    #[allow(unused_variables)]
    let http = super::http::HttpConfig::from(&config.http);
    #[allow(unused_mut)]
    let mut live: Vec<Arc<dyn CarrierTracker>> = Vec::new();
    #[allow(unused_variables)]
    let base = |vendor: &'static str, url: &str| {
        super::http::parse_base_url(url).map_err(|e| ConnectError::Vendor {
            vendor,
            source: AdapterError::Invalid {
                message: e.to_string(),
            },
        })
    };
    #[cfg(feature = "ups")]
    if let Some(ups) = &config.carriers.ups {
        let failed = |source| ConnectError::Vendor {
            vendor: "ups",
            source,
        };
        let tracker = super::carriers::ups::UpsTracker::new(
            base("ups", &ups.base_url)?,
            ups.client_id.clone(),
            ups.client_secret.clone(),
            &http,
        )
        .map_err(failed)?;
        live.push(Arc::new(tracker));
    }
    #[cfg(not(feature = "ups"))]
    if config.carriers.ups.is_some() {
        return Err(without_feature("ups"));
    }
    #[cfg(feature = "usps")]
    if let Some(usps) = &config.carriers.usps {
        let failed = |source| ConnectError::Vendor {
            vendor: "usps",
            source,
        };
        let tracker = super::carriers::usps::UspsTracker::new(
            base("usps", &usps.base_url)?,
            usps.client_id.clone(),
            usps.client_secret.clone(),
            &http,
        )
        .map_err(failed)?;
        live.push(Arc::new(tracker));
    }
    #[cfg(not(feature = "usps"))]
    if config.carriers.usps.is_some() {
        return Err(without_feature("usps"));
    }
    #[cfg(feature = "fedex")]
    if let Some(fedex) = &config.carriers.fedex {
        let tracker = super::carriers::FedexTracker::new(
            base("fedex", &fedex.base_url)?,
            fedex.client_id.expose(),
            fedex.client_secret.clone(),
            &http,
        )
        .map_err(|source| ConnectError::Vendor {
            vendor: "fedex",
            source,
        })?;
        live.push(Arc::new(tracker));
    }
    #[cfg(not(feature = "fedex"))]
    if config.carriers.fedex.is_some() {
        return Err(without_feature("fedex"));
    }
    #[cfg(feature = "dhl")]
    if let Some(dhl) = &config.carriers.dhl {
        let tracker = super::carriers::DhlTracker::new(
            base("dhl", &dhl.base_url)?,
            dhl.api_key.clone(),
            &http,
        )
        .map_err(|source| ConnectError::Vendor {
            vendor: "dhl",
            source,
        })?;
        live.push(Arc::new(tracker));
    }
    #[cfg(not(feature = "dhl"))]
    if config.carriers.dhl.is_some() {
        return Err(without_feature("dhl"));
    }
    Ok(live)
}

/// A carrier configured in `deskbot.toml` that this build cannot track.
#[cfg(all(
    feature = "http",
    not(all(feature = "ups", feature = "usps", feature = "fedex", feature = "dhl"))
))]
fn without_feature(vendor: &'static str) -> ConnectError {
    ConnectError::Vendor {
        vendor,
        source: AdapterError::Invalid {
            message: format!("this deskbot was built without the `{vendor}` feature"),
        },
    }
}
