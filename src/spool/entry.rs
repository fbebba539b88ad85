//! What the spool records about a message besides its bytes: the SMTP
//! envelope, and the per-recipient delivery progress once a retry is due.

use serde::{Deserialize, Serialize};

/// Where a spooled message came from: what the pipeline does with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Internet mail from the MX: its original is kept and it is
    /// sanitized before delivery.
    #[default]
    Received,
    /// A report mugai wrote to the postmaster: delivered as is, and its
    /// own failure is only logged (no report about a report).
    Report,
    /// An original an approver released to one recipient: delivered as
    /// is; deliveries and failures are audited under the original's id.
    Release { of: String },
    /// A sanitized copy made again with a password-protected part opened
    /// (PPAP), for the one recipient who gave the password: delivered as
    /// is; audited under the original's id.
    Unlocked { of: String },
}

impl Origin {
    /// The original a release or an unlocked copy was made from.
    pub fn made_from(&self) -> Option<&str> {
        match self {
            Origin::Release { of } | Origin::Unlocked { of } => Some(of),
            Origin::Received | Origin::Report => None,
        }
    }
}

/// The SMTP envelope and where the message came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "EnvelopeRecord")]
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
    #[serde(default)]
    pub origin: Origin,
}

/// An envelope as the spool holds it, including the two fields entries
/// written before [`Origin`] used (`generated`, `release_of`): a relay
/// upgraded with mail in its spool reads them as their origin.
#[derive(Deserialize)]
struct EnvelopeRecord {
    queue_id: String,
    sender: String,
    recipients: Vec<String>,
    client: String,
    helo: String,
    tls: Option<String>,
    received_at: i64,
    #[serde(default)]
    smtputf8: bool,
    #[serde(default)]
    origin: Option<Origin>,
    #[serde(default)]
    generated: bool,
    #[serde(default)]
    release_of: Option<String>,
}

impl From<EnvelopeRecord> for Envelope {
    fn from(r: EnvelopeRecord) -> Envelope {
        let origin = r.origin.unwrap_or(match (r.generated, r.release_of) {
            (_, Some(of)) => Origin::Release { of },
            (true, None) => Origin::Report,
            (false, None) => Origin::Received,
        });
        Envelope {
            queue_id: r.queue_id,
            sender: r.sender,
            recipients: r.recipients,
            client: r.client,
            helo: r.helo,
            tls: r.tls,
            received_at: r.received_at,
            smtputf8: r.smtputf8,
            origin,
        }
    }
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
    /// Files may lie beside the entry (`ID.state`, a kept copy): this
    /// state was read from one, or written. Not recorded.
    #[serde(skip)]
    pub side_files: bool,
}

impl DeliveryState {
    /// The state before any attempt: every recipient pending.
    pub fn fresh(envelope: &Envelope) -> DeliveryState {
        DeliveryState {
            attempts: 0,
            next_attempt: 0,
            original_stored: false,
            conversions_unfinished: 0,
            side_files: false,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope_json(extra: &str) -> String {
        format!(
            r#"{{"queue_id":"A","sender":"s@example.com","recipients":["r@example.lg.jp"],"client":"192.0.2.1:25","helo":"mx","tls":null,"received_at":1{extra}}}"#
        )
    }

    #[test]
    fn entries_spooled_before_origin_read_as_their_origin() {
        let read = |extra: &str| {
            serde_json::from_str::<Envelope>(&envelope_json(extra))
                .unwrap()
                .origin
        };
        assert_eq!(read(""), Origin::Received);
        assert_eq!(read(r#","generated":false"#), Origin::Received);
        assert_eq!(read(r#","generated":true"#), Origin::Report);
        assert_eq!(
            read(r#","generated":true,"release_of":"Q1""#),
            Origin::Release { of: "Q1".into() }
        );
    }

    #[test]
    fn origin_survives_a_round_trip() {
        for origin in [
            Origin::Received,
            Origin::Report,
            Origin::Release { of: "Q1".into() },
        ] {
            let mut envelope: Envelope = serde_json::from_str(&envelope_json("")).unwrap();
            envelope.origin = origin.clone();
            let json = serde_json::to_string(&envelope).unwrap();
            assert!(!json.contains("generated"), "{json}");
            let back: Envelope = serde_json::from_str(&json).unwrap();
            assert_eq!(back, envelope);
        }
    }
}
