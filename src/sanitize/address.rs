//! Address headers (From, To, Cc, Reply-To) parsed from their raw bytes,
//! leniently, with display names decoded like any header text (RFC 2047,
//! raw 8-bit Japanese, words split inside a character).

use super::{clean, header_text};

/// One mailbox: an optional display name and an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: String,
}

/// An address-list entry: a mailbox, or a named group of mailboxes
/// (`undisclosed-recipients:;`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressItem {
    Mailbox(Mailbox),
    Group { name: String, members: Vec<Mailbox> },
}

#[derive(Debug)]
enum Token {
    Word(Vec<u8>),
    Quoted(Vec<u8>),
    Comment(Vec<u8>),
    Angle(Vec<u8>),
    Comma,
    Colon,
    Semicolon,
}

fn tokenize(raw: &[u8]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b',' => {
                tokens.push(Token::Comma);
                i += 1
            }
            b':' => {
                tokens.push(Token::Colon);
                i += 1
            }
            b';' => {
                tokens.push(Token::Semicolon);
                i += 1
            }
            b'"' => {
                let mut value = Vec::new();
                i += 1;
                while i < raw.len() && raw[i] != b'"' {
                    if raw[i] == b'\\' && i + 1 < raw.len() {
                        i += 1;
                    }
                    value.push(raw[i]);
                    i += 1;
                }
                i += 1;
                tokens.push(Token::Quoted(value));
            }
            b'(' => {
                let mut depth = 0usize;
                let mut value = Vec::new();
                while i < raw.len() {
                    match raw[i] {
                        b'(' => depth += 1,
                        b')' => depth = depth.saturating_sub(1),
                        b'\\' if i + 1 < raw.len() => i += 1,
                        _ => {}
                    }
                    if depth == 0 {
                        break;
                    }
                    if !(depth == 1 && raw[i] == b'(') {
                        value.push(raw[i]);
                    }
                    i += 1;
                }
                i += 1;
                tokens.push(Token::Comment(value));
            }
            b'<' => {
                let end = memchr::memchr(b'>', &raw[i..]).map_or(raw.len(), |e| i + e);
                tokens.push(Token::Angle(raw[i + 1..end].to_vec()));
                i = end + 1;
            }
            b'>' => i += 1,
            _ => {
                let start = i;
                while i < raw.len() && !b" \t\r\n,:;\"(<>".contains(&raw[i]) {
                    i += 1;
                }
                tokens.push(Token::Word(raw[start..i].to_vec()));
            }
        }
    }
    tokens
}

#[derive(Default)]
struct Pending {
    phrase: Vec<Vec<u8>>,
    comment: Option<Vec<u8>>,
    angle: Option<Vec<u8>>,
}

impl Pending {
    fn finish(&mut self) -> Option<Mailbox> {
        let pending = std::mem::take(self);
        let (address, name_raw) = match pending.angle {
            Some(angle) => (angle, Some(pending.phrase.join(&b' '))),
            None => (pending.phrase.concat(), None),
        };
        let address = clean_address(&String::from_utf8_lossy(&address))?;
        let name = name_raw
            .filter(|n| !n.is_empty())
            .or(pending.comment)
            .map(|n| header_text::decode_unstructured(&n))
            .filter(|n| !n.is_empty() && *n != address);
        Some(Mailbox { name, address })
    }
}

/// Drops source routes and whitespace; refuses anything that is not a
/// plausible `local@domain` (non-ASCII allowed, RFC 6532).
fn clean_address(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let raw = match raw.rfind(':') {
        Some(p) if raw.starts_with('@') => &raw[p + 1..],
        _ => raw,
    };
    let address: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let (local, domain) = address.rsplit_once('@')?;
    let bad = |c: char| c.is_control() || "<>()[],;:\\\"".contains(c) || clean::is_invisible(c);
    if local.is_empty()
        || domain.is_empty()
        || address.len() > 320
        || address.chars().any(bad)
        || domain.contains('@')
    {
        return None;
    }
    Some(address)
}

