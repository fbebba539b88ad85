//! One conversion of a spooled message, and what makes it safe to try:
//! the converter pool (or the core in-process when isolation is off), and
//! the mark that catches a poison message. Before converting, the entry's
//! state counts one more unfinished conversion (written without fsync: it
//! guards against the relay dying, not the machine); a result clears it.
//! An entry found with one unfinished conversion is tried once more, in a
//! converter process even when isolation is off; with two it is refused
//! as `converter-crashed` without converting: one mail can never put the
//! relay into a crash loop.

use std::io;

use super::Pipeline;
use crate::isolate::Pool;
use crate::sanitize::{self, Outcome, RefusalCode, Refused, Report, Sanitized, Stamp};
use crate::spool::DeliveryState;

/// Unfinished conversions after which a message is refused unconverted.
const POISON: u32 = 2;

/// Converts `original` (`Err` only when no converter could run at all).
pub fn convert(
    pipeline: &Pipeline,
    id: &str,
    original: &[u8],
    sha256: &str,
    stamp: &Stamp,
    state: &mut DeliveryState,
) -> io::Result<Result<Sanitized, Refused>> {
    let size = original.len() as u64;
    if state.conversions_unfinished >= POISON {
        tracing::warn!(
            "{id}: the relay stopped during {} conversions of this message; refused unconverted",
            state.conversions_unfinished
        );
        let mut report = Report::new(sha256.to_string(), size);
        report.outcome = Outcome::Refused;
        report.reason = Some(RefusalCode::ConverterCrashed);
        report.detail = Some(format!(
            "the relay stopped during {} conversions of this message",
            state.conversions_unfinished
        ));
        return Ok(Err(Refused {
            report: Box::new(report),
        }));
    }
    let retry = state.conversions_unfinished > 0;
    state.conversions_unfinished += 1;
    if let Err(e) = pipeline.spool.write_state_unsynced(id, state) {
        tracing::warn!("{id}: cannot mark the conversion: {e}");
    }
    let policy = &pipeline.config.sanitize;
    let result = match &pipeline.converters {
        Some(pool) => pool.sanitize(original, sha256.to_string(), size, stamp),
        // The retry of a conversion the relay died in runs isolated even
        // when isolation is off.
        None if retry => Pool::new(std::env::current_exe()?, policy, 1).sanitize(
            original,
            sha256.to_string(),
            size,
            stamp,
        ),
        None => Ok(sanitize::sanitize_with_id(
            original,
            sha256.to_string(),
            size,
            policy,
            stamp,
        )),
    };
    state.conversions_unfinished = 0;
    result
}
