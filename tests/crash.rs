//! Crash safety: `250` means on disk. The real binary receives a few
//! hundred messages over several connections, is killed with SIGKILL in
//! the middle, and is started again on the same data directory: every
//! message that got `250` must reach the next hop (duplicates are allowed
//! only for messages in flight at the kill; none may be missing).

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::load::{delivered_subjects, sender};
use common::relay::{Relay, config};
use common::sink::Sink;

const CONNECTIONS: usize = 4;
const PER_CONNECTION: usize = 75;
const KILL_AFTER: usize = 100;

#[test]
fn every_acknowledged_message_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let cfg = config(dir.path(), sink.addr, "", "", "");
    let mut relay = Relay::start(dir.path(), &cfg);
    let acked = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..CONNECTIONS)
        .map(|t| {
            let acked = Arc::clone(&acked);
            let addr = relay.addr;
            std::thread::spawn(move || sender(addr, &format!("crash-{t}"), PER_CONNECTION, acked))
        })
        .collect();
    let start = Instant::now();
    while acked.lock().unwrap().len() < KILL_AFTER && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(2));
    }
    relay.kill();
    for t in threads {
        t.join().unwrap();
    }
    let acked: HashSet<String> = acked.lock().unwrap().iter().cloned().collect();
    assert!(
        acked.len() >= KILL_AFTER,
        "only {} acknowledged before the kill",
        acked.len()
    );
    assert!(
        acked.len() < CONNECTIONS * PER_CONNECTION,
        "the kill came after everything was sent; the test proves nothing"
    );

    let _restarted = Relay::start(dir.path(), &cfg);
    let deadline = Instant::now() + Duration::from_secs(90);
    let missing = loop {
        let delivered = delivered_subjects(&sink);
        let missing: Vec<&String> = acked.iter().filter(|t| !delivered.contains(*t)).collect();
        if missing.is_empty() || Instant::now() > deadline {
            break missing.into_iter().cloned().collect::<Vec<_>>();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        missing.is_empty(),
        "{} acknowledged messages lost: {missing:?}",
        missing.len()
    );
}
