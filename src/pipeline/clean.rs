//! The cleaning half of an internet message's turn, in the order that
//! keeps every guarantee: store the original (nothing is converted that
//! is not kept), convert it in a converter process ([`convert`]), index
//! the original with its report (and, for a refused message, tell the
//! postmaster once), then hand back the delivery job: the sanitized copy,
//! or for a refused message the notice-only message. Any step that cannot
//! be done now defers the whole entry to a retry.
//!
//! Storing links the spool file and indexing queues the row with the
//! [`recorder`]: neither waits for the disk. The recorder makes the
//! original durable and commits its row, a round at a time, while the
//! message is delivered; the entry leaves the spool only after both.
//!
//! [`convert`]: super::convert
//! [`recorder`]: super::record

use std::sync::Arc;

use super::deliver::tenant_line;
use super::kept::{self, Copy};
use super::record::Pending;
use super::ticket::Ticket;
use super::{Pipeline, auto_unlock, convert, deliver, report, snapshot, unix_now};
use crate::audit::Event;
use crate::quarantine::NewMessage;
use crate::sanitize::{self, Report, Stamp};
use crate::spool::{DeliveryState, Envelope, SpooledMessage};

/// Cleans one received entry; `None` when it was deferred.
pub fn clean(
    pipeline: &Arc<Pipeline>,
    ticket: Ticket,
    spooled: SpooledMessage,
    mut state: DeliveryState,
) -> Option<deliver::Job> {
    let id = ticket.id().to_string();
    let SpooledMessage {
        envelope,
        sha256,
        message: original,
        slot,
        ..
    } = spooled;
    let config = &pipeline.config;
    let tenant = config.tenant_of(&envelope.recipients);
    // `original_stored` is set once the original is stored and indexed.
    if !state.original_stored
        && let Some(files) = pipeline.quarantine.store.files()
        && let Err(e) = files.link(
            &sha256,
            &pipeline.spool.path(&id),
            Some(envelope.received_at),
        )
    {
        tracing::error!("{id}: cannot store the original: {e}");
        let why = format!("cannot store the original: {e}");
        deliver::defer_whole(pipeline, ticket, state, &why);
        return None;
    }
    // Derived from the original's hash: the sender cannot write it.
    let placeholder = pipeline
        .link_base
        .get()
        .map(|_| format!("MUGAI_REQUEST_LINK_{}", sha256.get(..32).unwrap_or("0")));
    // A retry delivers the copy made the first time, under this policy.
    if state.original_stored
        && let Some(copy) = kept::load(pipeline, &id)
    {
        tracing::info!(queue_id = %id, "{id}: delivering the kept sanitized copy");
        return Some(job(
            ticket,
            envelope,
            state,
            sha256,
            copy,
            placeholder,
            None,
        ));
    }
    let stamp = Stamp {
        hostname: pipeline.config.smtp.hostname.clone(),
        received_at: envelope.received_at,
        queue_id: Some(id.clone()),
        request_link: placeholder.clone(),
    };
    let first_conversion = !state.original_stored;
    let started = std::time::Instant::now();
    let to_convert = convert::Original {
        id: &id,
        bytes: &original,
        sha256: &sha256,
        tenant,
    };
    let converted = match convert::convert(pipeline, &to_convert, &stamp, &mut state, slot.as_ref())
    {
        Ok(Ok(sanitized)) => Ok(snapshot::add(pipeline, &to_convert, &stamp, sanitized)),
        Ok(refused) => refused,
        Err(e) => {
            // No converter could run at all (out of processes, memory):
            // not this message's fault; it waits in the spool.
            tracing::error!("{id}: cannot run a converter: {e}");
            let why = format!("cannot run a converter: {e}");
            deliver::defer_whole(pipeline, ticket, state, &why);
            return None;
        }
    };
    if first_conversion {
        let (report, refused) = match &converted {
            Ok(sanitized) => (&sanitized.report, false),
            Err(refused) => (refused.report.as_ref(), true),
        };
        crate::metrics::global().converted(
            crate::config::Config::tenant_name(tenant),
            report,
            started.elapsed(),
            refused,
        );
    }
    let mut indexed = None;
    let delivered = match converted {
        Ok(sanitized) => {
            log_sanitized(&id, &sha256, &sanitized.report);
            if !state.original_stored {
                let text = placeholder
                    .as_deref()
                    .map(|p| sanitized.text.replacen(p, "(link)", 1));
                let text = text.as_deref().unwrap_or(&sanitized.text);
                match index(pipeline, &id, &envelope, &sha256, &sanitized.report, text) {
                    Ok(pending) => indexed = Some(pending),
                    Err(e) => {
                        deliver::defer_whole(pipeline, ticket, state, &e);
                        return None;
                    }
                }
                // A password line may open the sender's earlier PPAP mail.
                auto_unlock::spawn(pipeline, &id, &envelope, &sanitized.text);
            }
            sanitized
        }
        Err(refused) => {
            let r = &refused.report;
            tracing::warn!(
                queue_id = %id,
                "{id}: refused reason={} detail=\"{}\" original={sha256}",
                r.reason.map(|c| c.as_str()).unwrap_or("structure"),
                r.detail.as_deref().unwrap_or(""),
            );
            // The first time through: index the original and tell the
            // postmaster (a resumed entry has done both).
            if !state.original_stored {
                // Recorded before the postmaster is told (he is told once).
                let recorded = index(pipeline, &id, &envelope, &sha256, r, "").and_then(|p| {
                    p.blocking_recv()
                        .unwrap_or_else(|_| Err("the recorder has stopped".into()))
                });
                if let Err(e) = recorded {
                    deliver::defer_whole(pipeline, ticket, state, &e);
                    return None;
                }
                let report = report::refused(&pipeline.config, &envelope, r, unix_now());
                report::send(pipeline, &id, report);
            }
            // Each recipient learns that mail arrived and how to ask for
            // it: a notice-only message in place of the mail.
            sanitize::notice_only(&original, r, config.policy_for(tenant), &stamp)
        }
    };
    state.original_stored = true;
    let copy = match &placeholder {
        Some(placeholder) if delivered.text.contains(placeholder.as_str()) => {
            Copy::Links(Arc::new(delivered))
        }
        _ => Copy::One(Arc::new(delivered.message)),
    };
    Some(job(
        ticket,
        envelope,
        state,
        sha256,
        copy,
        placeholder,
        indexed,
    ))
}

