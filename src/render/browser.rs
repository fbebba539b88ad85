//! An HTML body as the sender laid it out: drawn by headless Chromium
//! (Debian's package) into one screenshot of a fixed width, inside the
//! [`jail`](super::jail). Nothing runs and nothing loads:
//!
//! - JavaScript is off in the profile Chromium starts with;
//! - the page opens with a Content-Security-Policy that allows only its
//!   own inline styles and `data:` images: no script, no frame, no
//!   remote image, stylesheet or font (a CSP cannot be loosened by a
//!   later one, so the mail's own `<meta>` cannot undo it);
//! - every host name resolves to nothing and every request goes to a
//!   proxy that is not there;
//! - `http-equiv` in the mail's HTML is renamed before Chromium reads it,
//!   so no `<meta http-equiv="refresh">` can move the browser to a
//!   `file:` URL (a local file's text in the picture) or anywhere else;
//! - and the namespace has no route out anyway.
//!
//! The screenshot is decoded, trimmed and cut into pieces in a converter
//! process, like every picture.

use std::path::Path;

use super::jail::{self, Limits};

/// What the page's own header says, first of all.
const PROLOGUE: &str = "<!DOCTYPE html><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'\">\n";

/// The profile setting that turns JavaScript off.
const PREFERENCES: &str = r#"{"profile":{"default_content_setting_values":{"javascript":2}}}"#;

/// Draws `html` (UTF-8) `width` pixels wide and at most `height` tall,
/// working in `dir`; returns the screenshot (PNG).
pub fn screenshot(
    html: &str,
    dir: &Path,
    width: u32,
    height: u32,
    limits: Limits,
) -> Result<Vec<u8>, String> {
    let io = |e: std::io::Error| format!("cannot prepare the page: {e}");
    std::fs::create_dir_all(dir.join("profile/Default")).map_err(io)?;
    std::fs::write(dir.join("profile/Default/Preferences"), PREFERENCES).map_err(io)?;
    let page = dir.join("page.html");
    std::fs::write(&page, [PROLOGUE, &without_http_equiv(html)].concat()).map_err(io)?;
    let shot = dir.join("shot.png");
    let args = vec![
        "--headless".to_string(),
        // The jail is the sandbox: Chromium's own needs namespaces the
        // jail has already taken.
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--no-first-run".into(),
        "--no-default-browser-check".into(),
        "--disable-extensions".into(),
        "--disable-background-networking".into(),
        "--disable-sync".into(),
        "--disable-default-apps".into(),
        "--disable-component-update".into(),
        "--mute-audio".into(),
        "--hide-scrollbars".into(),
        "--proxy-server=127.0.0.1:9".into(),
        "--host-resolver-rules=MAP * ~NOTFOUND".into(),
        format!("--user-data-dir={}", dir.join("profile").display()),
        format!("--window-size={width},{height}"),
        format!("--screenshot={}", shot.display()),
        format!("file://{}", page.display()),
    ];
    jail::run("chromium", &args, dir, limits)?;
    std::fs::read(&shot).map_err(|_| "the browser drew nothing".to_string())
}

/// `html` with every `http-equiv` (ASCII, any case: an attribute name
/// is matched that way, and cannot be written with character references)
/// renamed, so none of the mail's `<meta>` elements acts on the browser.
fn without_http_equiv(html: &str) -> std::borrow::Cow<'_, str> {
    const NAME: &[u8] = b"http-equiv";
    let bytes = html.as_bytes();
    let at_name = |at: usize| {
        bytes
            .get(at..at + NAME.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(NAME))
    };
    let Some(first) = (0..bytes.len()).find(|&at| at_name(at)) else {
        return std::borrow::Cow::Borrowed(html);
    };
    let mut out = String::with_capacity(html.len() + 64);
    let mut copied = 0;
    let mut at = first;
    while at < bytes.len() {
        if at_name(at) {
            // ASCII on both sides of the name: these are char boundaries.
            out.push_str(&html[copied..at]);
            out.push_str("data-inert");
            at += NAME.len();
            copied = at;
        } else {
            at += 1;
        }
    }
    out.push_str(&html[copied..]);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::without_http_equiv;

    #[test]
    fn no_meta_of_the_mail_acts_on_the_browser() {
        let html = "<META HTTP-EQUIV=refresh content=\"0;url=file:///etc/passwd\"><meta Http-Equiv='Refresh'>日本語 http-equiv";
        let out = without_http_equiv(html);
        assert!(!out.to_ascii_lowercase().contains("http-equiv"), "{out}");
        assert!(out.contains("日本語") && out.contains("url=file:///etc/passwd"));
        assert_eq!(without_http_equiv("<p>plain</p>"), "<p>plain</p>");
    }
}
