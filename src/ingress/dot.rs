//! The DATA decoder: removes dot-stuffing, writes every line end as CRLF,
//! and finds the one sequence that ends the message: `<CR><LF>.<CR><LF>`.
//!
//! SMTP smuggling (2023) works by ending DATA, for one server, with a
//! sequence another server reads as content (`<LF>.<LF>`,
//! `<CR><LF>.<LF>`, `<LF>.<CR><LF>`, `<CR>.<CR>` …): the bytes after it
//! then run as a second, forged transaction. Here a line starts only
//! after a real CRLF, so a dot after a bare CR or LF is content, and DATA
//! ends only at CRLF `.` CRLF (or at the start of DATA, `.` CRLF). Every
//! bare CR or LF is counted and written as CRLF; whether the message is
//! then refused is the session's decision (`[smtp] bare_newline`).
//!
//! It keeps only a few bytes of state between reads, so a message streams
//! through it chunk by chunk whatever its size or line lengths.

use memchr::memchr2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the first byte of a line (after CRLF, or at the start of DATA).
    LineStart,
    /// The line began with a dot (already dropped).
    AfterDot,
    /// The line is `.` followed by CR so far.
    AfterDotCr,
    /// Inside a line.
    Mid,
    /// Inside a line, and the last byte was a CR (held back: it is a line
    /// end only if LF follows).
    MidCr,
}

/// Streaming dot-unstuffer.
#[derive(Debug)]
pub struct DotDecoder {
    state: State,
    bare_newlines: u64,
}

impl Default for DotDecoder {
    fn default() -> Self {
        DotDecoder {
            state: State::LineStart,
            bare_newlines: 0,
        }
    }
}

impl DotDecoder {
    /// How many bare CRs and LFs the message had (each written as CRLF).
    pub fn bare_newlines(&self) -> u64 {
        self.bare_newlines
    }

    fn bare(&mut self, out: &mut Vec<u8>) {
        self.bare_newlines += 1;
        out.extend_from_slice(b"\r\n");
        // A dot after a bare line end is content: it is not a line start
        // (no unstuffing, and never the end of data).
        self.state = State::Mid;
    }

    /// Decodes `input` into `out`. Returns how many input bytes were used
    /// and whether the end-of-data line was found (bytes after it are not
    /// used: they belong to the next command).
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> (usize, bool) {
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            match self.state {
                State::LineStart => {
                    if b == b'.' {
                        self.state = State::AfterDot;
                        i += 1;
                    } else {
                        self.state = State::Mid;
                    }
                }
                State::AfterDot => match b {
                    b'\r' => {
                        self.state = State::AfterDotCr;
                        i += 1;
                    }
                    b'\n' => {
                        out.push(b'.');
                        self.bare(out);
                        i += 1;
                    }
                    _ => self.state = State::Mid,
                },
                State::AfterDotCr => {
                    if b == b'\n' {
                        return (i + 1, true);
                    }
                    // `.` CR and something else: the CR is bare.
                    out.push(b'.');
                    self.bare(out);
                }
                State::MidCr => {
                    if b == b'\n' {
                        out.extend_from_slice(b"\r\n");
                        self.state = State::LineStart;
                        i += 1;
                    } else {
                        self.bare(out);
                    }
                }
                State::Mid => {
                    let rest = &input[i..];
                    match memchr2(b'\r', b'\n', rest) {
                        None => {
                            out.extend_from_slice(rest);
                            i = input.len();
                        }
                        Some(p) => {
                            out.extend_from_slice(&rest[..p]);
                            i += p + 1;
                            if rest[p] == b'\r' {
                                self.state = State::MidCr;
                            } else {
                                self.bare(out);
                            }
                        }
                    }
                }
            }
        }
        (input.len(), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` in pieces of `step` bytes.
    fn decode(input: &[u8], step: usize) -> (Vec<u8>, usize, bool, u64) {
        let mut decoder = DotDecoder::default();
        let mut out = Vec::new();
        let mut used = 0;
        for chunk in input.chunks(step) {
            let (n, done) = decoder.feed(chunk, &mut out);
            used += n;
            if done {
                return (out, used, true, decoder.bare_newlines());
            }
        }
        (out, used, false, decoder.bare_newlines())
    }

    #[test]
    fn unstuffs_and_stops_at_the_dot_line_in_any_chunking() {
        let input = b"Subject: a\r\n\r\n..leading dot\r\n\r\nx\r\n.\r\nQUIT\r\n";
        for step in 1..input.len() {
            let (out, used, done, bare) = decode(input, step);
            assert!(done, "step {step}");
            assert_eq!(
                out,
                b"Subject: a\r\n\r\n.leading dot\r\n\r\nx\r\n".to_vec(),
                "step {step}"
            );
            assert_eq!(&input[used..], b"QUIT\r\n", "step {step}");
            assert_eq!(bare, 0);
        }
    }

    #[test]
    fn an_empty_message_ends_at_the_first_dot_line() {
        assert_eq!(decode(b".\r\n", 1), (Vec::new(), 3, true, 0));
    }

    /// Every published smuggling end-of-data variant: none ends DATA, each
    /// bare line end is counted and written as CRLF, and the real end
    /// afterwards is still found.
    #[test]
    fn no_smuggling_sequence_ends_data() {
        let variants: &[&[u8]] = &[
            b"\n.\n",
            b"\r\n.\n",
            b"\n.\r\n",
            b"\r.\r",
            b"\r\n.\r",
            b"\r.\r\n",
            b"\r\n\x00.\r\n",
            b"\n.\r",
            b"\r.\n",
            b"\r\n.\r\r\n",
            b"\n\n.\n\n",
        ];
        for variant in variants {
            let mut input = b"Subject: x\r\n\r\nbody".to_vec();
            input.extend_from_slice(variant);
            input.extend_from_slice(b"MAIL FROM:<mayor@city.example.lg.jp>\r\nDATA\r\n");
            let real_end = input.len();
            input.extend_from_slice(b"\r\n.\r\nQUIT\r\n");
            for step in [1, 2, 3, 7, input.len()] {
                let (out, used, done, bare) = decode(&input, step);
                assert!(done, "{variant:?} step {step}");
                assert_eq!(used, real_end + 5, "{variant:?} step {step}");
                let expected_bare = variant
                    .iter()
                    .enumerate()
                    .filter(|&(i, &b)| {
                        (b == b'\n' && (i == 0 || variant[i - 1] != b'\r'))
                            || (b == b'\r' && variant.get(i + 1) != Some(&b'\n'))
                    })
                    .count() as u64;
                assert_eq!(bare, expected_bare, "{variant:?} step {step}");
                assert!(
                    out.windows(4).any(|w| w == b"MAIL"),
                    "the smuggled command is content: {variant:?}"
                );
                for (i, &b) in out.iter().enumerate() {
                    if b == b'\n' {
                        assert_eq!(out[i - 1], b'\r', "{variant:?}: bare LF in output");
                    }
                    if b == b'\r' {
                        assert_eq!(out.get(i + 1), Some(&b'\n'), "{variant:?}: bare CR");
                    }
                }
            }
        }
    }

    #[test]
    fn without_the_dot_line_the_message_is_not_finished() {
        let (out, used, done, _) = decode(b"a\r\n.b\r\n", 3);
        assert!(!done);
        assert_eq!(used, 7);
        assert_eq!(out, b"a\r\nb\r\n");
    }
}
