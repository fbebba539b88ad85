//! The short notice at the top of every sanitized mail, rendered from the
//! `Report` only: where the mail came from, what was converted, what was
//! removed and why, and how to ask for the original. Polite and brief:
//! staff read it many times a day.

use super::report::{Action, PartAction, PartReason, PartReport, Report, UnlockReport};
use super::writer::TextWriter;
use crate::policy::{Language, LinkMode, Policy};

/// The line that separates the notice from the message text.
pub const SEPARATOR: &str = "────────────────────────────────────────";

/// Writes the notice for `report` into `writer`.
/// `request_link`: the placeholder for the recipient's request link, when
/// originals can be requested by link.
pub fn render(
    report: &Report,
    policy: &Policy,
    request_link: Option<&str>,
    writer: &mut TextWriter,
) {
    let ja = policy.notice_language == Language::Ja;
    let mut lines: Vec<String> = Vec::new();
    lines.push(if ja {
        "【無害化のお知らせ】このメールはインターネットから届いたため、安全のため無害化して配信しています。".into()
    } else {
        "[Sanitized] This message came from the internet and was made harmless before delivery.".into()
    });
    let bullet = if ja { "・" } else { "- " };
    if let Some(unlocked) = report.unlock.as_ref().filter(|u| u.opened) {
        lines.push(format!("{bullet}{}", unlock_text(unlocked, ja)));
    }
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
    if report.has(Action::LayoutPictured) {
        lines.push(format!(
            "{bullet}{}",
            if ja {
                "HTMLメールの見た目を画像にして「本文.png」として添付しています（外部の画像等は読み込んでいません）。"
            } else {
                "A picture of the HTML layout is attached as 本文.png (nothing remote was loaded)."
            }
        ));
    }
    if report.has(Action::LinksDefanged) || report.has(Action::LinksRemoved) {
        let text = match (policy.links, ja) {
            (LinkMode::Remove, true) => "本文中のURLを削除しました。",
            (LinkMode::Remove, false) => "Links in the text were removed.",
            (_, true) => {
                "本文中のURLはクリックできないよう書き換えています（http → hxxp、: → [:]、. → [.]）。"
            }
            (_, false) => {
                "Links in the text were made unclickable (http → hxxp, : → [:], . → [.])."
            }
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
    let notable: Vec<&PartReport> = report.notable_parts().collect();
    if !notable.is_empty() {
        lines.push(format!(
            "{bullet}{}",
            if ja {
                "添付ファイル等は次のとおり処理しました。"
            } else {
                "Attachments and other parts:"
            }
        ));
        for part in notable {
            let indent = if part.container.is_some() {
                "        "
            } else {
                "    "
            };
            lines.push(format!("{indent}{}", describe(part, ja)));
        }
    }
    let worth_a_link = report.notable_parts().next().is_some() || report.has(Action::TextConverted);
    lines.push(how_to_ask(
        report,
        request_link.filter(|_| worth_a_link),
        ja,
    ));
    lines.push(SEPARATOR.to_string());
    writer.write_block(&lines.join("\n"));
}

/// The line of a message re-sent with a password-protected part opened.
fn unlock_text(unlocked: &UnlockReport, ja: bool) -> String {
    let name = unlocked.name.as_deref().unwrap_or(if ja {
        "（名前なし）"
    } else {
        "(unnamed)"
    });
    match (unlocked.automatic, ja) {
        (false, true) => format!(
            "パスワード付きの「{name}」を、受信者が入力したパスワードで開き、中身を無害化して届けています。"
        ),
        (false, false) => format!(
            "The password-protected \"{name}\" was opened with the password the recipient entered, and its contents made harmless."
        ),
        (true, true) => format!(
            "パスワード付きの「{name}」を、同じ差出人から続けて届いたメールに書かれたパスワードで自動的に開き、中身を無害化して届けています。"
        ),
        (true, false) => format!(
            "The password-protected \"{name}\" was opened automatically with the password in a later message from the same sender, and its contents made harmless."
        ),
    }
}

/// How to obtain the original: the request link when there is one, the
/// original's id otherwise. A password-protected part can be opened on
/// the same page.
pub fn how_to_ask(report: &Report, request_link: Option<&str>, ja: bool) -> String {
    let locked = report.locked_parts().next().is_some();
    let ask = ask_text(report, request_link, ja);
    match request_link {
        Some(_) if locked && ja => format!(
            "{ask}\nパスワード付きのファイルは、同じページでパスワードを入力すると、開いて無害化したものを届けます。"
        ),
        Some(_) if locked => format!(
            "{ask}\nA password-protected file can be opened on the same page: enter its password and its contents arrive made harmless."
        ),
        _ => ask,
    }
}

fn ask_text(report: &Report, request_link: Option<&str>, ja: bool) -> String {
    match request_link {
        Some(link) if ja => format!(
            "原本が必要な場合は、次のページから取り出しを依頼できます（承認後に届きます）。\n{link}\n原本ID: {}",
            report.original_sha256
        ),
        Some(link) => format!(
            "To obtain the original, request it on this page (it arrives once approved):\n{link}\nOriginal ID: {}",
            report.original_sha256
        ),
        None => original_id_line(report, ja),
    }
}

/// How to ask for the original without a link.
fn original_id_line(report: &Report, ja: bool) -> String {
    if ja {
        format!(
            "原本が必要な場合は、次の原本IDを添えて管理者にお申し出ください。\n原本ID: {}",
            report.original_sha256
        )
    } else {
        format!(
            "To obtain the original, contact your administrator quoting this ID:\nOriginal ID: {}",
            report.original_sha256
        )
    }
}

/// `請求書.pdf → 画像化したPDF (3ページ)`, `setup.exe → 削除 (実行ファイル)`.
fn describe(part: &PartReport, ja: bool) -> String {
    let name = match (&part.container, &part.filename) {
        (Some(archive), Some(name)) => format!("{archive}/{name}"),
        (None, Some(name)) => name.clone(),
        (_, None) if ja => "（名前なし）".to_string(),
        (_, None) => "(unnamed)".to_string(),
    };
    if part.reason.is_none() {
        return name;
    }
    format!("{name} → {}", part_outcome(part, ja))
}

/// What was done with one part, in the notice's plain words:
/// `削除（実行ファイル）`, `画像化したPDF（3ページ）`, `本文として表示`.
/// The web pages show the same words.
pub fn part_outcome(part: &PartReport, ja: bool) -> String {
    let Some(reason) = part.reason else {
        return match (part.action, ja) {
            (PartAction::Kept, true) => "本文として表示",
            (PartAction::Kept, false) => "shown as text",
            (PartAction::Converted, true) => "変換",
            (PartAction::Converted, false) => "converted",
            (PartAction::Removed, true) => "削除",
            (PartAction::Removed, false) => "removed",
        }
        .to_string();
    };
    match (part.action, &part.output) {
        (_, _) if reason == PartReason::Unpacked => unpacked_text(part, ja),
        (PartAction::Removed, _) => {
            let why = match reason {
                PartReason::KindRemoved => part
                    .kinds
                    .as_ref()
                    .map(|k| kind_text(k.kind.as_str(), ja).to_string())
                    .unwrap_or_default(),
                other => reason_text(other, ja).to_string(),
            };
            match (why.is_empty(), ja) {
                (true, true) => "削除".to_string(),
                (true, false) => "removed".to_string(),
                (false, true) => format!("削除（{why}）"),
                (false, false) => format!("removed ({why})"),
            }
        }
        (_, Some(output)) => converted_text(reason, output, part, ja),
        (_, None) => conversion_text(reason, ja).to_string(),
    }
}

/// A message-level action in plain words, for the web pages.
pub fn action_words(action: Action, ja: bool) -> &'static str {
    match (action, ja) {
        (Action::TextConverted, true) => "HTML形式の本文をテキストに変換",
        (Action::TextConverted, false) => "HTML body converted to text",
        (Action::CharsetRepaired, true) => "文字コードを補正",
        (Action::CharsetRepaired, false) => "character set repaired",
        (Action::LinksDefanged, true) => "URLをクリックできない形に書き換え",
        (Action::LinksDefanged, false) => "links made unclickable",
        (Action::LinksRemoved, true) => "URLを削除",
        (Action::LinksRemoved, false) => "links removed",
        (Action::ForwardedInlined, true) => "添付されたメールを本文に引用",
        (Action::ForwardedInlined, false) => "attached messages quoted in the text",
        (Action::AttachmentsRemoved, true) => "添付ファイルを削除",
        (Action::AttachmentsRemoved, false) => "attachments removed",
        (Action::AttachmentsConverted, true) => "添付ファイルを変換",
        (Action::AttachmentsConverted, false) => "attachments converted",
        (Action::HeadersRemoved, true) => "ヘッダーを削除",
        (Action::HeadersRemoved, false) => "header fields removed",
        (Action::SubjectTagged, true) => "件名に目印を付加",
        (Action::SubjectTagged, false) => "subject tagged",
        (Action::Refused, true) => "メール全体を配信せず、お知らせのみ配信",
        (Action::Refused, false) => "refused as a whole; a notice was delivered instead",
        (Action::Repaired, true) => "壊れた本文を修復",
        (Action::Repaired, false) => "damaged text repaired",
        (Action::LayoutPictured, true) => "HTMLの見た目を画像で添付",
        (Action::LayoutPictured, false) => "HTML layout attached as a picture",
    }
}

fn unpacked_text(part: &PartReport, ja: bool) -> String {
    if ja {
        format!("展開（{}、中身は以下のとおり）", human_size(part.size))
    } else {
        format!("unpacked ({}, contents below)", human_size(part.size))
    }
}

/// What replaced a converted attachment.
fn converted_text(
    reason: PartReason,
    output: &super::report::OutputReport,
    part: &PartReport,
    ja: bool,
) -> String {
    let renamed = part.filename.as_deref() != Some(output.name.as_str());
    match (reason, output.pages, output.pages_total) {
        (PartReason::PdfRasterised, Some(pages), Some(total)) if pages < total => {
            if ja {
                format!("画像化したPDF（先頭{pages}ページ／全{total}ページ）")
            } else {
                format!("PDF rebuilt from page images (first {pages} of {total} pages)")
            }
        }
        (PartReason::PdfRasterised, Some(pages), _) => {
            if ja {
                format!("画像化したPDF（{pages}ページ）")
            } else {
                format!("PDF rebuilt from page images ({pages} pages)")
            }
        }
        (other, _, _) if renamed && ja => {
            format!("{}（{}）", conversion_text(other, ja), output.name)
        }
        (other, _, _) if renamed => format!("{} ({})", conversion_text(other, ja), output.name),
        (other, _, _) => conversion_text(other, ja).to_string(),
    }
}

fn conversion_text(reason: PartReason, ja: bool) -> &'static str {
    match (reason, ja) {
        (PartReason::ImageReencoded, true) => "画像を再作成",
        (PartReason::ImageReencoded, false) => "image re-created",
        (PartReason::PdfRasterised, true) => "画像化したPDF",
        (PartReason::PdfRasterised, false) => "PDF rebuilt from page images",
        (PartReason::TextExtracted, true) => "テキスト抽出",
        (PartReason::TextExtracted, false) => "text extracted",
        (PartReason::CalendarSummarised, true) => "予定の内容を本文に記載",
        (PartReason::CalendarSummarised, false) => "event summarised in the text",
        (PartReason::Unpacked, true) => "展開",
        (PartReason::Unpacked, false) => "unpacked",
        (other, _) => reason_text(other, ja),
    }
}

