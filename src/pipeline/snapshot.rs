//! `html_snapshot`: a sanitized HTML mail also carries a picture of its
//! layout (`本文.png`), so staff see it inside LGWAN without a request.
//! After the first conversion shows an HTML body, the body is drawn by
//! the browser in a jail (nothing loaded, no script) and turned into a
//! fresh PNG by a converter; the message is then converted again, given
//! the picture. A picture that cannot be made is only logged: the mail
//! goes out as text, as it would without the option.

use super::Pipeline;
use super::convert::Original;
use crate::config::Config;
use crate::isolate::Extra;
use crate::sanitize::{PartReason, Sanitized, Stamp};

/// `sanitized` with the layout picture, when its policy asks for one and
/// it has an HTML body; otherwise `sanitized` as it is.
pub fn add(
    pipeline: &Pipeline,
    original: &Original<'_>,
    stamp: &Stamp,
    sanitized: Sanitized,
) -> Sanitized {
    let config = &pipeline.config;
    let Some(viewer) = pipeline.snapshots.as_ref() else {
        return sanitized;
    };
    if !config.policy_for(original.tenant).html_snapshot {
        return sanitized;
    }
    let Some(part) = sanitized
        .report
        .parts
        .iter()
        .find(|p| p.reason == Some(PartReason::HtmlToText))
        .map(|p| p.path.clone())
    else {
        return sanitized;
    };
    let id = original.id;
    let tenant = Config::tenant_name(original.tenant);
    let png = match viewer.snapshot(tenant, original.bytes, &part) {
        Ok(png) => png,
        Err(why) => {
            tracing::warn!(queue_id = %id, "{id}: no layout picture of part {part}: {why}");
            return sanitized;
        }
    };
    let index = config.policy_index(original.tenant);
    let again = pipeline.with_converter(|pool| {
        let extra = Extra {
            unlock: None,
            snapshot: Some(png),
        };
        let size = original.bytes.len() as u64;
        pool.sanitize_given(
            index,
            original.bytes,
            original.sha256.to_string(),
            size,
            stamp,
            extra,
        )
    });
    match again {
        Ok(Ok(with_picture)) => with_picture,
        Ok(Err(refused)) => {
            let why = refused.report.detail.unwrap_or_default();
            tracing::warn!(queue_id = %id, "{id}: the conversion with the layout picture failed: {why}");
            sanitized
        }
        Err(e) => {
            tracing::warn!(queue_id = %id, "{id}: no converter for the layout picture: {e}");
            sanitized
        }
    }
}
