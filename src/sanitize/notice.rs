//! The short notice at the top of every sanitized mail, rendered from the
//! `Report` only: where the mail came from, what was converted, what was
//! removed and why, and how to ask for the original. Polite and brief:
//! staff read it many times a day.

use super::links::BodyWriter;
use super::report::{Action, PartReason, PartReport, Report};
use crate::policy::{Language, LinkMode, Policy};

/// The line that separates the notice from the message text.
pub const SEPARATOR: &str = "────────────────────────────────────────";

/// Writes the notice for `report` into `writer`.
pub fn render(report: &Report, policy: &Policy, writer: &mut BodyWriter) {
    let ja = policy.notice_language == Language::Ja;
    let mut lines: Vec<String> = Vec::new();
    lines.push(if ja {
        "【無害化のお知らせ】このメールはインターネットから届いたため、安全のため無害化して配信しています。".into()
    } else {
        "[Sanitized] This message came from the internet and was made harmless before delivery.".into()
    });
    let bullet = if ja { "・" } else { "- " };
    if report.has(Action::TextConverted) {
        lines.push(format!(
            "{bullet}{}",
            if ja {
                "HTML形式の本文をテキスト形式に変換しました。"
            } else {
                "The HTML body was converted to plain text."
            }
        ));
    }
    if report.has(Action::LinksDefanged) || report.has(Action::LinksRemoved) {
        let text = match (policy.links, ja) {
            (LinkMode::Remove, true) => "本文中のURLを削除しました。",
            (LinkMode::Remove, false) => "Links in the text were removed.",
            (_, true) => {
                "本文中のURLはクリックできないよう書き換えています（http → hxxp、. → [.]）。"
            }
            (_, false) => "Links in the text were made unclickable (http → hxxp, . → [.]).",
        };
        lines.push(format!("{bullet}{text}"));
    }
    if report.has(Action::ForwardedInlined) {
        lines.push(format!(
            "{bullet}{}",
            if ja {
                "添付されたメールを本文に引用して表示しています。"
            } else {
                "Attached messages are shown quoted in the text."
            }
        ));
    }
    let removed: Vec<&PartReport> = report.notable_parts().collect();
    if !removed.is_empty() {
        lines.push(format!(
            "{bullet}{}",
            if ja {
                "次の添付ファイル等を削除しました。"
            } else {
                "These parts were removed:"
            }
        ));
        for part in removed {
            lines.push(format!("    {}", describe(part, ja)));
        }
    }
    lines.push(if ja {
        format!(
            "原本が必要な場合は、次の原本IDを添えて管理者にお申し出ください。\n原本ID: {}",
            report.original_sha256
        )
    } else {
        format!(
            "To obtain the original, contact your administrator quoting this ID:\nOriginal ID: {}",
            report.original_sha256
        )
    });
    lines.push(SEPARATOR.to_string());
    writer.write_block(&lines.join("\n"));
}

/// `請求書.pdf (120.5 KB, application/pdf): reason`
fn describe(part: &PartReport, ja: bool) -> String {
    let name = match &part.filename {
        Some(name) => name.clone(),
        None if ja => "（名前なし）".to_string(),
        None => "(unnamed)".to_string(),
    };
    let reason = part.reason.map(|r| reason_text(r, ja)).unwrap_or_default();
    if ja {
        format!(
            "- {name}（{}、{}）: {reason}",
            human_size(part.size),
            part.detected_type
        )
    } else {
        format!(
            "- {name} ({}, {}): {reason}",
            human_size(part.size),
            part.detected_type
        )
    }
}

fn reason_text(reason: PartReason, ja: bool) -> &'static str {
    match (reason, ja) {
        (PartReason::Attachment, true) => "添付ファイルは安全のため削除しました",
        (PartReason::Attachment, false) => "attachments are removed for safety",
        (PartReason::InlineImage, true) => "本文に埋め込まれた画像等のため削除しました",
        (PartReason::InlineImage, false) => "image or resource embedded in the HTML body",
        (PartReason::HtmlTooLarge, true) => "HTML本文が大きすぎるため変換できませんでした",
        (PartReason::HtmlTooLarge, false) => "HTML body too large to convert",
        (PartReason::HtmlTooDeep, true) => "HTML本文の構造が複雑すぎるため変換できませんでした",
        (PartReason::HtmlTooDeep, false) => "HTML body too deeply nested to convert",
        (PartReason::BadEncoding, true) => "符号化が壊れているため読み取れませんでした",
        (PartReason::BadEncoding, false) => "its encoding is broken",
        (PartReason::Unsupported, true) => "テキストとして安全に表示できない形式のため削除しました",
        (PartReason::Unsupported, false) => "a type that cannot be shown safely as text",
        (
            PartReason::AlternativeUnused | PartReason::HtmlToText | PartReason::ForwardedMessage,
            _,
        ) => "",
    }
}

/// Sizes as people read them: 512 B, 12.3 KB, 4.0 MB.
pub fn human_size(bytes: u64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KB {
        format!("{bytes} B")
    } else if b < KB * KB {
        format!("{:.1} KB", b / KB)
    } else if b < KB * KB * KB {
        format!("{:.1} MB", b / KB / KB)
    } else {
        format!("{:.1} GB", b / KB / KB / KB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(12_600), "12.3 KB");
        assert_eq!(human_size(5 << 20), "5.0 MB");
    }
}
