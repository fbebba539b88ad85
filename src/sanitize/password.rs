//! A password for one part of a message: the recipient's answer to a PPAP
//! mail (a zip or PDF whose password the sender mailed separately). It
//! travels from the page to the converter process in the job frame, and
//! nowhere else: it is never written to the spool, a log, the audit log
//! or a report. Its `Debug` prints no password.

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

/// Longest password accepted (bytes). Longer ones open nothing real and
/// would only cost the key derivation time.
pub const MAX_PASSWORD: usize = 256;

/// Open part `part` (its IMAP-style path, "2") with `password`.
#[derive(Clone, Serialize, Deserialize)]
pub struct Unlock {
    pub part: String,
    pub password: String,
    /// Tried by mugai from a later mail's password line, not typed.
    pub automatic: bool,
}

impl std::fmt::Debug for Unlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unlock")
            .field("part", &self.part)
            .field("password", &"(not shown)")
            .field("automatic", &self.automatic)
            .finish()
    }
}

impl Drop for Unlock {
    /// The password's bytes do not outlive it in this process's memory.
    fn drop(&mut self) {
        self.password.zeroize();
    }
}
