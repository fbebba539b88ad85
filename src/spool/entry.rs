//! What the spool records about a message besides its bytes: the SMTP
//! envelope, and the per-recipient delivery progress once a retry is due.

use serde::{Deserialize, Serialize};

/// The SMTP envelope and where the message came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub queue_id: String,
    /// Reverse path; empty for the null sender `<>`.
    pub sender: String,
    pub recipients: Vec<String>,
    /// Client IP address and port.
    pub client: String,
    /// Name the client gave in EHLO/HELO.
    pub helo: String,
    /// TLS protocol and cipher when the session used STARTTLS.
    pub tls: Option<String>,
    /// Unix time the message was accepted.
    pub received_at: i64,
    /// MAIL FROM had SMTPUTF8.
    #[serde(default)]
    pub smtputf8: bool,
    /// Written by mugai itself (a postmaster report): delivered as is,
    /// never sanitized, and a failure is only logged (no report loops).
    #[serde(default)]
    pub generated: bool,
    /// For a released original (also `generated`): its quarantine id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_of: Option<String>,
}

/// Where one recipient stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecipientStatus {
    Pending,
    Sent,
    /// Permanently failed (and reported).
    Failed,
}

/// One recipient's progress and the last answer about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientState {
    pub address: String,
    pub status: RecipientStatus,
    pub last_response: Option<String>,
}

/// Progress of a message that could not be finished in one attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryState {
    /// Delivery attempts made so far.
    pub attempts: u32,
    /// Unix time of the next attempt.
    pub next_attempt: i64,
    /// The original is in the original store.
    pub original_stored: bool,
    pub recipients: Vec<RecipientState>,
    /// Conversions begun whose result was never recorded: the relay died
    /// during them. At two the message is not converted again (a poison
    /// message must not stop the relay at every start).
    #[serde(default)]
    pub conversions_unfinished: u32,
}

impl DeliveryState {
    /// The state before any attempt: every recipient pending.
    pub fn fresh(envelope: &Envelope) -> DeliveryState {
        DeliveryState {
            attempts: 0,
            next_attempt: 0,
            original_stored: false,
            conversions_unfinished: 0,
            recipients: envelope
                .recipients
                .iter()
                .map(|address| RecipientState {
                    address: address.clone(),
                    status: RecipientStatus::Pending,
                    last_response: None,
                })
                .collect(),
        }
    }

    /// Recipients still to be delivered.
    pub fn pending(&self) -> Vec<String> {
        self.recipients
            .iter()
            .filter(|r| r.status == RecipientStatus::Pending)
            .map(|r| r.address.clone())
            .collect()
    }
}
