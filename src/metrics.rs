//! What operators watch, in Prometheus' text format at `/metrics` on the
//! web page's listener: messages accepted, sanitized and refused (by
//! reason), attachment parts by action, deliveries by outcome, the queue
//! and its backlog, and how long conversions take. Every series has a
//! `tenant` label (`default` while one deployment serves one tenant).
//!
//! One set per process ([`global`]): the relay's stages count into it as
//! they go; the queue's sizes are read when the page is scraped.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::sanitize::{PartAction, Report};

/// The tenant label of a single-tenant deployment.
pub use crate::config::DEFAULT_TENANT;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Tenant {
    tenant: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Reason {
    tenant: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Action {
    tenant: String,
    action: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryOutcome {
    tenant: String,
    outcome: String,
}

/// The queue's sizes when scraped: entries in the spool, and those among
/// them waiting for or inside a worker or a delivery now.
pub struct QueueSizes {
    pub spooled: i64,
    pub backlog: i64,
}

type QueueProbe = Box<dyn Fn() -> QueueSizes + Send + Sync>;

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    received: Family<Tenant, Counter>,
    sanitized: Family<Tenant, Counter>,
    refused: Family<Reason, Counter>,
    parts: Family<Action, Counter>,
    deliveries: Family<DeliveryOutcome, Counter>,
    conversion: Family<Tenant, Histogram>,
    spooled: Gauge,
    backlog: Gauge,
    probe: Mutex<Option<QueueProbe>>,
}

/// The metrics of this process.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

fn tenant(name: &str) -> Tenant {
    Tenant {
        tenant: name.to_string(),
    }
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("mugai");
        let received = Family::<Tenant, Counter>::default();
        let sanitized = Family::<Tenant, Counter>::default();
        let refused = Family::<Reason, Counter>::default();
        let parts = Family::<Action, Counter>::default();
        let deliveries = Family::<DeliveryOutcome, Counter>::default();
        // 1 ms to about a minute, doubling.
        let conversion = Family::<Tenant, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.0, 17))
        });
        let spooled = Gauge::default();
        let backlog = Gauge::default();
        registry.register(
            "messages_received",
            "Messages accepted (250 after DATA: fsynced to the spool)",
            received.clone(),
        );
        registry.register(
            "messages_sanitized",
            "Messages turned into their sanitized copy",
            sanitized.clone(),
        );
        registry.register(
            "messages_refused",
            "Messages refused whole, by reason (the postmaster is told)",
            refused.clone(),
        );
        registry.register(
            "parts",
            "MIME parts of sanitized messages, by what was done to them",
            parts.clone(),
        );
        registry.register(
            "deliveries",
            "Delivery attempts per recipient to the next hop, by outcome",
            deliveries.clone(),
        );
        registry.register(
            "conversion_seconds",
            "Time to sanitize one message (converter round trip included)",
            conversion.clone(),
        );
        registry.register(
            "queue_messages",
            "Messages in the spool (waiting, being worked on, or deferred)",
            spooled.clone(),
        );
        registry.register(
            "backlog_messages",
            "Messages waiting for or inside a worker or a delivery",
            backlog.clone(),
        );
        Metrics {
            registry,
            received,
            sanitized,
            refused,
            parts,
            deliveries,
            conversion,
            spooled,
            backlog,
            probe: Mutex::new(None),
        }
    }

    /// A message accepted with `250`.
    pub fn received(&self, tenant_name: &str) {
        self.received.get_or_create(&tenant(tenant_name)).inc();
    }

    /// A message converted for the first time (a retry delivering the
    /// kept copy is not counted again): its outcome, its parts, its time.
    pub fn converted(&self, tenant_name: &str, report: &Report, took: Duration, refused: bool) {
        let label = tenant(tenant_name);
        self.conversion
            .get_or_create(&label)
            .observe(took.as_secs_f64());
        if refused {
            let reason = report.reason.map_or("structure", |r| r.as_str());
            self.refused
                .get_or_create(&Reason {
                    tenant: label.tenant,
                    reason: reason.to_string(),
                })
                .inc();
            return;
        }
        self.sanitized.get_or_create(&label).inc();
        for part in &report.parts {
            self.parts
                .get_or_create(&Action {
                    tenant: label.tenant.clone(),
                    action: action_name(part.action).to_string(),
                })
                .inc();
        }
    }

    /// One recipient's delivery attempt: `sent`, `deferred`, `failed` or
    /// `expired`.
    pub fn delivery(&self, tenant_name: &str, outcome: &str) {
        self.deliveries
            .get_or_create(&DeliveryOutcome {
                tenant: tenant_name.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// Where the queue's sizes come from (set once the pipeline runs).
    pub fn set_queue_probe(&self, probe: impl Fn() -> QueueSizes + Send + Sync + 'static) {
        if let Ok(mut slot) = self.probe.lock() {
            *slot = Some(Box::new(probe));
        }
    }

    /// Everything, in Prometheus' text format.
    pub fn render(&self) -> String {
        if let Ok(probe) = self.probe.lock()
            && let Some(probe) = probe.as_ref()
        {
            let sizes = probe();
            self.spooled.set(sizes.spooled);
            self.backlog.set(sizes.backlog);
        }
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

fn action_name(action: PartAction) -> &'static str {
    match action {
        PartAction::Kept => "kept",
        PartAction::Converted => "converted",
        PartAction::Removed => "removed",
    }
}
