//! PPAP: a password-protected zip or PDF whose password the sender mailed
//! separately. [`unlock`] opens it with the password the recipient gives
//! (zip: ZipCrypto or AES; PDF: the standard security handler) and treats
//! it under the same policy as an unprotected one: each zip entry
//! converted or removed with a reason, the PDF rasterised. Run where
//! `treat` runs (the converter process, its budget, `catch_unwind`); the
//! password lives only for this call and is never part of a verdict. A
//! password that does not open the file removes it whole with
//! `encrypted`: nothing comes out of a wrong guess.
//!
//! Japanese zip tools on Windows write a non-ASCII password in CP932, so
//! such a password is tried as UTF-8 and then as Shift_JIS.

use super::budget::{Budget, Failure};
use super::{Input, Kind, Treated, Verdict, archive, choose, detect, isolate, pdf};
use crate::policy::{AttachmentAction, Policy};

/// Opens the password-protected zip or PDF `input` with `password` and
/// treats it under `policy`.
pub fn unlock(input: &Input<'_>, password: &str, policy: &Policy) -> Treated {
    let budget = Budget::new(
        policy.attachments.converter_time_limit.duration(),
        policy.attachments.converter_memory_limit.bytes(),
    );
    let detection = detect(input.bytes, input.declared, input.name);
    let size = input.bytes.len() as u64;
    let kind = detection.by_content;
    let wanted = match kind {
        Kind::Zip => AttachmentAction::Unpack,
        Kind::Pdf => AttachmentAction::Rasterise,
        other => {
            let failure = Failure::Broken(format!(
                "only a zip archive or a PDF can be opened with a password; this is {}",
                other.as_str()
            ));
            return Treated::removed(input.name, size, detection, failure);
        }
    };
    let failure = if choose::action(&policy.attachments, kind) != wanted {
        Some(Failure::Policy(kind))
    } else if password.is_empty() {
        Some(Failure::WrongPassword)
    } else {
        None
    };
    if let Some(failure) = failure {
        return Treated::removed(input.name, size, detection, failure);
    }
    let open = |password: &[u8]| -> Result<Verdict, Failure> {
        isolate(|| match kind {
            Kind::Zip => archive::unpack_with(input.bytes, Some(password), policy, &budget, 0),
            _ => {
                let password = std::str::from_utf8(password).map_err(|_| Failure::WrongPassword)?;
                pdf::rasterise_with(
                    input.bytes,
                    Some(password),
                    input.name,
                    &policy.attachments,
                    &budget,
                )
            }
        })
    };
    let mut opened = open(password.as_bytes());
    if matches!(opened, Err(Failure::WrongPassword)) && kind == Kind::Zip && !password.is_ascii() {
        let (cp932, _, unmappable) = encoding_rs::SHIFT_JIS.encode(password);
        if !unmappable {
            opened = open(&cp932);
        }
    }
    match opened {
        Ok(verdict) => Treated {
            name: input.name.map(str::to_string),
            size,
            detection,
            verdict,
        },
        Err(failure) => Treated::removed(input.name, size, detection, failure),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::{FileOptions, SimpleFileOptions};
    use zip::{AesMode, CompressionMethod, ZipWriter};

    use super::*;
    use crate::sanitize::attach::Verdict;
    use crate::sanitize::report::PartReason;

    const PASSWORD: &str = "Mitsumori#2026";

    /// A PPAP archive: a Japanese text file and a program, encrypted.
    fn ppap(aes: bool) -> Vec<u8> {
        let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let plain: SimpleFileOptions =
            FileOptions::default().compression_method(CompressionMethod::Stored);
        let options = if aes {
            plain.with_aes_encryption(AesMode::Aes256, PASSWORD)
        } else {
            use zip::unstable::write::FileOptionsExt;
            plain
                .with_deprecated_encryption(PASSWORD.as_bytes())
                .unwrap()
        };
        zip.start_file("見積書.txt", options).unwrap();
        zip.write_all("御見積金額 1,234,000円\n".as_bytes())
            .unwrap();
        zip.start_file("setup.exe", options).unwrap();
        zip.write_all(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00")
            .unwrap();
        zip.finish().unwrap().into_inner()
    }

    fn input(bytes: &[u8]) -> Input<'_> {
        Input {
            name: Some("見積書.zip"),
            declared: "application/zip",
            charset: None,
            bytes,
        }
    }

    fn entries(treated: &Treated) -> Vec<(String, bool)> {
        let Verdict::Unpacked { entries, .. } = &treated.verdict else {
            panic!("not unpacked: {:?}", treated.verdict);
        };
        entries
            .iter()
            .map(|e| {
                let name = e.name.clone().unwrap_or_default();
                (name, !matches!(e.verdict, Verdict::Removed { .. }))
            })
            .collect()
    }

    #[test]
    fn the_right_password_opens_zipcrypto_and_aes_and_the_policy_still_applies() {
        for aes in [false, true] {
            let bytes = ppap(aes);
            let treated = unlock(&input(&bytes), PASSWORD, &Policy::default());
            assert_eq!(
                entries(&treated),
                [
                    ("見積書.txt".to_string(), true),
                    ("setup.exe".to_string(), false)
                ],
                "aes {aes}"
            );
            // Without the password the same archive gives nothing.
            let closed = crate::sanitize::attach::treat(&input(&bytes), &Policy::default());
            let Verdict::Unpacked { entries, .. } = closed.verdict else {
                panic!("aes {aes}: {:?}", closed.verdict);
            };
            assert!(entries.iter().all(|e| matches!(
                e.verdict,
                Verdict::Removed {
                    reason: PartReason::Encrypted,
                    ..
                }
            )));
        }
    }

    #[test]
    fn a_japanese_password_opens_a_zip_made_on_japanese_windows() {
        // Explorer and Lhaplus write a non-ASCII password in CP932.
        let password = "見積パス2026";
        let (cp932, _, _) = encoding_rs::SHIFT_JIS.encode(password);
        let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = {
            use zip::unstable::write::FileOptionsExt;
            FileOptions::<()>::default()
                .compression_method(CompressionMethod::Stored)
                .with_deprecated_encryption(&cp932)
                .unwrap()
        };
        zip.start_file("memo.txt", options).unwrap();
        zip.write_all("打合せメモ\n".as_bytes()).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let treated = unlock(&input(&bytes), password, &Policy::default());
        assert_eq!(entries(&treated), [("memo.txt".to_string(), true)]);
        let treated = unlock(&input(&bytes), "見積パス2025", &Policy::default());
        assert!(matches!(treated.verdict, Verdict::Removed { .. }));
    }

    #[test]
    fn a_wrong_password_removes_the_whole_archive() {
        for aes in [false, true] {
            let bytes = ppap(aes);
            for guess in ["mitsumori#2026", "", "Mitsumori#2026 "] {
                let treated = unlock(&input(&bytes), guess, &Policy::default());
                let Verdict::Removed { reason, detail } = &treated.verdict else {
                    panic!("aes {aes}, {guess:?} opened it: {:?}", treated.verdict);
                };
                assert_eq!(*reason, PartReason::WrongPassword);
                assert!(detail.contains("password"), "{detail}");
                assert!(!detail.contains(guess) || guess.is_empty());
            }
        }
    }

    #[test]
    fn only_a_zip_is_unlocked_and_only_where_zips_are_opened() {
        let text = Input {
            name: Some("見積書.zip"),
            declared: "application/zip",
            charset: None,
            bytes: "これは zip ではありません".as_bytes(),
        };
        let treated = unlock(&text, PASSWORD, &Policy::default());
        assert!(matches!(treated.verdict, Verdict::Removed { .. }));
        let mut policy = Policy::default();
        policy.attachments.zip = AttachmentAction::Remove;
        let bytes = ppap(true);
        let treated = unlock(&input(&bytes), PASSWORD, &policy);
        assert!(matches!(
            treated.verdict,
            Verdict::Removed {
                reason: PartReason::KindRemoved,
                ..
            }
        ));
    }
}
