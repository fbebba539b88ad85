//! The request → approve → release workflow and the other actions on
//! kept originals (export, purge), each recorded in the audit log. The
//! web page and the CLI both call these; neither touches the index or
//! the store on its own for an action.
//!
//! Rules: a request comes from a recipient holding a valid link; an
//! approver or admin decides it, never the person who asked (four-eyes);
//! approval queues the original for that recipient only; an admin may
//! release directly. A release is a row the relay turns into a delivery
//! (`pipeline/release.rs`), so a CLI release works while the relay runs
//! in another process.

use std::io;
use std::sync::Arc;

use tokio::sync::Notify;

use super::index::{Index, IndexError, MessageRow};
use super::original_table::OriginalTable;
use super::requests::{Decided, Decision, ReleaseRow, RequestRow};
use super::states::{MessageState, ReleaseState, RequestState};
use super::token::{Claim, Signer, new_id};
use super::users::{Role, User};
use super::{OriginalStore, Originals};
use crate::audit::{Audit, AuditLog, AuditTable, Event};
use crate::config::Config;
use crate::durable::DirSync;
use crate::units::unix_now;

/// An action that could not be taken, in words for the person who tried.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("no such original: {0}")]
    NoSuchMessage(String),
    #[error("no such request: {0}")]
    NoSuchRequest(String),
    #[error("the original {0} was purged; nothing can be released")]
    Purged(String),
    #[error("{0} is not a recipient of this message")]
    NotRecipient(String),
    #[error("{user} asked for this original and cannot also approve it (four-eyes)")]
    SamePerson { user: String },
    #[error("this request was {state} already{by}")]
    AlreadyDecided { state: String, by: String },
    #[error("role {0} may not do this")]
    NotAllowed(&'static str),
    #[error(
        "account {0} has no mail address, so its own requests cannot be recognised (four-eyes); set one with `mugai user update {0} --email ADDR`"
    )]
    NoEmail(String),
    #[error("the audit log cannot be written ({0}); nothing was done")]
    Audit(io::Error),
}

pub type Result<T> = std::result::Result<T, WorkflowError>;

/// One password tried on a locked part, for the audit log.
pub struct UnlockAttempt<'a> {
    /// `recipient:ADDRESS`, or `mugai` for a password line it tried.
    pub actor: String,
    pub part: &'a str,
    /// `opened`, `wrong-password`, `refused` or `failed`.
    pub outcome: &'a str,
    /// The queue id of the copy, when it opened.
    pub queue_id: Option<&'a str>,
    /// The mail whose password line mugai took.
    pub password_mail: Option<&'a str>,
}

/// What happened to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requested {
    New(String),
    /// This recipient's earlier request is still pending.
    AlreadyPending(String),
}

/// Everything the actions need: index, bytes, audit log, signing key.
pub struct Quarantine {
    pub index: Index,
    pub store: Originals,
    pub audit: Audit,
    pub signer: Signer,
    pub retention_days: u32,
    /// Where this node keeps pictures of originals (画面で見る).
    pub views: std::path::PathBuf,
    /// Woken when a release is queued in this process.
    pub releases_queued: Notify,
}

impl Quarantine {
    /// Opens the quarantine of `config` (creating what is missing).
    pub async fn open(config: &Config, dirsync: Arc<DirSync>) -> Result<Quarantine> {
        let data_dir = &config.storage.data_dir;
        crate::durable::create_dir_durably(data_dir)?;
        let index = Index::open(&config.database_url()).await?;
        // Nodes that share PostgreSQL share the originals and the audit
        // chain too; one node on SQLite keeps both as files.
        let (store, audit) = if index.is_postgres() {
            (
                Originals::Table(OriginalTable::new(index.pool().clone())),
                Audit::Table(AuditTable::new(index.pool().clone(), true)),
            )
        } else {
            (
                Originals::Files(OriginalStore::open(data_dir, dirsync)?),
                Audit::File(AuditLog::open(data_dir)?),
            )
        };
        Ok(Quarantine {
            index,
            store,
            audit,
            signer: match &config.admin.secret_key_file {
                Some(path) => Signer::load(path)?,
                None => Signer::load_or_create(data_dir)?,
            },
            retention_days: config.quarantine.retention_days,
            views: data_dir.join("views"),
            releases_queued: Notify::new(),
        })
    }

    /// Records a person's action; if it cannot be recorded the caller
    /// must not go on.
    pub async fn record(&self, event: Event) -> Result<()> {
        self.audit
            .append(event)
            .await
            .map(|_| ())
            .map_err(WorkflowError::Audit)
    }

    /// Records a mail event; a failure is logged only (mail keeps flowing).
    pub async fn note(&self, event: Event) {
        self.note_all(vec![event]).await;
    }

    /// Records several events as one append (one lock round trip).
    pub async fn note_all(&self, events: Vec<Event>) {
        if let Err(e) = self.audit.append_all(events).await {
            tracing::error!("cannot write the audit log: {e}");
        }
    }

