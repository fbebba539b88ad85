//! A sanitizer thread: reads a spool entry, stores its original, runs
//! the core, indexes the original with its report, and passes the
//! sanitized copy to delivery (or, when the core refuses the message,
//! reports it to the postmaster and ends the entry). The entry leaves the
//! spool only after the original is stored and indexed.

use std::io;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};

use super::{Pipeline, convert, deliver, unix_now};
use crate::audit::Event;
use crate::delivery::report;
use crate::quarantine::NewMessage;
use crate::sanitize::{self, Report, Stamp};
use crate::spool::{DeliveryState, Envelope};

pub fn run(pipeline: Arc<Pipeline>, jobs: Arc<Mutex<Receiver<String>>>) {
    loop {
        let next = match jobs.lock() {
            Ok(jobs) => jobs.recv(),
            Err(_) => return,
        };
        let Ok(id) = next else { return };
        if pipeline.stopping() {
            // Left in the spool for the next start.
            pipeline.done_with();
            continue;
        }
        pipeline.begin_active();
        process(&pipeline, id);
        pipeline.end_active();
    }
}

fn process(pipeline: &Arc<Pipeline>, id: String) {
    let spool = &pipeline.spool;
    let spooled = match spool.read(&id) {
        Ok(spooled) => spooled,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            pipeline.done_with();
            return;
        }
        Err(e) => {
            match spool.set_aside(&id) {
                Ok(path) => tracing::error!(
                    "{id}: unreadable spool entry ({e}), moved to {}",
                    path.display()
                ),
                Err(e2) => tracing::error!(
                    "{id}: unreadable spool entry ({e}), cannot move it aside: {e2}"
                ),
            }
            pipeline.done_with();
            return;
        }
    };
    let mut state = match spool.read_state(&id) {
        Ok(Some(state)) => state,
        Ok(None) => DeliveryState::fresh(&spooled.envelope),
        Err(e) => {
            tracing::warn!("{id}: unreadable delivery state ({e}), starting over");
            DeliveryState::fresh(&spooled.envelope)
        }
    };
    // A delivery slot first: bounds the sanitized copies held in memory.
    let permit = match pipeline
        .runtime
        .block_on(Arc::clone(&pipeline.delivery_slots).acquire_owned())
    {
        Ok(permit) => permit,
        Err(_) => {
            pipeline.done_with();
            return;
        }
    };
    let envelope = spooled.envelope;
    let sha256 = spooled.sha256;
    let message = if envelope.generated {
        spooled.message
    } else {
        // `original_stored` is set once the original is stored and indexed.
        if !state.original_stored
            && let Err(e) = pipeline.quarantine.store.store(&sha256, &spool.path(&id))
        {
            tracing::error!("{id}: cannot store the original: {e}");
            deliver::defer_whole(
                pipeline,
                &id,
                state,
                &format!("cannot store the original: {e}"),
            );
            return;
        }
        // Derived from the original's hash: the sender cannot write it.
        let placeholder = pipeline
            .link_base
            .get()
            .map(|_| format!("MUGAI_REQUEST_LINK_{}", sha256.get(..32).unwrap_or("0")));
        let stamp = Stamp {
            hostname: pipeline.config.smtp.hostname.clone(),
            received_at: envelope.received_at,
            queue_id: Some(id.clone()),
            request_link: placeholder.clone(),
        };
        let converted =
            convert::convert(pipeline, &id, &spooled.message, &sha256, &stamp, &mut state);
        let converted = match converted {
            Ok(converted) => converted,
            Err(e) => {
                // No converter could run at all (out of processes, memory):
                // not this message's fault; it waits in the spool.
                tracing::error!("{id}: cannot run a converter: {e}");
                deliver::defer_whole(
                    pipeline,
                    &id,
                    state,
                    &format!("cannot run a converter: {e}"),
                );
                return;
            }
        };
        match converted {
            Ok(sanitized) => {
                let r = &sanitized.report;
                let removed = r
                    .parts
                    .iter()
                    .filter(|p| {
                        p.action == sanitize::PartAction::Removed
                            && p.reason.is_none_or(|r| r.is_notable())
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
                if !state.original_stored {
                    let text = placeholder
                        .as_deref()
                        .map(|p| sanitized.text.replacen(p, "(link)", 1));
                    let text = text.as_deref().unwrap_or(&sanitized.text);
                    if let Err(e) = index(pipeline, &id, &envelope, &sha256, r, text) {
                        deliver::defer_whole(pipeline, &id, state, &e);
                        return;
                    }
                    state.original_stored = true;
                }
                let job = sanitized_job(id, envelope, state, sha256, sanitized, placeholder);
                return start_delivery(pipeline, job, permit);
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
                    if let Err(e) = index(pipeline, &id, &envelope, &sha256, r, "") {
                        deliver::defer_whole(pipeline, &id, state, &e);
                        return;
                    }
                    let report = report::refused(&pipeline.config, &envelope, r, unix_now());
                    deliver::send_report(pipeline, &id, report);
                    state.original_stored = true;
                }
                // Each recipient learns that mail arrived and how to ask
                // for it: a notice-only message in place of the mail.
                let notice =
                    sanitize::notice_only(&spooled.message, r, &pipeline.config.sanitize, &stamp);
                let job = sanitized_job(id, envelope, state, sha256, notice, placeholder);
                return start_delivery(pipeline, job, permit);
            }
        }
    };
    let job = deliver::Job {
        id,
        envelope,
        state,
        sha256,
        message: Arc::new(message),
        links: None,
    };
    start_delivery(pipeline, job, permit);
}

