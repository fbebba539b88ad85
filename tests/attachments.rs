//! Attachments made harmless, end to end through `sanitize`: files the
//! tests build themselves (PDFs with active content, a Japanese PDF with a
//! font it does not embed, images carrying hidden data, Office documents,
//! hostile zips, TNEF, an executable in disguise) go in as MIME parts, and
//! the sanitized message is read back the way a mail client would.

mod common;
mod files;

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings, render};
use mugai::policy::Policy;
use mugai::sanitize::{self, PartAction, PartReason, PartReport, Report};

/// A message with each `(name, mime, bytes)` attached.
fn message(attachments: &[(&str, &str, &[u8])]) -> Vec<u8> {
    common::mail_with_files("taro@example.lg.jp", "files", attachments)
}

fn sanitized_with(
    attachments: &[(&str, &str, &[u8])],
    policy: &Policy,
) -> (common::Output, Report, Vec<u8>) {
    let raw = message(attachments);
    let done = sanitize::sanitize(&raw, policy, &common::stamp()).expect("not refused");
    common::assert_wire_format(&done.message);
    (
        common::read_output(&done.message),
        done.report,
        done.message,
    )
}

fn sanitized(attachments: &[(&str, &str, &[u8])]) -> (common::Output, Report, Vec<u8>) {
    sanitized_with(attachments, &Policy::default())
}

fn part<'r>(report: &'r Report, name: &str) -> &'r PartReport {
    report
        .parts
        .iter()
        .find(|p| p.filename.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("{name} not in the report: {:#?}", report.parts))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Renders page 1 of `pdf` at 72 DPI and counts dark pixels inside the
/// rectangle (left, top, right, bottom) in PDF points from the top-left.
fn dark_pixels(pdf: &[u8], area: (u32, u32, u32, u32)) -> usize {
    let pdf = Pdf::new(pdf.to_vec()).expect("output PDF opens");
    let page = &pdf.pages()[0];
    let pixmap = render(
        page,
        &RenderCache::new(),
        &InterpreterSettings::default(),
        &RenderSettings::default(),
        &PixmapSettings {
            x_scale: 1.0,
            y_scale: 1.0,
            bg_color: WHITE,
        },
    );
    let width = u32::from(pixmap.width());
    let (left, top, right, bottom) = area;
    let data = pixmap.data();
    let mut dark = 0;
    for y in top..bottom {
        for x in left..right {
            if let Some(p) = data.get((y * width + x) as usize)
                && u32::from(p.r) + u32::from(p.g) + u32::from(p.b) < 3 * 100
            {
                dark += 1;
            }
        }
    }
    dark
}

#[test]
fn a_pdf_loses_scripts_actions_links_and_embedded_files_but_keeps_its_page() {
    let original = files::active_pdf();
    let (out, report, message) = sanitized(&[("請求書.pdf", "application/pdf", &original)]);
    let entry = part(&report, "請求書.pdf");
    assert_eq!(entry.action, PartAction::Converted);
    assert_eq!(entry.reason, Some(PartReason::PdfRasterised));
    assert!(
        out.body.contains("請求書.pdf → 画像化したPDF（1ページ）"),
        "{}",
        out.body
    );
    // The rasterised copy, and its text layer beside it.
    assert_eq!(out.attachments.len(), 2);
    let layer = text_lines(&out.attachments[1].bytes);
    assert_eq!(out.attachments[1].name, "請求書.pdf.txt");
    assert!(layer.contains("Invoice"), "{layer}");
    assert!(
        !layer.contains("EMBEDDED-PAYLOAD") && !layer.contains("evil"),
        "{layer}"
    );
    let pdf = &out.attachments[0];
    assert_eq!(pdf.name, "請求書.pdf");
    assert_eq!(pdf.mime, "application/pdf");
    for forbidden in [
        &b"/JavaScript"[..],
        b"/JS",
        b"app.alert",
        b"/OpenAction",
        b"/Launch",
        b"calc.exe",
        b"/EmbeddedFile",
        b"/Annots",
        b"/URI",
        b"evil.example",
        b"/AcroForm",
        b"/Font",
        b"BT",
        b"/Metadata",
    ] {
        assert!(
            !contains(&pdf.bytes, forbidden),
            "{} survived",
            String::from_utf8_lossy(forbidden)
        );
    }
    assert!(!contains(&message, b"EMBEDDED-PAYLOAD"));
    // The black square the page draws is still there, in pixels.
    let square = dark_pixels(&pdf.bytes, (110, 300, 290, 480));
    assert!(
        square > 30_000,
        "only {square} dark pixels where the square is"
    );
    let margin = dark_pixels(&pdf.bytes, (400, 600, 600, 780));
    assert_eq!(margin, 0);
}

