//! Sanitize once per message: the sanitized copy of a message whose
//! delivery has to wait is kept beside its spool entry (`ID.sanitized`),
//! so a retry delivers it again instead of converting the original again
//! (a backlog of PDF-heavy mail is not rasterised again at every retry
//! wave).
//!
//! The copy is tied to the policy that made it: its header carries a
//! fingerprint of the `[sanitize]` policy, the host name the copy names,
//! whether notices carry request links, and the mugai version. A copy
//! whose fingerprint differs (the operator changed the policy) is
//! ignored and the original converted again. The copy is written without
//! fsync (write, rename): a copy lost or torn in a crash fails its length
//! or digest check and the original, which is durable, is converted again.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Write};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Pipeline;
use crate::isolate::frame;
use crate::sanitize::{Sanitized, hex};

/// What a retry delivers.
pub enum Copy {
    /// One message for every recipient.
    One(Arc<Vec<u8>>),
    /// The notice carries a request link: each recipient's copy is made
    /// from this at delivery.
    Links(Arc<Sanitized>),
}

/// Written with `S = &Sanitized`, read with `S = Sanitized`.
#[derive(Serialize, Deserialize)]
struct Header<S> {
    fingerprint: String,
    /// SHA-256 of the body (message, then the text for `Links`).
    digest: String,
    /// `Some` for [`Copy::Links`]: the copy without its bytes (they are
    /// the frame's body).
    sanitized: Option<S>,
    /// Length of the text at the end of the body.
    text_len: u64,
}

/// Largest copy read back: the sanitized form of the largest message.
const MAX_COPY: u64 = 1 << 31;

/// The fingerprint of everything besides the original that the
/// sanitized copy depends on.
pub fn fingerprint(pipeline: &Pipeline) -> String {
    let mut hash = Sha256::new();
    hash.update(env!("CARGO_PKG_VERSION").as_bytes());
    hash.update([0]);
    hash.update(serde_json::to_vec(&pipeline.config.sanitize).unwrap_or_default());
    hash.update([0]);
    hash.update(serde_json::to_vec(&pipeline.config.tenant).unwrap_or_default());
    hash.update([0]);
    hash.update(pipeline.config.smtp.hostname.as_bytes());
    hash.update([u8::from(pipeline.link_base.get().is_some())]);
    hex(&hash.finalize())
}

/// Keeps `copy` for entry `id` (blocking).
pub fn save(pipeline: &Pipeline, id: &str, copy: &Copy) -> io::Result<()> {
    let (sanitized, parts): (Option<&Sanitized>, [&[u8]; 2]) = match copy {
        Copy::One(message) => (None, [message.as_slice(), &[]]),
        Copy::Links(s) => (Some(s.as_ref()), [&s.message, s.text.as_bytes()]),
    };
    let mut digest = Sha256::new();
    digest.update(parts[0]);
    digest.update(parts[1]);
    let header = Header {
        fingerprint: fingerprint(pipeline),
        digest: hex(&digest.finalize()),
        sanitized,
        text_len: parts[1].len() as u64,
    };
    let body = [parts[0], parts[1]].concat();
    let path = pipeline.spool.side_path(id, "sanitized");
    let tmp = pipeline.spool.side_path(id, "sanitized-tmp");
    let mut out = BufWriter::new(File::create(&tmp)?);
    frame::write(&mut out, &header, &body)?;
    out.into_inner().map_err(|e| e.into_error())?.flush()?;
    fs::rename(&tmp, &path)
}

/// The kept copy of entry `id`, if there is one made under the current
/// policy and it reads back whole (blocking).
pub fn load(pipeline: &Pipeline, id: &str) -> Option<Copy> {
    let path = pipeline.spool.side_path(id, "sanitized");
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!("{id}: cannot read the kept sanitized copy: {e}");
            return None;
        }
    };
    let read = frame::read::<Header<Sanitized>>(&mut BufReader::new(file), MAX_COPY);
    let frame = match read {
        Ok(Some(frame)) => frame,
        Ok(None) | Err(_) => {
            tracing::warn!("{id}: the kept sanitized copy is damaged; converting again");
            return None;
        }
    };
    let Header {
        fingerprint: made_under,
        digest,
        sanitized,
        text_len,
    } = frame.header;
    if made_under != fingerprint(pipeline) {
        tracing::info!(
            queue_id = %id,
            "{id}: the policy changed since the copy was made; converting again"
        );
        return None;
    }
    if hex(&Sha256::digest(&frame.body)) != digest {
        tracing::warn!("{id}: the kept sanitized copy is damaged; converting again");
        return None;
    }
    let mut message = frame.body;
    match sanitized {
        None => Some(Copy::One(Arc::new(message))),
        Some(mut sanitized) => {
            let split = message.len().checked_sub(text_len as usize)?;
            let text = String::from_utf8(message.split_off(split)).ok()?;
            sanitized.message = message;
            sanitized.text = text;
            Some(Copy::Links(Arc::new(sanitized)))
        }
    }
}
