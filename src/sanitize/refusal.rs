//! The notice-only message: what each recipient gets when a message is
//! refused as a whole (a limit, a converter that died or ran out of time
//! or memory), so that staff know mail arrived and how to ask for it.
//!
//! It carries the original's decoded and cleaned From, To, Cc, Subject and
//! Date (read from the header block alone, so even a message whose body
//! killed a converter gets one), a few plain sentences on what happened,
//! and the request link or the original's id; nothing of the body. It is
//! written by the same writer and composer as every sanitized message.

use super::compose::{self, Composition};
use super::headers::{self, KeptHeaders};
use super::notice::{SEPARATOR, how_to_ask};
use super::report::{Action, RefusalCode, Report};
use super::writer::TextWriter;
use super::{Sanitized, Stamp, tag_subject};
use crate::policy::{Language, Policy};

/// The header block of `original` decoded, at most `max` bytes of it
/// read; empty when there is none to read.
fn header_block(original: &[u8], max: usize, policy: &Policy) -> KeptHeaders {
    let head = &original[..original.len().min(max)];
    let end = memchr::memmem::find(head, b"\r\n\r\n")
        .or_else(|| memchr::memmem::find(head, b"\n\n"))
        .map_or(head.len(), |p| p + 2);
    let Some(message) = mail_parser::MessageParser::default().parse_headers(&head[..end]) else {
        return KeptHeaders::default();
    };
    let mut kept = headers::read(&message, false);
    kept.rewrite_display_text(policy.links, policy.notice_language);
    kept
}

/// Plain words for why a message was refused (the notice-only message
/// and the web pages say the same).
pub fn reason_text(code: Option<RefusalCode>, ja: bool) -> &'static str {
    match (code.unwrap_or(RefusalCode::Structure), ja) {
        (RefusalCode::Nesting, true) => "メールの入れ子（転送や添付の重なり）が深すぎます",
        (RefusalCode::Nesting, false) => "the message is nested too deeply",
        (RefusalCode::Parts, true) => "メールを構成する部分が多すぎます",
        (RefusalCode::Parts, false) => "the message has too many parts",
        (RefusalCode::Header, true) => "ヘッダーが大きすぎるか、読み取れません",
        (RefusalCode::Header, false) => "its header is too large or unreadable",
        (RefusalCode::Encoding, true) => "本文の符号化が壊れています",
        (RefusalCode::Encoding, false) => "its body's transfer encoding is broken",
        (RefusalCode::Charset, true) => "読み取れる本文がありません（文字コードを判別できません）",
        (RefusalCode::Charset, false) => {
            "nothing readable remains: its text is in no known character set"
        }
        (RefusalCode::Size, true) => "メールが大きすぎます",
        (RefusalCode::Size, false) => "the message is too large",
        (RefusalCode::Structure, true) => "メールの構造を読み取れません",
        (RefusalCode::Structure, false) => "its structure cannot be read",
        (RefusalCode::ConverterCrashed, true) => "無害化の処理が異常終了しました",
        (RefusalCode::ConverterCrashed, false) => "the conversion failed",
        (RefusalCode::TimeLimit, true) => "無害化の処理が時間の上限を超えました",
        (RefusalCode::TimeLimit, false) => "the conversion took too long",
        (RefusalCode::MemoryLimit, true) => "無害化の処理がメモリの上限を超えました",
        (RefusalCode::MemoryLimit, false) => "the conversion needed too much memory",
    }
}

