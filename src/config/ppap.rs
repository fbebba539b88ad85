//! `[ppap]`: password-protected attachments whose password the sender
//! mails separately (PPAP). The recipient can type the password on the
//! request page; optionally mugai tries the password line of a later mail
//! from the same sender by itself.

use serde::{Deserialize, Serialize};

use crate::units::Seconds;

/// `[ppap]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PpapConfig {
    /// Offer a password field for locked zips and PDFs on the request page.
    pub unlock: bool,
    /// Wrong passwords allowed per message and recipient within
    /// `wrong_password_window`; more are refused until it passes.
    pub max_wrong_passwords: u32,
    pub wrong_password_window: Seconds,
    /// Try a password line (パスワード：…, PW: …) found in a later mail
    /// from the same sender to the same recipient on the earlier mail's
    /// locked parts, and deliver what it opens.
    pub auto_password: bool,
    /// How much later that mail may arrive.
    pub auto_password_window: Seconds,
}

impl Default for PpapConfig {
    fn default() -> Self {
        PpapConfig {
            unlock: true,
            max_wrong_passwords: 5,
            wrong_password_window: Seconds(3600),
            auto_password: false,
            auto_password_window: Seconds(3600),
        }
    }
}

impl PpapConfig {
    pub(crate) fn problems(&self, out: &mut Vec<String>) {
        if self.max_wrong_passwords == 0 {
            out.push("ppap.max_wrong_passwords must be at least 1".into());
        }
        for (name, value) in [
            ("wrong_password_window", self.wrong_password_window),
            ("auto_password_window", self.auto_password_window),
        ] {
            if value.0 == 0 {
                out.push(format!("ppap.{name} must be longer than 0"));
            }
        }
    }
}
