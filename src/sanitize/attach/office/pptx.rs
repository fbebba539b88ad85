//! pptx/pptm: each slide (`ppt/slides/slideN.xml`, in number order) under
//! its number, its text paragraphs one per line.

use super::super::budget::{Budget, Failure};
use super::super::xml::{self, Node};
use super::super::zipsafe::SafeZip;
use super::{Sink, Words};

pub fn text(
    zip: &mut SafeZip<'_>,
    budget: &Budget,
    words: Words,
    max: usize,
) -> Result<String, Failure> {
    let mut slides: Vec<(u32, String)> = zip
        .entries
        .iter()
        .filter_map(|e| {
            let number = e
                .name
                .strip_prefix("ppt/slides/slide")?
                .strip_suffix(".xml")?
                .parse()
                .ok()?;
            Some((number, e.name.clone()))
        })
        .collect();
    slides.sort();
    let mut sink = Sink::new(max, budget);
    for (position, (_, part)) in slides.iter().enumerate() {
        let xml_text = zip.read_text(part, budget)?.unwrap_or_default();
        sink.heading(&format!("{} {}", words.slide, position + 1));
        let mut in_text = false;
        xml::walk(&xml_text, budget, |node| match node {
            Node::Open(e) => match e.name {
                "t" => in_text = true,
                "br" => sink.push("\n"),
                "tab" => sink.push("\t"),
                _ => {}
            },
            Node::Close("t") => in_text = false,
            Node::Close("p") => sink.end_line(),
            Node::Close(_) => {}
            Node::Text(t) if in_text => sink.push(t),
            Node::Text(_) => {}
        })?;
    }
    sink.finish()
}
