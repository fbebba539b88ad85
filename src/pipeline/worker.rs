//! A worker thread: the scheduling half of a message's turn. It takes a
//! queued entry's ticket, reads the entry and its delivery state, waits
//! for a delivery slot (bounding the sanitized copies held in memory),
//! has the entry cleaned when it is internet mail ([`clean`]) and starts
//! its delivery. Reports and released originals go out as they are.
//!
//! [`clean`]: super::clean

use std::io;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};

use super::ticket::Ticket;
use super::{Pipeline, clean, deliver};
use crate::spool::{DeliveryState, Origin};

pub fn run(pipeline: Arc<Pipeline>, jobs: Arc<Mutex<Receiver<Ticket>>>) {
    loop {
        let next = match jobs.lock() {
            Ok(jobs) => jobs.recv(),
            Err(_) => return,
        };
        let Ok(ticket) = next else { return };
        if pipeline.stopping() {
            // Left in the spool for the next start.
            continue;
        }
        pipeline.begin_active();
        process(&pipeline, ticket);
        pipeline.end_active();
    }
}

fn process(pipeline: &Arc<Pipeline>, ticket: Ticket) {
    let spool = &pipeline.spool;
    let id = ticket.id();
    let spooled = match spool.read(id) {
        Ok(spooled) => spooled,
        // Finished by an earlier turn (a resubmitted id).
        Err(e) if e.kind() == io::ErrorKind::NotFound => return,
        Err(e) => {
            match spool.set_aside(id) {
                Ok(path) => tracing::error!(
                    "{id}: unreadable spool entry ({e}), moved to {}",
                    path.display()
                ),
                Err(e2) => tracing::error!(
                    "{id}: unreadable spool entry ({e}), cannot move it aside: {e2}"
                ),
            }
            return;
        }
    };
    // A crash between the first line's patch and the file's fsync (the
    // message never got `250`) can leave bytes that do not match it.
    if ticket.found_on_start && crate::sanitize::original_id(&spooled.message) != spooled.sha256 {
        match spool.set_aside(id) {
            Ok(path) => tracing::error!(
                "{id}: its bytes do not match its first line (written when the relay stopped, never acknowledged); moved to {}",
                path.display()
            ),
            Err(e) => tracing::error!("{id}: damaged spool entry, cannot move it aside: {e}"),
        }
        return;
    }
    let mut state = match spool.read_state(id) {
        Ok(Some(state)) => state,
        Ok(None) => DeliveryState::fresh(&spooled.envelope),
        Err(e) => {
            tracing::warn!("{id}: unreadable delivery state ({e}), starting over");
            let mut state = DeliveryState::fresh(&spooled.envelope);
            state.side_files = true;
            state
        }
    };
    // The entry's own slot counts conversions the relay died in.
    state.conversions_unfinished = state
        .conversions_unfinished
        .max(spooled.conversions_unfinished.unwrap_or(0));
    // A delivery slot first: bounds the sanitized copies held in memory.
    let Ok(permit) = pipeline
        .runtime
        .block_on(Arc::clone(&pipeline.delivery_slots).acquire_owned())
    else {
        return;
    };
    let job = match spooled.envelope.origin {
        Origin::Received => match clean::clean(pipeline, ticket, spooled, state) {
            Some(job) => job,
            None => return,
        },
        Origin::Report | Origin::Release { .. } | Origin::Unlocked { .. } => deliver::Job {
            ticket,
            envelope: spooled.envelope,
            state,
            sha256: spooled.sha256,
            message: Arc::new(spooled.message),
            indexed: None,
            links: None,
        },
    };
    pipeline.begin_active();
    let pipeline2 = Arc::clone(pipeline);
    pipeline.runtime.spawn(async move {
        deliver::run(&pipeline2, job).await;
        drop(permit);
        pipeline2.end_active();
    });
}
