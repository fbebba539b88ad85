//! `mugai serve`: wires the stages together on one tokio runtime and a
//! pool of sanitizer threads, resumes the spool, and shuts down cleanly
//! on SIGTERM or SIGINT (new connections get 421, work in progress gets
//! `queue.shutdown_grace`, the rest stays in the spool).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::{Config, DeliveryMode};
use crate::delivery::Delivery;
use crate::durable::{DirSync, create_dir_durably};
use crate::ingress::{self, Context};
use crate::pipeline::Pipeline;
use crate::quarantine::Quarantine;
use crate::spool::Spool;

/// Runs the relay until a stop signal; `Err` is one line for the operator.
pub fn serve(config: Config) -> Result<(), String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("mugai-io")
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let result = runtime.block_on(run(Arc::new(config)));
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

async fn run(config: Arc<Config>) -> Result<(), String> {
    if config.sanitize.attachments.fonts.cjk.is_none() {
        tracing::warn!(
            "no CJK font found: Japanese text in PDFs that do not embed their fonts will be \
             missing from rasterised pages; install fonts-ipaexfont-gothic or set \
             sanitize.attachments.cjk_font"
        );
    }
    let data_dir = &config.storage.data_dir;
    create_dir_durably(data_dir)
        .map_err(|e| format!("cannot create data_dir {}: {e}", data_dir.display()))?;
    let dirsync = Arc::new(
        DirSync::start().map_err(|e| format!("cannot start the directory sync thread: {e}"))?,
    );
    let spool = Arc::new(
        Spool::open(data_dir, Arc::clone(&dirsync))
            .map_err(|e| format!("cannot open the spool in {}: {e}", data_dir.display()))?,
    );
    let quarantine = Arc::new(
        Quarantine::open(&config, Arc::clone(&dirsync))
            .await
            .map_err(|e| format!("cannot open the quarantine in {}: {e}", data_dir.display()))?,
    );
    let delivery = Arc::new(Delivery::from_config(&config, Arc::clone(&dirsync))?);
    let tls = match (&config.smtp.tls_cert, &config.smtp.tls_key) {
        (Some(cert), Some(key)) => Some(crate::tls::acceptor(cert, key)?),
        _ => None,
    };
    let listen = &config.smtp.listen;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;

    let pipeline = Pipeline::start(
        Arc::clone(&config),
        spool.clone(),
        Arc::clone(&quarantine),
        delivery.clone(),
        tokio::runtime::Handle::current(),
    )
    .map_err(|e| format!("cannot start the sanitizer threads: {e}"))?;
    {
        let (spool, pipeline) = (Arc::downgrade(&spool), Arc::downgrade(&pipeline));
        crate::metrics::global().set_queue_probe(move || crate::metrics::QueueSizes {
            spooled: spool.upgrade().and_then(|s| s.count().ok()).unwrap_or(0) as i64,
            backlog: pipeline.upgrade().map_or(0, |p| p.backlog()) as i64,
        });
    }
    let (stop, shutdown) = watch::channel(false);
    if config.admin.enabled {
        let unlocker: Arc<dyn crate::admin::Unlocker> = Arc::new(Arc::clone(&pipeline));
        let page = crate::admin::start(
            Arc::clone(&config),
            Arc::clone(&quarantine),
            Some(unlocker),
            shutdown.clone(),
        )
        .await?;
        pipeline.enable_request_links(&page.public_url);
        tracing::info!(
            "web page on {} (links: {})",
            page.local_url,
            page.public_url
        );
    }
    if config.admin.metrics_listen.is_some() {
        let address = crate::admin::start_metrics(Arc::clone(&config), shutdown.clone()).await?;
        tracing::info!("metrics on http://{address}/metrics");
    }
    // Releases queued while the relay was down go to the spool first, so
    // resuming the spool picks them up exactly once.
    crate::pipeline::release::dispatch(&pipeline, false).await;
    tokio::spawn(crate::pipeline::release::run(
        Arc::clone(&pipeline),
        shutdown.clone(),
    ));
    tokio::spawn(daily_purge(Arc::clone(&quarantine), shutdown.clone()));
    let resumed = pipeline
        .resume()
        .map_err(|e| format!("cannot read the spool: {e}"))?;
    let ctx = Arc::new(Context {
        config: Arc::clone(&config),
        spool,
        queue: pipeline.clone(),
        tls,
        shutdown,
    });
    let target = match config.delivery.mode {
        DeliveryMode::Smtp => format!("SMTP to {}", config.delivery.next_hop),
        DeliveryMode::Maildir => format!("maildir {}", config.maildir_path().display()),
    };
    tracing::info!(
        "mugai {} listening on {local}, accepting mail for {}, delivering by {target}; {resumed} messages resumed from the spool",
        env!("CARGO_PKG_VERSION"),
        config.smtp.accept_domains.join(", "),
    );
    for tenant in &config.tenant {
        tracing::info!(
            "tenant {} ({}): mail for {}, delivered to {}",
            tenant.name,
            tenant.shown(),
            tenant.domains.join(", "),
            tenant.next_hop.as_deref().unwrap_or(&target),
        );
    }
    if quarantine.index.is_postgres() {
        tracing::info!(
            "node {}: index, originals, audit chain and sessions in {} (shared with every node of that database); spool in {}",
            config.storage.node_name(),
            crate::quarantine::redact(&config.database_url()),
            config.storage.data_dir.display(),
        );
    }

    tokio::spawn(async move {
        wait_for_stop_signal().await;
        tracing::info!("stop signal: no new mail; finishing work in progress");
        let _ = stop.send(true);
    });
    let grace = config.queue.shutdown_grace.duration();
    let mut stopped = ctx.shutdown.clone();
    let serving = tokio::spawn(ingress::serve(listener, Arc::clone(&ctx), grace));
    ingress::stopped(&mut stopped).await;
    let signalled = Instant::now();
    let _ = serving.await;
    let left = grace.saturating_sub(signalled.elapsed());
    if !pipeline.shut_down(left).await {
        tracing::warn!("grace period over with work in progress; it stays in the spool");
    }
    tracing::info!("stopped");
    Ok(())
}

async fn wait_for_stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

/// Purges what retention allows once at start and then every day.
async fn daily_purge(quarantine: Arc<Quarantine>, mut stop: watch::Receiver<bool>) {
    loop {
        match quarantine.purge(crate::units::unix_now(), "mugai").await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                "purged {n} originals older than {} days",
                quarantine.retention_days
            ),
            Err(e) => tracing::error!("purge failed: {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(86400)) => {}
            _ = stop.changed() => return,
        }
    }
}