#[test]
fn a_japanese_pdf_without_its_font_renders_its_glyphs() {
    let original = files::japanese_pdf();
    let mut with_font = Policy::default();
    with_font.attachments.fonts.cjk = mugai::fonts::load_cjk("").expect("font readable");
    assert!(
        with_font.attachments.fonts.cjk.is_some(),
        "no CJK font installed (.ci/run installs fonts-ipaexfont-gothic)"
    );
    // The text 日本語の文書 at 48 pt from (72, 100) from the top.
    let text_area = (72, 50, 72 + 6 * 48, 110);
    let (out, report, _) =
        sanitized_with(&[("通知.pdf", "application/pdf", &original)], &with_font);
    assert_eq!(
        part(&report, "通知.pdf").reason,
        Some(PartReason::PdfRasterised)
    );
    let glyphs = dark_pixels(&out.attachments[0].bytes, text_area);
    assert!(
        glyphs > 1_000,
        "only {glyphs} dark pixels where the text is"
    );

    // Without the fallback font hayro draws nothing there: the font is
    // what makes the text legible.
    let (out, _, _) = sanitized_with(
        &[("通知.pdf", "application/pdf", &original)],
        &Policy::default(),
    );
    let without = dark_pixels(&out.attachments[0].bytes, text_area);
    assert!(
        without * 4 < glyphs,
        "{without} dark pixels without the font vs {glyphs} with it"
    );
}

#[test]
fn a_long_pdf_keeps_its_first_pages_and_says_so_and_a_locked_one_is_removed() {
    let mut policy = Policy::default();
    policy.attachments.pdf_max_pages = 2;
    let (out, report, _) = sanitized_with(
        &[("long.pdf", "application/pdf", &files::pages_pdf(5))],
        &policy,
    );
    let entry = part(&report, "long.pdf");
    let output = entry.output.as_ref().unwrap();
    assert_eq!((output.pages, output.pages_total), (Some(2), Some(5)));
    assert!(
        out.body.contains("画像化したPDF（先頭2ページ／全5ページ）"),
        "{}",
        out.body
    );
    assert_eq!(
        Pdf::new(out.attachments[0].bytes.clone())
            .unwrap()
            .pages()
            .len(),
        2
    );

    let (out, report, _) = sanitized(&[("locked.pdf", "application/pdf", &files::encrypted_pdf())]);
    let entry = part(&report, "locked.pdf");
    assert_eq!(entry.action, PartAction::Removed);
    assert_eq!(entry.reason, Some(PartReason::Encrypted));
    assert!(
        out.body
            .contains("locked.pdf → 削除（パスワード付きのため中身を確認できません）"),
        "{}",
        out.body
    );
    assert!(out.attachments.is_empty());
}

#[test]
fn a_pdf_rendered_on_several_threads_is_the_same_pdf_page_for_page() {
    // Every page differs, so identical output also means pages in order.
    let original = files::colour_pdf(7);
    let rendered = |threads: usize| {
        let mut policy = Policy::default();
        policy.attachments.pdf_threads = threads;
        let (out, report, _) =
            sanitized_with(&[("brochure.pdf", "application/pdf", &original)], &policy);
        let output = part(&report, "brochure.pdf").output.clone().unwrap();
        assert_eq!((output.pages, output.pages_total), (Some(7), Some(7)));
        out.attachments[0].bytes.clone()
    };
    let alone = rendered(1);
    assert_eq!(rendered(4), alone);
    assert_eq!(rendered(0), alone);
}

#[test]
fn parallel_pages_fit_the_budget_that_renders_them_one_at_a_time() {
    // An A4 page at 150 dpi is charged about 17 MB while it is drawn: 30 MiB
    // renders one page at a time, never four at once.
    let mut policy = Policy::default();
    policy.attachments.pdf_threads = 4;
    policy.attachments.converter_memory_limit = mugai::units::ByteSize(30 << 20);
    let (out, report, _) = sanitized_with(
        &[("report.pdf", "application/pdf", &files::text_pdf(6, false))],
        &policy,
    );
    let entry = part(&report, "report.pdf");
    assert_eq!(entry.reason, Some(PartReason::PdfRasterised), "{entry:?}");
    assert_eq!(
        Pdf::new(out.attachments[0].bytes.clone())
            .unwrap()
            .pages()
            .len(),
        6
    );
}

