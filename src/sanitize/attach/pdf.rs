//! PDFs → `rasterise`: every page rendered to pixels by hayro (pure Rust:
//! the input is hostile; what it would decode is bounded first by
//! [`pdf_bounds`]), then a new PDF built that holds one image per
//! page and nothing else: no text objects, scripts, actions, annotations,
//! forms, links, embedded files or metadata survive, because nothing of
//! the original is copied; only pixels cross over.
//!
//! Japanese PDFs often use a font they do not embed (MS-Mincho …); the
//! policy's CJK font is handed to hayro's font resolver for those.
//! Pages are encoded for size at little cost: grey pages (most office
//! documents) as 4-bit DeviceGray (16 levels keep anti-aliased text
//! smooth at half the bytes), colour pages as RGB, both deflated at the
//! fastest level; a colour page that deflates poorly (photographs) is
//! written as JPEG.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use flate2::Compression;
use flate2::write::ZlibEncoder;
use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_interpret::font::{FontData, FontQuery};
use hayro::hayro_syntax::page::Page;
use hayro::hayro_syntax::{LoadPdfError, Pdf};
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings, render};
use pdf_writer::{Content, Filter, Name, Rect, Ref};

use super::budget::{Budget, Failure};
use super::{NewFile, Verdict};
use super::{names, pdf_bounds, pdf_text};
use crate::policy::{AttachmentPolicy, Fonts};
use crate::sanitize::report::PartReason;

/// Longest side of a rendered page in pixels. The renderer counts pixels
/// in u16 and rounds a page's edge up to its next tile, so a side near
/// 65535 overflowed inside it (found by fuzzing: a 3 KB PDF with a page
/// hundreds of metres wide); 65000 leaves room for the rounding.
const MAX_PAGE_SIDE: u16 = 65_000;

/// Stack of each extra page renderer (the converting thread's own is
/// larger); it counts against the converter's address space.
const RENDER_STACK: usize = 16 << 20;

/// JPEG quality for photographic pages.
const PAGE_JPEG_QUALITY: u8 = 80;

/// One rendered page, encoded.
struct PageImage {
    /// Page size in points, as rendered (rotation applied).
    width_pt: f32,
    height_pt: f32,
    pixels_wide: u32,
    pixels_high: u32,
    /// 4-bit DeviceGray when true, 8-bit RGB otherwise.
    gray: bool,
    filter: Filter,
    data: Vec<u8>,
}

pub fn rasterise(
    bytes: &[u8],
    name: Option<&str>,
    limits: &AttachmentPolicy,
    budget: &Budget,
) -> Result<Verdict, Failure> {
    rasterise_with(bytes, None, name, limits, budget)
}

/// As [`rasterise`], opening a password-protected PDF with `password`
/// (a PDF that opens without one opens with any).
pub fn rasterise_with(
    bytes: &[u8],
    password: Option<&str>,
    name: Option<&str>,
    limits: &AttachmentPolicy,
    budget: &Budget,
) -> Result<Verdict, Failure> {
    budget.charge(bytes.len() as u64, "the PDF")?;
    let pdf = open(bytes, password)?;
    let pages = pdf.pages();
    let total = pages.len();
    if total == 0 {
        return Err(Failure::Broken("the PDF has no pages".into()));
    }
    let wanted = total.min(limits.pdf_max_pages as usize);
    pdf_bounds::check(&pdf, pages.iter().take(wanted), budget)?;
    let images = render_pages(&pages[..wanted], limits, budget)?;
    let rebuilt = assemble(&images);
    drop(images);
    let mut notes = Vec::new();
    if wanted < total {
        notes.push(format!(
            "only the first {wanted} of {total} pages (pdf_max_pages)"
        ));
    }
    let companion = if limits.pdf_text {
        let max = limits.text_max_size.bytes() as usize;
        pdf_text::text_layer(bytes, password, wanted, max, budget)?.map(|(text, cut)| {
            notes.extend(cut);
            NewFile {
                name: names::append_extension(name, "document.pdf", "txt"),
                mime: "text/plain; charset=utf-8".into(),
                bytes: text.into_bytes(),
            }
        })
    } else {
        None
    };
    let detail = (!notes.is_empty()).then(|| notes.join("; "));
    Ok(Verdict::Replaced {
        file: NewFile {
            name: names::replace_extension(name, "document", "pdf"),
            mime: "application/pdf".into(),
            bytes: rebuilt,
        },
        reason: PartReason::PdfRasterised,
        pages: Some((wanted as u32, total as u32)),
        detail,
        companion,
    })
}

