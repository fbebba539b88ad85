//! `[sanitize.isolation]`: how the core is run for untrusted mail: in
//! converter child processes of the same binary, each under memory, CPU
//! and wall-clock limits, with no network and no file access, so that
//! whatever a message does to a converter ends that child only.

use serde::{Deserialize, Serialize};

use crate::units::{ByteSize, Seconds};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Isolation {
    /// Convert in child processes (default). Off only for debugging: a
    /// message that crashes the converter then stops the relay.
    pub enabled: bool,
    /// Converter processes at most; 0 means one per sanitizer thread.
    pub processes: usize,
    /// Address space of each converter (RLIMIT_AS); past it the message
    /// is refused with `memory-limit`.
    pub memory_limit: ByteSize,
    /// CPU time one message may use (RLIMIT_CPU, set per message); past it
    /// the message is refused with `time-limit`.
    pub cpu_limit: Seconds,
    /// Wall-clock time one message may take; past it the parent kills the
    /// converter (SIGKILL) and refuses the message with `time-limit`.
    pub time_limit: Seconds,
    /// Messages a converter handles before it is replaced by a fresh one.
    pub max_jobs: u32,
}

impl Default for Isolation {
    fn default() -> Self {
        Isolation {
            enabled: true,
            processes: 0,
            memory_limit: ByteSize(2 << 30),
            cpu_limit: Seconds(120),
            time_limit: Seconds(180),
            max_jobs: 500,
        }
    }
}

impl Isolation {
    /// One sentence per value out of range.
    pub fn problems(&self, out: &mut Vec<String>) {
        if self.memory_limit.bytes() < 256 << 20 {
            out.push("sanitize.isolation.memory_limit must be at least 256MiB".into());
        }
        if self.cpu_limit.0 == 0 || self.time_limit.0 == 0 {
            out.push("sanitize.isolation.cpu_limit and time_limit must be longer than 0".into());
        }
        if self.max_jobs == 0 {
            out.push("sanitize.isolation.max_jobs must be at least 1".into());
        }
    }
}
