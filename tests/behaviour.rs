//! What a staff member and an operator would check on the samples, one
//! test per behaviour of the sanitization issue.

mod common;

use std::path::Path;

use mugai::policy::{ByteSize, Language, LinkMode, Policy};
use mugai::sanitize::{self, Action, PartAction, PartReason, RefusalCode, Report};

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name),
    )
    .unwrap()
}

fn sanitized_with(name: &str, policy: &Policy) -> (common::Output, Report) {
    let s = sanitize::sanitize(&sample(name), policy, &common::stamp())
        .unwrap_or_else(|r| panic!("{name} refused: {:?}", r.report.detail));
    (common::read_output(&s.message), s.report)
}

fn sanitized(name: &str) -> (common::Output, Report) {
    sanitized_with(name, &Policy::default())
}

/// The message text after the notice.
fn text_after_notice(body: &str) -> &str {
    body.split_once("────────────────────────────────────────\n")
        .map(|(_, t)| t)
        .unwrap_or(body)
}

fn refused_with(raw: &[u8], policy: &Policy) -> RefusalCode {
    match sanitize::sanitize(raw, policy, &common::stamp()) {
        Ok(_) => panic!("expected a refusal"),
        Err(r) => {
            assert!(r.report.detail.as_deref().is_some_and(|d| !d.is_empty()));
            r.report.reason.unwrap()
        }
    }
}

#[test]
fn japanese_charsets_decode_without_mojibake() {
    for name in [
        "plain-iso2022jp.eml",
        "plain-iso2022jp-ext.eml",
        "plain-cp50220.eml",
        "plain-shiftjis.eml",
        "plain-cp932-label.eml",
        "plain-eucjp.eml",
        "plain-utf7.eml",
        "plain-utf8.eml",
        "mislabel-sjis-as-jis.eml",
        "mislabel-utf8-as-jis.eml",
        "nolabel-sjis.eml",
        "unknown-charset.eml",
    ] {
        let (out, _) = sanitized(name);
        let text = text_after_notice(&out.body);
        assert!(!text.contains('\u{fffd}'), "{name}: {text}");
        assert!(!text.contains('\u{1b}'), "{name}");
        assert!(text.contains("お世話になっております"), "{name}: {text}");
    }
    let (out, _) = sanitized("plain-iso2022jp-ext.eml");
    for c in ["①", "㈱", "髙"] {
        assert!(out.body.contains(c), "{c} missing: {}", out.body);
    }
    let (out, _) = sanitized("plain-shiftjis.eml");
    assert!(out.body.contains('①') && out.body.contains('髙'));
}

#[test]
fn mislabelled_charsets_are_reported_as_repaired() {
    for name in [
        "mislabel-sjis-as-jis.eml",
        "mislabel-utf8-as-jis.eml",
        "nolabel-sjis.eml",
        "unknown-charset.eml",
    ] {
        assert!(sanitized(name).1.has(Action::CharsetRepaired), "{name}");
    }
    assert!(
        !sanitized("plain-iso2022jp.eml")
            .1
            .has(Action::CharsetRepaired)
    );
}

#[test]
fn html_becomes_visible_text_only() {
    let (out, report) = sanitized("html-only.eml");
    let text = text_after_notice(&out.body);
    for hidden in [
        "document.write",
        "<style",
        "font-family",
        "track.example.com",
        "<form",
        "<input",
    ] {
        assert!(!text.contains(hidden), "{hidden} leaked: {text}");
    }
    assert!(
        text.contains("キャンペーン詳細 <hxxps[:]//example[.]com/campaign?id=1>"),
        "{text}"
    );
    assert!(text.contains("・対象期間"), "list items kept: {text}");
    assert!(
        text.lines()
            .any(|l| l.contains("製品名") && l.contains("通常価格")),
        "table row on one line: {text}"
    );
    assert!(report.has(Action::TextConverted));
    assert_eq!(report.parts[0].action, PartAction::Converted);
    let (out, _) = sanitized("html-script-entities.eml");
    assert!(
        !out.body.to_ascii_lowercase().contains("<script"),
        "{}",
        out.body
    );
    assert!(!out.body.contains("javascript:"), "{}", out.body);
}

