//! `[sanitize.attachments]`: for each kind of attachment that can be made
//! harmless, what to do with it. Every other kind (executables, scripts,
//! HTML, SVG, shortcuts, disk images, OneNote, legacy OLE2 Office,
//! encrypted files, other archives, anything unknown) is always removed.

use serde::{Deserialize, Serialize};

use crate::sanitize::attach::Kind;

/// What happens to an attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttachmentAction {
    Remove,
    /// Decode and write a fresh image.
    Reencode,
    /// Render to pixels and rebuild a PDF from them.
    Rasterise,
    /// Keep only the text, as a `.txt` attachment (or in the body).
    Text,
    /// Open the archive and treat each entry as an attachment.
    Unpack,
}

impl AttachmentAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentAction::Remove => "remove",
            AttachmentAction::Reencode => "reencode",
            AttachmentAction::Rasterise => "rasterise",
            AttachmentAction::Text => "text",
            AttachmentAction::Unpack => "unpack",
        }
    }
}

/// The policy table, with the defaults of municipal 無害化 practice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttachmentPolicy {
    /// PNG, JPEG, GIF, WebP, BMP, TIFF: `reencode` or `remove`.
    pub image: AttachmentAction,
    /// `rasterise`, `text` or `remove`.
    pub pdf: AttachmentAction,
    /// docx/xlsx/pptx, their macro-enabled variants (macros never pass)
    /// and ODF: `text` or `remove`.
    pub office: AttachmentAction,
    /// Plain text files (txt, csv): `text` or `remove`.
    pub text: AttachmentAction,
    /// iCalendar invitations: `text` (a summary in the body) or `remove`.
    pub calendar: AttachmentAction,
    /// zip: `unpack` or `remove`.
    pub zip: AttachmentAction,
    /// winmail.dat: `unpack` or `remove`.
    pub tnef: AttachmentAction,
}

impl Default for AttachmentPolicy {
    fn default() -> Self {
        AttachmentPolicy {
            image: AttachmentAction::Reencode,
            pdf: AttachmentAction::Rasterise,
            office: AttachmentAction::Text,
            text: AttachmentAction::Text,
            calendar: AttachmentAction::Text,
            zip: AttachmentAction::Unpack,
            tnef: AttachmentAction::Unpack,
        }
    }
}

use AttachmentAction::{Rasterise, Reencode, Remove, Text, Unpack};

impl AttachmentPolicy {
    /// The action for a detected kind.
    pub fn action(&self, kind: Kind) -> AttachmentAction {
        match kind {
            Kind::Image => self.image,
            Kind::Pdf => self.pdf,
            Kind::Ooxml | Kind::OoxmlMacro | Kind::Odf => self.office,
            Kind::Text => self.text,
            Kind::Calendar => self.calendar,
            Kind::Zip => self.zip,
            Kind::Tnef => self.tnef,
            _ => Remove,
        }
    }

    /// One sentence per key set to an action its kind cannot take.
    pub fn problems(&self, out: &mut Vec<String>) {
        let table: [(&str, AttachmentAction, &[AttachmentAction]); 7] = [
            ("image", self.image, &[Reencode, Remove]),
            ("pdf", self.pdf, &[Rasterise, Text, Remove]),
            ("office", self.office, &[Text, Remove]),
            ("text", self.text, &[Text, Remove]),
            ("calendar", self.calendar, &[Text, Remove]),
            ("zip", self.zip, &[Unpack, Remove]),
            ("tnef", self.tnef, &[Unpack, Remove]),
        ];
        for (key, action, allowed) in table {
            if !allowed.contains(&action) {
                let allowed: Vec<&str> = allowed.iter().map(|a| a.as_str()).collect();
                out.push(format!(
                    "sanitize.attachments.{key} = \"{}\" is not possible; use one of: {}",
                    action.as_str(),
                    allowed.join(", ")
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_municipal_practice_and_the_rest_is_removed() {
        let policy = AttachmentPolicy::default();
        assert_eq!(policy.action(Kind::Image), Reencode);
        assert_eq!(policy.action(Kind::Pdf), Rasterise);
        assert_eq!(policy.action(Kind::OoxmlMacro), Text);
        assert_eq!(policy.action(Kind::Zip), Unpack);
        for kind in [
            Kind::Executable,
            Kind::Svg,
            Kind::LegacyOffice,
            Kind::Encrypted,
            Kind::Unknown,
        ] {
            assert_eq!(policy.action(kind), Remove, "{kind:?}");
        }
        let mut problems = Vec::new();
        policy.problems(&mut problems);
        assert!(problems.is_empty());
        let odd = AttachmentPolicy {
            image: Unpack,
            ..AttachmentPolicy::default()
        };
        odd.problems(&mut problems);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].contains("sanitize.attachments.image"),
            "{problems:?}"
        );
    }
}
