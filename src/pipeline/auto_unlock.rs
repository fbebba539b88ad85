//! `[ppap] auto_password`: a PPAP sender's second mail carries the
//! password of the first (「パスワード：…」). When a mail's sanitized text
//! has such a line ([`password_line`]), its candidates are tried on the
//! locked parts of the same sender's earlier mails to the same
//! recipients, received within `auto_password_window`, in the same
//! municipality; what opens is delivered to each such recipient as a new
//! sanitized message whose notice says it was opened automatically.
//!
//! A sender (or someone forging one) gets nothing back from a guess: the
//! contents only ever go to the earlier mail's own recipients, sanitized.
//! Guesses still cost conversions, so they count against the same limit
//! as the recipients' own wrong passwords; a part already delivered
//! opened to a recipient is not tried again.

use std::sync::Arc;

use super::Pipeline;
use super::password_line;
use super::unlock::Unlocked;
use crate::quarantine::{MessageRow, UnlockAttempt, UnlockLimiter};
use crate::sanitize::Unlock;
use crate::spool::Envelope;

/// Starts the tries for the mail `id` (sanitized text `text`) when
/// `auto_password` is on and the text has a password line.
pub fn spawn(pipeline: &Arc<Pipeline>, id: &str, envelope: &Envelope, text: &str) {
    if !pipeline.config.ppap.auto_password || envelope.sender.is_empty() {
        return;
    }
    let candidates = password_line::candidates(text);
    if candidates.is_empty() {
        return;
    }
    let pipeline2 = Arc::clone(pipeline);
    let id = id.to_string();
    let envelope = envelope.clone();
    pipeline.runtime.spawn(async move {
        try_candidates(&pipeline2, &id, &envelope, candidates).await;
    });
}

async fn try_candidates(
    pipeline: &Arc<Pipeline>,
    id: &str,
    envelope: &Envelope,
    candidates: Vec<String>,
) {
    let config = &pipeline.config;
    let index = &pipeline.quarantine.index;
    let since = envelope.received_at - config.ppap.auto_password_window.0 as i64;
    let earlier = match index
        .earlier_from(&envelope.sender, since, envelope.received_at, id)
        .await
    {
        Ok(rows) => rows,
        Err(e) => {
            tracing::error!("{id}: cannot look for earlier mails to unlock: {e}");
            return;
        }
    };
    let tenant = crate::config::Config::tenant_name(config.tenant_of(&envelope.recipients));
    let limiter = UnlockLimiter::new(
        index,
        config.ppap.max_wrong_passwords,
        config.ppap.wrong_password_window.duration(),
    );
    for message in earlier.iter().filter(|m| m.tenant == tenant) {
        let Some(report) = message.report() else {
            continue;
        };
        let parts: Vec<String> = report.locked_parts().map(|p| p.path.clone()).collect();
        let shared = envelope
            .recipients
            .iter()
            .filter(|r| message.recipients.iter().any(|m| m.eq_ignore_ascii_case(r)));
        for recipient in shared {
            for part in &parts {
                let attempt = Attempt {
                    pipeline,
                    limiter: &limiter,
                    password_mail: id,
                    message,
                    recipient,
                    part,
                };
                attempt.run(&candidates).await;
            }
        }
    }
}

/// The candidates tried on one part for one recipient.
struct Attempt<'a> {
    pipeline: &'a Arc<Pipeline>,
    limiter: &'a UnlockLimiter,
    password_mail: &'a str,
    message: &'a MessageRow,
    recipient: &'a str,
    part: &'a str,
}

impl Attempt<'_> {
    async fn run(&self, candidates: &[String]) {
        let (message, recipient, part) = (self.message, self.recipient, self.part);
        let index = &self.pipeline.quarantine.index;
        if index
            .unlocked(&message.id, part, recipient)
            .await
            .unwrap_or(true)
        {
            return;
        }
        for candidate in candidates {
            if self.limiter.left(&message.id, recipient).await <= 0 {
                self.audit("refused", None).await;
                return;
            }
            let unlock = Unlock {
                part: part.to_string(),
                password: candidate.clone(),
                automatic: true,
            };
            let outcome = self.pipeline.unlock(message, recipient, unlock).await;
            match &outcome {
                Unlocked::Opened { queue_id } => {
                    tracing::info!(
                        "{}: part {part} of {} opened with a password line of {} for <{recipient}>",
                        queue_id,
                        message.id,
                        self.password_mail
                    );
                    self.audit(outcome.as_str(), Some(queue_id)).await;
                    return;
                }
                Unlocked::WrongPassword => {
                    self.limiter.failed(&message.id, recipient).await;
                    self.audit(outcome.as_str(), None).await;
                }
                Unlocked::Failed { detail, .. } => {
                    tracing::warn!(
                        "{}: part {part} not opened automatically: {detail}",
                        message.id
                    );
                    self.audit(outcome.as_str(), None).await;
                    return;
                }
            }
        }
    }

    async fn audit(&self, outcome: &str, queue_id: Option<&str>) {
        let attempt = UnlockAttempt {
            actor: "mugai".into(),
            part: self.part,
            outcome,
            queue_id,
            password_mail: Some(self.password_mail),
        };
        if let Err(e) = self
            .pipeline
            .quarantine
            .record_unlock(self.message, attempt)
            .await
        {
            tracing::error!("cannot write the audit line of an unlock: {e}");
        }
    }
}
