//! SMTP transparency for outgoing DATA (RFC 5321 4.5.2), by runs: the
//! message is cut at each line that starts with a dot (found with
//! `memchr::memmem`, many bytes at a time) and an extra dot goes between
//! the pieces. A message without such lines is one piece, written as it
//! is: no copy and no byte-by-byte loop. The pieces end with CRLF (added
//! if the message lacks it) and the final `.` line.
//!
//! A dot after a bare LF is doubled too: mugai's messages have CRLF line
//! ends, and a next hop that took a bare LF for a line end must never
//! see a lone dot there.

/// The pieces to write, in order, for `message`'s DATA: produced one at
/// a time, so a message made of nothing but dot lines costs no memory
/// beyond itself (collected, its pieces would take ten times its size).
pub fn pieces(message: &[u8]) -> Pieces<'_> {
    Pieces {
        message,
        dot_lines: memchr::memmem::find_iter(message, b"\n."),
        start: 0,
        step: Step::Start,
    }
}

/// What [`pieces`] yields next.
enum Step {
    /// A dot in front of the message, if it starts with one.
    Start,
    /// Text up to the next dot line (then its extra dot), or the rest.
    Text,
    /// The extra dot of a dot line.
    Dot,
    /// CRLF if the message lacks a final one.
    LineEnd,
    /// The final `.` line.
    End,
    Done,
}

/// The iterator [`pieces`] returns.
pub struct Pieces<'a> {
    message: &'a [u8],
    dot_lines: memchr::memmem::FindIter<'a, 'static>,
    start: usize,
    step: Step,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            match self.step {
                Step::Start => {
                    self.step = Step::Text;
                    if self.message.first() == Some(&b'.') {
                        return Some(b".");
                    }
                }
                Step::Text => match self.dot_lines.next() {
                    Some(at) => {
                        let text = &self.message[self.start..=at];
                        self.start = at + 1;
                        self.step = Step::Dot;
                        return Some(text);
                    }
                    None => {
                        self.step = Step::LineEnd;
                        return Some(&self.message[self.start..]);
                    }
                },
                Step::Dot => {
                    self.step = Step::Text;
                    return Some(b".");
                }
                Step::LineEnd => {
                    self.step = Step::End;
                    if !self.message.is_empty() && !self.message.ends_with(b"\r\n") {
                        return Some(b"\r\n");
                    }
                }
                Step::End => {
                    self.step = Step::Done;
                    return Some(b".\r\n");
                }
                Step::Done => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stuffed(message: &[u8]) -> Vec<u8> {
        pieces(message).collect::<Vec<_>>().concat()
    }

    /// lettre's byte-by-byte rule, for comparison: a dot at the start of
    /// the message or after a LF is doubled.
    fn one_byte_at_a_time(message: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut line_start = true;
        for &b in message {
            if line_start && b == b'.' {
                out.push(b'.');
            }
            out.push(b);
            line_start = b == b'\n';
        }
        if !message.is_empty() && !message.ends_with(b"\r\n") {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
        out
    }

    #[test]
    fn lines_starting_with_a_dot_get_another() {
        assert_eq!(stuffed(b"a\r\n.b\r\n"), b"a\r\n..b\r\n.\r\n");
        assert_eq!(stuffed(b".\r\n"), b"..\r\n.\r\n");
        assert_eq!(stuffed(b"..\r\n.\r\n"), b"...\r\n..\r\n.\r\n");
        assert_eq!(stuffed(b"x\n.y"), b"x\n..y\r\n.\r\n");
        assert_eq!(stuffed(b"no dots.\r\n"), b"no dots.\r\n.\r\n");
        assert_eq!(stuffed(b""), b".\r\n");
        assert_eq!(stuffed(b"tail"), b"tail\r\n.\r\n");
    }

    #[test]
    fn a_message_without_dot_lines_is_one_piece_of_its_own_bytes() {
        let message = b"Subject: x\r\n\r\nbody\r\n".repeat(1000);
        let p: Vec<&[u8]> = pieces(&message).collect();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].as_ptr(), message.as_ptr());
        assert_eq!(p[0].len(), message.len());
    }

    #[test]
    fn same_bytes_as_the_byte_by_byte_rule_on_mixed_input() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            let len = (seed % 40) as usize;
            let mut message = Vec::with_capacity(len);
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                message.push(b".\r\nx"[(seed % 4) as usize]);
            }
            assert_eq!(
                stuffed(&message),
                one_byte_at_a_time(&message),
                "{:?}",
                String::from_utf8_lossy(&message)
            );
            seed = seed.wrapping_add(1);
        }
    }
}
