//! The one writer over any text: never panics, leaves no control
//! character but TAB and CRLF, and in defang mode no `://`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mugai::policy::{Language, LinkMode};
use mugai::sanitize::write_text;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for mode in [LinkMode::Defang, LinkMode::Remove, LinkMode::Keep] {
        let (out, _) = write_text(&text, mode, Language::Ja);
        let bytes = out.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'\n' => assert!(i > 0 && bytes[i - 1] == b'\r'),
                b'\r' => assert_eq!(bytes.get(i + 1), Some(&b'\n')),
                b'\t' => {}
                0..=0x1f | 0x7f => panic!("control character {b:#x} written"),
                _ => {}
            }
        }
        if mode != LinkMode::Keep {
            assert!(!out.contains("://"), "live scheme in {out:?}");
        }
    }
});