/// Plain words for a detected kind (why it was removed).
fn kind_text(kind: &str, ja: bool) -> &'static str {
    match (kind, ja) {
        ("executable", true) => "実行ファイル",
        ("executable", false) => "executable",
        ("script", true) => "スクリプト",
        ("script", false) => "script",
        ("html", true) => "HTMLファイル",
        ("html", false) => "HTML file",
        ("svg", true) => "SVG画像（スクリプトを含み得る形式）",
        ("svg", false) => "SVG image (may carry scripts)",
        ("shortcut", true) => "ショートカット",
        ("shortcut", false) => "shortcut",
        ("disk-image", true) => "ディスクイメージ",
        ("disk-image", false) => "disk image",
        ("onenote", true) => "OneNoteファイル",
        ("onenote", false) => "OneNote file",
        ("legacy-office", true) => "旧形式のOffice文書（マクロを含み得る形式）",
        ("legacy-office", false) => "legacy Office document (may carry macros)",
        ("encrypted", true) => "パスワード付きのため中身を確認できません",
        ("encrypted", false) => "password-protected: its content cannot be checked",
        ("other-archive", true) => "zip以外の圧縮ファイル",
        ("other-archive", false) => "archive other than zip",
        ("media", true) => "音声・動画ファイル",
        ("media", false) => "audio or video file",
        ("package", true) => "変換できない形式の文書（EPUB、XPS等）",
        ("package", false) => "document format that cannot be converted (EPUB, XPS …)",
        ("unknown", true) => "種類を確認できないファイル",
        ("unknown", false) => "unknown type",
        (_, true) => "この種類のファイルは設定により削除します",
        (_, false) => "this kind is removed by policy",
    }
}

