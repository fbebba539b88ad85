//! One part of a message taken out for 画面で見る: its decoded content,
//! found by the same walk (and so the same part numbers) that made the
//! report, with no attachment converted on the way. An HTML part comes
//! out as UTF-8 text (its charset decoded and repaired as for the body);
//! a file comes out as its bytes with the kind read from them. Only kinds
//! that can be shown as pictures come out at all.

use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::{Deserialize, Serialize};

use super::attach::{Kind, detect};
use super::report::Report;
use super::walk::Walker;
use super::{parse, prepared};
use crate::policy::Policy;

/// How a part is turned into pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViewKind {
    /// An HTML body or file: drawn by the browser, without scripts or
    /// anything from the network.
    Html,
    Pdf,
    Image,
    /// Word, Excel, PowerPoint, ODF: laid out by LibreOffice as a PDF.
    Office,
}

/// A part's content, ready for its renderer.
#[derive(Debug, Clone)]
pub struct Extracted {
    pub kind: ViewKind,
    pub name: Option<String>,
    pub bytes: Vec<u8>,
}

/// Takes part `part` (its path in the report) out of `original`.
pub fn extract(original: &[u8], part: &str, policy: &Policy) -> Result<Extracted, String> {
    catch_unwind(AssertUnwindSafe(|| {
        extract_unguarded(original, part, policy)
    }))
    .unwrap_or_else(|_| Err("the message structure could not be read".into()))
}

fn extract_unguarded(original: &[u8], part: &str, policy: &Policy) -> Result<Extracted, String> {
    let mut report = Report::new(String::new(), original.len() as u64);
    let bytes = prepared(original, &mut report).map_err(|r| r.detail)?;
    let message = parse(&bytes).map_err(|r| r.detail)?;
    let mut walker = Walker::new(policy, report, 0);
    walker.capture = Some(part);
    walker.message(&message, "", 1).map_err(|r| r.detail)?;
    let captured = walker
        .captured
        .ok_or_else(|| format!("the message has no part {part} to show"))?;
    let kind = if captured.html {
        ViewKind::Html
    } else {
        let detection = detect(
            &captured.bytes,
            &captured.declared,
            captured.name.as_deref(),
        );
        // The bytes decide, and the claim must not name something worse.
        match (detection.by_content, detection.kind == detection.by_content) {
            (Kind::Pdf, true) => ViewKind::Pdf,
            (Kind::Image, true) => ViewKind::Image,
            (Kind::Ooxml | Kind::Odf | Kind::LegacyOffice, true) => ViewKind::Office,
            (Kind::OoxmlMacro, _) => {
                return Err("the document carries macros (active content)".into());
            }
            (kind, _) => {
                return Err(format!(
                    "a {} file cannot be shown as pictures",
                    kind.as_str()
                ));
            }
        }
    };
    Ok(Extracted {
        kind,
        name: captured.name,
        bytes: captured.bytes,
    })
}
