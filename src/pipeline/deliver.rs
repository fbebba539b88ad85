//! After sanitizing: one delivery attempt for the pending recipients, the
//! per-recipient record, and what comes next: finished (entry removed),
//! retry later (state written, timer set), or reported to the postmaster
//! (permanent failure or past `max_queue_lifetime`).

use std::sync::Arc;

use super::kept::{self, Copy};
use super::record::Pending;
use super::ticket::Ticket;
use super::{Pipeline, arrival, report, seconds_since, unix_now};
use crate::audit::Event;
use crate::delivery::{Outcome, retry_wait};
use crate::sanitize::Sanitized;
use crate::spool::{DeliveryState, Envelope, Origin, RecipientStatus};

/// A sanitized message on its way out.
pub struct Job {
    /// The entry's place in the backlog, given back when its turn ends.
    pub ticket: Ticket,
    pub envelope: Envelope,
    pub state: DeliveryState,
    pub sha256: String,
    /// One copy for every recipient (unused when `links` is set).
    pub message: Arc<Vec<u8>>,
    /// The notice carries a request link: one copy per recipient.
    pub links: Option<Links>,
    /// The original's row, queued with the recorder on this turn: the
    /// entry stays in the spool until it is in.
    pub indexed: Option<Pending>,
}

/// What is needed to make each recipient's copy.
pub struct Links {
    pub sanitized: Arc<Sanitized>,
    pub placeholder: String,
}

pub async fn run(pipeline: &Arc<Pipeline>, job: Job) {
    let Job {
        ticket,
        envelope,
        mut state,
        sha256,
        message,
        links,
        indexed,
    } = job;
    let id = ticket.id().to_string();
    let pending = state.pending();
    let tenant = pipeline.config.tenant_of(&envelope.recipients);
    let tenant_name = crate::config::Config::tenant_name(tenant);
    let delivery = pipeline.delivery_for(tenant);
    // Kept for a retry (internet mail only: the rest is not converted).
    let copy = (envelope.origin == Origin::Received).then(|| match &links {
        Some(links) => Copy::Links(Arc::clone(&links.sanitized)),
        None => Copy::One(Arc::clone(&message)),
    });
    let outcomes = match links {
        _ if pending.is_empty() => Vec::new(),
        None => delivery.deliver(&envelope.sender, &pending, message).await,
        Some(links) => {
            let mut outcomes = Vec::with_capacity(pending.len());
            for recipient in &pending {
                let copy = Arc::new(links.sanitized.with_link(
                    &links.placeholder,
                    &request_link(pipeline, &id, &envelope, recipient),
                ));
                let mut one = delivery
                    .deliver(&envelope.sender, std::slice::from_ref(recipient), copy)
                    .await;
                outcomes.push(one.pop().unwrap_or(Outcome::Deferred(
                    "no answer from the delivery agent".into(),
                )));
            }
            outcomes
        }
    };
    let relay = delivery.relay();
    let delay = seconds_since(arrival(&id, envelope.received_at));
    let mut newly_failed = Vec::new();
    let mut delivered = Vec::new();
    for (address, outcome) in pending.iter().zip(outcomes) {
        let (status, text, word) = match outcome {
            Outcome::Sent(t) => (RecipientStatus::Sent, t, "sent"),
            Outcome::Deferred(t) => (RecipientStatus::Pending, t, "deferred"),
            Outcome::Failed(t) => (RecipientStatus::Failed, t, "failed"),
        };
        crate::metrics::global().delivery(tenant_name, word);
        tracing::info!(
            queue_id = %id,
            "{id}: to=<{address}> relay={relay} delay={delay:.2} status={word} ({text})"
        );
        if status == RecipientStatus::Sent {
            let event = tenant_line(
                Event::new("delivered", "mugai").with("recipient", address.as_str()),
                tenant,
            );
            match &envelope.origin {
                Origin::Received => delivered.push(event.id(&id)),
                Origin::Release { of } => delivered.push(event.id(of).with("release", id.as_str())),
                Origin::Unlocked { of } => {
                    delivered.push(event.id(of).with("unlocked", id.as_str()))
                }
                Origin::Report => {}
            }
        }
        if let Some(r) = state.recipients.iter_mut().find(|r| &r.address == address) {
            r.status = status;
            r.last_response = Some(text);
            if status == RecipientStatus::Failed {
                newly_failed.push(r.clone());
            }
        }
    }
    if !delivered.is_empty() {
        pipeline.recorder.note(delivered);
    }
    state.attempts += 1;
    let lifetime = pipeline.config.delivery.max_queue_lifetime.0 as i64;
    let expired = unix_now() - envelope.received_at >= lifetime;
    if expired {
        for r in state
            .recipients
            .iter_mut()
            .filter(|r| r.status == RecipientStatus::Pending)
        {
            r.status = RecipientStatus::Failed;
            crate::metrics::global().delivery(tenant_name, "expired");
            tracing::warn!(
                queue_id = %id,
                "{id}: to=<{}> relay={relay} delay={delay:.2} status=expired (gave up after {})",
                r.address,
                pipeline.config.delivery.max_queue_lifetime
            );
            newly_failed.push(r.clone());
        }
    }
    if !newly_failed.is_empty() {
        if let Some(original) = envelope.origin.made_from() {
            let (what, event, field) = match envelope.origin {
                Origin::Release { .. } => ("released original", "release-failed", "release"),
                _ => ("unlocked copy of", "unlocked-failed", "unlocked"),
            };
            for r in &newly_failed {
                tracing::error!(
                    "{id}: {what} {original} could not be delivered to <{}>",
                    r.address
                );
                pipeline.recorder.note(vec![
                    Event::new(event, "mugai")
                        .id(original)
                        .with(field, id.as_str())
                        .with("recipient", r.address.as_str())
                        .with("response", r.last_response.clone().unwrap_or_default()),
                ]);
            }
        } else if envelope.origin == Origin::Report {
            tracing::error!("{id}: postmaster report could not be delivered; dropped");
        } else {
            let report = report::undeliverable(
                &pipeline.config,
                &envelope,
                &newly_failed,
                Some(&sha256),
                unix_now(),
            );
            let pipeline2 = Arc::clone(pipeline);
            let id2 = id.clone();
            let _ =
                tokio::task::spawn_blocking(move || report::send(&pipeline2, &id2, report)).await;
        }
    }
    // Usually in long ago: the recorder wrote it while we delivered.
    let recorded = match indexed {
        Some(pending) => pending
            .await
            .unwrap_or_else(|_| Err("the recorder has stopped".into())),
        None => Ok(()),
    };
    let mut copy = copy;
    if let Err(e) = &recorded {
        // Stored and indexed again at the retry (delivered recipients
        // stay delivered).
        tracing::error!("{id}: the original is not recorded yet: {e}");
        state.original_stored = false;
        copy = None;
    }
    let pipeline2 = Arc::clone(pipeline);
    let _ = tokio::task::spawn_blocking(move || {
        if state.pending().is_empty() && recorded.is_ok() {
            finish(&pipeline2, ticket, state.side_files);
        } else {
            defer(&pipeline2, ticket, state, copy);
        }
    })
    .await;
}