pub fn reason_text(reason: PartReason, ja: bool) -> &'static str {
    match (reason, ja) {
        (PartReason::InlineImage, true) => "本文に埋め込まれた画像等",
        (PartReason::InlineImage, false) => "image or resource embedded in the HTML body",
        (PartReason::HtmlTooLarge, true) => "HTML本文が大きすぎるため変換できませんでした",
        (PartReason::HtmlTooLarge, false) => "HTML body too large to convert",
        (PartReason::HtmlTooDeep, true) => "HTML本文の構造が複雑すぎるため変換できませんでした",
        (PartReason::HtmlTooDeep, false) => "HTML body too deeply nested to convert",
        (PartReason::BadEncoding, true) => "符号化が壊れているため読み取れませんでした",
        (PartReason::BadEncoding, false) => "its encoding is broken",
        (PartReason::Unsupported, true) => "テキストとして安全に表示できない形式",
        (PartReason::Unsupported, false) => "a type that cannot be shown safely as text",
        (PartReason::KindRemoved, true) => "この種類のファイルは設定により削除します",
        (PartReason::KindRemoved, false) => "this kind is removed by policy",
        (PartReason::TypeMismatch, true) => "ファイル名や種類の表示と中身が一致しません",
        (PartReason::TypeMismatch, false) => "its name or type does not match its content",
        (PartReason::Encrypted, true) => "パスワード付きのため中身を確認できません",
        (PartReason::Encrypted, false) => "password-protected: its content cannot be checked",
        (PartReason::WrongPassword, true) => "パスワードが違うため開けません",
        (PartReason::WrongPassword, false) => "the password given does not open it",
        (PartReason::Unreadable, true) => "ファイルが壊れているか読み取れません",
        (PartReason::Unreadable, false) => "damaged or unreadable",
        (PartReason::TooLarge, true) => "大きさや数が上限を超えています",
        (PartReason::TooLarge, false) => "beyond a size or count limit",
        (PartReason::UnsafeArchive, true) => "不審な構造の圧縮ファイルです",
        (PartReason::UnsafeArchive, false) => "an archive with a suspicious structure",
        (PartReason::TimeLimit, true) => "変換に時間がかかりすぎました",
        (PartReason::TimeLimit, false) => "conversion took too long",
        (PartReason::ConverterFailed, true) => "変換に失敗しました",
        (PartReason::ConverterFailed, false) => "conversion failed",
        (PartReason::AlternativeUnused, true) => "同じ内容の別形式の本文を表示したため不要",
        (PartReason::AlternativeUnused, false) => "another rendition of the same text was shown",
        (PartReason::HtmlToText, true) => "HTMLをテキストに変換",
        (PartReason::HtmlToText, false) => "HTML converted to text",
        (PartReason::ForwardedMessage, true) => "本文に引用",
        (PartReason::ForwardedMessage, false) => "quoted in the text",
        (
            PartReason::ImageReencoded
            | PartReason::PdfRasterised
            | PartReason::TextExtracted
            | PartReason::Unpacked
            | PartReason::CalendarSummarised,
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
