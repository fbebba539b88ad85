//! The header fields mugai keeps (From, To, Cc, Reply-To, Subject, Date,
//! Message-ID, In-Reply-To, References), read from the raw bytes and
//! decoded; on request also the trace (`Received`) of the hops before
//! mugai. Every other field is dropped.

use mail_parser::{HeaderName, HeaderValue, Message, MessagePart};

use super::address::{self, AddressItem, Mailbox};
use super::header_text;
use super::writer::header_text as written;
use crate::policy::{Language, LinkMode};

/// The kept header fields of one message, decoded.
#[derive(Debug, Default, Clone)]
pub struct KeptHeaders {
    pub from: Vec<AddressItem>,
    pub to: Vec<AddressItem>,
    pub cc: Vec<AddressItem>,
    pub reply_to: Vec<AddressItem>,
    pub subject: Option<String>,
    /// RFC 5322 date, re-rendered from the parsed value (None if unparsable).
    pub date: Option<String>,
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// Upstream `Received` values, decoded, newest first (only with
    /// `keep_trace_headers`).
    pub received: Vec<String>,
    /// How many header fields were not kept.
    pub dropped: usize,
}

impl KeptHeaders {
    /// Sends the decoded display text (Subject, display and group names)
    /// through the one writer, so a link in a Subject or a name is
    /// defanged (or removed) like one in the body. Returns the links found.
    pub fn rewrite_display_text(&mut self, links: LinkMode, language: Language) -> usize {
        let mut found = 0;
        let mut rewrite = |text: &mut String| {
            let (new, n) = written(text, links, language);
            *text = new;
            found += n;
        };
        if let Some(subject) = &mut self.subject {
            rewrite(subject);
        }
        for hop in &mut self.received {
            rewrite(hop);
        }
        let mailbox = |m: &mut Mailbox, rewrite: &mut dyn FnMut(&mut String)| {
            if let Some(name) = &mut m.name {
                rewrite(name);
            }
        };
        for list in [
            &mut self.from,
            &mut self.to,
            &mut self.cc,
            &mut self.reply_to,
        ] {
            for item in list.iter_mut() {
                match item {
                    AddressItem::Mailbox(m) => mailbox(m, &mut rewrite),
                    AddressItem::Group { name, members } => {
                        rewrite(name);
                        for m in members {
                            mailbox(m, &mut rewrite);
                        }
                    }
                }
            }
        }
        found
    }
}

/// Most message ids kept in References (the newest ones).
const MAX_REFERENCES: usize = 50;

/// Most upstream `Received` fields kept (Postfix's own hop limit).
const MAX_TRACE: usize = 50;

/// The raw value bytes of a header field of `part`.
pub fn raw_value<'m>(
    message: &'m Message<'_>,
    part: &MessagePart<'_>,
    name: HeaderName<'_>,
) -> Option<&'m [u8]> {
    let header = part.headers.iter().find(|h| h.name == name)?;
    message
        .raw_message
        .get(header.offset_start as usize..header.offset_end as usize)
}

/// Reads the kept fields from the top-level header block of `message`;
/// `keep_trace` keeps the `Received` fields too.
pub fn read(message: &Message<'_>, keep_trace: bool) -> KeptHeaders {
    let mut kept = KeptHeaders::default();
    let Some(root) = message.parts.first() else {
        return kept;
    };
    for header in &root.headers {
        let raw = message
            .raw_message
            .get(header.offset_start as usize..header.offset_end as usize)
            .unwrap_or_default();
        match header.name {
            HeaderName::From if kept.from.is_empty() => {
                kept.from = address::parse_address_list(raw)
            }
            HeaderName::To if kept.to.is_empty() => kept.to = address::parse_address_list(raw),
            HeaderName::Cc if kept.cc.is_empty() => kept.cc = address::parse_address_list(raw),
            HeaderName::ReplyTo if kept.reply_to.is_empty() => {
                kept.reply_to = address::parse_address_list(raw)
            }
            HeaderName::Subject if kept.subject.is_none() => {
                kept.subject = Some(header_text::decode_unstructured(raw))
            }
            HeaderName::Date if kept.date.is_none() => {
                kept.date = match &header.value {
                    HeaderValue::DateTime(dt) if dt.is_valid() => Some(dt.to_rfc822()),
                    _ => None,
                }
            }
            HeaderName::MessageId if kept.message_id.is_none() => {
                kept.message_id = message_ids(raw).into_iter().next()
            }
            HeaderName::InReplyTo if kept.in_reply_to.is_empty() => {
                kept.in_reply_to = message_ids(raw).into_iter().take(MAX_REFERENCES).collect()
            }
            HeaderName::References if kept.references.is_empty() => {
                let mut ids = message_ids(raw);
                let skip = ids.len().saturating_sub(MAX_REFERENCES);
                ids.drain(..skip);
                kept.references = ids
            }
            HeaderName::Received if keep_trace && kept.received.len() < MAX_TRACE => {
                kept.received.push(header_text::decode_unstructured(raw))
            }
            // Structural fields are written anew by the composer.
            HeaderName::MimeVersion
            | HeaderName::ContentType
            | HeaderName::ContentTransferEncoding
            | HeaderName::ContentDisposition
            | HeaderName::ContentId
            | HeaderName::ContentDescription => {}
            _ => kept.dropped += 1,
        }
    }
    kept
}

/// `<id@host>` tokens of a Message-ID style field; a lone bare `id@host`
/// is accepted too. Ids with characters unsafe in a header are dropped.
pub fn message_ids(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    let valid = |id: &str| {
        !id.is_empty()
            && id.len() <= 250
            && id
                .bytes()
                .all(|b| (0x21..0x7f).contains(&b) && b != b'<' && b != b'>')
    };
    let mut ids = Vec::new();
    let mut rest = text.as_ref();
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let id = &rest[open + 1..open + close];
        if valid(id) {
            ids.push(format!("<{id}>"));
        }
        rest = &rest[open + close + 1..];
        if ids.len() > 1000 {
            break;
        }
    }
    if ids.is_empty() {
        let bare = text.trim();
        if valid(bare) && bare.contains('@') {
            ids.push(format!("<{bare}>"));
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_validated() {
        assert_eq!(
            message_ids(b" <a@b> <c@d>\r\n <bad id@x> "),
            vec!["<a@b>", "<c@d>"]
        );
        assert_eq!(message_ids(b"bare@host"), vec!["<bare@host>"]);
        assert!(message_ids(b"no id here").is_empty());
    }

    #[test]
    fn reads_and_counts_fields() {
        let raw = b"From: =?UTF-8?B?5bGx55Sw?= <y@example.jp>\r\nX-Spam: yes\r\nSubject: =?UTF-8?B?5pel5pys?=\r\n\
Date: Mon, 2 Nov 2026 09:00:00 +0900\r\nReceived: from x\r\nMessage-ID: <1@x>\r\n\r\nbody";
        let message = mail_parser::MessageParser::default().parse(raw).unwrap();
        let kept = read(&message, false);
        assert_eq!(kept.subject.as_deref(), Some("日本"));
        assert_eq!(address::display(&kept.from), "山田 <y@example.jp>");
        assert_eq!(kept.date.as_deref(), Some("Mon, 2 Nov 2026 09:00:00 +0900"));
        assert_eq!(kept.message_id.as_deref(), Some("<1@x>"));
        assert_eq!(kept.dropped, 2);
    }
}
