//! The budget a conversion runs under, and the ways it can fail.
//!
//! Time: a deadline on the monotonic clock, checked by converters between
//! steps (pages, archive entries, XML events). Memory: a byte allowance
//! that converters charge before they allocate what the input decides
//! (decoded pixels, unpacked entries, extracted text), so hostile sizes are
//! refused before they cost anything.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::sanitize::attach::Kind;
use crate::sanitize::report::PartReason;

/// Time and memory left for one attachment (and everything inside it).
/// Shared by the threads that render one PDF's pages, so the allowance is
/// atomic: pages in flight at once are charged at once.
#[derive(Debug)]
pub struct Budget {
    deadline: Instant,
    memory_left: AtomicU64,
}

/// Why a conversion produced nothing. Each maps to a [`PartReason`] and a
/// sentence for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The policy removes this kind.
    Policy(Kind),
    /// Label or name claims a dangerous kind the bytes are not.
    Mismatch(String),
    /// Password-protected.
    Encrypted,
    /// Password-protected, and the password given does not open it.
    WrongPassword,
    /// The file is damaged or not what it seems.
    Broken(String),
    /// Past a configured limit.
    TooLarge(String),
    /// A structure built to hurt (zip bomb, header mismatch, path tricks).
    Unsafe(String),
    /// Out of time.
    TimeLimit,
    /// The converter itself failed (a panic caught).
    Crashed(String),
}

impl Failure {
    /// The stable reason code and a sentence in plain English.
    pub fn into_reason(self) -> (PartReason, String) {
        match self {
            Failure::Policy(kind) => (
                PartReason::KindRemoved,
                format!("{} files are removed by policy", kind.as_str()),
            ),
            Failure::Mismatch(detail) => (PartReason::TypeMismatch, detail),
            Failure::Encrypted => (
                PartReason::Encrypted,
                "password-protected: its content cannot be checked".to_string(),
            ),
            Failure::WrongPassword => (
                PartReason::WrongPassword,
                "password-protected: the password given does not open it".to_string(),
            ),
            Failure::Broken(detail) => (PartReason::Unreadable, detail),
            Failure::TooLarge(detail) => (PartReason::TooLarge, detail),
            Failure::Unsafe(detail) => (PartReason::UnsafeArchive, detail),
            Failure::TimeLimit => (
                PartReason::TimeLimit,
                "conversion took longer than converter_time_limit".to_string(),
            ),
            Failure::Crashed(detail) => (PartReason::ConverterFailed, detail),
        }
    }
}

impl Budget {
    pub fn new(time: Duration, memory: u64) -> Budget {
        let now = Instant::now();
        Budget {
            deadline: now.checked_add(time).unwrap_or(now),
            memory_left: AtomicU64::new(memory),
        }
    }

    /// Err once the deadline has passed.
    pub fn check(&self) -> Result<(), Failure> {
        if Instant::now() >= self.deadline {
            Err(Failure::TimeLimit)
        } else {
            Ok(())
        }
    }

    /// Charges `bytes` against the memory allowance, or says what did not fit.
    pub fn charge(&self, bytes: u64, what: &str) -> Result<(), Failure> {
        self.memory_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(bytes)
            })
            .map(|_| ())
            .map_err(|left| {
                Failure::TooLarge(format!(
                    "{what} needs {bytes} bytes, more than converter_memory_limit allows ({left} left)"
                ))
            })
    }

    /// Gives back an allowance charged earlier (temporary buffers).
    pub fn refund(&self, bytes: u64) {
        let _ = self
            .memory_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                Some(left.saturating_add(bytes))
            });
    }

    /// What is left, for converters that size their own limits from it.
    pub fn memory_left(&self) -> u64 {
        self.memory_left.load(Ordering::Relaxed)
    }
}
