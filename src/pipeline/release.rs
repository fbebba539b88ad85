//! Released originals into the delivery queue. A release is a row in the
//! quarantine index (made by an approval or an admin, in this process or
//! in a CLI run); this task turns each queued row into a spool entry
//! whose queue id is the release id: the original's bytes unchanged,
//! under one added `X-Mugai-Released:` field, for that recipient only,
//! never sanitized. Then the normal delivery path takes it (retries,
//! logs, audit `delivered`).
//!
//! Exactly once, across nodes: a node first claims queued rows under its
//! name (`claimed`, committed; on PostgreSQL with `FOR UPDATE SKIP
//! LOCKED`, so two nodes never take the same row), then writes each
//! entry into its own spool and marks the row `spooled`. A row claimed
//! and not yet marked is this node's alone: after a crash the same node
//! finds it again, and an entry already in its spool (a crash between
//! the entry and the mark) is only marked. At start-up this runs before
//! the spool is resumed, without submitting, so resume picks such
//! entries up.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::Pipeline;
use crate::audit::rfc3339;
use crate::quarantine::{ReleaseRow, ReleaseState};
use crate::spool::{Envelope, Origin};
use crate::units::unix_now;

/// How often the index is checked for releases made by other processes.
const POLL: Duration = Duration::from_secs(2);

/// Runs until `stop` turns true.
pub async fn run(pipeline: Arc<Pipeline>, mut stop: watch::Receiver<bool>) {
    loop {
        dispatch(&pipeline, true).await;
        tokio::select! {
            _ = pipeline.quarantine.releases_queued.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// Releases taken per round.
const CLAIM: i64 = 100;

/// Takes queued releases for this node and spools them; `submit` hands
/// them to the workers too.
pub async fn dispatch(pipeline: &Arc<Pipeline>, submit: bool) {
    let q = &pipeline.quarantine;
    let claimed = match q.index.claim_releases(&pipeline.node, CLAIM).await {
        Ok(claimed) => claimed,
        Err(e) => {
            tracing::error!("cannot take queued releases: {e}");
            return;
        }
    };
    for release in claimed {
        match spool_release(pipeline, &release).await {
            Ok(state) => {
                if let Err(e) = q.index.mark_release(&release.id, state).await {
                    tracing::error!("{}: cannot record the release as {state}: {e}", release.id);
                    continue;
                }
                if state == ReleaseState::Spooled && submit {
                    pipeline.submit(release.id.clone());
                }
            }
            Err(e) => tracing::error!("{}: cannot queue the released original: {e}", release.id),
        }
    }
}

/// Writes the spool entry of one release; the state the row gets.
async fn spool_release(pipeline: &Arc<Pipeline>, r: &ReleaseRow) -> Result<ReleaseState, String> {
    let spool = Arc::clone(&pipeline.spool);
    if spool.path(&r.id).exists() {
        return Ok(ReleaseState::Spooled);
    }
    let q = &pipeline.quarantine;
    let Some(message) = q
        .index
        .get(&r.message_id)
        .await
        .map_err(|e| e.to_string())?
    else {
        tracing::error!("{}: original {} is not in the index", r.id, r.message_id);
        return Ok(ReleaseState::Failed);
    };
    let original = match q.store.message(&message.sha256).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!("{}: original {} cannot be read: {e}", r.id, r.message_id);
            return Ok(ReleaseState::Failed);
        }
    };
    let mut copy = released_field(r).into_bytes();
    copy.extend_from_slice(&original);
    let envelope = Envelope {
        queue_id: r.id.clone(),
        sender: message.sender.clone(),
        recipients: vec![r.recipient.clone()],
        client: "release".into(),
        helo: String::new(),
        tls: None,
        received_at: unix_now(),
        smtputf8: false,
        origin: Origin::Release {
            of: r.message_id.clone(),
        },
    };
    let id = r.id.clone();
    let size = copy.len();
    tokio::task::spawn_blocking(move || spool.inject(&envelope, &copy))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    tracing::info!(
        queue_id = %id,
        "{id}: from=<{}> size={size} nrcpt=1 (original {} released by {} to <{}>)",
        message.sender,
        r.message_id,
        r.released_by,
        r.recipient
    );
    Ok(ReleaseState::Spooled)
}

/// `X-Mugai-Released: id=…; by=…; at=…; release=…` and CRLF.
pub fn released_field(r: &ReleaseRow) -> String {
    let by: String = r
        .released_by
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != ';' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "X-Mugai-Released: id={}; by={by}; at={};\r\n release={}\r\n",
        r.message_id,
        rfc3339(r.released_at),
        r.id
    )
}