#[test]
fn html_wraps_by_display_width_or_not_at_all() {
    for width in [40usize, 76] {
        let policy = Policy {
            wrap_width: width,
            ..Policy::default()
        };
        let (out, _) = sanitized_with("html-only.eml", &policy);
        for line in text_after_notice(&out.body)
            .lines()
            .filter(|l| !l.contains('│') && !l.contains('─') && !l.contains("hxxp"))
        {
            assert!(
                unicode_width::UnicodeWidthStr::width(line) <= width,
                "{width}: {line}"
            );
        }
    }
    let policy = Policy {
        wrap_width: 0,
        ..Policy::default()
    };
    let (out, _) = sanitized_with("html-only.eml", &policy);
    assert!(
        out.body
            .contains("期間限定で、業務用ソフトウェアを特別価格にてご提供いたします。")
    );
}

#[test]
fn alternative_yields_exactly_one_rendition() {
    let (out, report) = sanitized("alternative.eml");
    assert!(
        !report.has(Action::TextConverted),
        "text part has content, so it is used"
    );
    let unused: Vec<_> = report
        .parts
        .iter()
        .filter(|p| p.reason == Some(PartReason::AlternativeUnused))
        .collect();
    assert_eq!(unused.len(), 1);
    let first_line = text_after_notice(&out.body)
        .lines()
        .find(|l| !l.is_empty())
        .unwrap()
        .to_string();
    assert_eq!(
        out.body.matches(&first_line).count(),
        1,
        "content appears once"
    );
    assert!(
        !out.body.contains("添付ファイル等を削除"),
        "unused rendition is not an attachment"
    );

    let (_, report) = sanitized("alternative-empty-text.eml");
    assert!(
        report.has(Action::TextConverted),
        "whitespace-only text part: HTML is used"
    );
}

#[test]
fn inline_images_of_the_html_rendition_are_reencoded_as_attachments() {
    let (out, report) = sanitized("related-inline-images.eml");
    let image = report
        .parts
        .iter()
        .find(|p| p.declared_type == "image/png")
        .unwrap();
    assert_eq!(image.action, PartAction::Converted);
    assert_eq!(image.reason, Some(PartReason::ImageReencoded));
    assert!(out.body.contains("logo.png → 画像を再作成"), "{}", out.body);
    assert!(report.has(Action::AttachmentsConverted));
    assert_eq!(out.attachments.len(), 1);
    assert_eq!(out.attachments[0].name, "logo.png");
    assert_eq!(out.attachments[0].mime, "image/png");
}

#[test]
fn forwarded_messages_are_quoted_with_their_headers() {
    let (out, report) = sanitized("forwarded.eml");
    assert!(
        out.body.contains("> ---------- 転送メッセージ ----------"),
        "{}",
        out.body
    );
    assert!(
        out.body
            .contains("> From: 鈴木 一郎 <ichiro.suzuki@example.jp>")
    );
    assert!(out.body.contains("> Subject: 研修参加者一覧"));
    assert!(out.body.contains("> Date: "));
    let inner = report
        .parts
        .iter()
        .find(|p| p.filename.as_deref() == Some("sankasha.csv"))
        .unwrap();
    assert_eq!(inner.action, PartAction::Converted);
    assert_eq!(inner.reason, Some(PartReason::TextExtracted));
    assert!(inner.path.contains('.'), "nested path: {}", inner.path);
    assert!(
        out.body
            .contains("sankasha.csv → テキスト抽出（sankasha.csv.txt）"),
        "inner attachment in the notice: {}",
        out.body
    );
    assert_eq!(out.attachments.len(), 1);
    assert_eq!(out.attachments[0].name, "sankasha.csv.txt");
    // Shift_JIS CSV, now UTF-8 text.
    assert_eq!(
        String::from_utf8(out.attachments[0].bytes.clone()).unwrap(),
        "氏名,所属\r\n山田 太郎,情報政策課\r\n鈴木 一郎,総務課\r\n"
    );

    let (out, _) = sanitized("forwarded-nested.eml");
    assert!(
        out.body.contains("> > ---------- 転送メッセージ"),
        "{}",
        out.body
    );
    let (out, _) = sanitized("digest.eml");
    assert_eq!(out.body.matches("転送メッセージ").count(), 2);
}