#[test]
fn a_png_loses_its_text_chunks_and_the_zip_behind_it() {
    let original = files::png_with_payloads();
    let (out, report, message) = sanitized(&[("図.png", "image/png", &original)]);
    assert_eq!(
        part(&report, "図.png").reason,
        Some(PartReason::ImageReencoded)
    );
    let png = &out.attachments[0];
    assert_eq!(png.mime, "image/png");
    assert!(!contains(&png.bytes, b"tEXt"));
    assert!(!contains(&png.bytes, b"SECRET-COMMENT"));
    assert!(!contains(&png.bytes, b"PK\x03\x04"));
    assert!(!contains(&message, b"SECRET-COMMENT"));
    assert!(
        png.bytes.ends_with(&[0xAE, 0x42, 0x60, 0x82]),
        "ends at IEND"
    );
    let decoded = image::load_from_memory(&png.bytes).unwrap().to_rgb8();
    assert_eq!(decoded.dimensions(), (16, 8));
    assert_eq!(decoded.get_pixel(3, 3).0, [200, 30, 40]);
}

#[test]
fn a_jpeg_loses_its_exif_and_stays_upright() {
    let original = files::jpeg_with_exif();
    let (out, report, _) = sanitized(&[("写真.JPG", "image/jpeg", &original)]);
    assert_eq!(
        part(&report, "写真.JPG").reason,
        Some(PartReason::ImageReencoded)
    );
    let jpeg = &out.attachments[0];
    assert_eq!(jpeg.name, "写真.jpg");
    assert_eq!(jpeg.mime, "image/jpeg");
    assert!(!contains(&jpeg.bytes, b"Exif"));
    assert!(!contains(&jpeg.bytes, b"GPS-SECRET"));
    // Orientation 6 (rotate 90°): the 32x16 original comes out 16x32.
    let decoded = image::load_from_memory(&jpeg.bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (16, 32));
}

#[test]
fn an_animated_gif_keeps_its_first_frame_and_a_broken_image_is_removed() {
    let (out, report, _) = sanitized(&[
        ("anim.gif", "image/gif", &files::two_frame_gif()),
        (
            "broken.png",
            "image/png",
            &b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"[..],
        ),
    ]);
    assert_eq!(
        part(&report, "anim.gif").reason,
        Some(PartReason::ImageReencoded)
    );
    let png = &out.attachments[0];
    assert_eq!(png.name, "anim.png");
    let first = image::load_from_memory(&png.bytes).unwrap().to_rgb8();
    assert_eq!(
        first.get_pixel(0, 0).0,
        [255, 0, 0],
        "the first frame is red"
    );
    let broken = part(&report, "broken.png");
    assert_eq!(broken.action, PartAction::Removed);
    assert_eq!(broken.reason, Some(PartReason::Unreadable));
    assert!(
        out.body
            .contains("broken.png → 削除（ファイルが壊れているか読み取れません）")
    );
}

#[test]
fn an_image_too_large_is_refused_before_decoding() {
    let mut policy = Policy::default();
    policy.attachments.image_max_pixels = 1_000;
    let (_, report, _) =
        sanitized_with(&[("big.png", "image/png", &files::png(100, 100))], &policy);
    let entry = part(&report, "big.png");
    assert_eq!(entry.reason, Some(PartReason::TooLarge));
    assert!(
        entry
            .detail
            .as_deref()
            .unwrap()
            .contains("image_max_pixels")
    );
}

#[test]
fn docx_and_xlsx_become_japanese_text_in_order() {
    let (out, report, _) = sanitized(&[
        (
            "議事録.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            &files::docx(),
        ),
        (
            "見積書.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &files::xlsx(),
        ),
        ("説明.pptx", "application/octet-stream", &files::pptx()),
        (
            "報告.odt",
            "application/vnd.oasis.opendocument.text",
            &files::odt(),
        ),
    ]);
    assert!(
        out.body
            .contains("議事録.docx → テキスト抽出（議事録.docx.txt）"),
        "{}",
        out.body
    );
    assert!(
        out.body
            .contains("見積書.xlsx → テキスト抽出（見積書.xlsx.txt）")
    );
    let text = |name: &str| {
        let file = out
            .attachments
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(file.mime, "text/plain");
        text_lines(&file.bytes)
    };
    assert_eq!(
        text("議事録.docx.txt"),
        "第1回 定例会議 議事録\n出席者: 山田、鈴木\n項目\t担当\n予算案 & 日程\t総務課\n以上\n"
    );
    assert_eq!(
        text("見積書.xlsx.txt"),
        "■ シート: 見積\n品名\t数量\t単価\t納期\n庁用パソコン\t10\t98000.5\t2026-11-23\n合計\t\t980005\n\n■ シート: 備考\n税率\t10%\n"
    );
    assert_eq!(
        text("説明.pptx.txt"),
        "■ スライド 1\n新庁舎の概要\n\n■ スライド 2\n工期: 2027年度\n\n■ スライド 3\nまとめ\n"
    );
    assert_eq!(text("報告.odt.txt"), "報告書\n本文です。\tタブの後\n");
    assert_eq!(
        part(&report, "説明.pptx")
            .kinds
            .as_ref()
            .unwrap()
            .by_content
            .as_str(),
        "ooxml"
    );
}