/// The entry is done: remove it from the spool (blocking).
fn finish(pipeline: &Pipeline, ticket: Ticket, side_files: bool) {
    let id = ticket.id();
    match pipeline.spool.remove(id, side_files) {
        Ok(()) => tracing::info!(queue_id = %id, "{id}: removed"),
        Err(e) => tracing::error!("{id}: cannot remove the spool entry: {e}"),
    }
}

/// Some recipients must wait: keep the sanitized copy for the retry,
/// record the state and set the timer (blocking). The ticket ends here;
/// the retry takes a new one.
fn defer(pipeline: &Arc<Pipeline>, ticket: Ticket, mut state: DeliveryState, copy: Option<Copy>) {
    let id = ticket.id().to_string();
    drop(ticket);
    if let Some(copy) = copy
        && let Err(e) = kept::save(pipeline, &id, &copy)
    {
        tracing::warn!("{id}: cannot keep the sanitized copy ({e}); the retry converts again");
    }
    state.side_files = true;
    let wait = retry_wait(&pipeline.config.delivery.retry_schedule, state.attempts);
    state.next_attempt = unix_now() + wait.0 as i64;
    if let Err(e) = pipeline.spool.write_state(&id, &state) {
        tracing::error!("{id}: cannot record the delivery state: {e}");
    }
    pipeline.retry_at(id, state.next_attempt);
}

/// Nothing could be attempted (e.g. the original could not be stored):
/// try the whole message again later (blocking).
pub fn defer_whole(pipeline: &Arc<Pipeline>, ticket: Ticket, mut state: DeliveryState, why: &str) {
    for r in state
        .recipients
        .iter_mut()
        .filter(|r| r.status == RecipientStatus::Pending)
    {
        r.last_response = Some(why.to_string());
    }
    state.attempts += 1;
    defer(pipeline, ticket, state, None);
}

/// `recipient`'s own link to request the original of entry `id`: valid as
/// long as `request_link_lifetime` and the retention allow, from receipt.
fn request_link(pipeline: &Pipeline, id: &str, envelope: &Envelope, recipient: &str) -> String {
    let tenant = pipeline.config.tenant_of(&envelope.recipients);
    link_for(pipeline, id, envelope.received_at, tenant, recipient)
}

/// The request link of message `id`, received at `received_at`, for
/// `recipient` of `tenant`.
pub fn link_for(
    pipeline: &Pipeline,
    id: &str,
    received_at: i64,
    tenant: Option<&crate::config::TenantConfig>,
    recipient: &str,
) -> String {
    let config = &pipeline.config;
    let lifetime = config
        .admin
        .request_link_lifetime
        .0
        .min(u64::from(config.quarantine.retention_days) * 86400);
    let expires = received_at + lifetime as i64;
    let token = pipeline.quarantine.signer.token(id, recipient, expires);
    // A tenant's own address for its staff, or the page's.
    let base = tenant
        .and_then(|t| t.public_url.as_deref())
        .map(|url| url.trim_end_matches('/'))
        .or(pipeline.link_base.get().map(String::as_str))
        .unwrap_or("");
    format!("{base}/r/{token}")
}

/// `event` marked with its tenant, when it has one: a tenant's staff see
/// only lines so marked (single-tenant lines stay as they were).
pub fn tenant_line(event: Event, tenant: Option<&crate::config::TenantConfig>) -> Event {
    event.tenant(crate::config::Config::tenant_name(tenant))
}
