//! The pipeline: the only place that knows the order of stages (Postfix's
//! qmgr). It takes spool entries, sanitizes them on a bounded pool of
//! worker threads, stores the original, hands the sanitized copy to
//! delivery, records what happened per recipient, schedules retries,
//! reports failures to the postmaster, and removes the entry when done.
//!
//! Back-pressure: `backlog` counts entries waiting for or inside a worker
//! or a delivery (each holds a [`Ticket`]); past `queue.max_backlog`
//! ingress answers 451 4.3.2.
//! Entries waiting for a retry are on disk only and not counted.
//! A worker waits for a delivery slot before sanitizing, so sanitized
//! copies in memory are bounded by `delivery.concurrency`.

mod auto_unlock;
mod clean;
mod convert;
mod deliver;
mod kept;
mod password_line;
mod record;
pub mod release;
pub mod report;
mod snapshot;
mod ticket;
mod unlock;
mod worker;

pub use password_line::candidates as password_candidates;
pub use unlock::Unlocked;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::runtime::Handle;
use tokio::sync::{Notify, Semaphore};

use crate::config::Config;
use crate::delivery::Delivery;
use crate::ingress::Queue;
use crate::quarantine::Quarantine;
use crate::spool::Spool;
use ticket::Ticket;

/// The running pipeline.
pub struct Pipeline {
    config: Arc<Config>,
    spool: Arc<Spool>,
    quarantine: Arc<Quarantine>,
    delivery: Arc<Delivery>,
    /// Where request links point (`public_url`), once the page listens.
    link_base: OnceLock<String>,
    jobs: Mutex<Sender<Ticket>>,
    delivery_slots: Arc<Semaphore>,
    runtime: Handle,
    backlog: Arc<AtomicUsize>,
    /// Entries inside a worker or a delivery right now.
    active: AtomicUsize,
    stopping: AtomicBool,
    idle: Notify,
    /// Converter processes, unless isolation is off.
    converters: Option<crate::isolate::Pool>,
    /// Writes index rows and mail-flow audit lines, a round at a time.
    recorder: record::Recorder,
    /// This node's name, under which it claims releases.
    node: String,
    /// The next hop of each tenant that has its own.
    tenant_delivery: HashMap<String, Arc<Delivery>>,
    /// Draws HTML bodies' layout pictures, when a policy asks for them
    /// (`html_snapshot`).
    snapshots: Option<crate::render::Viewer>,
}

impl Pipeline {
    /// Starts the worker threads. Call [`Pipeline::resume`] next to pick up
    /// what the spool holds.
    pub fn start(
        config: Arc<Config>,
        spool: Arc<Spool>,
        quarantine: Arc<Quarantine>,
        delivery: Arc<Delivery>,
        runtime: Handle,
    ) -> std::io::Result<Arc<Pipeline>> {
        let (tx, rx) = mpsc::channel();
        let isolation = &config.sanitize.isolation;
        let converters = if isolation.enabled {
            let program = std::env::current_exe()?;
            let processes = match isolation.processes {
                0 => config.queue.worker_count(),
                n => n,
            };
            Some(crate::isolate::Pool::new(
                program,
                &config.sanitize,
                &config.tenant_policies(),
                processes,
            ))
        } else {
            None
        };
        let recorder = record::Recorder::start(Arc::clone(&quarantine), runtime.clone())?;
        let mut tenant_delivery = HashMap::new();
        for tenant in &config.tenant {
            if let Some(hop) = &tenant.next_hop {
                let mut own = (*config).clone();
                own.delivery.next_hop = hop.clone();
                let smtp = crate::delivery::SmtpDelivery::new(&own)
                    .map_err(|e| std::io::Error::other(format!("tenant {}: {e}", tenant.name)))?;
                tenant_delivery.insert(tenant.name.clone(), Arc::new(Delivery::Smtp(smtp)));
            }
        }
        let wants_snapshots = config.sanitize.html_snapshot
            || config.tenant_policies().iter().any(|p| p.html_snapshot);
        let snapshots = if wants_snapshots {
            Some(crate::render::Viewer::new(Arc::clone(&config))?)
        } else {
            None
        };
        let pipeline = Arc::new(Pipeline {
            snapshots,
            node: config.storage.node_name(),
            tenant_delivery,
            converters,
            recorder,
            delivery_slots: Arc::new(Semaphore::new(config.delivery.concurrency)),
            config,
            spool,
            quarantine,
            delivery,
            link_base: OnceLock::new(),
            jobs: Mutex::new(tx),
            runtime,
            backlog: Arc::new(AtomicUsize::new(0)),
            active: AtomicUsize::new(0),
            stopping: AtomicBool::new(false),
            idle: Notify::new(),
        });
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..pipeline.config.queue.worker_count() {
            let pipeline = Arc::clone(&pipeline);
            let rx: Arc<Mutex<Receiver<Ticket>>> = Arc::clone(&rx);
            std::thread::Builder::new()
                .name(format!("mugai-worker-{n}"))
                .spawn(move || worker::run(pipeline, rx))?;
        }
        Ok(pipeline)
    }

