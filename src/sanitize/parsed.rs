//! A parsed message that is dropped without recursion.
//!
//! mail-parser parses iteratively, but a `message/rfc822` part holds its
//! inner `Message` by value, so a mail of a hundred thousand nested
//! `message/rfc822` headers (6 MB) parses into a tree that deep, and the
//! compiler's recursive drop of it overflows the stack: the whole process
//! aborts, whatever `catch_unwind` is around it. The walk refuses such a
//! message long before its depth matters (`max_depth`); this wrapper takes
//! the tree apart level by level when it goes.

use std::ops::Deref;

use mail_parser::{Message, PartType};

/// A parsed message; derefs to it.
pub struct Parsed<'x>(Option<Message<'x>>);

impl<'x> Parsed<'x> {
    pub fn new(message: Message<'x>) -> Parsed<'x> {
        Parsed(Some(message))
    }
}

impl<'x> Deref for Parsed<'x> {
    type Target = Message<'x>;

    fn deref(&self) -> &Message<'x> {
        // Only `drop` takes the message out.
        self.0
            .as_ref()
            .unwrap_or_else(|| unreachable!("a dropped message"))
    }
}

impl Drop for Parsed<'_> {
    fn drop(&mut self) {
        let mut pending: Vec<Message<'_>> = self.0.take().into_iter().collect();
        while let Some(mut message) = pending.pop() {
            for part in &mut message.parts {
                if let PartType::Message(inner) = std::mem::take(&mut part.body) {
                    pending.push(inner);
                }
            }
            // `message` now holds no nested message: dropping it is flat.
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_very_deep_tree_is_dropped_without_overflowing_the_stack() {
        let mut raw = b"From: a@example.com\r\nSubject: deep\r\n".to_vec();
        for _ in 0..100_000 {
            raw.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
        }
        raw.extend_from_slice(b"body\r\n");
        // A thread with a small stack, as a worker may have.
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
                let parsed = Parsed::new(message);
                assert!(!parsed.parts.is_empty());
            })
            .unwrap();
        assert!(handle.join().is_ok());
    }
}
