//! One conversion of a spooled message, and what makes it safe to try:
//! the converter pool (or the core in-process when isolation is off), and
//! the mark that catches a poison message. Before converting, the entry's
//! conversion slot (a digit in its first line, written in place without
//! fsync: it guards against the relay dying, not the machine) counts one
//! more unfinished conversion; a result clears it. Entries written before
//! the slot existed keep the count in their state file instead.
//! An entry found with one unfinished conversion is tried once more, in a
//! converter process even when isolation is off; with two it is refused
//! as `converter-crashed` without converting: one mail can never put the
//! relay into a crash loop.

use std::io;

use super::Pipeline;
use crate::config::TenantConfig;
use crate::isolate::Pool;
use crate::sanitize::{self, Outcome, RefusalCode, Refused, Report, Sanitized, Stamp};
use crate::spool::{ConversionSlot, DeliveryState};

/// Unfinished conversions after which a message is refused unconverted.
const POISON: u32 = 2;

/// What is converted: an entry's original, and whose mail it is.
pub struct Original<'a> {
    pub id: &'a str,
    pub bytes: &'a [u8],
    pub sha256: &'a str,
    /// Its municipality, whose policy applies.
    pub tenant: Option<&'a TenantConfig>,
}

/// Converts `original` (`Err` only when no converter could run at all).
pub fn convert(
    pipeline: &Pipeline,
    original: &Original<'_>,
    stamp: &Stamp,
    state: &mut DeliveryState,
    slot: Option<&ConversionSlot>,
) -> io::Result<Result<Sanitized, Refused>> {
    let &Original {
        id,
        bytes: original,
        sha256,
        tenant,
    } = original;
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
    let marked = match slot {
        Some(slot) => slot.set(state.conversions_unfinished),
        None => {
            state.side_files = true;
            pipeline.spool.write_state_unsynced(id, state)
        }
    };
    if let Err(e) = marked {
        tracing::warn!("{id}: cannot mark the conversion: {e}");
    }
    let config = &pipeline.config;
    let policy = config.policy_for(tenant);
    let index = config.policy_index(tenant);
    let result = match &pipeline.converters {
        Some(pool) => pool.sanitize(index, original, sha256.to_string(), size, stamp),
        // The retry of a conversion the relay died in runs isolated even
        // when isolation is off.
        None if retry => Pool::new(
            std::env::current_exe()?,
            &config.sanitize,
            &config.tenant_policies(),
            1,
        )
        .sanitize(index, original, sha256.to_string(), size, stamp),
        None => Ok(sanitize::sanitize_with_id(
            original,
            sha256.to_string(),
            size,
            policy,
            stamp,
        )),
    };
    state.conversions_unfinished = 0;
    if let Some(slot) = slot
        && let Err(e) = slot.set(0)
    {
        tracing::warn!("{id}: cannot clear the conversion mark: {e}");
    }
    result
}