/// Renders and encodes `pages` in order, on up to `pdf_threads` threads
/// (this one among them). Threads take the next page as they finish one,
/// each with its own render cache (hayro's is not shared between threads);
/// the budget is shared, so every page in flight is charged. No more
/// threads run than the largest page fits into half of what the budget has
/// left (the other half for the encoded pages), so a budget that renders
/// the PDF one page at a time also renders it in parallel. The first
/// failure stops the others at their next page; if no extra thread can be
/// started, this thread renders every page alone.
fn render_pages(
    pages: &[Page<'_>],
    limits: &AttachmentPolicy,
    budget: &Budget,
) -> Result<Vec<PageImage>, Failure> {
    let settings = interpreter_settings(&limits.fonts);
    let largest = pages
        .iter()
        .map(|page| page_pixels(page, limits).2)
        .max()
        .unwrap_or(1)
        .max(1);
    let fit = usize::try_from(budget.memory_left() / 2 / largest).unwrap_or(usize::MAX);
    let threads = render_threads(limits.pdf_threads)
        .min(pages.len())
        .min(fit.max(1));
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let done: Vec<Mutex<Option<Result<PageImage, Failure>>>> =
        pages.iter().map(|_| Mutex::new(None)).collect();
    let work = || {
        let cache = RenderCache::new();
        while !failed.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(page) = pages.get(i) else { break };
            // A renderer that panics stops the others at their next page
            // (the panic is the page's failure, not the process's).
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                render_page(page, &cache, &settings, limits, budget)
            }))
            .unwrap_or_else(|_| Err(Failure::Crashed("the page renderer failed".into())));
            if result.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            if let Ok(mut slot) = done[i].lock() {
                *slot = Some(result);
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            let spawned = std::thread::Builder::new()
                .name("render".into())
                .stack_size(RENDER_STACK)
                .spawn_scoped(scope, work);
            if spawned.is_err() {
                break;
            }
        }
        work();
    });
    let mut images = Vec::with_capacity(pages.len());
    for slot in done {
        match slot.into_inner().ok().flatten() {
            Some(Ok(image)) => images.push(image),
            Some(Err(failure)) => return Err(failure),
            // A page after a failure was not rendered; the failure comes
            // first in page order or was already returned.
            None => {
                return Err(Failure::Crashed(
                    "a page renderer stopped without an answer".into(),
                ));
            }
        }
    }
    Ok(images)
}

/// Threads for one PDF when `pdf_threads` is 0: one per core up to this
/// many. Every converter process renders its own PDFs, and each thread's
/// stack counts against its address space (`isolation.memory_limit`).
const DEFAULT_MAX_THREADS: usize = 8;

/// Threads for one PDF: `configured`, or one per core (at most
/// [`DEFAULT_MAX_THREADS`]) when 0, asked once: inside the sandbox the
/// answer cannot change.
fn render_threads(configured: usize) -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    if configured > 0 {
        return configured;
    }
    *CORES.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(DEFAULT_MAX_THREADS)
    })
}

/// One page: rendered at the policy's resolution (its working pixels
/// charged while they exist), then encoded.
/// Opens a PDF, with `password` when one is given: a locked PDF is
/// `Encrypted` without one and `WrongPassword` with the wrong one.
pub(super) fn open(bytes: &[u8], password: Option<&str>) -> Result<Pdf, Failure> {
    Pdf::new_with_password(bytes.to_vec(), password.unwrap_or("")).map_err(|e| {
        match (e, password) {
            (LoadPdfError::Decryption(_), None) => Failure::Encrypted,
            (LoadPdfError::Decryption(_), Some(_)) => Failure::WrongPassword,
            _ => Failure::Broken("the PDF cannot be read".into()),
        }
    })
}