/// A delivery job for a sanitized message (or a notice-only one). With a
/// request link in its notice each recipient gets their own copy (made at
/// delivery); otherwise one copy serves all.
fn sanitized_job(
    id: String,
    envelope: Envelope,
    state: DeliveryState,
    sha256: String,
    sanitized: sanitize::Sanitized,
    placeholder: Option<String>,
) -> deliver::Job {
    let (message, links) = match placeholder {
        Some(placeholder) if sanitized.text.contains(&placeholder) => (
            Arc::new(Vec::new()),
            Some(deliver::Links {
                sanitized: Arc::new(sanitized),
                placeholder,
            }),
        ),
        _ => (Arc::new(sanitized.message), None),
    };
    deliver::Job {
        id,
        envelope,
        state,
        sha256,
        message,
        links,
    }
}

fn start_delivery(
    pipeline: &Arc<Pipeline>,
    job: deliver::Job,
    permit: tokio::sync::OwnedSemaphorePermit,
) {
    pipeline.begin_active();
    let pipeline2 = Arc::clone(pipeline);
    pipeline.runtime.spawn(async move {
        deliver::run(&pipeline2, job).await;
        drop(permit);
        pipeline2.end_active();
    });
}

/// Records the kept original in the index and the audit log (blocking).
fn index(
    pipeline: &Pipeline,
    id: &str,
    envelope: &Envelope,
    sha256: &str,
    report: &Report,
    sanitized_text: &str,
) -> Result<(), String> {
    let q = &pipeline.quarantine;
    let new = NewMessage {
        id,
        received_at: envelope.received_at,
        sender: &envelope.sender,
        recipients: &envelope.recipients,
        to: report.to.as_deref().unwrap_or(""),
        sha256,
        report,
        sanitized_text,
    };
    let inserted = pipeline
        .runtime
        .block_on(q.index.insert(&new))
        .map_err(|e| {
            tracing::error!("{id}: cannot index the original: {e}");
            format!("cannot index the original: {e}")
        })?;
    if inserted {
        q.note(
            Event::new("received", "mugai")
                .id(id)
                .with("sender", envelope.sender.as_str())
                .with("recipients", envelope.recipients.clone())
                .with("client", envelope.client.as_str())
                .with("size", report.original_size)
                .with("sha256", sha256),
        );
        let event = match report.outcome {
            sanitize::Outcome::Refused => Event::new("refused", "mugai").with(
                "reason",
                report.reason.map(|c| c.as_str()).unwrap_or("structure"),
            ),
            _ => Event::new("sanitized", "mugai").with("actions", report.actions_header()),
        };
        q.note(event.id(id));
    }
    Ok(())
}
