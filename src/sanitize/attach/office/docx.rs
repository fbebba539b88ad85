//! docx/docm: `word/document.xml`, paragraphs in order; table cells
//! separated by tabs, rows by lines. Deleted text of tracked changes and
//! field codes are not text a reader sees, so they are left out.

use super::super::budget::{Budget, Failure};
use super::super::xml::{self, Node};
use super::super::zipsafe::SafeZip;
use super::Sink;

pub fn text(zip: &mut SafeZip<'_>, budget: &Budget, max: usize) -> Result<String, Failure> {
    let xml_text = zip
        .read_text("word/document.xml", budget)?
        .unwrap_or_default();
    let mut sink = Sink::new(max, budget);
    let mut in_text = false;
    let mut cell_depth = 0usize;
    let mut cell_has_paragraph = false;
    xml::walk(&xml_text, budget, |node| match node {
        Node::Open(e) => match e.name {
            "t" => in_text = true,
            "tab" => sink.push("\t"),
            "br" | "cr" => sink.push(if cell_depth > 0 { " " } else { "\n" }),
            "tc" => {
                cell_depth += 1;
                cell_has_paragraph = false;
            }
            "p" if cell_depth > 0 => {
                if cell_has_paragraph {
                    sink.push(" ");
                }
                cell_has_paragraph = true;
            }
            _ => {}
        },
        Node::Close(name) => match name {
            "t" => in_text = false,
            "p" if cell_depth == 0 => sink.end_line(),
            "tc" => {
                cell_depth = cell_depth.saturating_sub(1);
                sink.push("\t");
            }
            "tr" => sink.end_line(),
            _ => {}
        },
        Node::Text(t) if in_text => sink.push(t),
        Node::Text(_) => {}
    })?;
    sink.finish()
}