/// Draws one page `pixels_wide` x `pixels_high` on white.
pub(super) fn draw<'a>(
    page: &'a Page<'a>,
    cache: &RenderCache<'a>,
    settings: &InterpreterSettings,
    (pixels_wide, pixels_high): (u32, u32),
) -> hayro::vello_cpu::Pixmap {
    let (width_pt, height_pt) = page.render_dimensions();
    render(
        page,
        cache,
        settings,
        &RenderSettings::default(),
        &PixmapSettings {
            x_scale: pixels_wide as f32 / width_pt.max(1.0),
            y_scale: pixels_high as f32 / height_pt.max(1.0),
            bg_color: WHITE,
        },
    )
}

fn render_page<'a>(
    page: &'a Page<'a>,
    cache: &RenderCache<'a>,
    settings: &InterpreterSettings,
    limits: &AttachmentPolicy,
    budget: &Budget,
) -> Result<PageImage, Failure> {
    budget.check()?;
    let (width_pt, height_pt) = page.render_dimensions();
    let (pixels_wide, pixels_high, working) = page_pixels(page, limits);
    budget.charge(working, "a rendered page")?;
    let pixmap = draw(page, cache, settings, (pixels_wide, pixels_high));
    let image = encode_page(&pixmap, width_pt, height_pt);
    drop(pixmap);
    budget.refund(working);
    let image = image?;
    budget.charge(image.data.len() as u64, "the rebuilt PDF")?;
    Ok(image)
}

/// A page's size in pixels at the policy's resolution, and the working
/// memory its rendering is charged (8 bytes per pixel).
pub(super) fn page_pixels(page: &Page<'_>, limits: &AttachmentPolicy) -> (u32, u32, u64) {
    let (width_pt, height_pt) = page.render_dimensions();
    let scale = page_scale(width_pt, height_pt, limits);
    let pixels_wide = ((width_pt * scale).round() as u32).clamp(1, MAX_PAGE_SIDE.into());
    let pixels_high = ((height_pt * scale).round() as u32).clamp(1, MAX_PAGE_SIDE.into());
    let working = u64::from(pixels_wide) * u64::from(pixels_high) * 8;
    (pixels_wide, pixels_high, working)
}

/// Pixels per point: `pdf_dpi`, lowered when the page would exceed
/// `pdf_max_page_pixels` or [`MAX_PAGE_SIDE`].
fn page_scale(width_pt: f32, height_pt: f32, limits: &AttachmentPolicy) -> f32 {
    let width_pt = width_pt.max(1.0);
    let height_pt = height_pt.max(1.0);
    let mut scale = limits.pdf_dpi as f32 / 72.0;
    let pixels = f64::from(width_pt * scale) * f64::from(height_pt * scale);
    if pixels > limits.pdf_max_page_pixels as f64 {
        scale *= (limits.pdf_max_page_pixels as f64 / pixels).sqrt() as f32;
    }
    let longest = width_pt.max(height_pt) * scale;
    if longest > f32::from(MAX_PAGE_SIDE) {
        scale *= f32::from(MAX_PAGE_SIDE) / longest;
    }
    scale
}

/// Standard fonts from hayro's embedded set; fonts the PDF lacks that name
/// a CJK character collection (or a Japanese face) from the policy's font.
pub(super) fn interpreter_settings(fonts: &Fonts) -> InterpreterSettings {
    let cjk = fonts.cjk.clone();
    InterpreterSettings {
        font_resolver: Arc::new(move |query| match query {
            FontQuery::Standard(standard) => Some(standard.get_font_data()),
            FontQuery::Fallback(fallback) => {
                let japanese_name = [&fallback.post_script_name, &fallback.font_name]
                    .into_iter()
                    .flatten()
                    .any(|n| looks_cjk(n));
                if (fallback.character_collection.is_some() || japanese_name)
                    && let Some((data, index)) = &cjk
                {
                    let data: FontData = data.clone();
                    return Some((data, *index));
                }
                Some(fallback.pick_standard_font().get_font_data())
            }
        }),
        ..InterpreterSettings::default()
    }
}

fn looks_cjk(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "mincho", "gothic", "meiryo", "ms-p", "hei", "song", "ming", "gulim", "batang",
    ]
    .iter()
    .any(|k| lower.contains(k))
        || name.chars().any(|c| c as u32 >= 0x3000)
}

