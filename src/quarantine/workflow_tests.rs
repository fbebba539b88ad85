//! Tests of the workflow over a real SQLite index and real files: a
//! decision that cannot be audited, four-eyes, and purge against a new
//! arrival of the same bytes.

use std::path::Path;

use super::*;
use crate::quarantine::index::NewMessage;
use crate::quarantine::states::RequestState;
use crate::sanitize::Report;

/// The quarantine of a data directory `dir`, with one kept message `id`
/// (bytes `sha`, received at `received_at`) for hanako.
async fn with_message(dir: &Path, id: &str, sha: &str, received_at: i64) -> Quarantine {
    let mut config = Config::default();
    config.storage.data_dir = dir.to_path_buf();
    let q = Quarantine::open(&config, Arc::new(crate::durable::DirSync::start().unwrap()))
        .await
        .unwrap();
    let report = Report::new(sha.to_string(), 10);
    q.index
        .insert(&NewMessage {
            id,
            received_at,
            sender: "s@example.com",
            recipients: &["hanako@example.lg.jp".to_string()],
            to: "hanako@example.lg.jp",
            sha256: sha,
            report: &report,
            sanitized_text: "",
            tenant: "default",
        })
        .await
        .unwrap();
    q
}

/// A quarantine in `dir` with one kept message and one pending request.
async fn with_request(dir: &Path) -> (Quarantine, String) {
    let q = with_message(dir, "M1", &"ab".repeat(32), unix_now()).await;
    let request = RequestRow {
        id: "Q1".into(),
        message_id: "M1".into(),
        recipient: "hanako@example.lg.jp".into(),
        reason: String::new(),
        requested_at: unix_now(),
        state: RequestState::Pending,
        decided_by: None,
        decided_at: None,
        decision_reason: None,
        subject: String::new(),
        tenant: String::new(),
    };
    q.index.add_request(&request).await.unwrap();
    (q, request.id)
}

fn approver(email: &str, aliases: &[&str]) -> User {
    User {
        name: "sato".into(),
        role: Role::Approver,
        email: email.into(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        password_hash: String::new(),
        disabled: false,
        created_at: 0,
        tenant: None,
    }
}

#[tokio::test]
async fn a_decision_that_cannot_be_audited_is_not_taken() {
    let dir = tempfile::tempdir().unwrap();
    // The disk is full for the audit log.
    std::os::unix::fs::symlink("/dev/full", dir.path().join("audit.log")).unwrap();
    let (q, id) = with_request(dir.path()).await;
    let error = q
        .decide(&id, true, &approver("sato@example.lg.jp", &[]), "ok")
        .await
        .unwrap_err();
    assert!(matches!(error, WorkflowError::Audit(_)), "{error}");
    let request = q.index.request(&id).await.unwrap().unwrap();
    assert_eq!(
        request.state,
        RequestState::Pending,
        "the decision was rolled back"
    );
    assert!(q.index.releases(Some("M1"), None).await.unwrap().is_empty());
}

#[tokio::test]
async fn four_eyes_knows_aliases_in_any_case_and_needs_a_mail_address() {
    let dir = tempfile::tempdir().unwrap();
    let (q, id) = with_request(dir.path()).await;
    let alias = approver("sato@example.lg.jp", &["HANAKO@Example.LG.JP"]);
    assert!(matches!(
        q.decide(&id, true, &alias, "").await.unwrap_err(),
        WorkflowError::SamePerson { .. }
    ));
    assert!(matches!(
        q.decide(&id, true, &approver("", &[]), "")
            .await
            .unwrap_err(),
        WorkflowError::NoEmail(_)
    ));
    assert_eq!(
        q.index.request(&id).await.unwrap().unwrap().state,
        RequestState::Pending
    );
    q.decide(&id, true, &approver("sato@example.lg.jp", &[]), "ok")
        .await
        .unwrap();
    let page = q
        .audit
        .read_newest(|e| e.event == "approve", |_| false, 0, 10)
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 1);
}

/// A store and an index where one row, received `age` seconds before
/// `now`, refers to bytes stored just now (as a new arrival of the
/// same message does before its own row is written).
async fn kept(dir: &Path, age: i64, now: i64) -> (Quarantine, String) {
    let sha = "cd".repeat(32);
    let q = with_message(dir, "OLD", &sha, now - age).await;
    let spooled = dir.join("spooled");
    std::fs::write(&spooled, b"{}\nSubject: x\r\n\r\nbody\r\n").unwrap();
    let files = q.store.files().unwrap();
    files.link(&sha, &spooled, None).unwrap();
    files.sync().unwrap();
    (q, sha)
}

#[tokio::test]
async fn bytes_stored_within_a_day_survive_the_purge_of_old_rows() {
    let dir = tempfile::tempdir().unwrap();
    let now = unix_now();
    let (q, sha) = kept(dir.path(), 40 * 86400, now).await;
    assert_eq!(q.purge(now, "test").await.unwrap(), 1, "the old row goes");
    assert!(
        q.store.files().unwrap().path(&sha).exists(),
        "bytes stored today stay"
    );
    // A day later nothing refers to them any more.
    assert_eq!(q.purge(now + 2 * 86400, "test").await.unwrap(), 0);
    assert!(!q.store.files().unwrap().path(&sha).exists());
}

#[tokio::test]
async fn a_parked_original_is_put_back_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let now = unix_now();
    let (q, sha) = kept(dir.path(), 40 * 86400, now).await;
    let parked = q
        .store
        .files()
        .unwrap()
        .park(&sha, now + 10)
        .unwrap()
        .unwrap();
    assert!(!parked.recent);
    assert!(!q.store.files().unwrap().path(&sha).exists());
    drop(q);
    let (q, _) = kept(dir.path(), 40 * 86400, now).await;
    assert!(q.store.files().unwrap().path(&sha).exists());
}