/// Parses an address-list header value.
pub fn parse_address_list(raw: &[u8]) -> Vec<AddressItem> {
    let mut items = Vec::new();
    let mut pending = Pending::default();
    let mut group: Option<(String, Vec<Mailbox>)> = None;
    for token in tokenize(raw) {
        match token {
            Token::Word(w) | Token::Quoted(w) => pending.phrase.push(w),
            Token::Comment(c) => {
                pending.comment.get_or_insert(c);
            }
            Token::Angle(a) => pending.angle = Some(a),
            Token::Colon if group.is_none() && pending.angle.is_none() => {
                let name = header_text::decode_unstructured(&pending.phrase.join(&b' '));
                pending = Pending::default();
                group = Some((name, Vec::new()));
            }
            Token::Colon => pending.phrase.push(b":".to_vec()),
            Token::Comma | Token::Semicolon => {
                let is_end_of_group = matches!(token, Token::Semicolon);
                if let Some(mailbox) = pending.finish() {
                    match &mut group {
                        Some((_, members)) => members.push(mailbox),
                        None => items.push(AddressItem::Mailbox(mailbox)),
                    }
                }
                if is_end_of_group && let Some((name, members)) = group.take() {
                    items.push(AddressItem::Group { name, members });
                }
            }
        }
        if items.len() >= 1000 {
            break;
        }
    }
    if let Some(mailbox) = pending.finish() {
        match &mut group {
            Some((_, members)) => members.push(mailbox),
            None => items.push(AddressItem::Mailbox(mailbox)),
        }
    }
    if let Some((name, members)) = group.take() {
        items.push(AddressItem::Group { name, members });
    }
    items
}

/// Renders an address list as a reader would see it (not for headers).
pub fn display(items: &[AddressItem]) -> String {
    let mailbox = |m: &Mailbox| match &m.name {
        Some(name) => format!("{name} <{}>", m.address),
        None => m.address.clone(),
    };
    items
        .iter()
        .map(|item| match item {
            AddressItem::Mailbox(m) => mailbox(m),
            AddressItem::Group { name, members } => format!(
                "{name}: {};",
                members.iter().map(mailbox).collect::<Vec<_>>().join(", ")
            ),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mb(name: Option<&str>, address: &str) -> AddressItem {
        AddressItem::Mailbox(Mailbox {
            name: name.map(str::to_string),
            address: address.to_string(),
        })
    }

    #[test]
    fn common_forms() {
        assert_eq!(
            parse_address_list(b"a@example.jp"),
            vec![mb(None, "a@example.jp")]
        );
        assert_eq!(
            parse_address_list(b"\"Yamada, Taro\" <taro@example.jp>, <b@x.jp>"),
            vec![
                mb(Some("Yamada, Taro"), "taro@example.jp"),
                mb(None, "b@x.jp")
            ]
        );
        assert_eq!(
            parse_address_list(b"c@x.jp (Hanako)"),
            vec![mb(Some("Hanako"), "c@x.jp")]
        );
    }

    #[test]
    fn encoded_and_raw_japanese_names() {
        assert_eq!(
            parse_address_list(b"=?ISO-2022-JP?B?GyRCQEE1YT1xGyhC?= <s@example.jp>"),
            vec![mb(Some("請求書"), "s@example.jp")]
        );
        let mut raw = encoding_rs::SHIFT_JIS.encode("山田 太郎").0.into_owned();
        raw.extend_from_slice(b" <t@example.jp>");
        assert_eq!(
            parse_address_list(&raw),
            vec![mb(Some("山田 太郎"), "t@example.jp")]
        );
    }

    #[test]
    fn groups_and_garbage() {
        assert_eq!(
            parse_address_list(b"undisclosed-recipients:;"),
            vec![AddressItem::Group {
                name: "undisclosed-recipients".into(),
                members: vec![]
            }]
        );
        assert_eq!(parse_address_list(b"<not an address>, ,;;"), vec![]);
        assert_eq!(parse_address_list(b"\"unterminated <a@b"), vec![]);
    }
}