fn encode_page(
    pixmap: &hayro::vello_cpu::Pixmap,
    width_pt: f32,
    height_pt: f32,
) -> Result<PageImage, Failure> {
    let rgba = pixmap.data_as_u8_slice();
    let pixels_wide = u32::from(pixmap.width());
    let pixels_high = u32::from(pixmap.height());
    let (gray, raw) = match grey4_if_grey(rgba, pixels_wide as usize) {
        Some(levels) => (true, levels),
        None => (false, rgb_of(rgba)),
    };
    let deflated = deflate(&raw)?;
    if gray || deflated.len() < raw.len() / 6 {
        return Ok(PageImage {
            width_pt,
            height_pt,
            pixels_wide,
            pixels_high,
            gray,
            filter: Filter::FlateDecode,
            data: deflated,
        });
    }
    let jpeg = super::image::jpeg_of(&raw, pixels_wide, pixels_high, false, PAGE_JPEG_QUALITY)?;
    let (data, filter) = if jpeg.len() < deflated.len() {
        (jpeg, Filter::DctDecode)
    } else {
        (deflated, Filter::FlateDecode)
    };
    Ok(PageImage {
        width_pt,
        height_pt,
        pixels_wide,
        pixels_high,
        gray: false,
        filter,
        data,
    })
}

/// RGBA pixels without their alpha, written into place four pixels at a
/// time (fixed positions: one byte shuffle, not a loop per byte).
fn rgb_of(rgba: &[u8]) -> Vec<u8> {
    let mut rgb = vec![0u8; rgba.len() / 4 * 3];
    let quads = rgba.chunks_exact(16);
    let tail = quads.remainder();
    let mut out = rgb.chunks_exact_mut(12);
    for (o, p) in (&mut out).zip(quads) {
        let p = <&[u8; 16]>::try_from(p).unwrap_or(&[0; 16]);
        o.copy_from_slice(&[
            p[0], p[1], p[2], p[4], p[5], p[6], p[8], p[9], p[10], p[12], p[13], p[14],
        ]);
    }
    for (o, p) in out
        .into_remainder()
        .chunks_exact_mut(3)
        .zip(tail.chunks_exact(4))
    {
        o.copy_from_slice(&p[..3]);
    }
    rgb
}

/// The page as 4-bit grey, two pixels per byte and each row starting on a
/// byte, when every RGBA pixel has r == g == b; `None` at the first row
/// with a colour. One pass does both: each 64-bit word holds two pixels,
/// checked together (a word agrees with itself shifted by one channel in
/// each pixel's low two bytes) and rounded to 16 levels together, both
/// reds at once as (v + 8) / 17 = (v + 8) × 3856 >> 16 in each 32-bit
/// half (exact for every byte; the halves cannot carry into each other).
fn grey4_if_grey(rgba: &[u8], width: usize) -> Option<Vec<u8>> {
    const LOW_TWO_BYTES: u64 = 0x0000_FFFF_0000_FFFF;
    const RED: u64 = 0x0000_00FF_0000_00FF;
    const ROUND: u64 = 0x0000_0008_0000_0008;
    const LEVEL: u64 = 0x0000_000F_0000_000F;
    let width = width.max(1);
    let out_row = width.div_ceil(2);
    let rows = rgba.len().div_ceil(width * 4);
    let mut out = vec![0u8; rows * out_row];
    for (row, levels_row) in rgba.chunks(width * 4).zip(out.chunks_exact_mut(out_row)) {
        let pairs = row.chunks_exact(8);
        let last = pairs.remainder();
        let mut differs = 0u64;
        for (level, pair) in levels_row.iter_mut().zip(pairs) {
            let w = u64::from_le_bytes(<[u8; 8]>::try_from(pair).unwrap_or([0; 8]));
            differs |= (w ^ (w >> 8)) & LOW_TWO_BYTES;
            let levels = ((((w & RED) + ROUND) * 3856) >> 16) & LEVEL;
            *level = ((levels << 4) as u8) | (levels >> 32) as u8;
        }
        if differs != 0 {
            return None;
        }
        if let (&[r, g, b, _], Some(level)) = (last, levels_row.last_mut()) {
            if r != g || g != b {
                return None;
            }
            *level = ((((u32::from(r) + 8) * 3856) >> 16) << 4) as u8;
        }
    }
    Some(out)
}

