//! `deskbot serve`: config → store, help desk, adapters, model → the service, until SIGTERM.

use std::sync::Arc;

use anyhow::{Context, Result};
use deskbot::adapters::connect::help_desk;
use deskbot::respond::Answerer;
use deskbot::serve::{Metrics, ModelSlot, ModelSource, Service, ServiceParts, WebhookSettings};

use super::args::ServeArgs;
use super::{shop, BUNDLED_MODEL, BUNDLED_MODEL_NAME};

pub fn run(args: ServeArgs, metrics: Arc<Metrics>) -> Result<()> {
    let shop = shop::open(&args.shop)?;
    let mut config = shop.config;
    if let Some(listen) = args.listen {
        config.serve.listen = listen;
    }
    if let Some(workers) = args.workers {
        config.serve.workers = usize::from(workers);
    }
    if let Some(model) = args.model {
        config.serve.model = Some(model);
    }
    let source = match &config.serve.model {
        Some(path) => ModelSource::File(path.clone()),
        None => ModelSource::Bytes {
            name: BUNDLED_MODEL_NAME,
            bytes: BUNDLED_MODEL,
        },
    };
    let model = ModelSlot::load(source).context("loading the model")?;
    let templates = match &args.templates {
        Some(dir) => deskbot::respond::Templates::load(dir)?,
        None => deskbot::respond::Templates::bundled()?,
    };
    let desk = help_desk(&config).with_context(|| {
        format!(
            "connecting to the help desk {} names",
            config.path.display()
        )
    })?;
    let webhooks = WebhookSettings::from_help_desk(&config.helpdesk);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let store = deskbot::store::open(&config.store)
            .await
            .with_context(|| format!("opening the store {} names", config.path.display()))?;
        let listener = tokio::net::TcpListener::bind(config.serve.listen)
            .await
            .with_context(|| format!("listening on {}", config.serve.listen))?;
        let address = listener.local_addr()?;
        let service = Service::new(ServiceParts {
            store,
            desk,
            answerer: Answerer::new(
                shop.connections.platform,
                shop.connections.carriers,
                config.policy,
                templates,
            ),
            model,
            settings: config.serve,
            routing: config.routing,
            webhooks,
            metrics,
        });
        // The line a supervisor or a test waits for.
        eprintln!("deskbot serve: listening on http://{address}");
        deskbot::serve::run(service, listener, deskbot::serve::termination_signal())
            .await
            .context("serving")
    })
}
