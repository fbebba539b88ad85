//! TNEF (`winmail.dat`) → `unpack`: the attachments Outlook wrapped inside
//! it are taken out (name and bytes) and each follows the policy as if it
//! had been attached directly. The rest of the container (RTF body, MAPI
//! properties) never passes. Every length is checked against what is
//! left, so a lying length ends the walk instead of reading past the end.

use super::budget::{Budget, Failure};
use super::{Input, Verdict, names, treat_within};
use crate::policy::Policy;
use crate::sanitize::charset;
use crate::sanitize::report::PartReason;

const SIGNATURE: u32 = 0x223E_9F78;
const ATT_ATTACH_REND_DATA: u32 = 0x0006_9002;
const ATT_ATTACH_TITLE: u32 = 0x0001_8010;
const ATT_ATTACH_DATA: u32 = 0x0006_800F;
const ATT_ATTACHMENT: u32 = 0x0006_9005;
const PR_ATTACH_LONG_FILENAME: u16 = 0x3707;
/// Attachments taken out of one container.
const MAX_ATTACHMENTS: usize = 256;

#[derive(Default)]
struct Found {
    title: Option<String>,
    long_name: Option<String>,
    data: Option<(usize, usize)>,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

pub fn unpack(
    bytes: &[u8],
    policy: &Policy,
    budget: &Budget,
    depth: usize,
) -> Result<Verdict, Failure> {
    super::archive::container_depth(depth, policy)?;
    let found = attachments(bytes)?;
    let mut entries = Vec::new();
    for attachment in found {
        budget.check()?;
        let Some((start, len)) = attachment.data else {
            continue;
        };
        let Some(content) = start.checked_add(len).and_then(|end| bytes.get(start..end)) else {
            continue;
        };
        let raw_name = attachment.long_name.or(attachment.title);
        let name = names::clean(raw_name.as_deref(), "attachment");
        let input = Input {
            name: Some(&name),
            declared: "application/octet-stream",
            charset: None,
            bytes: content,
        };
        entries.push(treat_within(&input, policy, budget, depth + 1));
    }
    Ok(Verdict::Unpacked {
        reason: PartReason::Unpacked,
        entries,
    })
}

/// The attachments in a TNEF stream (names decoded, data as ranges).
fn attachments(bytes: &[u8]) -> Result<Vec<Found>, Failure> {
    let mut cursor = Cursor { bytes, at: 0 };
    if cursor.u32() != Some(SIGNATURE) || cursor.u16().is_none() {
        return Err(Failure::Broken("not a TNEF stream".into()));
    }
    let mut found: Vec<Found> = Vec::new();
    while cursor.at < bytes.len() {
        let (Some(_level), Some(id), Some(len)) = (cursor.u8(), cursor.u32(), cursor.u32()) else {
            break;
        };
        let start = cursor.at;
        let Some(data) = cursor.take(len as usize) else {
            break;
        };
        if cursor.u16().is_none() {
            break;
        }
        match id {
            ATT_ATTACH_REND_DATA => {
                if found.len() >= MAX_ATTACHMENTS {
                    return Err(Failure::TooLarge(format!(
                        "more than {MAX_ATTACHMENTS} attachments in one TNEF container"
                    )));
                }
                found.push(Found::default());
            }
            ATT_ATTACH_TITLE => {
                if let Some(last) = found.last_mut() {
                    last.title = Some(string8(data));
                }
            }
            ATT_ATTACH_DATA => {
                if let Some(last) = found.last_mut() {
                    last.data = Some((start, data.len()));
                }
            }
            ATT_ATTACHMENT => {
                if let Some(last) = found.last_mut() {
                    last.long_name = long_filename(data);
                }
            }
            _ => {}
        }
    }
    Ok(found)
}

/// An 8-bit string (Japanese Outlook writes CP932), NUL-terminated.
fn string8(data: &[u8]) -> String {
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    charset::decode(&data[..end], None).text.into_owned()
}

/// PR_ATTACH_LONG_FILENAME from a MAPI property block, if it is there
/// before any property this walk cannot size.
fn long_filename(data: &[u8]) -> Option<String> {
    let mut c = Cursor { bytes: data, at: 0 };
    let count = c.u32()?;
    for _ in 0..count.min(1024) {
        let kind = c.u16()?;
        let id = c.u16()?;
        if id >= 0x8000 {
            c.take(16)?;
            if c.u32()? == 0 {
                c.u32()?;
            } else {
                let len = c.u32()? as usize;
                c.take(len.checked_add(3)? & !3)?;
            }
        }
        let multi = kind & 0x1000 != 0;
        let base = kind & !0x1000;
        let values = match base {
            0x001E | 0x001F | 0x0102 | 0x000D => c.u32()?,
            _ if multi => c.u32()?,
            _ => 1,
        };
        for _ in 0..values.min(1024) {
            match base {
                0x0002 | 0x0003 | 0x0004 | 0x000A | 0x000B => {
                    c.take(4)?;
                }
                0x0005 | 0x0006 | 0x0007 | 0x0014 | 0x0040 => {
                    c.take(8)?;
                }
                0x0048 => {
                    c.take(16)?;
                }
                0x001E | 0x001F | 0x0102 | 0x000D => {
                    let len = c.u32()? as usize;
                    let value = c.take(len)?;
                    c.take((4 - len % 4) % 4)?;
                    if id == PR_ATTACH_LONG_FILENAME {
                        let text = if base == 0x001F {
                            let units: Vec<u16> = value
                                .chunks_exact(2)
                                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                                .take_while(|&u| u != 0)
                                .collect();
                            String::from_utf16_lossy(&units)
                        } else {
                            string8(value)
                        };
                        return Some(text).filter(|t| !t.is_empty());
                    }
                }
                _ => return None,
            }
        }
    }
    None
}
