//! Office documents (docx, xlsx, pptx, their macro-enabled variants, and
//! ODF) → `text`: the words a reader would see, in order, as a UTF-8
//! `.txt`. Only the XML parts that hold text are read; a VBA project or
//! any other embedded object is never opened, so macros cannot pass.

mod docx;
mod odf;
mod pptx;
mod xlsx;

use super::budget::{Budget, Failure};
use super::textfile::{text_file, truncate};
use super::zipsafe;
use super::{Kind, Verdict};
use crate::policy::AttachmentPolicy;

/// Headings the extracted text uses, in the notice language.
#[derive(Clone, Copy)]
pub struct Words {
    pub sheet: &'static str,
    pub slide: &'static str,
}

impl Words {
    pub fn new(japanese: bool) -> Words {
        if japanese {
            Words {
                sheet: "シート",
                slide: "スライド",
            }
        } else {
            Words {
                sheet: "Sheet",
                slide: "Slide",
            }
        }
    }
}

pub fn to_text(
    bytes: &[u8],
    kind: Kind,
    name: Option<&str>,
    limits: &AttachmentPolicy,
    budget: &Budget,
    words: Words,
) -> Result<Verdict, Failure> {
    let mut zip = zipsafe::open(bytes, limits)?;
    // Text stops growing just past the limit; the cut below says so.
    let max = usize::try_from(limits.text_max_size.bytes())
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let mut text = if kind == Kind::Odf {
        odf::text(&mut zip, budget, words, max)?
    } else if zip.find("word/document.xml").is_some() {
        docx::text(&mut zip, budget, max)?
    } else if zip.find("xl/workbook.xml").is_some() {
        xlsx::text(&mut zip, budget, words, max)?
    } else if zip.find("ppt/presentation.xml").is_some() {
        pptx::text(&mut zip, budget, words, max)?
    } else {
        return Err(Failure::Broken(
            "an Office container without a document, workbook or presentation".into(),
        ));
    };
    let trimmed = text.trim_end().len();
    text.truncate(trimmed);
    text.push('\n');
    let detail = truncate(&mut text, limits.text_max_size.bytes() as usize);
    Ok(text_file(name, text, detail))
}

/// Text being assembled: lines of cells, with the size bounded as it grows
/// and its memory charged to the converter's budget as it is produced (by
/// the string's capacity, what it really holds).
pub struct Sink<'b> {
    pub out: String,
    max: usize,
    budget: &'b Budget,
    charged: usize,
    over_budget: Option<Failure>,
}

impl<'b> Sink<'b> {
    pub fn new(max: usize, budget: &'b Budget) -> Sink<'b> {
        Sink {
            out: String::new(),
            max,
            budget,
            charged: 0,
            over_budget: None,
        }
    }

    /// True once the text reached its size limit or the budget: more is
    /// dropped, so readers may stop gathering it.
    pub fn is_full(&self) -> bool {
        self.out.len() >= self.max || self.over_budget.is_some()
    }

    pub fn push(&mut self, text: &str) {
        if self.is_full() {
            return;
        }
        for c in text.chars() {
            if c == '\t' || c == '\n' || !c.is_control() {
                self.out.push(c);
            }
        }
        self.charge();
    }

    fn charge(&mut self) {
        let grown = self.out.capacity().saturating_sub(self.charged);
        if grown == 0 {
            return;
        }
        match self.budget.charge(grown as u64, "the extracted text") {
            Ok(()) => self.charged += grown,
            Err(failure) => self.over_budget = Some(failure),
        }
    }

    /// The text, or the failure if it outgrew the budget.
    pub fn finish(mut self) -> Result<String, Failure> {
        match self.over_budget.take() {
            Some(failure) => Err(failure),
            None => Ok(std::mem::take(&mut self.out)),
        }
    }
    /// Ends a line, dropping trailing tabs and spaces; never more than
    /// one blank line in a row.
    pub fn end_line(&mut self) {
        let kept = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(kept);
        if !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// A heading line (`■ シート: 集計`) with a blank line before it.
    pub fn heading(&mut self, text: &str) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.end_line();
        }
        self.push("■ ");
        self.push(text);
        self.out.push('\n');
    }
}
