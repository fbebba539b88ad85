//! A spool entry's place in the backlog. [`Pipeline::submit`] takes one
//! for each entry it queues; whatever ends the entry's turn (finished,
//! deferred to a retry, set aside, left for the next start) drops it, and
//! the drop gives the place back. No path can forget to, and a panic in a
//! worker cannot leak a place and slowly turn ingress into `451`.
//!
//! [`Pipeline::submit`]: super::Pipeline::submit

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Ticket {
    id: String,
    backlog: Arc<AtomicUsize>,
    /// The entry was found in the spool on start: its bytes are checked
    /// against its first line before use.
    pub found_on_start: bool,
}

impl Ticket {
    /// Counts one more entry in `backlog` until the ticket is dropped.
    pub fn take(id: String, backlog: &Arc<AtomicUsize>) -> Ticket {
        backlog.fetch_add(1, Ordering::SeqCst);
        Ticket {
            id,
            backlog: Arc::clone(backlog),
            found_on_start: false,
        }
    }

    /// The spool entry's queue id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.backlog.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_place_is_given_back_however_the_ticket_ends() {
        let backlog = Arc::new(AtomicUsize::new(0));
        let a = Ticket::take("A".into(), &backlog);
        let b = Ticket::take("B".into(), &backlog);
        assert_eq!(backlog.load(Ordering::SeqCst), 2);
        drop(a);
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let _held = b;
            panic!("a worker fails");
        }));
        assert_eq!(backlog.load(Ordering::SeqCst), 0);
    }
}
