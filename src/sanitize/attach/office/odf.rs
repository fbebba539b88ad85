//! ODF (odt, ods, odp): `content.xml`. Paragraphs and headings one per
//! line; spreadsheet tables under their sheet name with cells separated by
//! tabs (ODF stores the displayed value as text, so numbers and dates come
//! out as shown); presentation pages under their number. Comments are
//! left out.

use super::super::budget::{Budget, Failure};
use super::super::xml::{self, Node};
use super::super::zipsafe::SafeZip;
use super::{Sink, Words};

/// Repeated empty cells beyond this collapse to one tab.
const MAX_REPEAT: usize = 32;

pub fn text(
    zip: &mut SafeZip<'_>,
    budget: &Budget,
    words: Words,
    max: usize,
) -> Result<String, Failure> {
    let mimetype = zip.read_text("mimetype", budget)?.unwrap_or_default();
    let spreadsheet = mimetype.contains("spreadsheet");
    let xml_text = zip.read_text("content.xml", budget)?.unwrap_or_default();
    let mut sink = Sink::new(max, budget);
    let mut cell_depth = 0usize;
    let mut cell_paragraphs = 0usize;
    let mut cell_repeat = 1usize;
    let mut cell_text_at = 0usize;
    let mut in_annotation = 0usize;
    let mut pages = 0usize;
    xml::walk(&xml_text, budget, |node| match node {
        Node::Open(e) => match e.name {
            "annotation" => in_annotation += 1,
            _ if in_annotation > 0 => {}
            "table" if spreadsheet => {
                sink.heading(&format!(
                    "{}: {}",
                    words.sheet,
                    e.attr("name").unwrap_or("")
                ));
            }
            "page" => {
                pages += 1;
                sink.heading(&format!("{} {pages}", words.slide));
            }
            "table-cell" | "covered-table-cell" => {
                cell_depth += 1;
                cell_paragraphs = 0;
                cell_text_at = sink.out.len();
                cell_repeat = e
                    .attr("number-columns-repeated")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(1);
            }
            "p" | "h" if cell_depth > 0 => {
                if cell_paragraphs > 0 {
                    sink.push(" ");
                }
                cell_paragraphs += 1;
            }
            "tab" => sink.push("\t"),
            "s" => {
                let count: usize = e.attr("c").and_then(|n| n.parse().ok()).unwrap_or(1);
                sink.push(&" ".repeat(count.min(64)));
            }
            "line-break" => sink.push(if cell_depth > 0 { " " } else { "\n" }),
            _ => {}
        },
        Node::Close(name) => match name {
            "annotation" => in_annotation = in_annotation.saturating_sub(1),
            _ if in_annotation > 0 => {}
            "p" | "h" if cell_depth == 0 => sink.end_line(),
            "table-cell" | "covered-table-cell" => {
                cell_depth = cell_depth.saturating_sub(1);
                let empty = sink.out.len() == cell_text_at;
                let tabs = if empty && cell_repeat > MAX_REPEAT {
                    1
                } else {
                    cell_repeat.clamp(1, MAX_REPEAT)
                };
                if !empty && cell_repeat > 1 {
                    // A repeated cell with content: show it once.
                    sink.push("\t");
                } else {
                    sink.push(&"\t".repeat(tabs));
                }
            }
            "table-row" if !sink.out.ends_with('\n') => sink.end_line(),
            _ => {}
        },
        Node::Text(t) if in_annotation == 0 => sink.push(t),
        Node::Text(_) => {}
    })?;
    sink.finish()
}
