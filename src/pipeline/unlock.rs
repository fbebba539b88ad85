//! PPAP on the relay's side: a recipient gave the password of a
//! password-protected part on the request page. The original is read from
//! the quarantine and converted again in a converter process (always one,
//! even when isolation is off for ordinary mail) with that part opened;
//! if the password opened it, the new sanitized copy is spooled for that
//! recipient alone ([`Origin::Unlocked`]) and delivered like any other.
//! The password crosses the converter's pipe and nothing else: the spool
//! entry holds only the sanitized copy, and no log line names it.

use std::sync::Arc;

use super::Pipeline;
use super::deliver::link_for;
use crate::quarantine::MessageRow;
use crate::sanitize::{PartReason, Stamp, Unlock};
use crate::spool::{Envelope, Origin};
use crate::units::unix_now;

/// What a password did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unlocked {
    /// It opened the part; the copy is queued under `queue_id`.
    Opened { queue_id: String },
    /// It does not open the part.
    WrongPassword,
    /// Nothing was delivered: the part's reason when it was removed
    /// after all (active content, a bomb, the policy), and the detail in
    /// plain English (never the password).
    Failed {
        reason: Option<PartReason>,
        detail: String,
    },
}

fn failed(detail: impl Into<String>) -> Unlocked {
    Unlocked::Failed {
        reason: None,
        detail: detail.into(),
    }
}

impl Unlocked {
    /// The audit log's word for it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Unlocked::Opened { .. } => "opened",
            Unlocked::WrongPassword => "wrong-password",
            Unlocked::Failed { .. } => "failed",
        }
    }
}

impl Pipeline {
    /// Opens part `unlock.part` of `message` with its password and queues
    /// the sanitized result for `recipient`.
    pub async fn unlock(
        self: &Arc<Self>,
        message: &MessageRow,
        recipient: &str,
        unlock: Unlock,
    ) -> Unlocked {
        let original = match self.quarantine.store.message(&message.sha256).await {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::error!("{}: original cannot be read for an unlock: {e}", message.id);
                return failed("the original cannot be read");
            }
        };
        let queue_id = self.spool.new_id();
        let placeholder = self.link_base.get().map(|_| {
            format!(
                "MUGAI_REQUEST_LINK_{}",
                message.sha256.get(..32).unwrap_or("0")
            )
        });
        let stamp = Stamp {
            hostname: self.config.smtp.hostname.clone(),
            received_at: unix_now(),
            queue_id: Some(queue_id.clone()),
            request_link: placeholder.clone(),
        };
        let part = unlock.part.clone();
        let automatic = unlock.automatic;
        let pipeline = Arc::clone(self);
        let sha256 = message.sha256.clone();
        let tenant_name = message.tenant.clone();
        let converted = tokio::task::spawn_blocking(move || {
            let config = &pipeline.config;
            let index = config.policy_index(config.tenant_named(&tenant_name));
            let size = original.len() as u64;
            pipeline.with_converter(|pool| {
                let extra = crate::isolate::Extra {
                    unlock: Some(unlock),
                    snapshot: None,
                };
                pool.sanitize_given(index, &original, sha256, size, &stamp, extra)
            })
        })
        .await;
        let sanitized = match converted {
            Ok(Ok(Ok(sanitized))) => sanitized,
            Ok(Ok(Err(refused))) => {
                let why = refused.report.detail.unwrap_or_default();
                return failed(format!("the message could not be converted: {why}"));
            }
            Ok(Err(e)) => return failed(format!("no converter could run: {e}")),
            Err(e) => return failed(format!("the conversion stopped: {e}")),
        };
        let report = &sanitized.report;
        let Some(outcome) = report.unlock.as_ref() else {
            return failed(format!("the message has no attachment {part}"));
        };
        if !outcome.opened {
            let removed = report.parts.iter().find(|p| p.path == part);
            return match removed.and_then(|p| p.reason) {
                Some(PartReason::WrongPassword) => Unlocked::WrongPassword,
                reason => Unlocked::Failed {
                    reason,
                    detail: removed.and_then(|p| p.detail.clone()).unwrap_or_default(),
                },
            };
        }
        let tenant = self.config.tenant_named(&message.tenant);
        let copy = match &placeholder {
            Some(placeholder) => sanitized.with_link(
                placeholder,
                &link_for(self, &message.id, message.received_at, tenant, recipient),
            ),
            None => sanitized.message.clone(),
        };
        let envelope = Envelope {
            queue_id: queue_id.clone(),
            sender: message.sender.clone(),
            recipients: vec![recipient.to_string()],
            client: "unlock".into(),
            helo: String::new(),
            tls: None,
            received_at: unix_now(),
            smtputf8: false,
            origin: Origin::Unlocked {
                of: message.id.clone(),
            },
        };
        let spool = Arc::clone(&self.spool);
        let size = copy.len();
        let injected = tokio::task::spawn_blocking(move || spool.inject(&envelope, &copy)).await;
        match injected {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return failed(format!("the copy cannot be queued: {e}")),
            Err(e) => return failed(format!("the copy cannot be queued: {e}")),
        }
        tracing::info!(
            queue_id = %queue_id,
            "{queue_id}: from=<{}> size={size} nrcpt=1 (part {part} of {} opened with a password for <{recipient}>)",
            message.sender,
            message.id,
        );
        if let Err(e) = self
            .quarantine
            .index
            .add_unlock(&message.id, &part, recipient, &queue_id, automatic)
            .await
        {
            tracing::error!("{queue_id}: cannot record the unlocked copy: {e}");
        }
        self.submit(queue_id.clone());
        Unlocked::Opened { queue_id }
    }
}

/// The page opens locked parts through the relay.
impl crate::admin::Unlocker for Arc<Pipeline> {
    fn unlock<'a>(
        &'a self,
        message: &'a MessageRow,
        recipient: &'a str,
        unlock: Unlock,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Unlocked> + Send + 'a>> {
        Box::pin(Pipeline::unlock(self, message, recipient, unlock))
    }
}
