//! A small event walk over untrusted XML (Office and ODF parts) with
//! quick-xml: elements by local name, attributes by local name, text with
//! only the five predefined entities and character references resolved.
//! No DTD is read, so no entity is ever expanded and nothing external is
//! fetched; the time budget is checked as events go by.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::budget::{Budget, Failure};

/// What the walk reports, in document order.
pub enum Node<'a> {
    /// An element opens (`empty` elements are followed by a `Close`).
    Open(&'a Element<'a>),
    Close(&'a str),
    Text(&'a str),
}

/// An open tag: local name and attributes (local names, unescaped values).
pub struct Element<'a> {
    pub name: &'a str,
    attrs: Vec<(String, String)>,
}

impl Element<'_> {
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == local)
            .map(|(_, v)| v.as_str())
    }
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

fn element<'a>(start: &'a BytesStart<'a>, name: &'a str) -> Element<'a> {
    let attrs = start
        .attributes()
        .flatten()
        .map(|a| {
            let key = local(a.key.as_ref()).to_string();
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_default();
            (key, value)
        })
        .collect();
    Element { name, attrs }
}

/// Walks `xml`, calling `visit` for each node.
pub fn walk(xml: &str, budget: &Budget, mut visit: impl FnMut(Node<'_>)) -> Result<(), Failure> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = false;
    let mut events: u32 = 0;
    loop {
        events = events.wrapping_add(1);
        if events.is_multiple_of(4096) {
            budget.check()?;
        }
        let event = reader
            .read_event()
            .map_err(|e| Failure::Broken(format!("malformed XML: {e}")))?;
        match event {
            Event::Start(start) => {
                let qname = start.name();
                let name = local(qname.as_ref());
                visit(Node::Open(&element(&start, name)));
            }
            Event::Empty(start) => {
                let qname = start.name();
                let name = local(qname.as_ref());
                visit(Node::Open(&element(&start, name)));
                visit(Node::Close(name));
            }
            Event::End(end) => {
                let qname = end.name();
                visit(Node::Close(local(qname.as_ref())));
            }
            Event::Text(text) => visit(Node::Text(&text.xml10_content())),
            Event::CData(data) => {
                visit(Node::Text(&data.into_inner()));
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match reference.as_ref() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                };
                if let Some(c) = resolved {
                    let mut buf = [0u8; 4];
                    visit(Node::Text(c.encode_utf8(&mut buf)));
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn entities_are_never_expanded() {
        let xml = r#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "AAAA"><!ENTITY b "&a;&a;&a;&a;">
<!ENTITY ext SYSTEM "file:///etc/passwd">]><d x="&lt;1&gt;">&b;&ext;&amp;&#x65e5;<![CDATA[<c>]]></d>"#;
        let budget = Budget::new(Duration::from_secs(5), 1 << 20);
        let mut text = String::new();
        let mut attr = String::new();
        walk(xml, &budget, |node| match node {
            Node::Text(t) => text.push_str(t),
            Node::Open(e) if e.name == "d" => attr = e.attr("x").unwrap_or_default().to_string(),
            _ => {}
        })
        .unwrap();
        assert_eq!(text.trim(), "&日<c>");
        assert_eq!(attr, "<1>");
    }
}
