//! Conversion of untrusted mail in converter child processes.
//!
//! `catch_unwind` cannot catch a stack overflow, an abort, a runaway
//! allocation or an endless loop in a parser; a child process can contain
//! all of them. The relay (and `mugai sanitize`) keeps a [`Pool`] of
//! converters, each the same binary started as `mugai convert-child`,
//! locked down before it reads any mail ([`sandbox`]: memory and CPU
//! limits, no privileges, no files, no network), and talks to them in
//! frames on pipes ([`frame`]): the original in, the sanitized message
//! and its `Report` out. The core itself does not change: it is the same
//! pure function, run behind a process boundary.

mod check;
mod child;
pub mod frame;
mod pool;
mod sandbox;

use serde::{Deserialize, Serialize};

use crate::policy::Policy;
use crate::sanitize::{Refused, Sanitized, Stamp, Unlock, ViewKind};

pub use check::{Probe, run as check_sandbox};
pub use child::main as child_main;
pub use pool::Pool;

/// Largest body of a frame (an original, or a sanitized message with
/// converted attachments).
pub const MAX_BODY: u64 = 1 << 32;

/// The first frame a converter reads (its body: the CJK font, if any).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Init {
    policy: Policy,
    /// Each tenant's policy, in configuration order (`Job::policy` 1..).
    tenants: Vec<Policy>,
    font_index: Option<u32>,
    memory_limit: u64,
    cpu_limit: u64,
}

/// One message to convert (its body: the original bytes).
#[derive(Debug, Serialize, Deserialize)]
struct Job {
    /// 0: `Init::policy`; n: the n-th of `Init::tenants`.
    policy: usize,
    id: String,
    size: u64,
    stamp: Stamp,
    /// A password for one part: only ever in this frame, in the pipe.
    #[serde(default)]
    unlock: Option<Unlock>,
    #[serde(default)]
    task: Task,
    /// The body ends with this many bytes of a layout picture (PNG).
    #[serde(default)]
    snapshot_len: Option<u64>,
}

/// What a conversion is given besides the original.
#[derive(Debug, Default)]
pub struct Extra {
    /// A password for one part (PPAP).
    pub unlock: Option<Unlock>,
    /// A picture of the HTML body's layout, drawn by a converter.
    pub snapshot: Option<Vec<u8>>,
}

impl Job {
    /// A job that is not a conversion of a received message.
    fn task(policy: usize, task: Task) -> Job {
        Job {
            policy,
            id: "view".into(),
            size: 0,
            stamp: Stamp::default(),
            unlock: None,
            task,
            snapshot_len: None,
        }
    }
}

/// What a converter does with a job's body.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
enum Task {
    /// Sanitize the message (the body is the original).
    #[default]
    Sanitize,
    /// Take one part out of the message, for 画面で見る.
    Extract { part: String },
    /// Draw the body (a PDF or an image) as PNG pictures.
    Pictures(PictureSource),
}

/// What a [`Task::Pictures`] body is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub enum PictureSource {
    /// A PDF: its first `max_pages` pages.
    Pdf { max_pages: u32 },
    /// An image, cut into pieces `piece_height` pixels tall; a browser's
    /// screenshot loses its blank bottom first.
    Image { piece_height: u32, screenshot: bool },
}

/// The answer. Its body: the sanitized message followed by its text
/// (`text_len` bytes of UTF-8), both raw; empty for a refusal.
#[derive(Debug, Serialize, Deserialize)]
enum Done {
    Sanitized {
        sanitized: Box<Sanitized>,
        text_len: u64,
    },
    Refused(Refused),
    /// A part taken out (the body: its content).
    Extracted {
        kind: ViewKind,
        name: Option<String>,
    },
    /// Pictures (the body: the PNG files one after another).
    Pictures {
        lengths: Vec<u64>,
        total: u32,
    },
    /// A view task that could not be done, and why (plain English).
    Failed(String),
}
