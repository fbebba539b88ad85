//! A PDF's text layer, delivered beside its rasterised copy as
//! `<name>.pdf.txt`, so staff can search and copy what the pictures show.
//! Read with lopdf (a second, independent parser: it runs only after the
//! document passed [`super::pdf_bounds`], inside the same budget and the
//! same converter process), for the pages that were rendered. A PDF
//! without a text layer (a scan) gets no `.txt`. The text leaves through
//! the one writer like every other converted text file (links rewritten).

use lopdf::{Document, LoadOptions};

use super::budget::{Budget, Failure};
use super::textfile::truncate;

/// Most bytes lopdf may inflate for one page's content.
const MAX_PAGE_CONTENT: usize = 64 << 20;

/// The text of the first `pages` pages, or `None` when there is none.
pub fn text_layer(
    bytes: &[u8],
    password: Option<&str>,
    pages: usize,
    max: usize,
    budget: &Budget,
) -> Result<Option<(String, Option<String>)>, Failure> {
    // lopdf holds every object parsed: about the file's size again, twice.
    let held = (bytes.len() as u64).saturating_mul(2);
    budget.charge(held, "the PDF's text layer")?;
    let result = extract(bytes, password, pages, max, budget);
    budget.refund(held);
    result
}

fn extract(
    bytes: &[u8],
    password: Option<&str>,
    pages: usize,
    max: usize,
    budget: &Budget,
) -> Result<Option<(String, Option<String>)>, Failure> {
    let loaded = match password {
        Some(password) => {
            Document::load_mem_with_options(bytes, LoadOptions::with_password(password))
        }
        None => Document::load_mem(bytes),
    };
    let Ok(document) = loaded else {
        return Ok(None);
    };
    let numbers: Vec<u32> = document.get_pages().keys().take(pages).copied().collect();
    let mut text = String::new();
    for number in numbers {
        budget.check()?;
        let Ok(page) = document.extract_text_with_limit(&[number], MAX_PAGE_CONTENT) else {
            continue;
        };
        let page = page.trim();
        if page.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&format!("― {number} ―\n"));
        text.push_str(page);
        text.push('\n');
        if text.len() > max {
            break;
        }
    }
    if !text.chars().any(char::is_alphanumeric) {
        return Ok(None);
    }
    let detail = truncate(&mut text, max);
    Ok(Some((text, detail)))
}
