//! Pages as pictures, for 画面で見る on the request and message pages: a
//! PDF's pages, an image, or a browser's screenshot of an HTML body,
//! each turned into fresh PNG images (decoded here, in the converter
//! process, under its budget; written afresh, so nothing of the input's
//! bytes reaches the staff member's browser). A tall picture is cut into
//! pieces of at most `piece_height` pixels; blank space at the bottom of
//! a screenshot is cut off first.

use hayro::RenderCache;
use image::{DynamicImage, GenericImageView, RgbaImage};

use super::budget::{Budget, Failure};
use super::image as images;
use super::pdf::{self, interpreter_settings};
use super::pdf_bounds;
use crate::policy::AttachmentPolicy;

/// Pictures of a document, and how many pages it has.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pictures {
    /// PNG files, in order.
    pub pages: Vec<Vec<u8>>,
    /// Pages in the document (more than `pages` when cut at a limit).
    pub total: u32,
}

/// The first `max_pages` pages of a PDF.
pub fn pdf(
    bytes: &[u8],
    limits: &AttachmentPolicy,
    budget: &Budget,
    max_pages: usize,
) -> Result<Pictures, Failure> {
    budget.charge(bytes.len() as u64, "the PDF")?;
    let pdf = pdf::open(bytes, None)?;
    let pages = pdf.pages();
    let total = pages.len();
    if total == 0 {
        return Err(Failure::Broken("the PDF has no pages".into()));
    }
    let wanted = total.min(max_pages);
    pdf_bounds::check(&pdf, pages.iter().take(wanted), budget)?;
    let settings = interpreter_settings(&limits.fonts);
    let cache = RenderCache::new();
    let mut out = Vec::with_capacity(wanted);
    for page in pages.iter().take(wanted) {
        budget.check()?;
        let (wide, high, working) = pdf::page_pixels(page, limits);
        budget.charge(working, "a rendered page")?;
        let pixmap = pdf::draw(page, &cache, &settings, (wide, high));
        let rgba = RgbaImage::from_raw(
            u32::from(pixmap.width()),
            u32::from(pixmap.height()),
            pixmap.data_as_u8_slice().to_vec(),
        )
        .ok_or_else(|| Failure::Crashed("a rendered page has the wrong size".into()))?;
        drop(pixmap);
        let png = images::png(&DynamicImage::ImageRgba8(rgba).to_rgb8().into());
        budget.refund(working);
        out.push(png?);
    }
    Ok(Pictures {
        pages: out,
        total: total as u32,
    })
}

/// An image (a photo, a scan, or a browser's screenshot), cut into pieces
/// no taller than `piece_height`; `trim` cuts off the blank bottom of a
/// screenshot first.
pub fn image(
    bytes: &[u8],
    limits: &AttachmentPolicy,
    budget: &Budget,
    piece_height: u32,
    trim: bool,
) -> Result<Pictures, Failure> {
    let decoded = images::decode(bytes, None, limits, budget)?;
    let pixels = decoded.pixels.to_rgb8();
    let (width, mut height) = pixels.dimensions();
    if trim {
        height = content_height(&pixels);
    }
    let piece_height = piece_height.max(1);
    let mut pages = Vec::new();
    let mut top = 0;
    while top < height {
        budget.check()?;
        let high = piece_height.min(height - top);
        let piece = DynamicImage::ImageRgb8(pixels.view(0, top, width, high).to_image());
        pages.push(images::png(&piece)?);
        top += high;
    }
    let total = pages.len() as u32;
    Ok(Pictures { pages, total })
}

/// Rows down to the last one that differs from the bottom row (the
/// page's background), plus a small margin; at least one row.
fn content_height(pixels: &image::RgbImage) -> u32 {
    let (width, height) = pixels.dimensions();
    if height == 0 {
        return 0;
    }
    let background = *pixels.get_pixel(0, height - 1);
    let last = (0..height)
        .rev()
        .find(|&y| (0..width).any(|x| *pixels.get_pixel(x, y) != background))
        .unwrap_or(0);
    (last + 16).min(height).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    fn budget() -> Budget {
        Budget::new(std::time::Duration::from_secs(30), 512 << 20)
    }

    #[test]
    fn a_screenshot_loses_its_blank_bottom_and_is_cut_into_pieces() {
        let mut shot = image::RgbImage::from_pixel(100, 1000, image::Rgb([255, 255, 255]));
        for y in 0..250 {
            shot.put_pixel(10, y, image::Rgb([0, 0, 0]));
        }
        let mut png = Vec::new();
        DynamicImage::ImageRgb8(shot)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let limits = Policy::default().attachments;
        let pictures = image(&png, &limits, &budget(), 100, true).unwrap();
        // Content down to row 249, a 16-row margin: 265 rows in three pieces.
        assert_eq!(pictures.pages.len(), 3);
        let last = image::load_from_memory(&pictures.pages[2]).unwrap();
        assert_eq!(last.dimensions(), (100, 65));
        let whole = image(&png, &limits, &budget(), 100, false).unwrap();
        assert_eq!(whole.pages.len(), 10);
    }
}