#[test]
fn bounces_keep_the_readable_report() {
    let (out, _) = sanitized("bounce.eml");
    assert!(out.body.contains("could not"), "{}", out.body);
    assert!(out.body.contains("Status: 5.1.1"));
}

#[test]
fn links_are_defanged_kept_or_removed() {
    let (out, report) = sanitized("links.eml");
    let text = text_after_notice(&out.body);
    for gone in [
        "http://",
        "https://",
        "ftp://",
        "www.example",
        "://",
        "mailto:",
        "tel:",
        "javascript:",
    ] {
        assert!(!text.contains(gone), "{gone} still clickable: {text}");
    }
    assert!(
        text.contains("hxxps[:]//example[.]com/infoをご覧ください"),
        "{text}"
    );
    assert!(report.has(Action::LinksDefanged));

    let keep = Policy {
        links: LinkMode::Keep,
        ..Policy::default()
    };
    let (out, report) = sanitized_with("links.eml", &keep);
    assert!(
        out.body
            .contains("https://www.example.co.jp/path/to/page?a=1&b=2#section")
    );
    assert!(!report.has(Action::LinksDefanged));

    let remove = Policy {
        links: LinkMode::Remove,
        ..Policy::default()
    };
    let (out, report) = sanitized_with("links.eml", &remove);
    let text = text_after_notice(&out.body);
    assert!(
        text.matches("[URL削除]").count() >= 10 && !text.contains("example.com"),
        "{text}"
    );
    assert!(report.has(Action::LinksRemoved));
}

#[test]
fn only_kept_headers_survive_plus_our_own() {
    let raw = sample("many-headers.eml");
    let s = sanitize::sanitize(&raw, &Policy::default(), &common::stamp()).unwrap();
    let out = common::read_output(&s.message);
    let names: Vec<&str> = out
        .header_block
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with('\t'))
        .filter_map(|l| l.split_once(':').map(|(n, _)| n))
        .collect();
    let allowed = [
        "Received",
        "From",
        "To",
        "Cc",
        "Reply-To",
        "Subject",
        "Date",
        "Message-ID",
        "In-Reply-To",
        "References",
        "MIME-Version",
        "Content-Type",
        "Content-Transfer-Encoding",
        "X-Mugai-Sanitized",
        "X-Mugai-Original",
    ];
    for name in &names {
        assert!(allowed.contains(name), "unexpected header {name}");
    }
    assert_eq!(names.iter().filter(|n| **n == "Received").count(), 1);
    assert!(
        out.header_block
            .starts_with("Received: by mugai.test (mugai);")
    );
    assert!(out.header_block.contains(&format!(
        "X-Mugai-Original: {}",
        sanitize::original_id(&raw)
    )));
    let parsed = mail_parser::MessageParser::default()
        .parse(&s.message)
        .unwrap();
    let cc: Vec<String> = parsed
        .cc()
        .unwrap()
        .iter()
        .filter_map(|a| a.name().map(str::to_string))
        .collect();
    assert!(
        cc.contains(&"鈴木 一郎".to_string()) && cc.contains(&"Kimura, Saburo".to_string()),
        "{cc:?}"
    );
    // Dropping header fields is routine, not an action.
    assert!(!s.report.has(Action::HeadersRemoved));
}

#[test]
fn an_untouched_message_says_none() {
    let raw =
        b"Received: from mx.example.jp by relay.example.jp; Mon, 2 Nov 2026 09:00:00 +0900\r\n\
From: a@example.jp\r\nTo: b@example.lg.jp\r\nSubject: hello\r\nX-Mailer: Foo 1.0\r\n\
DKIM-Signature: v=1; a=rsa-sha256; d=example.jp; b=abc\r\n\r\nplain text only\r\n";
    let s = sanitize::sanitize(raw, &Policy::default(), &common::stamp()).unwrap();
    let out = common::read_output(&s.message);
    assert!(
        out.header_block.contains("X-Mugai-Sanitized: none\r\n"),
        "{}",
        out.header_block
    );
}

