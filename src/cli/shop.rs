//! Opening the shop a command talks to: `deskbot.toml` (policy + connections) → adapters.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use deskbot::adapters::connect::{connect, Connections};
use deskbot::config::{process_env, Config, PlatformSettings};
use deskbot::respond::demo::{bundled, DEMO_SHOP_DIR};

use super::args::ShopArgs;

/// A checked configuration and the adapters it names.
pub struct Shop {
    pub config: Config,
    pub connections: Connections,
}

/// Reads the config (`--config`, else the demo shop's `deskbot.toml`) and connects. `--shop`
/// points the demo platform at another folder.
pub fn open(args: &ShopArgs) -> Result<Shop> {
    let config = load(args)?;
    let connections = connect(&config)
        .with_context(|| format!("connecting as {} says", config.path.display()))?;
    Ok(Shop {
        config,
        connections,
    })
}

/// The checked configuration alone.
/// The config file `--config`/`--shop` name, else the demo shop's.
pub fn config_path(args: &ShopArgs) -> PathBuf {
    match (&args.config, &args.shop) {
        (Some(config), _) => config.clone(),
        (None, Some(shop)) => shop.join("deskbot.toml"),
        (None, None) => PathBuf::from(DEMO_SHOP_DIR).join("deskbot.toml"),
    }
}

pub fn load(args: &ShopArgs) -> Result<Config> {
    let path = config_path(args);
    let mut config = match (&args.config, &args.shop) {
        // No shop named and no checkout here: the demo shop built into deskbot.
        (None, None) if !path.is_file() => {
            let mut config = Config::from_toml(
                &Path::new(bundled::ORIGIN).join("deskbot.toml"),
                bundled::POLICY,
                &process_env,
            )?;
            // The built-in demo has no folder of its own: its store goes in the current one.
            #[cfg(feature = "store")]
            {
                config.store = deskbot::store::StoreSettings::Sqlite {
                    path: PathBuf::from(deskbot::config::DEFAULT_STORE_FILE),
                };
            }
            config
        }
        (None, Some(_)) if !path.is_file() => bail!(
            "no deskbot.toml in {}: a demo shop folder holds deskbot.toml, orders.json and tracking.json (or pass --config FILE)",
            path.parent().unwrap_or(&path).display()
        ),
        _ => Config::load(&path)?,
    };
    if let Some(shop) = &args.shop {
        match &mut config.platform {
            PlatformSettings::Demo { dir } => *dir = Some(shop.clone()),
            other => bail!(
                "--shop only applies to the demo shop; {} connects to {}",
                path.display(),
                other.kind()
            ),
        }
    }
    Ok(config)
}
