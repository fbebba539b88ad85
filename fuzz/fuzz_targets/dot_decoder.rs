//! The DATA decoder over any bytes in any chunking: never panics, writes
//! only CRLF line ends, and ends data only at CRLF "." CRLF.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mugai::ingress::dot::DotDecoder;

fuzz_target!(|data: &[u8]| {
    let Some((&step, input)) = data.split_first() else {
        return;
    };
    let step = usize::from(step).max(1);
    let mut decoder = DotDecoder::default();
    let mut out = Vec::new();
    let mut used = 0;
    let mut done = false;
    for chunk in input.chunks(step) {
        let (n, end) = decoder.feed(chunk, &mut out);
        assert!(n <= chunk.len());
        used += n;
        if end {
            done = true;
            break;
        }
    }
    for (i, &b) in out.iter().enumerate() {
        if b == b'\n' {
            assert!(i > 0 && out[i - 1] == b'\r', "bare LF written");
        }
        if b == b'\r' {
            assert_eq!(out.get(i + 1), Some(&b'\n'), "bare CR written");
        }
    }
    if done {
        let consumed = &input[..used];
        assert!(
            consumed == b".\r\n" || consumed.ends_with(b"\r\n.\r\n"),
            "data ended without CRLF.CRLF"
        );
    }
});