/// The notice-only message for a refused `original` (`report` says why).
pub fn notice_only(original: &[u8], report: &Report, policy: &Policy, stamp: &Stamp) -> Sanitized {
    let max = policy.limits.max_header_size.bytes() as usize;
    let kept = header_block(original, max, policy);
    let ja = policy.notice_language == Language::Ja;
    let mut lines = vec![
        if ja {
            "【無害化のお知らせ】インターネットから次のメールが届きましたが、安全に無害化できなかったため、本文と添付ファイルはお届けしていません。".to_string()
        } else {
            "[Sanitized] A message from the internet arrived for you, but it could not be made harmless, so its text and attachments were not delivered.".to_string()
        },
        format!(
            "{}{}",
            if ja { "・理由: " } else { "- Reason: " },
            reason_text(report.reason, ja)
        ),
    ];
    let from = super::address::display(&kept.from);
    let facts = [
        (if ja { "差出人" } else { "From" }, from),
        (
            if ja { "件名" } else { "Subject" },
            kept.subject.clone().unwrap_or_default(),
        ),
        (
            if ja { "日時" } else { "Date" },
            kept.date.clone().unwrap_or_default(),
        ),
    ];
    for (label, value) in facts {
        if !value.is_empty() {
            lines.push(format!("・{label}: {value}"));
        }
    }
    lines.push(how_to_ask(report, stamp.request_link.as_deref(), ja));
    lines.push(SEPARATOR.to_string());
    let mut writer = TextWriter::new(policy.links, policy.notice_language, 1024);
    writer.write_block(&lines.join("\n"));
    let (text, _) = writer.finish();
    let mut notice_report = report.clone();
    notice_report.actions = vec![Action::Refused];
    let subject = tag_subject(kept.subject.as_deref(), &policy.subject_prefix);
    let composed = compose::compose(
        &Composition {
            headers: &kept,
            subject: subject.as_deref(),
            report: &notice_report,
            stamp,
            files: &[],
        },
        &[&text],
    );
    Sanitized {
        message: composed.message,
        report: report.clone(),
        text,
        text_span: composed.text_span,
        text_encoding: composed.text_encoding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(link: Option<&str>) -> Stamp {
        Stamp {
            hostname: "mugai.test".into(),
            received_at: 1_795_000_000,
            queue_id: Some("Q1".into()),
            request_link: link.map(str::to_string),
        }
    }

    #[test]
    fn recipients_learn_who_wrote_what_and_how_to_ask() {
        let original = "From: =?UTF-8?B?5bGx55Sw?= <yamada@example.co.jp>\r\nTo: taro@example.lg.jp\r\n\
Subject: =?UTF-8?B?6KuL5rGC5pu4?= https://evil.example/x\r\nDate: Mon, 2 Nov 2026 09:00:00 +0900\r\n\r\n\
BODY-MARKER\r\n";
        let mut report = Report::new("ab".repeat(32), original.len() as u64);
        report.reason = Some(RefusalCode::TimeLimit);
        let done = notice_only(
            original.as_bytes(),
            &report,
            &Policy::default(),
            &stamp(Some("LINK-PLACEHOLDER")),
        );
        let parsed = mail_parser::MessageParser::default()
            .parse(&done.message)
            .unwrap();
        assert_eq!(parsed.subject(), Some("請求書 hxxps[:]//evil[.]example/x"));
        assert_eq!(parsed.from().unwrap().first().unwrap().name(), Some("山田"));
        let body = parsed.body_text(0).unwrap();
        assert!(body.contains("時間の上限"), "{body}");
        assert!(body.contains("LINK-PLACEHOLDER"), "{body}");
        assert!(
            body.contains("・差出人: 山田 <yamada@example.co.jp>"),
            "{body}"
        );
        assert!(!String::from_utf8_lossy(&done.message).contains("BODY-MARKER"));
        assert!(String::from_utf8_lossy(&done.message).contains("X-Mugai-Sanitized: refused"));
        // The per-recipient link goes in like a sanitized message's.
        let linked = done.with_link("LINK-PLACEHOLDER", "https://mugai.example/r/T");
        assert!(String::from_utf8_lossy(&linked).len() > 100);
    }

    #[test]
    fn no_header_block_still_gives_a_notice() {
        let mut report = Report::new("cd".repeat(32), 3);
        report.reason = Some(RefusalCode::Header);
        let done = notice_only(b"\x00\x01\x02", &report, &Policy::default(), &stamp(None));
        let parsed = mail_parser::MessageParser::default()
            .parse(&done.message)
            .unwrap();
        assert!(parsed.body_text(0).unwrap().contains("原本ID"));
    }
}