#[test]
fn trace_headers_are_kept_on_request_decoded_and_sanitized() {
    let raw = sample("many-headers.eml");
    let upstream = String::from_utf8_lossy(&raw)
        .lines()
        .filter(|l| l.starts_with("Received:"))
        .count();
    assert!(upstream >= 2);
    let keep = Policy {
        keep_trace_headers: true,
        ..Policy::default()
    };
    let s = sanitize::sanitize(&raw, &keep, &common::stamp()).unwrap();
    let parsed = mail_parser::MessageParser::default()
        .parse(&s.message)
        .unwrap();
    let hops: Vec<String> = parsed
        .headers()
        .iter()
        .filter(|h| h.name() == "Received")
        .map(|h| {
            String::from_utf8_lossy(&s.message[h.offset_start as usize..h.offset_end as usize])
                .to_string()
        })
        .collect();
    assert_eq!(
        hops.len(),
        upstream + 1,
        "ours first, then every upstream hop"
    );
    assert!(hops[0].contains("(mugai)"), "{hops:?}");

    // A hostile hop: raw 8-bit text, a control character, a link.
    let hostile = "Received: from 悪意.example (evil) by mx.example.jp\x07 https://evil.example/x; Mon, 2 Nov 2026 09:00:00 +0900\r\nFrom: a@example.jp\r\nSubject: t\r\n\r\nbody\r\n";
    let s = sanitize::sanitize(hostile.as_bytes(), &keep, &common::stamp()).unwrap();
    let out = common::read_output(&s.message);
    let block = out.header_block.clone();
    assert!(block.is_ascii(), "{block}");
    assert!(!block.contains('\x07'), "{block}");
    assert!(
        !block.contains("https://evil"),
        "the link policy applies: {block}"
    );
    let parsed = mail_parser::MessageParser::default()
        .parse(&s.message)
        .unwrap();
    let hop = parsed
        .headers()
        .iter()
        .filter(|h| h.name() == "Received")
        .nth(1)
        .expect("the upstream hop");
    let hop = sanitize::decode_header_text(
        &s.message[hop.offset_start as usize..hop.offset_end as usize],
    );
    assert!(
        hop.starts_with("from 悪意.example (evil) by mx[.]example[.]jp hxxps[:]//"),
        "{hop}"
    );
    assert!(hop.ends_with("Mon, 2 Nov 2026 09:00:00 +0900"), "{hop}");
    // Without the setting only mugai's own hop is written.
    let s = sanitize::sanitize(hostile.as_bytes(), &Policy::default(), &common::stamp()).unwrap();
    let out = common::read_output(&s.message);
    assert_eq!(out.header_block.matches("Received:").count(), 1);
}

#[test]
fn subjects_are_decoded_and_prefixed_once() {
    let s = sanitize::sanitize(
        &sample("subject-split-multibyte.eml"),
        &Policy::default(),
        &common::stamp(),
    )
    .unwrap();
    let parsed = mail_parser::MessageParser::default()
        .parse(&s.message)
        .unwrap();
    assert_eq!(parsed.subject(), Some("日本語の件名です"));

    let policy = Policy {
        subject_prefix: "[外部]".into(),
        ..Policy::default()
    };
    for (name, expected) in [
        ("reply-with-prefix.eml", "Re: [外部] 打合せの件"),
        ("plain-utf8.eml", "[外部] "),
    ] {
        let s = sanitize::sanitize(&sample(name), &policy, &common::stamp()).unwrap();
        let parsed = mail_parser::MessageParser::default()
            .parse(&s.message)
            .unwrap();
        let subject = parsed.subject().unwrap();
        assert!(subject.starts_with(expected), "{subject}");
        assert_eq!(subject.matches("[外部]").count(), 1, "{subject}");
        let refs = parsed
            .references()
            .as_text_list()
            .map(|l| l.len())
            .unwrap_or(0);
        if name == "reply-with-prefix.eml" {
            assert_eq!(refs, 3);
            assert!(parsed.in_reply_to().as_text().is_some());
        }
    }
}