#[test]
fn a_docm_gives_its_text_and_never_its_macro() {
    let docm = files::docm();
    assert!(contains(&docm, b"MALICIOUS-MACRO-MARKER"));
    let (out, report, message) = sanitized(&[(
        "依頼.docm",
        "application/vnd.ms-word.document.macroEnabled.12",
        &docm,
    )]);
    let entry = part(&report, "依頼.docm");
    assert_eq!(
        entry.kinds.as_ref().unwrap().by_content.as_str(),
        "ooxml-macro"
    );
    assert_eq!(entry.reason, Some(PartReason::TextExtracted));
    let text = text_lines(&out.attachments[0].bytes);
    assert_eq!(text, "ご確認ください\n");
    assert!(!contains(&message, b"MALICIOUS-MACRO-MARKER"));
    for file in &out.attachments {
        assert!(!contains(&file.bytes, b"MALICIOUS-MACRO-MARKER"));
        assert!(!contains(&file.bytes, b"Attribute VB_Name"));
    }
}

#[test]
fn a_zip_is_unpacked_and_each_entry_follows_the_policy() {
    let (out, report, _) = sanitized(&[("資料.zip", "application/zip", &files::zip_of_mixed())]);
    let archive = part(&report, "資料.zip");
    assert_eq!(archive.reason, Some(PartReason::Unpacked));
    let names: Vec<&str> = out.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["メモ.txt", "図.png"]);
    let exe = part(&report, "setup.exe");
    assert_eq!(exe.action, PartAction::Removed);
    assert_eq!(exe.container.as_deref(), Some("資料.zip"));
    assert!(
        out.body
            .contains("資料.zip/setup.exe → 削除（実行ファイル）"),
        "{}",
        out.body
    );
    // The CP932 name of an old Windows zip is decoded.
    assert!(
        report
            .parts
            .iter()
            .any(|p| p.filename.as_deref() == Some("メモ.txt"))
    );
}

#[test]
fn hostile_zips_are_removed_with_reasons() {
    let bomb = files::zip_bomb();
    assert!(bomb.len() < 200_000, "the bomb itself is small");
    let (out, report, _) = sanitized(&[
        ("bomb.zip", "application/zip", &bomb),
        ("locked.zip", "application/zip", &files::encrypted_zip()),
        ("slip.zip", "application/zip", &files::zip_slip()),
        (
            "liar.zip",
            "application/zip",
            &files::zip_with_lying_header(),
        ),
    ]);
    assert_eq!(
        part(&report, "bomb.zip").reason,
        Some(PartReason::UnsafeArchive)
    );
    assert!(
        part(&report, "bomb.zip")
            .detail
            .as_deref()
            .unwrap()
            .contains("zip bomb")
    );
    let locked = part(&report, "secret.txt");
    assert_eq!(locked.reason, Some(PartReason::Encrypted));
    let slipped = part(&report, "evil.sh");
    assert_eq!(slipped.reason, Some(PartReason::UnsafeArchive));
    assert!(slipped.detail.as_deref().unwrap().contains("zip slip"));
    let lying = part(&report, "real.txt");
    assert_eq!(lying.reason, Some(PartReason::UnsafeArchive));
    assert!(
        out.attachments.is_empty(),
        "{:?}",
        out.attachments.iter().map(|a| &a.name).collect::<Vec<_>>()
    );
    assert!(
        out.body
            .contains("bomb.zip → 削除（不審な構造の圧縮ファイルです）"),
        "{}",
        out.body
    );
}

#[test]
fn nested_archives_stop_at_the_depth_limit() {
    let mut policy = Policy::default();
    policy.attachments.zip_max_depth = 2;
    let (out, report, _) = sanitized_with(
        &[("outer.zip", "application/zip", &files::nested_zip(3))],
        &policy,
    );
    assert_eq!(
        part(&report, "level1.zip").reason,
        Some(PartReason::Unpacked)
    );
    assert_eq!(
        part(&report, "level2.zip").reason,
        Some(PartReason::TooLarge)
    );
    assert!(out.attachments.is_empty());
}

#[test]
fn a_file_named_pdf_that_is_an_executable_is_removed() {
    let exe = files::executable();
    let (out, report, message) = sanitized(&[
        ("invoice.pdf", "application/pdf", &exe),
        ("請求書.pdf.exe", "application/pdf", &files::active_pdf()),
    ]);
    let fake = part(&report, "invoice.pdf");
    assert_eq!(fake.action, PartAction::Removed);
    assert_eq!(
        fake.kinds.as_ref().unwrap().by_content.as_str(),
        "executable"
    );
    assert_eq!(
        fake.kinds.as_ref().unwrap().by_label.map(|k| k.as_str()),
        Some("pdf")
    );
    assert!(
        out.body.contains("invoice.pdf → 削除（実行ファイル）"),
        "{}",
        out.body
    );
    // A real PDF under an .exe name: the name's claim wins.
    let disguised = part(&report, "請求書.pdf.exe");
    assert_eq!(disguised.action, PartAction::Removed);
    assert_eq!(disguised.reason, Some(PartReason::TypeMismatch));
    assert!(out.attachments.is_empty());
    assert!(!contains(&message, b"This program cannot be run"));
}

