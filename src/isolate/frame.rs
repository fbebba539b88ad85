//! Frames between the relay and a converter process, on pipes: a JSON
//! header and a body of raw bytes, each behind its length
//! (`u32` LE header length, header, `u64` LE body length, body). The
//! message bytes travel as the body, never inside the JSON.
//!
//! Reads by the parent have a deadline (the child may hang or die
//! mid-frame) and every length is checked against a maximum before any
//! buffer is allocated for it.

use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::time::Instant;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Largest JSON header (a report with many parts, the sanitized text).
pub const MAX_HEADER: u64 = 1 << 30;

/// One frame.
#[derive(Debug)]
pub struct Frame<T> {
    pub header: T,
    pub body: Vec<u8>,
}

/// Bodies up to this size go out in the same write as the header.
const ONE_WRITE: usize = 64 * 1024;

/// Writes a frame (blocking): one write for a small frame, two for a large
/// one (every write on a pipe can wake the reader).
pub fn write<T: Serialize>(out: &mut impl Write, header: &T, body: &[u8]) -> io::Result<()> {
    let mut frame = Vec::with_capacity(256 + body.len().min(ONE_WRITE));
    frame.extend_from_slice(&[0; 4]);
    serde_json::to_writer(&mut frame, header).map_err(io::Error::other)?;
    let len =
        u32::try_from(frame.len() - 4).map_err(|_| io::Error::other("frame header too large"))?;
    frame[..4].copy_from_slice(&len.to_le_bytes());
    frame.extend_from_slice(&(body.len() as u64).to_le_bytes());
    if body.len() <= ONE_WRITE {
        frame.extend_from_slice(body);
        out.write_all(&frame)?;
    } else {
        out.write_all(&frame)?;
        out.write_all(body)?;
    }
    out.flush()
}

/// Reads a frame (blocking); `Ok(None)` at a clean end of input.
pub fn read<T: DeserializeOwned>(
    input: &mut impl Read,
    max_body: u64,
) -> io::Result<Option<Frame<T>>> {
    let mut len = [0u8; 4];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let header_len = u64::from(u32::from_le_bytes(len));
    if header_len > MAX_HEADER {
        return Err(io::Error::other("frame header too large"));
    }
    let mut json = vec![0u8; header_len as usize];
    input.read_exact(&mut json)?;
    let mut len = [0u8; 8];
    input.read_exact(&mut len)?;
    let body_len = u64::from_le_bytes(len);
    if body_len > max_body {
        return Err(io::Error::other("frame body too large"));
    }
    let mut body = vec![0u8; body_len as usize];
    input.read_exact(&mut body)?;
    let header = serde_json::from_slice(&json).map_err(io::Error::other)?;
    Ok(Some(Frame { header, body }))
}

/// A reader that gives up at `deadline`: each read first waits (poll)
/// for data until then, and fails with `TimedOut` past it.
pub struct Deadline<'a, R: Read + AsRawFd> {
    pub inner: &'a mut R,
    pub deadline: Instant,
}

impl<R: Read + AsRawFd> Read for Deadline<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "converter timed out",
                ));
            }
            let mut fd = libc::pollfd {
                fd: self.inner.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let millis = i32::try_from(left.as_millis().max(1)).unwrap_or(i32::MAX);
            // SAFETY: one valid pollfd, for the length given.
            let ready = unsafe { libc::poll(&mut fd, 1, millis) };
            match ready {
                0 => continue,
                n if n > 0 => return self.inner.read(buf),
                _ => {
                    let e = io::Error::last_os_error();
                    if e.kind() != io::ErrorKind::Interrupted {
                        return Err(e);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_lengths_are_checked() {
        let mut wire = Vec::new();
        write(&mut wire, &("id", 7u32), b"bytes\0\xff").unwrap();
        write(&mut wire, &("next", 8u32), b"").unwrap();
        let mut input = &wire[..];
        let first: Frame<(String, u32)> = read(&mut input, 100).unwrap().unwrap();
        assert_eq!(first.header, ("id".to_string(), 7));
        assert_eq!(first.body, b"bytes\0\xff");
        let second: Frame<(String, u32)> = read(&mut input, 100).unwrap().unwrap();
        assert_eq!(second.header.1, 8);
        assert!(read::<(String, u32)>(&mut input, 100).unwrap().is_none());
        // A body longer than allowed is refused before it is allocated.
        let mut input = &wire[..];
        assert!(read::<(String, u32)>(&mut input, 3).is_err());
        // A cut frame is an error, not a clean end.
        let mut input = &wire[..wire.len() / 2];
        assert!(read::<(String, u32)>(&mut input, 100).is_err());
    }
}
