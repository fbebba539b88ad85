//! A sanitizer thread: reads a spool entry, stores its original, runs
//! the core, and passes the sanitized copy to delivery (or, when the core
//! refuses the message, reports it to the postmaster and ends the entry).

use std::io;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};

use super::{Pipeline, deliver, unix_now};
use crate::delivery::report;
use crate::sanitize::{self, Stamp};
use crate::spool::DeliveryState;

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
        if !state.original_stored {
            if let Err(e) = pipeline.originals.store(&sha256, &spool.path(&id)) {
                tracing::error!("{id}: cannot store the original: {e}");
                deliver::defer_whole(
                    pipeline,
                    &id,
                    state,
                    &format!("cannot store the original: {e}"),
                );
                return;
            }
            state.original_stored = true;
        }
        let stamp = Stamp {
            hostname: pipeline.config.smtp.hostname.clone(),
            received_at: envelope.received_at,
            queue_id: Some(id.clone()),
        };
        let size = spooled.message.len() as u64;
        match sanitize::sanitize_with_id(
            &spooled.message,
            sha256.clone(),
            size,
            &pipeline.config.sanitize,
            &stamp,
        ) {
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
                sanitized.message
            }
            Err(refused) => {
                let r = &refused.report;
                tracing::warn!(
                    queue_id = %id,
                    "{id}: refused reason={} detail=\"{}\" original={sha256}",
                    r.reason.map(|c| c.as_str()).unwrap_or("structure"),
                    r.detail.as_deref().unwrap_or(""),
                );
                let report = report::refused(&pipeline.config, &envelope, r, unix_now());
                deliver::send_report(pipeline, &id, report);
                deliver::finish(pipeline, &id);
                return;
            }
        }
    };
    let job = deliver::Job {
        id,
        envelope,
        state,
        sha256,
        message: Arc::new(message),
    };
    pipeline.begin_active();
    let pipeline2 = Arc::clone(pipeline);
    pipeline.runtime.spawn(async move {
        deliver::run(&pipeline2, job).await;
        drop(permit);
        pipeline2.end_active();
    });
}
