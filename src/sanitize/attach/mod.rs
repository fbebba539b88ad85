//! Attachments: what each one really is ([`kind`]) and what the policy
//! makes of it: a fresh image, a PDF rebuilt from page pixels, the text of
//! an Office document, the entries of an archive, a calendar summary, or
//! nothing. Pure: bytes in, a [`Treated`] verdict with new bytes out.
//!
//! [`treat`] is the one entry point. It runs inside the converter process
//! with the rest of the core (`isolate`: memory, CPU and wall-clock limits,
//! no network, no files) and, within it, under a [`Budget`] (time checked
//! between steps, memory bounded by limits checked before allocating) and
//! behind `catch_unwind`. Whatever goes wrong, the original bytes never
//! come out: every failure is a removal with a reason.

mod archive;
mod budget;
mod calendar;
mod choose;
mod image;
mod jpeg2000;
pub mod kind;
mod names;
mod office;
mod pdf;
mod pdf_bounds;
mod pdf_text;
pub mod pictures;
mod svg;
mod textfile;
mod tnef;
mod unlock;
mod xml;
mod zipsafe;

use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::{Deserialize, Serialize};

pub use budget::{Budget, Failure};
pub use kind::{Detection, Kind, detect};
pub use unlock::unlock;

use crate::policy::{AttachmentAction, Language, Policy};
use crate::sanitize::report::PartReason;

/// One attachment as the message carried it.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// Decoded file name, if any.
    pub name: Option<&'a str>,
    /// Declared Content-Type, lower-case `type/subtype`.
    pub declared: &'a str,
    /// The `charset` parameter, for text files.
    pub charset: Option<&'a str>,
    /// Decoded content (transfer encoding undone).
    pub bytes: &'a [u8],
}

/// A file made by a converter, to be attached to the sanitized mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewFile {
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// What became of one attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// A new, harmless file replaces the original.
    Replaced {
        file: NewFile,
        reason: PartReason,
        /// For rasterised PDFs: pages rendered and pages in the original.
        pages: Option<(u32, u32)>,
        /// A note for the report (truncation …), plain English.
        detail: Option<String>,
        /// A second file delivered beside it (a PDF's text layer).
        #[serde(default)]
        companion: Option<NewFile>,
    },
    /// Readable text for the message body (calendar summaries).
    Body { text: String, reason: PartReason },
    /// A container opened; each entry was treated on its own.
    Unpacked {
        reason: PartReason,
        entries: Vec<Treated>,
    },
    /// Nothing passes; `detail` says exactly why (plain English).
    Removed { reason: PartReason, detail: String },
}

/// An attachment with its readings and its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Treated {
    pub name: Option<String>,
    pub size: u64,
    pub detection: Detection,
    pub verdict: Verdict,
}

impl Treated {
    fn removed(name: Option<&str>, size: u64, detection: Detection, failure: Failure) -> Treated {
        let (reason, detail) = failure.into_reason();
        Treated {
            name: name.map(str::to_string),
            size,
            detection,
            verdict: Verdict::Removed { reason, detail },
        }
    }
}

/// Treats one attachment under `policy`. Never panics, never returns the
/// input bytes.
pub fn treat(input: &Input<'_>, policy: &Policy) -> Treated {
    let budget = Budget::new(
        policy.attachments.converter_time_limit.duration(),
        policy.attachments.converter_memory_limit.bytes(),
    );
    treat_within(input, policy, &budget, 0)
}

/// As [`treat`] for an entry found `depth` containers deep, sharing the
/// container's budget.
pub(crate) fn treat_within(
    input: &Input<'_>,
    policy: &Policy,
    budget: &Budget,
    depth: usize,
) -> Treated {
    let detection = detect(input.bytes, input.declared, input.name);
    let size = input.bytes.len() as u64;
    let kind = detection.kind;
    // Text claimed as a binary format, or binary bytes claimed as web
    // code (which `script = "text"` would read as text).
    let text_as_binary = detection.by_content.is_textual() && kind.is_binary();
    let binary_as_code = kind.is_active() && !detection.by_content.is_textual();
    let removed_claim = choose::action(&policy.attachments, kind) == AttachmentAction::Remove;
    if kind != detection.by_content && (removed_claim || text_as_binary || binary_as_code) {
        let failure = Failure::Mismatch(format!(
            "the bytes are {} but the {} claims {}",
            detection.by_content.as_str(),
            if detection.by_label == Some(kind) {
                "Content-Type"
            } else {
                "file name"
            },
            kind.as_str()
        ));
        return Treated::removed(input.name, size, detection, failure);
    }
    let action = choose::action(&policy.attachments, kind);
    if action == AttachmentAction::Remove {
        let failure = if kind == Kind::Encrypted {
            Failure::Encrypted
        } else {
            Failure::Policy(kind)
        };
        return Treated::removed(input.name, size, detection, failure);
    }
    if let Err(failure) = budget.check() {
        return Treated::removed(input.name, size, detection, failure);
    }
    let converted = isolate(|| convert(input, &detection, action, policy, budget, depth));
    let verdict = match converted {
        Ok(verdict) => verdict,
        Err(failure) => return Treated::removed(input.name, size, detection, failure),
    };
    Treated {
        name: input.name.map(str::to_string),
        size,
        detection,
        verdict,
    }
}

