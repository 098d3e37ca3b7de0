//! From a checked [`Config`] to live adapters: the order platform (behind the read cache) and
//! the carriers. One place, so the CLI and the service connect the same way.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;

use super::{AdapterError, CarrierTracker, OrderPlatform};
use crate::carrier::Carrier;
use crate::config::{Config, HttpSettings, PlatformSettings};
use crate::respond::demo::{DemoShop, DemoShopError};
use crate::respond::facts::Tracking;

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
    pub carriers: Arc<dyn CarrierTracker>,
}

/// Builds the adapters `config` names. Nothing is called yet: [`OrderPlatform::check_connection`]
/// is what `deskbot doctor` uses to try them.
pub fn connect(config: &Config) -> Result<Connections, ConnectError> {
    let platform = platform(&config.platform, &config.http)?;
    let carrier_dir = config.carriers.demo_dir.clone().or(match &config.platform {
        PlatformSettings::Demo { dir } => Some(dir.clone()),
        _ => None,
    });
    let carriers: Arc<dyn CarrierTracker> = match carrier_dir {
        Some(dir) => Arc::new(
            DemoShop::carriers(&dir).map_err(|source| ConnectError::DemoShop { dir, source })?,
        ),
        None => Arc::new(Untracked),
    };
    Ok(Connections { platform, carriers })
}

/// The order platform `settings` names, its reads cached as `http` says.
pub fn platform(
    settings: &PlatformSettings,
    http: &HttpSettings,
) -> Result<Arc<dyn OrderPlatform>, ConnectError> {
    #[cfg(feature = "http")]
    let cache = super::http::CacheConfig {
        ttl: http.cache_ttl,
        capacity: http.cache_capacity,
    };
    #[cfg(not(feature = "http"))]
    let _ = http;
    Ok(match settings {
        PlatformSettings::Demo { dir } => {
            Arc::new(
                DemoShop::orders(dir).map_err(|source| ConnectError::DemoShop {
                    dir: dir.clone(),
                    source,
                })?,
            )
        }
        #[allow(unreachable_patterns)]
        other => {
            let vendor = other.kind();
            let failed = |source| ConnectError::Vendor { vendor, source };
            #[cfg(feature = "http")]
            {
                let client = vendor_client(other, http).map_err(failed)?;
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
) -> Result<Box<dyn OrderPlatform>, AdapterError> {
    use super::http::{parse_base_url, HttpConfig};
    let config = HttpConfig::from(http);
    let base = |url: &str| {
        parse_base_url(url).map_err(|e| AdapterError::Invalid {
            message: e.to_string(),
        })
    };
    // Each vendor module adds its arm here.
    #[allow(unused_variables, clippy::match_single_binding)]
    let (config, base) = (config, base);
    #[allow(clippy::match_single_binding)]
    match settings {
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

/// Carriers when none is configured: every parcel stays untracked, and the handoff says why.
#[derive(Debug, Clone, Copy)]
pub struct Untracked;

#[async_trait]
impl CarrierTracker for Untracked {
    fn name(&self) -> &str {
        "no carrier configured"
    }

    fn supports(&self, _carrier: &Carrier) -> bool {
        false
    }

    async fn track(&self, carrier: &Carrier, _number: &str) -> Result<Tracking, AdapterError> {
        Err(AdapterError::unavailable(format!(
            "{} tracking is not configured in deskbot.toml",
            carrier.display_name()
        )))
    }
}