#[test]
fn attachment_names_are_decoded_and_listed_in_the_notice() {
    let (out, report) = sanitized("attachments-encoded-names.eml");
    let names: Vec<&str> = report
        .parts
        .iter()
        .filter_map(|p| p.filename.as_deref())
        .collect();
    assert_eq!(
        names,
        ["請求書.pdf", "見積書.xlsx", "議事録.docx", "写真.jpg"]
    );
    for name in &names {
        assert!(out.body.contains(name), "{name} not in notice");
    }
    assert!(
        report
            .parts
            .iter()
            .skip(1)
            .all(|p| p.action == PartAction::Removed)
    );
    let (out, report) = sanitized("attachment-double-extension.eml");
    let exe = report
        .parts
        .iter()
        .find(|p| p.filename.as_deref() == Some("請求書.pdf.exe"))
        .unwrap();
    assert_eq!(exe.declared_type, "application/pdf");
    assert_eq!(
        exe.detected_type,
        "application/vnd.microsoft.portable-executable"
    );
    assert!(out.body.contains("請求書.pdf.exe"));
}

#[test]
fn notice_is_japanese_by_default_and_english_by_setting() {
    let (out, report) = sanitized("attachments-encoded-names.eml");
    assert!(out.body.starts_with("【無害化のお知らせ】"));
    assert!(
        out.body
            .contains(&format!("原本ID: {}", report.original_sha256))
    );
    let en = Policy {
        notice_language: Language::En,
        ..Policy::default()
    };
    let (out, _) = sanitized_with("attachments-encoded-names.eml", &en);
    assert!(out.body.starts_with("[Sanitized]"));
    assert!(
        out.body.contains("Attachments and other parts:") && out.body.contains("Original ID: "),
        "{}",
        out.body
    );
    assert!(
        out.body
            .contains("写真.jpg → removed (damaged or unreadable)")
    );
}

#[test]
fn report_json_has_the_documented_shape() {
    let (_, report) = sanitized("attachments-encoded-names.eml");
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["outcome"], "sanitized");
    assert_eq!(json["original_sha256"].as_str().unwrap().len(), 64);
    let part = &json["parts"][1];
    for key in [
        "path",
        "filename",
        "declared_type",
        "detected_type",
        "size",
        "action",
        "reason",
        "kinds",
        "detail",
    ] {
        assert!(part.get(key).is_some(), "{key}");
    }
    assert_eq!(part["action"], "removed");
    // The sample's PDF is a stub with no pages.
    assert_eq!(part["reason"], "unreadable");
    assert_eq!(part["kinds"]["by_content"], "pdf");
    assert_eq!(part["kinds"]["by_label"], "pdf");
    assert_eq!(part["kinds"]["by_name"], "pdf");
    assert_eq!(part["kinds"]["kind"], "pdf");
    assert!(
        json["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "attachments-removed")
    );
}

#[test]
fn each_limit_refuses_with_its_defect_class() {
    let policy = Policy::default();
    assert_eq!(
        refused_with(&sample("deep-nesting.eml"), &policy),
        RefusalCode::Nesting
    );
    assert_eq!(
        refused_with(&sample("not-a-message.eml"), &policy),
        RefusalCode::Header
    );

    let mut tight = Policy::default();
    tight.limits.max_parts = 3;
    assert_eq!(
        refused_with(&sample("attachments-encoded-names.eml"), &tight),
        RefusalCode::Parts
    );
    let mut tight = Policy::default();
    tight.limits.max_header_size = ByteSize(200);
    assert_eq!(
        refused_with(&sample("many-headers.eml"), &tight),
        RefusalCode::Header
    );
    let mut tight = Policy::default();
    tight.limits.max_message_size = ByteSize(100);
    assert_eq!(
        refused_with(&sample("plain-utf8.eml"), &tight),
        RefusalCode::Size
    );
    let mut tight = Policy::default();
    tight.limits.max_decoded_size = ByteSize(100);
    assert_eq!(
        refused_with(&sample("attachments-encoded-names.eml"), &tight),
        RefusalCode::Size
    );
    let mut tight = Policy::default();
    tight.limits.max_line_length = ByteSize(40);
    assert_eq!(
        refused_with(&sample("plain-utf8.eml"), &tight),
        RefusalCode::Structure
    );

    let mut binary =
        b"From: a@example.com\r\nContent-Type: text/plain; charset=x-nonsense\r\n\r\n".to_vec();
    binary.extend((0..400u32).map(|i| 0x80 | (i * 37 % 128) as u8));
    assert_eq!(refused_with(&binary, &policy), RefusalCode::Charset);
}

