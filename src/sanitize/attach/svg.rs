//! SVG → PNG. An SVG is a program as much as a picture (scripts, event
//! handlers, links, external references, CSS), so it never passes as SVG:
//! resvg draws it into pixels, and only the pixels are delivered, written
//! as a fresh PNG. Nothing outside the file is ever read or fetched: the
//! resolver for `<image href>` refuses every reference (embedded pictures
//! are left out), there is no resources directory, and the only font is
//! the policy's CJK font, handed over as bytes (a converter process cannot
//! read the file system). Scripts and animation are never run by resvg.

use std::sync::Arc;

use image::{DynamicImage, RgbaImage};
use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, ImageHrefResolver, Options, Tree};

use super::budget::{Budget, Failure};
use super::image::png;
use super::{NewFile, Verdict, names};
use crate::policy::AttachmentPolicy;
use crate::sanitize::report::PartReason;

/// Longest side drawn when the SVG asks for more (its own size is only a
/// hint: `width="100000"` must not allocate gigabytes).
const MAX_SIDE: u32 = 4096;

pub fn rasterise(
    bytes: &[u8],
    name: Option<&str>,
    limits: &AttachmentPolicy,
    budget: &Budget,
) -> Result<Verdict, Failure> {
    budget.charge(bytes.len() as u64 * 4, "the parsed SVG")?;
    let mut fontdb = usvg::fontdb::Database::new();
    if let Some((font, _)) = &limits.fonts.cjk {
        // Shared, not copied: the font is megabytes and SVGs are many.
        let font: Arc<dyn AsRef<[u8]> + Send + Sync> = font.clone();
        fontdb.load_font_source(usvg::fontdb::Source::Binary(font));
    }
    let family = fontdb
        .faces()
        .next()
        .and_then(|face| face.families.first())
        .map(|(family, _)| family.clone());
    let mut options = Options {
        resources_dir: None,
        image_href_resolver: ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        fontdb: Arc::new(fontdb),
        ..Options::default()
    };
    if let Some(family) = family {
        options.font_family = family;
    }
    let tree = Tree::from_data(bytes, &options)
        .map_err(|e| Failure::Broken(format!("the SVG cannot be read: {e}")))?;
    let size = tree.size();
    let longest = size.width().max(size.height()).max(1.0);
    let side = (limits.image_max_side.min(MAX_SIDE)) as f32;
    let scale = if longest > side { side / longest } else { 1.0 };
    let width = ((size.width() * scale).ceil() as u32).clamp(1, MAX_SIDE);
    let height = ((size.height() * scale).ceil() as u32).clamp(1, MAX_SIDE);
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.image_max_pixels {
        return Err(Failure::TooLarge(format!(
            "{width}x{height} pixels exceed image_max_pixels {}",
            limits.image_max_pixels
        )));
    }
    budget.charge(pixels * 8, "the drawn SVG")?;
    budget.check()?;
    let mut pixmap = Pixmap::new(width, height)
        .ok_or_else(|| Failure::Broken("the SVG has no drawable size".into()))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    // tiny-skia keeps premultiplied alpha; on an opaque white ground every
    // pixel is opaque, so the bytes are plain RGBA.
    let rgba = RgbaImage::from_raw(width, height, pixmap.take())
        .ok_or_else(|| Failure::Crashed("the drawn SVG has the wrong size".into()))?;
    let bytes = png(&DynamicImage::ImageRgba8(rgba).into_rgb8().into())?;
    Ok(Verdict::Replaced {
        file: NewFile {
            name: names::replace_extension(name, "image", "png"),
            mime: "image/png".into(),
            bytes,
        },
        reason: PartReason::ImageReencoded,
        pages: None,
        detail: Some(format!("SVG drawn as a {width}x{height} PNG")),
        companion: None,
    })
}
