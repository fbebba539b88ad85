//! Reports to the postmaster (Postfix's bounce daemon, not its SMTP
//! client): a message refused as a whole, or recipients that could not be
//! delivered. Never a bounce to the internet sender (backscatter); the
//! report is itself spooled and delivered like mail, with origin
//! [`Origin::Report`] so that its own failure is only logged.

use std::sync::Arc;

use super::Pipeline;
use crate::config::Config;
use crate::sanitize::{Report, plain_text_message, rfc5322_date};
use crate::spool::{Envelope, Origin, RecipientState};

/// A report ready to be spooled: the envelope to the postmaster and the
/// message.
pub struct PostmasterReport {
    pub envelope: Envelope,
    pub message: Vec<u8>,
}

/// Report for a message the sanitizer refused: it was not delivered, its
/// original is kept.
pub fn refused(
    config: &Config,
    original: &Envelope,
    report: &Report,
    now: i64,
) -> PostmasterReport {
    let reason = report.reason.map(|r| r.as_str()).unwrap_or("structure");
    let detail = report.detail.as_deref().unwrap_or("");
    let mut text = String::from(
        "mugai は次のメールを無害化できなかったため、宛先に配送していません。\n\
         原本は保管されています(原本ID)。\n\
         mugai could not make the message below harmless, so it was not delivered.\n\
         The original is kept (original id).\n\n",
    );
    text.push_str(&summary(
        original,
        report.subject.as_deref(),
        Some(&report.original_sha256),
    ));
    text.push_str(&format!("理由 / reason: {reason}: {detail}\n"));
    build(
        config,
        original,
        "無害化できず保留 / message held",
        &text,
        now,
    )
}

/// Report for recipients that failed permanently or expired.
pub fn undeliverable(
    config: &Config,
    original: &Envelope,
    failed: &[RecipientState],
    original_sha256: Option<&str>,
    now: i64,
) -> PostmasterReport {
    let mut text = String::from(
        "mugai は無害化したメールを次の宛先に配送できませんでした。\n\
         送信者には通知していません(バックスキャッタ防止)。\n\
         mugai could not deliver the sanitized message to the recipients below.\n\
         The internet sender was not told (no backscatter).\n\n",
    );
    text.push_str(&summary(original, None, original_sha256));
    for recipient in failed {
        text.push_str(&format!(
            "宛先 / recipient: <{}>: {}\n",
            recipient.address,
            recipient.last_response.as_deref().unwrap_or("no answer")
        ));
    }
    build(config, original, "配送失敗 / delivery failed", &text, now)
}

fn summary(original: &Envelope, subject: Option<&str>, sha256: Option<&str>) -> String {
    let mut text = format!(
        "キューID / queue id: {}\n受信 / received: {} from {} ({})\n送信者 / sender: <{}>\n宛先 / recipients: {}\n",
        original.queue_id,
        rfc5322_date(original.received_at),
        original.client,
        original.helo,
        original.sender,
        original
            .recipients
            .iter()
            .map(|r| format!("<{r}>"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    if let Some(subject) = subject {
        text.push_str(&format!("件名 / subject: {subject}\n"));
    }
    if let Some(sha256) = sha256 {
        text.push_str(&format!("原本ID / original id: {sha256}\n"));
    }
    text
}

fn build(
    config: &Config,
    original: &Envelope,
    title: &str,
    text: &str,
    now: i64,
) -> PostmasterReport {
    let hostname = &config.smtp.hostname;
    // The municipality's own postmaster and notice policy, if it has them.
    let tenant = config.tenant_of(&original.recipients);
    let postmaster = tenant
        .and_then(|t| t.postmaster.clone())
        .unwrap_or_else(|| config.delivery.postmaster.clone());
    let policy = config.policy_for(tenant);
    let from = format!("MAILER-DAEMON@{hostname}");
    let to = format!("<{postmaster}>");
    let subject = format!("[mugai] {title}: {}", original.queue_id);
    let date = rfc5322_date(now);
    let message_id = format!("<{}.report@{hostname}>", original.queue_id);
    let message = plain_text_message(
        &[
            ("From", &format!("mugai <{from}>")),
            ("To", &to),
            ("Subject", &subject),
            ("Date", &date),
            ("Message-ID", &message_id),
            ("Auto-Submitted", "auto-replied"),
        ],
        text,
        policy.links,
        policy.notice_language,
    );
    PostmasterReport {
        envelope: Envelope {
            queue_id: String::new(),
            sender: String::new(),
            recipients: vec![postmaster],
            client: "local".into(),
            helo: hostname.clone(),
            tls: None,
            received_at: now,
            smtputf8: false,
            origin: Origin::Report,
        },
        message,
    }
}

/// Spools a report for the postmaster and queues it (blocking).
pub fn send(pipeline: &Arc<Pipeline>, about: &str, mut report: PostmasterReport) {
    report.envelope.queue_id = pipeline.spool.new_id();
    let id = report.envelope.queue_id.clone();
    match pipeline.spool.inject(&report.envelope, &report.message) {
        Ok(()) => {
            tracing::info!(
                queue_id = %id,
                "{id}: from=<> size={} nrcpt=1 (report about {about} to the postmaster)",
                report.message.len()
            );
            pipeline.submit(id);
        }
        Err(e) => tracing::error!("{about}: cannot spool the postmaster report: {e}"),
    }
}