#[test]
fn winmail_dat_is_unpacked() {
    let (out, report, _) = sanitized(&[("winmail.dat", "application/ms-tnef", &files::tnef())]);
    assert_eq!(
        part(&report, "winmail.dat").reason,
        Some(PartReason::Unpacked)
    );
    assert_eq!(out.attachments.len(), 1);
    assert_eq!(out.attachments[0].name, "議事メモ.txt");
    assert_eq!(text_lines(&out.attachments[0].bytes), "次回は12月です。\n");
}

/// A converted text file's text with its CRLF line ends (written by the
/// same writer as the body) read as `\n`.
fn text_lines(bytes: &[u8]) -> String {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(
        !text.replace("\r\n", "").contains(['\r', '\n']),
        "text files have CRLF line ends: {text:?}"
    );
    text.replace("\r\n", "\n")
}

#[test]
fn script_text_keeps_the_source_of_web_code_as_defanged_text() {
    let files: &[(&str, &str, &[u8])] = &[
        ("run.js", "text/javascript", b"fetch('https://evil.example/x')\n"),
        (
            "page.html",
            "text/html",
            "<p>お知らせ <a href=\"https://evil.example/y\">こちら</a></p><script>alert(1)</script>"
                .as_bytes(),
        ),
    ];
    // By default both are removed.
    let (out, report, _) = sanitized(files);
    assert!(out.attachments.is_empty());
    assert_eq!(part(&report, "run.js").action, PartAction::Removed);
    let mut policy = Policy::default();
    policy.attachments.script = mugai::policy::AttachmentAction::Text;
    let (out, report, _) = sanitized_with(files, &policy);
    assert_eq!(
        part(&report, "run.js").reason,
        Some(PartReason::TextExtracted)
    );
    let text = |name: &str| {
        text_lines(
            &out.attachments
                .iter()
                .find(|a| a.name == name)
                .unwrap_or_else(|| panic!("{name}"))
                .bytes,
        )
    };
    assert_eq!(text("run.js.txt"), "fetch('hxxps[:]//evil[.]example/x')\n");
    let page = text("page.html.txt");
    assert!(
        page.contains("お知らせ こちら <hxxps[:]//evil[.]example/y>"),
        "{page}"
    );
    assert!(!page.contains("alert"), "{page}");
    // Bytes that are not text named as web code are not read as text.
    let png = files::png(2, 2);
    let (_, report, _) = sanitized_with(&[("photo.js", "", &png)], &policy);
    assert_eq!(
        part(&report, "photo.js").reason,
        Some(PartReason::TypeMismatch)
    );
}

/// PDFs encrypted only to restrict permissions (empty user password, the
/// usual 印刷禁止 PDF) open without a password: rasterised, not removed.
#[test]
fn permission_only_pdfs_are_rasterised() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pdf");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "pdf") {
            continue;
        }
        seen += 1;
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let (out, report, _) = sanitized(&[(&name, "application/pdf", &bytes)]);
        assert_eq!(
            part(&report, &name).reason,
            Some(PartReason::PdfRasterised),
            "{name}"
        );
        let pdf = &out.attachments[0].bytes;
        // The black square is there (100×100 pt at 72 DPI), the margin blank.
        assert!(dark_pixels(pdf, (55, 55, 145, 145)) > 7000, "{name}");
        assert_eq!(dark_pixels(pdf, (200, 0, 300, 40)), 0, "{name}");
    }
    assert_eq!(seen, 4);
}

/// winmail.dat inside winmail.dat, thousands deep: opened to
/// zip_max_depth and no deeper (each level was a stack frame).
#[test]
fn nested_winmail_dat_stops_at_the_container_depth() {
    let mut inner = files::tnef();
    for _ in 0..3000 {
        inner = files::tnef_with("winmail.dat", &inner);
    }
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || sanitized(&[("winmail.dat", "application/ms-tnef", &inner)]))
        .unwrap();
    let (out, report, _) = handle.join().expect("no stack overflow");
    assert!(out.attachments.is_empty());
    let deepest = report.parts.last().unwrap();
    assert_eq!(deepest.reason, Some(PartReason::TooLarge), "{deepest:?}");
    assert!(report.parts.len() <= 8, "{}", report.parts.len());
}