#[test]
fn html_over_its_limits_is_removed_not_converted() {
    let mut policy = Policy::default();
    policy.limits.max_html_depth = 2;
    let (out, report) = sanitized_with("html-only.eml", &policy);
    assert_eq!(report.parts[0].reason, Some(PartReason::HtmlTooDeep));
    assert!(!out.body.contains("キャンペーン詳細"));
    assert!(out.body.contains("HTML本文の構造が複雑すぎる"));
}

#[test]
fn any_line_end_style_gives_the_same_text() {
    let (reference, _) = sanitized("plain-utf8.eml");
    let reference = text_after_notice(&reference.body).to_string();
    for name in ["crlf-lf.eml", "crlf-cr.eml", "crlf-mixed.eml"] {
        let (out, _) = sanitized(name);
        assert_eq!(text_after_notice(&out.body), reference, "{name}");
    }
}

#[test]
fn calendar_invitations_are_summarised_in_the_body() {
    let (out, report) = sanitized("calendar-invite.eml");
    let cal = report
        .parts
        .iter()
        .find(|p| p.declared_type == "text/calendar")
        .unwrap();
    assert_eq!(cal.action, PartAction::Converted);
    assert_eq!(cal.reason, Some(PartReason::CalendarSummarised));
    assert!(out.body.contains("件名: "), "{}", out.body);
    assert!(out.body.contains("日時: "), "{}", out.body);
    assert!(out.attachments.is_empty());
}

/// A byte order mark and blank lines before the first header field are
/// repaired, not refused: the message arrives, and the report and
/// X-Mugai-Sanitized say it was repaired.
#[test]
fn a_byte_order_mark_before_the_header_is_repaired() {
    let raw = b"\xEF\xBB\xBF\r\n\r\nFrom: a@example.com\r\nSubject: =?UTF-8?B?5qGI5YaF?=\r\n\r\n\xE6\x9C\xAC\xE6\x96\x87\r\n";
    let done = mugai::sanitize::sanitize(raw, &mugai::policy::Policy::default(), &common::stamp())
        .expect("repaired, not refused");
    assert_eq!(
        done.report.repairs,
        [
            mugai::sanitize::repair::Repair::ByteOrderMark,
            mugai::sanitize::repair::Repair::LeadingWhitespace
        ]
    );
    let text = String::from_utf8_lossy(&done.message).to_string();
    let header = text
        .lines()
        .find(|l| l.starts_with("X-Mugai-Sanitized:"))
        .unwrap();
    assert!(header.contains("repaired"), "{header}");
    let out = common::read_output(&done.message);
    assert!(out.body.contains("本文"), "{}", out.body);
}

