//! After sanitizing: one delivery attempt for the pending recipients, the
//! per-recipient record, and what comes next: finished (entry removed),
//! retry later (state written, timer set), or reported to the postmaster
//! (permanent failure or past `max_queue_lifetime`).

use std::sync::Arc;

use super::{Pipeline, arrival, seconds_since, unix_now};
use crate::delivery::report::{self, PostmasterReport};
use crate::delivery::{Outcome, retry_wait};
use crate::spool::{DeliveryState, Envelope, RecipientStatus};

/// A sanitized message on its way out.
pub struct Job {
    pub id: String,
    pub envelope: Envelope,
    pub state: DeliveryState,
    pub sha256: String,
    pub message: Arc<Vec<u8>>,
}

pub async fn run(pipeline: &Arc<Pipeline>, job: Job) {
    let Job {
        id,
        envelope,
        mut state,
        sha256,
        message,
    } = job;
    let pending = state.pending();
    let outcomes = if pending.is_empty() {
        Vec::new()
    } else {
        pipeline
            .delivery
            .deliver(&envelope.sender, &pending, message)
            .await
    };
    let relay = pipeline.delivery.relay();
    let delay = seconds_since(arrival(&id, envelope.received_at));
    let mut newly_failed = Vec::new();
    for (address, outcome) in pending.iter().zip(outcomes) {
        let (status, text, word) = match outcome {
            Outcome::Sent(t) => (RecipientStatus::Sent, t, "sent"),
            Outcome::Deferred(t) => (RecipientStatus::Pending, t, "deferred"),
            Outcome::Failed(t) => (RecipientStatus::Failed, t, "failed"),
        };
        tracing::info!(
            queue_id = %id,
            "{id}: to=<{address}> relay={relay} delay={delay:.2} status={word} ({text})"
        );
        if let Some(r) = state.recipients.iter_mut().find(|r| &r.address == address) {
            r.status = status;
            r.last_response = Some(text);
            if status == RecipientStatus::Failed {
                newly_failed.push(r.clone());
            }
        }
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
        if envelope.generated {
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
                tokio::task::spawn_blocking(move || send_report(&pipeline2, &id2, report)).await;
        }
    }
    let pipeline2 = Arc::clone(pipeline);
    let _ = tokio::task::spawn_blocking(move || {
        if state.pending().is_empty() {
            finish(&pipeline2, &id);
        } else {
            defer(&pipeline2, &id, state);
        }
    })
    .await;
}

/// Spools a report for the postmaster and queues it (blocking).
pub fn send_report(pipeline: &Arc<Pipeline>, about: &str, mut report: PostmasterReport) {
    report.envelope.queue_id = pipeline.spool.new_id();
    let id = report.envelope.queue_id.clone();
    match pipeline.spool.inject(&report.envelope, &report.message) {
        Ok(()) => {
            tracing::info!(
                queue_id = %id,
                "{id}: from=<> size={} nrcpt=1 (report about {about} to the postmaster)",
                report.message.len()
            );
            pipeline.submit(id);
        }
        Err(e) => tracing::error!("{about}: cannot spool the postmaster report: {e}"),
    }
}

/// The entry is done: remove it from the spool (blocking).
pub fn finish(pipeline: &Pipeline, id: &str) {
    match pipeline.spool.remove(id) {
        Ok(()) => tracing::info!(queue_id = %id, "{id}: removed"),
        Err(e) => tracing::error!("{id}: cannot remove the spool entry: {e}"),
    }
    pipeline.done_with();
}

/// Some recipients must wait: record the state and set the timer (blocking).
fn defer(pipeline: &Arc<Pipeline>, id: &str, mut state: DeliveryState) {
    let wait = retry_wait(&pipeline.config.delivery.retry_schedule, state.attempts);
    state.next_attempt = unix_now() + wait.0 as i64;
    if let Err(e) = pipeline.spool.write_state(id, &state) {
        tracing::error!("{id}: cannot record the delivery state: {e}");
    }
    pipeline.done_with();
    pipeline.retry_at(id.to_string(), state.next_attempt);
}

/// Nothing could be attempted (e.g. the original could not be stored):
/// try the whole message again later (blocking).
pub fn defer_whole(pipeline: &Arc<Pipeline>, id: &str, mut state: DeliveryState, why: &str) {
    for r in state
        .recipients
        .iter_mut()
        .filter(|r| r.status == RecipientStatus::Pending)
    {
        r.last_response = Some(why.to_string());
    }
    state.attempts += 1;
    defer(pipeline, id, state);
}
