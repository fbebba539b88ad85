//! The whole core over any bytes: returns (sanitized or refused) within
//! the fuzzer's time and memory limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mugai::policy::Policy;
use mugai::sanitize::{Stamp, sanitize};

fuzz_target!(|data: &[u8]| {
    let stamp = Stamp {
        hostname: "fuzz.test".into(),
        received_at: 0,
        queue_id: None,
        request_link: None,
    };
    if let Ok(done) = sanitize(data, &Policy::default(), &stamp) {
        assert!(
            !done
                .message
                .windows(7)
                .any(|w| w.eq_ignore_ascii_case(b"<script"))
        );
    }
});
