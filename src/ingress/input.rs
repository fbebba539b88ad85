//! The session's read buffer: one fixed allocation per connection, read
//! into from the socket, consumed by the command parser and the DATA
//! decoder alike (so pipelined bytes after DATA or a command are kept).

use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

/// Size of the per-connection read buffer.
pub const INPUT_BUFFER: usize = 64 * 1024;

/// Bytes received but not yet used.
pub struct Input {
    buf: Box<[u8]>,
    start: usize,
    end: usize,
}

/// A complete command line, or a line over the limit (already skipped).
pub enum Line {
    Command(Vec<u8>),
    TooLong,
}

/// What a read produced.
pub enum Read {
    Bytes,
    Closed,
    TimedOut,
}

impl Input {
    pub fn new() -> Input {
        Input {
            buf: vec![0u8; INPUT_BUFFER].into_boxed_slice(),
            start: 0,
            end: 0,
        }
    }

    /// The unused bytes.
    pub fn available(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    pub fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Drops everything buffered (after STARTTLS, plaintext sent ahead of
    /// the handshake must not be executed: CVE-2011-0411).
    pub fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    /// Takes the next complete line (with its LF) when there is one. A line
    /// longer than `max` is reported once as `TooLong`; its bytes are
    /// dropped up to and including its LF.
    pub fn next_line(&mut self, max: usize, skipping: &mut bool) -> Option<Line> {
        loop {
            let available = self.available();
            match memchr::memchr(b'\n', available) {
                Some(p) => {
                    let line = available[..=p].to_vec();
                    self.consume(p + 1);
                    if std::mem::take(skipping) {
                        continue;
                    }
                    if line.len() > max {
                        return Some(Line::TooLong);
                    }
                    return Some(Line::Command(line));
                }
                None if available.len() > max || (*skipping && !available.is_empty()) => {
                    let n = available.len();
                    self.consume(n);
                    let first = !*skipping;
                    *skipping = true;
                    if first {
                        return Some(Line::TooLong);
                    }
                    return None;
                }
                None => return None,
            }
        }
    }

    /// Reads more bytes, waiting at most `timeout`.
    pub async fn fill<S: AsyncRead + Unpin>(
        &mut self,
        stream: &mut S,
        timeout: Duration,
    ) -> io::Result<Read> {
        if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        match tokio::time::timeout(timeout, stream.read(&mut self.buf[self.end..])).await {
            Err(_) => Ok(Read::TimedOut),
            Ok(Ok(0)) => Ok(Read::Closed),
            Ok(Ok(n)) => {
                self.end += n;
                Ok(Read::Bytes)
            }
            Ok(Err(e)) => Err(e),
        }
    }
}