/// Malformed text is repaired the way mail clients read it, never refused:
/// each class arrives readable, and the report names the repair.
#[test]
fn malformed_text_is_repaired_not_refused() {
    use mugai::sanitize::repair::Repair;
    let cases: Vec<(&str, Vec<u8>, Repair, &str)> = vec![
        (
            "base64 with stray characters and no padding",
            b"From: a@example.com\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n5pel5pys6Kqe!!\r\n 44Gu5pys5paH\r\n".to_vec(),
            Repair::Base64,
            "日本語の本文",
        ),
        (
            "a multipart that never closes",
            b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello unclosed\r\n".to_vec(),
            Repair::UnterminatedPart,
            "hello unclosed",
        ),
        (
            "a boundary that never appears",
            b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"zzz\"\r\n\r\nplain body text only\r\n".to_vec(),
            Repair::MultipartWithoutBoundary,
            "plain body text only",
        ),
        (
            "base64 with a word glued on after its padding",
            b"From: a@example.com\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n44GC44KK44GM44Go44GG\r\n5pys5paH44Gn44GZ44CC== -- signature\r\n".to_vec(),
            Repair::Base64,
            "ありがとう本文です。",
        ),
        (
            "quoted-printable with escapes that are not escapes",
            b"From: a@example.com\r\nContent-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nSent from my phone=AE =\r\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n".to_vec(),
            Repair::QuotedPrintable,
            "Sent from my phone® <?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        ),
        (
            "no header block at all: a saved body",
            "お知らせ本文です。\r\n\r\nTo subscribe, reply to this message.\r\n".as_bytes().to_vec(),
            Repair::MissingHeader,
            "お知らせ本文です。",
        ),
        ("no boundary parameter", sample("broken-no-boundary.eml"), Repair::MultipartWithoutBoundary, "境界パラメータが欠落したマルチパートです。"),
        ("base64 mixed with junk lines", sample("broken-base64-body.eml"), Repair::Base64, "お世話になっておりま"),
    ];
    for (what, raw, repair, text) in cases {
        let done = sanitize::sanitize(&raw, &Policy::default(), &common::stamp())
            .unwrap_or_else(|r| panic!("{what}: refused: {:?}", r.report.detail));
        assert!(
            done.report.repairs.contains(&repair),
            "{what}: {:?}",
            done.report.repairs
        );
        assert!(done.report.has(Action::Repaired), "{what}");
        let out = common::read_output(&done.message);
        assert!(out.body.contains(text), "{what}: {}", out.body);
        assert!(!out.body.contains('\u{fffd}'), "{what}: {}", out.body);
    }
    // A text part that is not text in any charset is removed as
    // unreadable; the rest of the message is delivered.
    let garbage = b"From: a@example.com\r\nSubject: two parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nreadable first part\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n/////w8PDw+AgICA/v7+/gEBAQGZmZmZ6urq6hgYGBj/////Dw8PD4CAgID+/v7+AQEBAZmZmZnq6urq\r\n--b--\r\n";
    let done = sanitize::sanitize(garbage, &Policy::default(), &common::stamp())
        .unwrap_or_else(|r| panic!("refused: {:?}", r.report.detail));
    assert_eq!(done.report.parts[1].action, PartAction::Removed);
    assert_eq!(done.report.parts[1].reason, Some(PartReason::Unreadable));
    assert!(
        common::read_output(&done.message)
            .body
            .contains("readable first part")
    );
    // Spaces before the colon (RFC 5322's obsolete syntax) still make a
    // header field.
    let obsolete = b"Subject : obsolete but valid\r\nFrom: a@example.com\r\n\r\nbody\r\n";
    let done = sanitize::sanitize(obsolete, &Policy::default(), &common::stamp())
        .unwrap_or_else(|r| panic!("refused: {:?}", r.report.detail));
    assert!(done.report.repairs.is_empty(), "{:?}", done.report.repairs);
    // With no boundary parameter, the delimiter that does appear splits
    // the parts: the text arrives without the MIME scaffolding around it.
    let done = sanitize::sanitize(
        &sample("broken-no-boundary.eml"),
        &Policy::default(),
        &common::stamp(),
    )
    .unwrap();
    let body = common::read_output(&done.message).body;
    assert!(!body.contains("--MissingBoundary"), "{body}");
    assert!(!body.contains("Content-Type"), "{body}");
}

/// Every ordinary sample is delivered (only the deliberately hostile
/// ones are refused), and each damaged-text sample names its repair and
/// reads as a mail client shows it.
#[test]
fn ordinary_samples_are_never_refused() {
    use mugai::sanitize::repair::Repair;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let refused_on_purpose = ["deep-nesting.eml", "not-a-message.eml"];
    let mut delivered = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.ends_with(".eml") || refused_on_purpose.contains(&name.as_str()) {
            continue;
        }
        let raw = std::fs::read(&path).unwrap();
        if let Err(r) = sanitize::sanitize(&raw, &Policy::default(), &common::stamp()) {
            panic!("{name} refused: {:?}", r.report.detail);
        }
        delivered += 1;
    }
    assert!(delivered >= 40, "{delivered} samples");

    let damaged = [
        (
            "repair-bom.eml",
            Some(Repair::ByteOrderMark),
            "先頭にBOMが付いたメールです。",
        ),
        (
            "repair-leading-blank-lines.eml",
            Some(Repair::LeadingWhitespace),
            "ヘッダーの前に空行があるメールです。",
        ),
        (
            "repair-headerless.eml",
            Some(Repair::MissingHeader),
            "本文だけが保存されたメールです。",
        ),
        (
            "repair-7bit-with-8bit.eml",
            None,
            "7bitと書かれたシフトJISの追記です。",
        ),
        (
            "repair-obsolete-header.eml",
            None,
            "コロンの前に空白があるヘッダーのメールです。",
        ),
        (
            "repair-qp-errors.eml",
            None,
            "引用符付き印字可能の本文です。",
        ),
        (
            "repair-base64-padding.eml",
            Some(Repair::Base64),
            "壊れたbase64の本文です。二行目です。",
        ),
        (
            "repair-unclosed-multipart.eml",
            Some(Repair::Base64),
            "閉じ境界のないマルチパートです。",
        ),
        (
            "repair-nested-no-boundary.eml",
            Some(Repair::MultipartWithoutBoundary),
            "入れ子の境界が欠落したメールです。",
        ),
        (
            "repair-dsn-blank-lines.eml",
            Some(Repair::UnterminatedPart),
            "Subject: 会議資料",
        ),
        (
            "broken-no-boundary.eml",
            Some(Repair::MultipartWithoutBoundary),
            "境界パラメータが欠落したマルチパートです。",
        ),
    ];
    for (name, repair, text) in damaged {
        let (out, report) = sanitized(name);
        if let Some(repair) = repair {
            assert!(
                report.repairs.contains(&repair),
                "{name}: {:?}",
                report.repairs
            );
        }
        assert!(out.body.contains(text), "{name}: {}", out.body);
        assert!(!out.body.contains('\u{fffd}'), "{name}: {}", out.body);
        assert!(
            !out.body.contains("Content-Type:"),
            "{name}: no MIME scaffolding: {}",
            out.body
        );
    }
    // The unclosed multipart's image arrives, re-encoded.
    let (out, _) = sanitized("repair-unclosed-multipart.eml");
    assert_eq!(out.attachments.len(), 1);
    assert_eq!(out.attachments[0].mime, "image/png");
    // The damaged header words read as clients read them.
    let s = sanitize::sanitize(
        &sample("repair-header-words.eml"),
        &Policy::default(),
        &common::stamp(),
    )
    .unwrap();
    let parsed = mail_parser::MessageParser::default()
        .parse(&s.message)
        .unwrap();
    assert_eq!(parsed.subject(), Some("会議のご案内資料の送付"));
    assert_eq!(
        parsed.from().unwrap().first().unwrap().name(),
        Some("鈴木 一郎")
    );
}

