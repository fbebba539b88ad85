//! The recorder over a real SQLite index, audit log and originals
//! directory: rows queued while a round is being written go into the next
//! round together, and the audit lines keep the order they were queued in.

use super::*;
use crate::config::Config;
use crate::quarantine::NewMessage;
use crate::sanitize::Report;

fn row(n: usize) -> (NewRow, Vec<Event>) {
    let id = format!("M{n:03}");
    let sha = format!("{n:064x}");
    let report = Report::new(sha.clone(), 10);
    let new = NewMessage {
        id: &id,
        received_at: 1,
        sender: "s@example.com",
        recipients: &["hanako@example.lg.jp".to_string()],
        to: "hanako@example.lg.jp",
        sha256: &sha,
        report: &report,
        sanitized_text: "text",
        tenant: "default",
    };
    let events = vec![Event::new("received", "mugai").id(id.as_str())];
    (new.row().unwrap(), events)
}

#[test]
fn rows_queued_during_a_round_are_committed_together_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut config = Config::default();
    config.storage.data_dir = dir.path().to_path_buf();
    let dirsync = Arc::new(crate::durable::DirSync::start().unwrap());
    let quarantine = Arc::new(
        runtime
            .block_on(Quarantine::open(&config, dirsync))
            .unwrap(),
    );
    let recorder = Recorder::start(Arc::clone(&quarantine), runtime.handle().clone()).unwrap();
    // Hold the audit log as another process would: the first round stops
    // at its append while the other 49 rows queue up behind it.
    let held = std::fs::File::options()
        .append(true)
        .open(quarantine.audit.file().unwrap())
        .unwrap();
    held.lock().unwrap();
    let mut pending = Vec::new();
    for n in 0..50 {
        let (new, events) = row(n);
        pending.push(recorder.row(new, dir.path().join("unused"), events));
        recorder.note(vec![
            Event::new("delivered", "mugai").id(format!("M{n:03}").as_str()),
        ]);
        // The first round has committed its row and waits at the log.
        let started = std::time::Instant::now();
        while n == 0
            && runtime
                .block_on(quarantine.index.get("M000"))
                .unwrap()
                .is_none()
        {
            assert!(started.elapsed().as_secs() < 30, "the first row never came");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
    held.unlock().unwrap();
    for p in pending {
        assert_eq!(p.blocking_recv().unwrap(), Ok(()));
    }
    runtime.block_on(recorder.flush());
    let rounds = recorder.counts().rounds.load(Ordering::Relaxed);
    assert!(rounds <= 3, "{rounds} rounds for 50 rows");
    assert_eq!(recorder.counts().rows.load(Ordering::Relaxed), 50);
    // A row already there (a retried message) is not recorded twice.
    let (again, events) = row(7);
    assert_eq!(
        recorder
            .row(again, dir.path().join("unused"), events)
            .blocking_recv()
            .unwrap(),
        Ok(())
    );
    runtime.block_on(recorder.flush());
    assert_eq!(recorder.counts().rows.load(Ordering::Relaxed), 50);
    let log = std::fs::read_to_string(quarantine.audit.file().unwrap()).unwrap();
    let lines: Vec<(String, String)> = log
        .lines()
        .map(|l| {
            let e: crate::audit::Entry = serde_json::from_str(l).unwrap();
            (e.event, e.id.unwrap())
        })
        .collect();
    assert_eq!(lines.len(), 100, "{log}");
    for n in 0..50 {
        let id = format!("M{n:03}");
        let received = lines
            .iter()
            .position(|l| *l == ("received".into(), id.clone()));
        let delivered = lines
            .iter()
            .position(|l| *l == ("delivered".into(), id.clone()));
        assert!(received.unwrap() < delivered.unwrap(), "{id}");
    }
    assert!(matches!(
        crate::audit::verify(&quarantine.audit.file().unwrap()).unwrap(),
        crate::audit::Verification::Intact { lines: 100, .. }
    ));
}
