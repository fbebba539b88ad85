//! What the converter targets share: a policy with small limits (so each
//! input is quick), one call of the attachment core as a message would
//! make it, and the checks every verdict must pass. libfuzzer-sys aborts
//! on any panic, even one the core's `catch_unwind` would turn into a
//! removal, so a panic inside a converter is a finding.

use mugai::policy::Policy;
use mugai::sanitize::attach::{Input, Treated, Verdict, treat};
use mugai::units::{ByteSize, Seconds};

/// The default policy with limits that keep one execution short.
pub fn policy() -> Policy {
    let mut policy = Policy::default();
    let limits = &mut policy.attachments;
    limits.converter_time_limit = Seconds(5);
    limits.converter_memory_limit = ByteSize(256 << 20);
    limits.pdf_max_pages = 2;
    limits.pdf_dpi = 50;
    limits.image_max_pixels = 4_000_000;
    policy
}

/// Treats `bytes` as an attachment called `name` declared as `declared`,
/// and checks what came out.
pub fn treat_checked(name: &str, declared: &str, bytes: &[u8]) {
    thread_local! {
        static POLICY: Policy = policy();
    }
    let input = Input {
        name: Some(name),
        declared,
        charset: None,
        bytes,
    };
    let treated = POLICY.with(|policy| treat(&input, policy));
    check(&treated);
}

/// Every new file is one of the harmless types, and every text is UTF-8
/// with no control character but TAB, CR and LF.
fn check(treated: &Treated) {
    match &treated.verdict {
        Verdict::Replaced { file, .. } => {
            assert!(
                ["image/png", "image/jpeg", "application/pdf"].contains(&file.mime.as_str())
                    || file.mime.starts_with("text/plain"),
                "unexpected type {}",
                file.mime
            );
            if file.mime.starts_with("text/plain") {
                check_text(std::str::from_utf8(&file.bytes).expect("text is UTF-8"));
            }
            if file.mime == "application/pdf" {
                for active in [&b"/JavaScript"[..], b"/JS", b"/OpenAction", b"/Launch"] {
                    assert!(!file.bytes.windows(active.len()).any(|w| w == active));
                }
            }
        }
        Verdict::Body { text, .. } => check_text(text),
        Verdict::Unpacked { entries, .. } => entries.iter().for_each(check),
        Verdict::Removed { .. } => {}
    }
}

fn check_text(text: &str) {
    assert!(
        !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n')),
        "a control character in converted text"
    );
}
