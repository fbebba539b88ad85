//! PPAP and 画面で見る over any bytes: the password-line finder gives only
//! short printable candidates; opening any bytes as a locked zip or PDF
//! with a password, and taking any part out of any message, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mugai::policy::Policy;
use mugai::sanitize::attach::{Input, unlock};
use mugai::sanitize::extract;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for candidate in mugai::pipeline::password_candidates(&text) {
        assert!((4..=64).contains(&candidate.len()), "{candidate:?}");
        assert!(candidate.chars().all(|c| c.is_ascii_graphic()), "{candidate:?}");
    }
    let policy = Policy::default();
    for declared in ["application/zip", "application/pdf"] {
        let input = Input {
            name: Some("file"),
            declared,
            charset: None,
            bytes: data,
        };
        let _ = unlock(&input, "Mitsumori#2026", &policy);
    }
    for part in ["1", "2", "1.2"] {
        let _ = extract(data, part, &policy);
    }
});
