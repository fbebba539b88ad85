//! Delivery: hands sanitized mail to the LGWAN side, by SMTP to the next
//! hop (our pipelining client, pooled connections) or into a local Maildir, and says per
//! recipient what happened. Retrying and reporting are decided by the
//! pipeline from these outcomes and the retry schedule here.

mod client;
mod dotstuff;
mod maildir;
mod smtp;

use std::sync::Arc;

use crate::config::{Config, DeliveryMode};
use crate::durable::DirSync;
use crate::units::Seconds;

pub use maildir::MaildirDelivery;
pub use smtp::SmtpDelivery;

/// What happened to one recipient in one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the next hop; the text is its reply.
    Sent(String),
    /// Try again later (4xx, connection trouble).
    Deferred(String),
    /// Will never work (5xx): report to the postmaster.
    Failed(String),
}

/// The configured way out.
pub enum Delivery {
    Smtp(SmtpDelivery),
    Maildir(MaildirDelivery),
}

impl Delivery {
    pub fn from_config(config: &Config, dirsync: Arc<DirSync>) -> Result<Delivery, String> {
        match config.delivery.mode {
            DeliveryMode::Smtp => SmtpDelivery::new(config).map(Delivery::Smtp),
            DeliveryMode::Maildir => {
                MaildirDelivery::open(&config.maildir_path(), &config.smtp.hostname, dirsync)
                    .map(Delivery::Maildir)
                    .map_err(|e| format!("maildir {}: {e}", config.maildir_path().display()))
            }
        }
    }

    /// Delivers `message` to `recipients`; one outcome per recipient, in order.
    pub async fn deliver(
        &self,
        sender: &str,
        recipients: &[String],
        message: Arc<Vec<u8>>,
    ) -> Vec<Outcome> {
        match self {
            Delivery::Smtp(smtp) => smtp.deliver(sender, recipients, &message).await,
            Delivery::Maildir(maildir) => {
                let maildir = maildir.clone();
                let sender = sender.to_string();
                let recipients = recipients.to_vec();
                let count = recipients.len();
                tokio::task::spawn_blocking(move || maildir.deliver(&sender, &recipients, &message))
                    .await
                    .unwrap_or_else(|e| {
                        vec![Outcome::Deferred(format!("maildir writer failed: {e}")); count]
                    })
            }
        }
    }

    /// Where mail goes, for log lines (`relay=`).
    pub fn relay(&self) -> String {
        match self {
            Delivery::Smtp(smtp) => smtp.relay().to_string(),
            Delivery::Maildir(_) => "maildir".to_string(),
        }
    }
}

/// The wait before attempt `attempts + 1`, after `attempts` failed ones:
/// the schedule's entries in turn, then its last one again and again.
pub fn retry_wait(schedule: &[Seconds], attempts: u32) -> Seconds {
    let index = (attempts.max(1) as usize - 1).min(schedule.len().saturating_sub(1));
    schedule.get(index).copied().unwrap_or(Seconds(300))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_grows_then_repeats_its_last_wait() {
        let schedule = [Seconds(300), Seconds(600), Seconds(3600)];
        let waits: Vec<u64> = (1..=5).map(|a| retry_wait(&schedule, a).0).collect();
        assert_eq!(waits, [300, 600, 3600, 3600, 3600]);
    }
}