    async fn message(&self, id: &str) -> Result<MessageRow> {
        self.index
            .get(id)
            .await?
            .ok_or_else(|| WorkflowError::NoSuchMessage(id.to_string()))
    }

    /// The message whose original (or a password-protected part of it)
    /// the recipient proved by `claim` may ask for: its original is kept
    /// and `claim` names one of its recipients.
    pub async fn unlockable(&self, claim: &Claim) -> Result<MessageRow> {
        let message = self.message(&claim.message_id).await?;
        if message.state == MessageState::Purged {
            return Err(WorkflowError::Purged(message.id));
        }
        if !message
            .recipients
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&claim.recipient))
        {
            return Err(WorkflowError::NotRecipient(claim.recipient.clone()));
        }
        Ok(message)
    }

    /// The audit line of a password tried on part `part` of `message`:
    /// by whom, and what came of it (`opened` with the queue id of the
    /// copy, `wrong-password`, `refused` past the limit, `failed`), and
    /// for mugai's own tries the mail whose password line it took. Never
    /// the password.
    pub async fn record_unlock(
        &self,
        message: &MessageRow,
        attempt: UnlockAttempt<'_>,
    ) -> Result<()> {
        let mut event = Event::new("unlock", attempt.actor)
            .id(&message.id)
            .tenant(&message.tenant)
            .with("part", attempt.part)
            .with("outcome", attempt.outcome);
        if let Some(queue_id) = attempt.queue_id {
            event = event.with("unlocked", queue_id);
        }
        if let Some(mail) = attempt.password_mail {
            event = event.with("password-mail", mail);
        }
        self.record(event).await
    }

    /// A recipient (proved by `claim`) asks for the original.
    pub async fn request(&self, claim: &Claim, reason: &str) -> Result<Requested> {
        let message = self.unlockable(claim).await?;
        let pending = self
            .index
            .requests(Some(&message.id), Some(RequestState::Pending), 100)
            .await?;
        if let Some(r) = pending
            .iter()
            .find(|r| r.recipient.eq_ignore_ascii_case(&claim.recipient))
        {
            return Ok(Requested::AlreadyPending(r.id.clone()));
        }
        let request = RequestRow {
            id: new_id('Q'),
            message_id: message.id.clone(),
            recipient: claim.recipient.clone(),
            reason: crate::quarantine::index::cut(reason.trim(), 2000).to_string(),
            requested_at: unix_now(),
            state: RequestState::Pending,
            decided_by: None,
            decided_at: None,
            decision_reason: None,
            subject: message.subject.clone(),
            tenant: message.tenant.clone(),
        };
        self.record(
            Event::new("request", format!("recipient:{}", request.recipient))
                .id(&message.id)
                .tenant(&message.tenant)
                .with("request", request.id.as_str())
                .with("reason", request.reason.as_str()),
        )
        .await?;
        self.index.add_request(&request).await?;
        Ok(Requested::New(request.id))
    }

    /// Approves or rejects a pending request as `user`; returns the id of
    /// the original it was about.
    pub async fn decide(
        &self,
        request_id: &str,
        approve: bool,
        user: &User,
        reason: &str,
    ) -> Result<String> {
        if !user.role.may_decide() {
            return Err(WorkflowError::NotAllowed(user.role.as_str()));
        }
        if user.email.trim().is_empty() {
            return Err(WorkflowError::NoEmail(user.name.clone()));
        }
        let request = self
            .index
            .request(request_id)
            .await?
            .ok_or_else(|| WorkflowError::NoSuchRequest(request_id.to_string()))?;
        // Another municipality's request does not exist for this account.
        if !user.sees(&request.tenant) {
            return Err(WorkflowError::NoSuchRequest(request_id.to_string()));
        }
        if user.is_person(&request.recipient) {
            return Err(WorkflowError::SamePerson {
                user: user.name.clone(),
            });
        }
        let now = unix_now();
        let release = approve.then(|| ReleaseRow {
            id: new_id('R'),
            message_id: request.message_id.clone(),
            recipient: request.recipient.clone(),
            released_by: user.name.clone(),
            released_at: now,
            request_id: Some(request.id.clone()),
            state: ReleaseState::Queued,
        });
        let reason = crate::quarantine::index::cut(reason.trim(), 2000);
        let mut event = Event::new(if approve { "approve" } else { "reject" }, &user.name)
            .id(&request.message_id)
            .tenant(&request.tenant)
            .with("request", request.id.as_str())
            .with("recipient", request.recipient.as_str())
            .with("reason", reason);
        if let Some(release) = &release {
            event = event.with("release", release.id.as_str());
        }
        // The decision and its audit line are one unit: the line is
        // written inside the decision's transaction, which commits only
        // once the line is on disk.
        let decided = self
            .index
            .decide(
                &Decision {
                    request_id,
                    approve,
                    by: &user.name,
                    reason,
                    now,
                    release: release.as_ref(),
                },
                &self.audit,
                event,
            )
            .await;
        let decided = match decided {
            Ok(decided) => decided,
            Err(e) => {
                // Recorded, then the commit failed: say so in the log too.
                self.note(
                    Event::new("decision-failed", &user.name)
                        .id(&request.message_id)
                        .with("request", request.id.as_str())
                        .with("error", e.to_string()),
                )
                .await;
                return Err(e.into());
            }
        };
        match decided {
            Decided::Done => {}
            Decided::AlreadyDecided { state, by } => {
                return Err(WorkflowError::AlreadyDecided {
                    state: state.map_or("decided", RequestState::as_str).to_string(),
                    by: if by.is_empty() {
                        String::new()
                    } else {
                        format!(" by {by}")
                    },
                });
            }
            Decided::Purged => return Err(WorkflowError::Purged(request.message_id)),
            Decided::NoSuchRequest => {
                return Err(WorkflowError::NoSuchRequest(request_id.to_string()));
            }
            Decided::NotRecorded(e) => {
                return Err(WorkflowError::Audit(io::Error::other(e)));
            }
        }
        if release.is_some() {
            self.releases_queued.notify_one();
        }
        Ok(request.message_id)
    }

    /// An admin releases an original directly to `to` (default: every
    /// original recipient). `actor` is the admin's name (or `cli:USER`).
    pub async fn release(
        &self,
        message_id: &str,
        to: Option<&str>,
        actor: &str,
        role: Role,
    ) -> Result<Vec<ReleaseRow>> {
        if role != Role::Admin {
            return Err(WorkflowError::NotAllowed(role.as_str()));
        }
        let message = self.message(message_id).await?;
        if message.state == MessageState::Purged {
            return Err(WorkflowError::Purged(message.id));
        }
        let recipients: Vec<String> = match to {
            Some(to) => vec![to.trim().to_string()],
            None => message.recipients.clone(),
        };
        let now = unix_now();
        let mut out = Vec::new();
        for recipient in recipients {
            let release = ReleaseRow {
                id: new_id('R'),
                message_id: message.id.clone(),
                recipient,
                released_by: actor.to_string(),
                released_at: now,
                request_id: None,
                state: ReleaseState::Queued,
            };
            self.record(
                Event::new("release", actor)
                    .id(&message.id)
                    .tenant(&message.tenant)
                    .with("release", release.id.as_str())
                    .with("recipient", release.recipient.as_str()),
            )
            .await?;
            if let Err(e) = self.index.add_release(&release).await {
                // Recorded but not queued: the log must not claim a release.
                self.note(
                    Event::new("release-not-queued", actor)
                        .id(&message.id)
                        .with("release", release.id.as_str())
                        .with("error", e.to_string()),
                )
                .await;
                return Err(e.into());
            }
            out.push(release);
        }
        self.releases_queued.notify_one();
        Ok(out)
    }

    /// The original bytes, exactly as received, recorded as an export.
    pub async fn export(&self, message_id: &str, actor: &str) -> Result<Vec<u8>> {
        let message = self.message(message_id).await?;
        if message.state == MessageState::Purged {
            return Err(WorkflowError::Purged(message.id));
        }
        let bytes = self.store.message(&message.sha256).await?;
        self.record(
            Event::new("export", actor)
                .id(&message.id)
                .tenant(&message.tenant)
                .with("sha256", message.sha256.as_str()),
        )
        .await?;
        Ok(bytes)
    }

    /// Removes what retention allows: originals older than
    /// `retention_days` without a pending request. Returns how many.
    /// Nodes sharing a database purge one at a time; a node that finds
    /// another purging leaves it to that one and returns 0.
    pub async fn purge(&self, now: i64, actor: &str) -> Result<usize> {
        let Some(lock) = self.index.try_lock(super::node_lock::PURGE).await? else {
            tracing::info!("another node is purging; this one leaves it to that node");
            return Ok(0);
        };
        let purged = self.purge_locked(now, actor).await;
        lock.release().await;
        purged
    }

    async fn purge_locked(&self, now: i64, actor: &str) -> Result<usize> {
        let before = now - i64::from(self.retention_days) * 86400;
        let mut purged = 0;
        // Bytes written or referred to within the last day are never
        // removed: a message with the same bytes may be between being
        // stored and being indexed (see `store`).
        let recent = now - 86400;
        // Bytes kept back by an earlier run for being recent go now.
        for sha256 in self.index.purged_since(now - 7 * 86400).await? {
            self.store
                .remove_unused(&self.index, &sha256, recent)
                .await?;
        }
        for (id, sha256) in self.index.purgeable(before).await? {
            self.index.mark_purged(&id, now).await?;
            self.store
                .remove_unused(&self.index, &sha256, recent)
                .await?;
            // Pictures of the original go with the last row that shows it.
            if !self.index.bytes_in_use(&sha256, now + 1).await? && super::is_sha256(&sha256) {
                let _ = std::fs::remove_dir_all(self.views.join(&sha256));
            }
            self.note(
                Event::new("purge", actor)
                    .id(&id)
                    .with("sha256", sha256.as_str())
                    .with("retention_days", self.retention_days),
            )
            .await;
            purged += 1;
        }
        Ok(purged)
    }
}

#[cfg(test)]
#[path = "workflow_tests.rs"]
mod tests;