/// One 1 MB shared string named by 45 000 cells (each entry under 1 MiB,
/// so no compression-ratio check applies): the text stops at
/// text_max_size and the cells are not copied (that was 45 GB).
#[test]
fn shared_strings_are_not_copied_into_every_cell() {
    let xlsx = files::xlsx_sharing(1_000_000, 45_000);
    assert!(xlsx.len() < 1 << 20, "compressed: {}", xlsx.len());
    let mut policy = Policy::default();
    policy.attachments.text_max_size = mugai::policy::ByteSize(4 << 20);
    let (out, report, _) = sanitized_with(&[("big.xlsx", "", &xlsx)], &policy);
    let entry = part(&report, "big.xlsx");
    assert_eq!(entry.reason, Some(PartReason::TextExtracted), "{entry:?}");
    let text = &out.attachments[0].bytes;
    assert!(text.len() <= (4 << 20) + 64, "{}", text.len());
    assert!(
        entry
            .detail
            .as_deref()
            .unwrap_or("")
            .contains("text_max_size")
    );
}

/// A page whose content stream inflates to 64 MB from about 64 KB, under
/// a 32 MB converter memory limit: the PDF is removed as too large before
/// hayro inflates it, and a small PDF beside it is still rasterised.
#[test]
fn a_pdf_deflate_bomb_is_measured_before_rendering() {
    let bomb = files::pdf_deflate_bomb(64 << 20);
    assert!(bomb.len() < 200_000, "{}", bomb.len());
    let mut policy = Policy::default();
    policy.attachments.converter_memory_limit = mugai::policy::ByteSize(32 << 20);
    let (_, report, _) = sanitized_with(
        &[
            ("bomb.pdf", "application/pdf", &bomb),
            ("ok.pdf", "application/pdf", &files::pages_pdf(1)),
        ],
        &policy,
    );
    let entry = part(&report, "bomb.pdf");
    assert_eq!(entry.reason, Some(PartReason::TooLarge), "{entry:?}");
    assert!(entry.detail.as_deref().unwrap().contains("would decode"));
    assert_eq!(
        part(&report, "ok.pdf").reason,
        Some(PartReason::PdfRasterised)
    );
    // Under the default limit the same content is an ordinary empty page.
    let (_, report, _) = sanitized(&[("bomb.pdf", "application/pdf", &bomb)]);
    assert_eq!(
        part(&report, "bomb.pdf").reason,
        Some(PartReason::PdfRasterised)
    );
}

/// One content stream named many times in a page's `/Contents` array:
/// too many parts, or parts that add up past the memory left, remove the
/// PDF instead of making hayro join them.
#[test]
fn a_pdf_content_array_is_counted_and_summed_with_repetition() {
    let many = files::pdf_repeated_contents(20_000, 10);
    let (_, report, _) = sanitized(&[("many.pdf", "application/pdf", &many)]);
    let entry = part(&report, "many.pdf");
    assert_eq!(entry.reason, Some(PartReason::TooLarge), "{entry:?}");
    assert!(entry.detail.as_deref().unwrap().contains("10000 parts"));

    let heavy = files::pdf_repeated_contents(5_000, 10_000);
    let mut policy = Policy::default();
    policy.attachments.converter_memory_limit = mugai::policy::ByteSize(32 << 20);
    let (_, report, _) = sanitized_with(&[("heavy.pdf", "application/pdf", &heavy)], &policy);
    let entry = part(&report, "heavy.pdf");
    assert_eq!(entry.reason, Some(PartReason::TooLarge), "{entry:?}");
    assert!(entry.detail.as_deref().unwrap().contains("page's content"));

    let fine = files::pdf_repeated_contents(100, 10);
    let (_, report, _) = sanitized(&[("fine.pdf", "application/pdf", &fine)]);
    assert_eq!(
        part(&report, "fine.pdf").reason,
        Some(PartReason::PdfRasterised)
    );
}

/// Fuzzing finding (convert_pdf, 2026-12-03): a page so wide that its
/// pixel width, clamped to 65535, overflowed the renderer's tile rounding
/// (a panic inside vello_common, caught as converter-failed). Pages are
/// now capped below that; this one is rasterised like any other.
#[test]
fn fuzz_regression_a_page_at_the_renderers_pixel_limit_is_rasterised() {
    let pdf = std::fs::read("tests/fixtures/fuzz/pdf-huge-page-side.pdf").unwrap();
    let (_, report, _) = sanitized(&[("wide.pdf", "application/pdf", &pdf)]);
    let entry = part(&report, "wide.pdf");
    assert_eq!(entry.reason, Some(PartReason::PdfRasterised), "{entry:?}");
}