fn deflate(raw: &[u8]) -> Result<Vec<u8>, Failure> {
    let mut encoder = ZlibEncoder::new(Vec::with_capacity(raw.len() / 8), Compression::fast());
    encoder
        .write_all(raw)
        .and_then(|()| encoder.finish())
        .map_err(|e| Failure::Crashed(format!("a page image could not be compressed: {e}")))
}

/// A fresh PDF: catalog, page tree, and per page one image drawn to fill it.
fn assemble(images: &[PageImage]) -> Vec<u8> {
    let mut pdf = pdf_writer::Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let page_ref = |i: usize| Ref::new(3 + 3 * i as i32);
    let image_ref = |i: usize| Ref::new(4 + 3 * i as i32);
    let content_ref = |i: usize| Ref::new(5 + 3 * i as i32);
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids((0..images.len()).map(page_ref))
        .count(images.len() as i32);
    for (i, image) in images.iter().enumerate() {
        let mut page = pdf.page(page_ref(i));
        page.media_box(Rect::new(0.0, 0.0, image.width_pt, image.height_pt));
        page.parent(tree);
        page.contents(content_ref(i));
        page.resources().x_objects().pair(Name(b"P"), image_ref(i));
        drop(page);

        let mut xobject = pdf.image_xobject(image_ref(i), &image.data);
        xobject.filter(image.filter);
        xobject.width(image.pixels_wide as i32);
        xobject.height(image.pixels_high as i32);
        if image.gray {
            xobject.color_space().device_gray();
        } else {
            xobject.color_space().device_rgb();
        }
        xobject.bits_per_component(if image.gray { 4 } else { 8 });
        drop(xobject);

        let mut content = Content::new();
        content.save_state();
        content.transform([image.width_pt, 0.0, 0.0, image.height_pt, 0.0, 0.0]);
        content.x_object(Name(b"P"));
        content.restore_state();
        pdf.stream(content_ref(i), &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_grey_only_when_every_pixel_is() {
        let grey = |rgba: &[u8], width| grey4_if_grey(rgba, width).is_some();
        let mut page = [7u8, 7, 7, 255].repeat(1000);
        assert!(grey(&page, 100));
        for channel in 0..3 {
            for pixel in [0, 517, 999] {
                let mut coloured = page.clone();
                coloured[4 * pixel + channel] = 8;
                assert!(!grey(&coloured, 100), "channel {channel} pixel {pixel}");
                // Rows of an odd width: the last pixel of a row alone.
                assert!(!grey(&coloured, 333), "channel {channel} pixel {pixel}");
            }
        }
        let mut odd = [7u8, 7, 7, 255].repeat(5);
        assert!(grey(&odd, 5));
        odd[4 * 4] = 9;
        assert!(!grey(&odd, 5));
        // Alpha does not count.
        page[4 * 3 + 3] = 0;
        assert!(grey(&page, 100));
    }

    #[test]
    fn colour_pixels_lose_only_their_alpha() {
        for pixels in [0usize, 1, 3, 4, 5, 9] {
            let rgba: Vec<u8> = (0..pixels * 4).map(|i| i as u8).collect();
            let expected: Vec<u8> = rgba
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect();
            assert_eq!(rgb_of(&rgba), expected, "{pixels} pixels");
        }
    }

    #[test]
    fn grey_pixels_pack_two_to_a_byte_rows_starting_on_a_byte() {
        for width in [1usize, 2, 3, 7, 8, 256] {
            // Every grey level appears, in every position of a word.
            let rgba: Vec<u8> = (0..width * 3)
                .flat_map(|i| {
                    let v = (i * 37 % 256) as u8;
                    [v, v, v, 255]
                })
                .collect();
            let level = |v: u8| ((u16::from(v) + 8) / 17) as u8;
            let mut expected = Vec::new();
            for row in rgba.chunks(width * 4) {
                for pair in row.chunks(8) {
                    expected.push(level(pair[0]) << 4 | pair.get(4).map_or(0, |&v| level(v)));
                }
            }
            assert_eq!(grey4_if_grey(&rgba, width), Some(expected), "width {width}");
        }
    }
}
