//! The DATA decoder: removes dot-stuffing, normalises every line end
//! (CRLF, bare LF) to CRLF, and finds the `.` line that ends the message.
//!
//! It keeps only a few bytes of state between reads, so a message streams
//! through it chunk by chunk whatever its size or line lengths.

use memchr::memchr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the first byte of a line.
    LineStart,
    /// The line began with a dot (already dropped).
    AfterDot,
    /// The line is `.` followed by CR so far.
    AfterDotCr,
    /// Inside a line.
    Mid,
}

/// Streaming dot-unstuffer.
#[derive(Debug)]
pub struct DotDecoder {
    state: State,
    /// The previous chunk ended in CR inside a line (held back).
    pending_cr: bool,
}

impl Default for DotDecoder {
    fn default() -> Self {
        DotDecoder {
            state: State::LineStart,
            pending_cr: false,
        }
    }
}

impl DotDecoder {
    /// Decodes `input` into `out`. Returns how many input bytes were used
    /// and whether the end-of-data line was found (bytes after it are not
    /// used: they belong to the next command).
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> (usize, bool) {
        let mut i = 0;
        while i < input.len() {
            match self.state {
                State::LineStart => {
                    if input[i] == b'.' {
                        self.state = State::AfterDot;
                        i += 1;
                    } else {
                        self.state = State::Mid;
                    }
                }
                State::AfterDot => match input[i] {
                    b'\n' => return (i + 1, true),
                    b'\r' => {
                        self.state = State::AfterDotCr;
                        i += 1;
                    }
                    _ => self.state = State::Mid,
                },
                State::AfterDotCr => {
                    if input[i] == b'\n' {
                        return (i + 1, true);
                    }
                    out.push(b'\r');
                    self.state = State::Mid;
                }
                State::Mid => {
                    if self.pending_cr {
                        self.pending_cr = false;
                        if input[i] == b'\n' {
                            out.extend_from_slice(b"\r\n");
                            i += 1;
                            self.state = State::LineStart;
                            continue;
                        }
                        out.push(b'\r');
                    }
                    let rest = &input[i..];
                    match memchr(b'\n', rest) {
                        Some(p) => {
                            let line = &rest[..p];
                            out.extend_from_slice(line.strip_suffix(b"\r").unwrap_or(line));
                            out.extend_from_slice(b"\r\n");
                            i += p + 1;
                            self.state = State::LineStart;
                        }
                        None => {
                            match rest.strip_suffix(b"\r") {
                                Some(head) => {
                                    out.extend_from_slice(head);
                                    self.pending_cr = true;
                                }
                                None => out.extend_from_slice(rest),
                            }
                            i = input.len();
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
    fn decode(input: &[u8], step: usize) -> (Vec<u8>, usize, bool) {
        let mut decoder = DotDecoder::default();
        let mut out = Vec::new();
        let mut used = 0;
        for chunk in input.chunks(step) {
            let (n, done) = decoder.feed(chunk, &mut out);
            used += n;
            if done {
                return (out, used, true);
            }
        }
        (out, used, false)
    }

    #[test]
    fn unstuffs_normalises_and_stops_at_the_dot_line_in_any_chunking() {
        let input = b"Subject: a\r\n\r\n..leading dot\nbare lf\r\n\r\nx\rcr\r\n.\r\nQUIT\r\n";
        for step in 1..input.len() {
            let (out, used, done) = decode(input, step);
            assert!(done, "step {step}");
            assert_eq!(
                out,
                b"Subject: a\r\n\r\n.leading dot\r\nbare lf\r\n\r\nx\rcr\r\n".to_vec(),
                "step {step}"
            );
            assert_eq!(&input[used..], b"QUIT\r\n", "step {step}");
        }
    }

    #[test]
    fn an_empty_message_and_a_bare_lf_terminator_end_data() {
        assert_eq!(decode(b".\r\n", 1), (Vec::new(), 3, true));
        assert_eq!(decode(b"a\n.\n", 2), (b"a\r\n".to_vec(), 4, true));
    }

    #[test]
    fn without_the_dot_line_the_message_is_not_finished() {
        let (out, used, done) = decode(b"a\r\n.b\r\n", 3);
        assert!(!done);
        assert_eq!(used, 7);
        assert_eq!(out, b"a\r\nb\r\n");
    }
}