/// Text an Office converter produces is charged to the converter's memory
/// budget as it grows: 200 cells naming one 1 MB string make 200 MB of
/// text, under a 100 MiB text limit but over an 8 MiB memory limit, so the
/// file is removed as too large instead of growing past the budget.
#[test]
fn office_text_is_charged_to_the_memory_budget_as_it_is_produced() {
    let xlsx = files::xlsx_sharing(1_000_000, 200);
    let mut policy = Policy::default();
    policy.attachments.text_max_size = mugai::policy::ByteSize(100 << 20);
    policy.attachments.converter_memory_limit = mugai::policy::ByteSize(8 << 20);
    let (out, report, _) = sanitized_with(&[("big.xlsx", "", &xlsx)], &policy);
    let entry = part(&report, "big.xlsx");
    assert_eq!(entry.reason, Some(PartReason::TooLarge), "{entry:?}");
    assert!(out.attachments.is_empty());
}

/// PNM, ICO, TGA (known by its name), QOI and JPEG 2000 (JP2 and raw
/// codestream) are re-encoded as PNG with their pixels, not removed.
#[test]
fn more_image_formats_are_reencoded() {
    use image::ImageFormat;
    let jp2 = std::fs::read("tests/fixtures/images/square.jp2").unwrap();
    let j2k = std::fs::read("tests/fixtures/images/square.j2k").unwrap();
    let inputs: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "scan.ppm",
            "image/x-portable-pixmap",
            files::square_as(ImageFormat::Pnm),
        ),
        (
            "icon.ico",
            "image/vnd.microsoft.icon",
            files::square_as(ImageFormat::Ico),
        ),
        (
            "photo.tga",
            "application/octet-stream",
            files::square_as(ImageFormat::Tga),
        ),
        (
            "frame.qoi",
            "application/octet-stream",
            files::square_as(ImageFormat::Qoi),
        ),
        ("map.jp2", "image/jp2", jp2),
        ("map2.j2k", "application/octet-stream", j2k),
    ];
    let attachments: Vec<(&str, &str, &[u8])> = inputs
        .iter()
        .map(|(n, m, b)| (*n, *m, b.as_slice()))
        .collect();
    let (out, report, _) = sanitized(&attachments);
    for (name, _, _) in &inputs {
        let entry = part(&report, name);
        assert_eq!(
            entry.reason,
            Some(PartReason::ImageReencoded),
            "{name}: {entry:?}"
        );
    }
    assert_eq!(out.attachments.len(), inputs.len());
    for attachment in &out.attachments {
        assert!(attachment.name.ends_with(".png"), "{}", attachment.name);
        let pixels = image::load_from_memory(&attachment.bytes)
            .unwrap()
            .to_rgb8();
        assert_eq!(pixels.dimensions(), (64, 48), "{}", attachment.name);
        assert!(
            pixels.get_pixel(30, 20)[0] < 40,
            "{} centre",
            attachment.name
        );
        assert!(
            pixels.get_pixel(2, 2)[0] > 215,
            "{} corner",
            attachment.name
        );
    }
}

/// A PDF's text layer arrives beside its rasterised copy as
/// `<name>.pdf.txt`, through the same writer as the body (links
/// defanged); a PDF with no text (a scan) gets no `.txt`.
#[test]
fn a_pdf_text_layer_arrives_as_a_text_file_and_a_scan_gets_none() {
    let text = files::pdf(
        &[
            "<< /Type /Catalog /Pages 2 0 R >>".into(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>".into(),
            {
                let content = "BT /F1 12 Tf 72 700 Td (Quarterly budget: pay at https://evil.example/pay today) Tj ET";
                format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len())
            },
        ],
        "",
    );
    let (out, report, _) = sanitized(&[
        ("budget.pdf", "application/pdf", &text),
        ("scan.pdf", "application/pdf", &files::pages_pdf(2)),
    ]);
    let names: Vec<&str> = out.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        ["budget.pdf", "budget.pdf.txt", "scan.pdf"],
        "{report:#?}"
    );
    let layer = text_lines(&out.attachments[1].bytes);
    assert!(layer.contains("Quarterly budget"), "{layer}");
    assert!(layer.contains("hxxps[:]//evil[.]example/pay"), "{layer}");
    assert!(!layer.contains("https://"), "{layer}");
    let entry = part(&report, "budget.pdf");
    assert!(
        entry
            .detail
            .as_deref()
            .unwrap_or("")
            .contains("budget.pdf.txt"),
        "{entry:?}"
    );
}