fn log_sanitized(id: &str, sha256: &str, r: &Report) {
    let removed = r
        .parts
        .iter()
        .filter(|p| {
            p.action == sanitize::PartAction::Removed && p.reason.is_none_or(|r| r.is_notable())
        })
        .count();
    let converted = r
        .parts
        .iter()
        .filter(|p| p.kinds.is_some() && p.action == sanitize::PartAction::Converted)
        .count();
    tracing::info!(
        queue_id = %id,
        "{id}: sanitized actions={} parts_converted={converted} parts_removed={removed} original={sha256}",
        r.actions_header().replace(' ', ","),
    );
}

/// A delivery job for a sanitized message (or a notice-only one). With a
/// request link in its notice each recipient gets their own copy (made at
/// delivery); otherwise one copy serves all.
fn job(
    ticket: Ticket,
    envelope: Envelope,
    state: DeliveryState,
    sha256: String,
    copy: Copy,
    placeholder: Option<String>,
    indexed: Option<Pending>,
) -> deliver::Job {
    let (message, links) = match (copy, placeholder) {
        (Copy::Links(sanitized), Some(placeholder)) => (
            Arc::new(Vec::new()),
            Some(deliver::Links {
                sanitized,
                placeholder,
            }),
        ),
        (Copy::Links(sanitized), None) => (Arc::new(sanitized.message.clone()), None),
        (Copy::One(message), _) => (message, None),
    };
    deliver::Job {
        ticket,
        envelope,
        state,
        sha256,
        message,
        links,
        indexed,
    }
}

/// Queues the kept original's row and its audit lines with the recorder.
fn index(
    pipeline: &Pipeline,
    id: &str,
    envelope: &Envelope,
    sha256: &str,
    report: &Report,
    sanitized_text: &str,
) -> Result<Pending, String> {
    let tenant = pipeline.config.tenant_of(&envelope.recipients);
    let new = NewMessage {
        id,
        received_at: envelope.received_at,
        sender: &envelope.sender,
        recipients: &envelope.recipients,
        to: report.to.as_deref().unwrap_or(""),
        sha256,
        report,
        sanitized_text,
        tenant: crate::config::Config::tenant_name(tenant),
    };
    let row = new.row().map_err(|e| {
        tracing::error!("{id}: cannot index the original: {e}");
        format!("cannot index the original: {e}")
    })?;
    let received = Event::new("received", "mugai")
        .id(id)
        .with("sender", envelope.sender.as_str())
        .with("recipients", envelope.recipients.clone())
        .with("client", envelope.client.as_str())
        .with("size", report.original_size)
        .with("sha256", sha256);
    let outcome = match report.outcome {
        sanitize::Outcome::Refused => Event::new("refused", "mugai").with(
            "reason",
            report.reason.map(|c| c.as_str()).unwrap_or("structure"),
        ),
        _ => Event::new("sanitized", "mugai").with("actions", report.actions_header()),
    };
    Ok(pipeline.recorder.row(
        row,
        pipeline.spool.path(id),
        vec![
            tenant_line(received, tenant),
            tenant_line(outcome.id(id), tenant),
        ],
    ))
}
