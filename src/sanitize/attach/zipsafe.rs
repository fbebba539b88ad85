//! Zip containers (archives and OOXML/ODF documents) opened in memory with
//! every hostile trick checked before a byte is inflated: the number of
//! entries, the declared total size, the compression ratio, encryption,
//! and local headers that disagree with the central directory. Reads are
//! capped at the declared size, so an entry that lies about its size
//! costs no more than it declared.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::budget::{Budget, Failure};
use crate::policy::AttachmentPolicy;
use crate::sanitize::charset;

/// Entries smaller than this are never judged by their ratio: a few
/// hundred KiB of blank cells compress very well and harm nobody.
const RATIO_FLOOR: u64 = 1 << 20;

/// One entry as the central directory describes it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub index: usize,
    /// Decoded name with its path (UTF-8, or CP932 for old Windows zips).
    pub name: String,
    pub size: u64,
    pub is_dir: bool,
    pub encrypted: bool,
    /// Set when the local header disagrees with the central directory.
    pub mismatch: Option<String>,
}

pub struct SafeZip<'a> {
    archive: ZipArchive<Cursor<&'a [u8]>>,
    pub entries: Vec<Entry>,
    /// Opens encrypted entries (ZipCrypto or AES), when given.
    password: Option<&'a [u8]>,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        bytes.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        bytes.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// Name bytes decoded: UTF-8 when flagged or valid, else Shift_JIS (CP932).
fn decode_name(raw: &[u8], utf8_flag: bool) -> String {
    if utf8_flag || std::str::from_utf8(raw).is_ok() {
        return String::from_utf8_lossy(raw).into_owned();
    }
    charset::decode(raw, Some("shift_jis")).text.into_owned()
}

/// Compares the local header at `offset` with the central directory's view.
fn check_local_header(
    bytes: &[u8],
    offset: u64,
    central_name: &[u8],
    size: u64,
    compressed: u64,
) -> Option<String> {
    let at = usize::try_from(offset).ok()?;
    if u32_at(bytes, at) != Some(0x0403_4b50) {
        return Some("no local header where the directory points".into());
    }
    let field = |offset: usize| at.checked_add(offset);
    let flags = u16_at(bytes, field(6)?)?;
    let local_compressed = u32_at(bytes, field(18)?)?;
    let local_size = u32_at(bytes, field(22)?)?;
    let name_len = usize::from(u16_at(bytes, field(26)?)?);
    let local_name = bytes.get(field(30)?..field(30 + name_len)?)?;
    if local_name != central_name {
        return Some("the local and central headers name different files".into());
    }
    let has_descriptor = flags & 0x0008 != 0;
    let zip64 = local_size == u32::MAX || local_compressed == u32::MAX;
    if !has_descriptor
        && !zip64
        && (u64::from(local_size) != size || u64::from(local_compressed) != compressed)
    {
        return Some("the local and central headers give different sizes".into());
    }
    None
}

/// Opens `bytes` as a zip and checks it against the archive limits.
pub fn open<'a>(bytes: &'a [u8], limits: &AttachmentPolicy) -> Result<SafeZip<'a>, Failure> {
    let mut archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| Failure::Broken(format!("not a readable zip: {e}")))?;
    if archive.len() > limits.zip_max_entries {
        return Err(Failure::TooLarge(format!(
            "{} entries exceed zip_max_entries {}",
            archive.len(),
            limits.zip_max_entries
        )));
    }
    let mut entries = Vec::with_capacity(archive.len());
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let file = archive
            .by_index_raw(index)
            .map_err(|e| Failure::Broken(format!("zip entry {index} is unreadable: {e}")))?;
        let utf8_flag = usize::try_from(file.central_header_start())
            .ok()
            .and_then(|central| u16_at(bytes, central.checked_add(8)?))
            .is_some_and(|f| f & 0x0800 != 0);
        let size = file.size();
        let compressed = file.compressed_size();
        total = total.saturating_add(size);
        if total > limits.zip_max_total.bytes() {
            return Err(Failure::TooLarge(format!(
                "entries add up to more than zip_max_total {}",
                limits.zip_max_total
            )));
        }
        if size > RATIO_FLOOR && size / compressed.max(1) > limits.zip_max_ratio {
            return Err(Failure::Unsafe(format!(
                "an entry expands {}:1, more than zip_max_ratio {}:1 (zip bomb)",
                size / compressed.max(1),
                limits.zip_max_ratio
            )));
        }
        let mismatch = check_local_header(
            bytes,
            file.header_start(),
            file.name_raw(),
            size,
            compressed,
        );
        entries.push(Entry {
            index,
            name: decode_name(file.name_raw(), utf8_flag),
            size,
            is_dir: file.is_dir(),
            encrypted: file.encrypted(),
            mismatch,
        });
    }
    Ok(SafeZip {
        archive,
        entries,
        password: None,
    })
}

impl<'a> SafeZip<'a> {
    /// Encrypted entries are read with `password` (a PPAP archive whose
    /// password the recipient gave).
    pub fn with_password(mut self, password: &'a [u8]) -> SafeZip<'a> {
        self.password = Some(password);
        self
    }

    /// The entry named exactly `name`.
    pub fn find(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Inflates one entry, charging its size to `budget` first.
    pub fn read(&mut self, index: usize, budget: &Budget) -> Result<Vec<u8>, Failure> {
        let entry = self
            .entries
            .get(index)
            .ok_or_else(|| Failure::Broken(format!("no zip entry {index}")))?
            .clone();
        let password = match (entry.encrypted, self.password) {
            (false, _) => None,
            (true, Some(password)) => Some(password),
            (true, None) => return Err(Failure::Encrypted),
        };
        if let Some(mismatch) = &entry.mismatch {
            return Err(Failure::Unsafe(mismatch.clone()));
        }
        budget.charge(entry.size, "an unpacked entry")?;
        let broken = |e: &dyn std::fmt::Display| Failure::Broken(format!("{}: {e}", entry.name));
        let file = match password {
            None => self.archive.by_index(index).map_err(|e| broken(&e))?,
            Some(password) => match self.archive.by_index_decrypt(index, password) {
                Ok(file) => file,
                Err(zip::result::ZipError::InvalidPassword) => return Err(Failure::WrongPassword),
                Err(e) => return Err(broken(&e)),
            },
        };
        let mut out = Vec::with_capacity(usize::try_from(entry.size).unwrap_or(0));
        // A ZipCrypto header passes one wrong password in 256; its check
        // sum (or AES's authentication code) then fails at the end.
        file.take(entry.size.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| match password {
                Some(_) => Failure::WrongPassword,
                None => broken(&e),
            })?;
        if out.len() as u64 != entry.size {
            return Err(Failure::Unsafe(format!(
                "{} inflates to a size other than the one declared",
                entry.name
            )));
        }
        Ok(out)
    }

    /// Reads a named XML part as text (absent: `None`).
    pub fn read_text(&mut self, name: &str, budget: &Budget) -> Result<Option<String>, Failure> {
        let Some(index) = self.find(name).map(|e| e.index) else {
            return Ok(None);
        };
        let bytes = self.read(index, budget)?;
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    }
}