/// An SVG is drawn into a PNG: its pixels come through, its script,
/// links and references do not, and nothing it points to is fetched.
#[test]
fn an_svg_is_drawn_into_a_png_and_fetches_nothing() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="100" onload="alert(1)">
<script>fetch('http://127.0.0.1:{port}/script')</script>
<style>@import url(http://127.0.0.1:{port}/style.css);</style>
<rect x="50" y="25" width="100" height="50" fill="black"/>
<image x="0" y="0" width="20" height="20" xlink:href="http://127.0.0.1:{port}/image.png"/>
<image x="0" y="0" width="20" height="20" href="/etc/passwd"/>
<a href="https://evil.example/"><text x="5" y="95">SVG-MARKER</text></a>
</svg>"#
    );
    let (out, report, message) = sanitized(&[("logo.svg", "image/svg+xml", svg.as_bytes())]);
    let entry = part(&report, "logo.svg");
    assert_eq!(entry.reason, Some(PartReason::ImageReencoded), "{entry:?}");
    assert_eq!(out.attachments.len(), 1);
    assert_eq!(out.attachments[0].name, "logo.png");
    let pixels = image::load_from_memory(&out.attachments[0].bytes)
        .unwrap()
        .to_rgb8();
    assert_eq!(pixels.dimensions(), (200, 100));
    assert!(pixels.get_pixel(100, 50)[0] < 20, "the rectangle is drawn");
    assert!(pixels.get_pixel(180, 10)[0] > 235, "the ground is white");
    for marker in [
        &b"<script"[..],
        b"alert",
        b"evil.example",
        b"SVG-MARKER",
        b"<svg",
    ] {
        assert!(
            !contains(&message, marker),
            "{}",
            String::from_utf8_lossy(marker)
        );
    }
    assert!(listener.accept().is_err(), "the SVG made a connection");
}

/// PPAP: the password the recipient gives opens a locked zip or PDF for
/// one conversion; the contents follow the policy as if never locked, and
/// a wrong password opens nothing.
#[test]
fn a_ppap_zip_and_a_locked_pdf_open_with_their_password_and_only_with_it() {
    const PASSWORD: &str = "Mitsumori#2026";
    let raw = message(&[
        (
            "見積書.zip",
            "application/zip",
            &files::ppap_zip(PASSWORD, true),
        ),
        (
            "仕様書.pdf",
            "application/pdf",
            &files::locked_pdf(PASSWORD),
        ),
    ]);
    let policy = Policy::default();
    let plain = sanitize::sanitize(&raw, &policy, &common::stamp()).unwrap();
    let paths: Vec<&str> = plain
        .report
        .locked_parts()
        .map(|p| p.path.as_str())
        .collect();
    assert_eq!(paths, ["2", "3"], "{:#?}", plain.report.parts);
    let unlock = |part: &str, password: &str| {
        let u = sanitize::Unlock {
            part: part.into(),
            password: password.into(),
            automatic: false,
        };
        let id = sanitize::original_id(&raw);
        sanitize::sanitize_unlocking(
            &raw,
            id,
            raw.len() as u64,
            &policy,
            &common::stamp(),
            Some(&u),
        )
        .unwrap()
    };

    let zip = unlock("2", PASSWORD);
    let outcome = zip.report.unlock.as_ref().unwrap();
    assert!(outcome.opened && outcome.name.as_deref() == Some("見積書.zip"));
    let out = common::read_output(&zip.message);
    assert!(
        out.body
            .contains("パスワード付きの「見積書.zip」を、受信者が入力したパスワードで開き"),
        "{}",
        out.body
    );
    common::assert_ppap_contents(&out);
    assert_eq!(
        part(&zip.report, "setup.exe").reason,
        Some(PartReason::KindRemoved)
    );
    // The PDF, not asked about, is still removed.
    assert_eq!(
        part(&zip.report, "仕様書.pdf").reason,
        Some(PartReason::Encrypted)
    );

    let pdf = unlock("3", PASSWORD);
    assert!(pdf.report.unlock.as_ref().unwrap().opened);
    let entry = part(&pdf.report, "仕様書.pdf");
    assert_eq!(entry.reason, Some(PartReason::PdfRasterised));
    let out = common::read_output(&pdf.message);
    let rebuilt = out
        .attachments
        .iter()
        .find(|a| a.name == "仕様書.pdf")
        .unwrap();
    assert!(
        dark_pixels(&rebuilt.bytes, (40, 30, 500, 200)) > 100,
        "the text is drawn"
    );

    for (part_path, guess) in [("2", "mitsumori#2026"), ("3", "Mitsumori#2025"), ("2", " ")] {
        let wrong = unlock(part_path, guess);
        let outcome = wrong.report.unlock.as_ref().unwrap();
        assert!(!outcome.opened, "{part_path} {guess:?}");
        let out = common::read_output(&wrong.message);
        assert!(
            out.attachments.is_empty(),
            "{part_path} {guess:?}: nothing comes out"
        );
        assert!(!out.body.contains("御見積"));
        assert!(!contains(&wrong.message, guess.as_bytes()) || guess == " ");
    }
    // The password is in no output and no report.
    for done in [&zip, &pdf] {
        assert!(!contains(&done.message, PASSWORD.as_bytes()));
        assert!(!done.report.to_json().contains(PASSWORD));
    }
}
