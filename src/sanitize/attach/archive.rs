//! Zip archives → `unpack`: opened in memory through [`zipsafe`] (limits,
//! bombs, lying headers checked first), and each entry treated by the same
//! policy as if it had been attached directly, under its own name with
//! the path stripped. Nested archives are unpacked up to `zip_max_depth`.

use super::budget::{Budget, Failure};
use super::{Input, Treated, Verdict, detect, names, treat_within, zipsafe};
use crate::policy::Policy;
use crate::sanitize::report::PartReason;

/// Containers (zip, winmail.dat) inside containers are opened to
/// `zip_max_depth` levels and no deeper: every level is a stack frame.
pub fn container_depth(depth: usize, policy: &Policy) -> Result<(), Failure> {
    let max = policy.attachments.zip_max_depth;
    if depth >= max {
        return Err(Failure::TooLarge(format!(
            "archives nested deeper than zip_max_depth {max}"
        )));
    }
    Ok(())
}

pub fn unpack(
    bytes: &[u8],
    policy: &Policy,
    budget: &Budget,
    depth: usize,
) -> Result<Verdict, Failure> {
    unpack_with(bytes, None, policy, budget, depth)
}

/// As [`unpack`], opening encrypted entries with `password`. A password
/// that does not open an entry fails the whole archive: nothing is
/// delivered from a guess.
pub fn unpack_with(
    bytes: &[u8],
    password: Option<&[u8]>,
    policy: &Policy,
    budget: &Budget,
    depth: usize,
) -> Result<Verdict, Failure> {
    let limits = &policy.attachments;
    container_depth(depth, policy)?;
    let mut zip = zipsafe::open(bytes, limits)?;
    if let Some(password) = password {
        zip = zip.with_password(password);
    }
    let listing = zip.entries.clone();
    let mut entries = Vec::new();
    for entry in listing.iter().filter(|e| !e.is_dir) {
        budget.check()?;
        let name = names::clean(Some(&entry.name), "file");
        let read = if escapes(&entry.name) {
            Err(Failure::Unsafe(format!(
                "the entry name {:?} points outside the archive (zip slip)",
                entry.name
            )))
        } else {
            zip.read(entry.index, budget)
        };
        match read {
            Ok(content) => {
                let input = Input {
                    name: Some(&name),
                    declared: "application/octet-stream",
                    charset: None,
                    bytes: &content,
                };
                entries.push(treat_within(&input, policy, budget, depth + 1));
                budget.refund(entry.size);
            }
            Err(Failure::TimeLimit) => return Err(Failure::TimeLimit),
            Err(Failure::WrongPassword) => return Err(Failure::WrongPassword),
            Err(failure) => {
                let (reason, detail) = failure.into_reason();
                entries.push(Treated {
                    name: Some(name.clone()),
                    size: entry.size,
                    detection: detect(&[], "application/octet-stream", Some(&name)),
                    verdict: Verdict::Removed { reason, detail },
                });
            }
        }
    }
    Ok(Verdict::Unpacked {
        reason: PartReason::Unpacked,
        entries,
    })
}

/// True for entry names that would land outside the folder they are
/// unpacked into: `..` components, absolute paths, drive letters.
fn escapes(name: &str) -> bool {
    let name = name.replace('\\', "/");
    name.starts_with('/')
        || name.as_bytes().get(1) == Some(&b':')
        || name.split('/').any(|component| component.trim() == "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_climb_out_are_caught() {
        assert!(escapes("../../etc/cron.d/x"));
        assert!(escapes("a/..\\..\\b.exe"));
        assert!(escapes("/etc/passwd"));
        assert!(escapes("C:\\Windows\\x.dll"));
        assert!(!escapes("資料/見積書.xlsx"));
        assert!(!escapes("a..b.txt"));
    }
}