/// Runs a converter; a panic inside it becomes a failure (the part is
/// removed with `converter-failed`), never a crash of the relay.
fn isolate(converter: impl FnOnce() -> Result<Verdict, Failure>) -> Result<Verdict, Failure> {
    catch_unwind(AssertUnwindSafe(converter)).unwrap_or_else(|_| {
        Err(Failure::Crashed(
            "the converter stopped on an internal error".into(),
        ))
    })
}

fn convert(
    input: &Input<'_>,
    detection: &Detection,
    action: AttachmentAction,
    policy: &Policy,
    budget: &Budget,
    depth: usize,
) -> Result<Verdict, Failure> {
    let limits = &policy.attachments;
    let name = input.name;
    match (detection.kind, action) {
        (Kind::Image, AttachmentAction::Reencode) => {
            image::reencode(input.bytes, name, limits, budget)
        }
        (Kind::Pdf, AttachmentAction::Rasterise) => {
            pdf::rasterise(input.bytes, name, limits, budget)
        }
        (Kind::Ooxml | Kind::OoxmlMacro | Kind::Odf, AttachmentAction::Text) => {
            let words = office::Words::new(policy.notice_language == Language::Ja);
            office::to_text(input.bytes, detection.kind, name, limits, budget, words)
        }
        (Kind::Text, AttachmentAction::Text) => {
            textfile::to_text(input.bytes, input.charset, name, limits)
        }
        (Kind::Html, AttachmentAction::Text) => {
            textfile::html_to_text(input.bytes, input.charset, name, policy)
        }
        (Kind::Svg, AttachmentAction::Rasterise) => {
            svg::rasterise(input.bytes, name, limits, budget)
        }
        (Kind::Script | Kind::Svg, AttachmentAction::Text) => {
            textfile::to_text(input.bytes, input.charset, name, limits)
        }
        (Kind::Calendar, AttachmentAction::Text) => {
            calendar::summary(input.bytes, input.charset, policy)
        }
        (Kind::Zip, AttachmentAction::Unpack) => {
            archive::unpack(input.bytes, policy, budget, depth)
        }
        (Kind::Tnef, AttachmentAction::Unpack) => tnef::unpack(input.bytes, policy, budget, depth),
        (kind, _) => Err(Failure::Policy(kind)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_converter_removes_the_part() {
        let result = isolate(|| panic!("converter bug"));
        let Err(failure) = result else {
            panic!("a panic passed as a verdict");
        };
        assert_eq!(failure.into_reason().0, PartReason::ConverterFailed);
    }

    #[test]
    fn an_image_beyond_the_memory_budget_is_removed_before_decoding() {
        let mut png = std::io::Cursor::new(Vec::new());
        ::image::RgbImage::new(100, 100)
            .write_to(&mut png, ::image::ImageFormat::Png)
            .unwrap();
        let mut policy = Policy::default();
        policy.attachments.converter_memory_limit = crate::units::ByteSize(10_000);
        let input = Input {
            name: Some("a.png"),
            declared: "image/png",
            charset: None,
            bytes: png.get_ref(),
        };
        let treated = treat(&input, &policy);
        assert!(
            matches!(
                treated.verdict,
                Verdict::Removed {
                    reason: PartReason::TooLarge,
                    ..
                }
            ),
            "{:?}",
            treated.verdict
        );
        // With the default budget the same image converts.
        let treated = treat(&input, &Policy::default());
        assert!(matches!(treated.verdict, Verdict::Replaced { .. }));
    }

    #[test]
    fn an_exhausted_time_budget_removes_the_part() {
        let mut policy = Policy::default();
        policy.attachments.converter_time_limit = crate::units::Seconds(0);
        let input = Input {
            name: Some("memo.txt"),
            declared: "text/plain",
            charset: None,
            bytes: "予定表".as_bytes(),
        };
        let treated = treat(&input, &policy);
        assert!(
            matches!(
                treated.verdict,
                Verdict::Removed {
                    reason: PartReason::TimeLimit,
                    ..
                }
            ),
            "{:?}",
            treated.verdict
        );
    }
}