    /// Queues every spool entry at once, including those waiting for a
    /// retry: a restart often follows a fix (next hop, configuration), so
    /// each waiting message gets one attempt now, then its schedule again.
    /// Recipients already delivered stay delivered.
    pub fn resume(self: &Arc<Self>) -> std::io::Result<usize> {
        let ids = self.spool.list()?;
        for id in &ids {
            let mut ticket = Ticket::take(id.clone(), &self.backlog);
            ticket.found_on_start = true;
            self.queue_ticket(ticket);
        }
        Ok(ids.len())
    }

    /// Runs `job` on a converter: the pool's, or (isolation off) a
    /// process of its own: what these jobs carry never runs in-process.
    fn with_converter<T>(
        &self,
        job: impl FnOnce(&crate::isolate::Pool) -> std::io::Result<T>,
    ) -> std::io::Result<T> {
        match &self.converters {
            Some(pool) => job(pool),
            None => job(&crate::isolate::Pool::new(
                std::env::current_exe()?,
                &self.config.sanitize,
                &self.config.tenant_policies(),
                1,
            )),
        }
    }

    /// Where mail of `tenant` goes: its own next hop, or the default.
    pub fn delivery_for(&self, tenant: Option<&crate::config::TenantConfig>) -> &Delivery {
        tenant
            .and_then(|t| self.tenant_delivery.get(&t.name))
            .map_or(&self.delivery, |d| d)
    }

    /// From now on, notices carry request links under `base` (the web
    /// page's public URL).
    pub fn enable_request_links(&self, base: &str) {
        let _ = self.link_base.set(base.trim_end_matches('/').to_string());
    }

    /// Queues one entry for a worker. (If the workers are gone the
    /// ticket comes back in the error and is dropped with it.)
    pub fn submit(&self, id: String) {
        self.queue_ticket(Ticket::take(id, &self.backlog));
    }

    fn queue_ticket(&self, ticket: Ticket) {
        if let Ok(jobs) = self.jobs.lock() {
            let _ = jobs.send(ticket);
        }
    }

    /// Queues an entry again at Unix time `when`.
    fn retry_at(self: &Arc<Self>, id: String, when: i64) {
        let wait = Duration::from_secs(when.saturating_sub(unix_now()).max(0) as u64);
        let pipeline = Arc::clone(self);
        self.runtime.spawn(async move {
            tokio::time::sleep(wait).await;
            if !pipeline.stopping.load(Ordering::SeqCst) {
                pipeline.submit(id);
            }
        });
    }

    fn begin_active(&self) {
        self.active.fetch_add(1, Ordering::SeqCst);
    }

    fn end_active(&self) {
        if self.active.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }

    /// Entries waiting for or inside a worker or a delivery.
    pub fn backlog(&self) -> usize {
        self.backlog.load(Ordering::SeqCst)
    }

    /// Stops taking new work and waits (at most `grace`) for the work in
    /// progress. Whatever is left stays in the spool for the next start.
    pub async fn shut_down(&self, grace: Duration) -> bool {
        self.stopping.store(true, Ordering::SeqCst);
        let drained = tokio::time::timeout(grace, async {
            loop {
                let notified = self.idle.notified();
                if self.active.load(Ordering::SeqCst) == 0 {
                    return;
                }
                notified.await;
            }
        })
        .await;
        // Audit lines of the deliveries just finished.
        self.recorder.flush().await;
        let counts = self.recorder.counts();
        tracing::info!(
            "recorded {} originals in {} rounds",
            counts.rows.load(Ordering::Relaxed),
            counts.rounds.load(Ordering::Relaxed)
        );
        drained.is_ok()
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}

impl Queue for Pipeline {
    fn accepted(&self, queue_id: String) {
        self.submit(queue_id);
    }

    fn is_full(&self) -> bool {
        self.backlog() >= self.config.queue.max_backlog
    }
}

pub(crate) use crate::units::unix_now;

/// Seconds since the Unix time `since`.
pub(crate) fn seconds_since(since: f64) -> f64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    (now - since).max(0.0)
}

/// When a message arrived, to the microsecond: queue ids begin with the
/// arrival time in microseconds (13 hex digits); `received_at` otherwise.
pub(crate) fn arrival(queue_id: &str, received_at: i64) -> f64 {
    queue_id
        .get(..13)
        .and_then(|hex| u64::from_str_radix(hex, 16).ok())
        .map(|micros| micros as f64 / 1e6)
        .filter(|t| (t - received_at as f64).abs() < 2.0)
        .unwrap_or(received_at as f64)
}