/// Nested multiparts without boundaries are each parsed again from a copy
/// of their bytes; the copies count against `max_decoded_size`, so nesting
/// cannot multiply a message in memory.
#[test]
fn nested_boundary_repairs_are_charged_to_the_decoded_limit() {
    let line = "a".repeat(76);
    let mut inner = format!(
        "Content-Type: text/plain\r\n\r\n{}",
        format!("{line}\r\n").repeat(2600)
    );
    for level in 0..10 {
        inner = format!(
            "Content-Type: multipart/mixed\r\n\r\n--lost{level}\r\n{inner}\r\n--lost{level}--\r\n"
        );
    }
    let raw = format!(
        "From: a@example.com\r\nSubject: nested\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"top\"\r\n\r\n--top\r\n{inner}\r\n--top--\r\n"
    );
    let small = Policy {
        limits: mugai::policy::Limits {
            max_decoded_size: ByteSize(1024 * 1024),
            ..Default::default()
        },
        ..Policy::default()
    };
    let refused = sanitize::sanitize(raw.as_bytes(), &small, &common::stamp())
        .expect_err("ten copies of 200 KB exceed 1 MiB");
    assert_eq!(refused.report.reason, Some(RefusalCode::Size));
    // Within the default limit the same mail is read, its text delivered.
    let done = sanitize::sanitize(raw.as_bytes(), &Policy::default(), &common::stamp()).unwrap();
    assert!(common::read_output(&done.message).body.contains(&line));
}
