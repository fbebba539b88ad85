//! JPEG 2000 (`.jp2`, `.j2k`, `.jpf`: scanners and some medical and map
//! software write it) decoded by hayro-jpeg2000, the same pure-Rust decoder
//! the PDF renderer uses, into plain pixels for the image re-encoder.
//! Image size is checked from the header against the policy and the budget
//! before any pixel is decoded.

use hayro_jpeg2000::{ColorSpace, DecodeSettings, DecoderContext, Image};
use image::{DynamicImage, GrayAlphaImage, GrayImage, RgbImage, RgbaImage};

use super::budget::{Budget, Failure};
use crate::policy::AttachmentPolicy;

/// The JP2 container's signature box.
pub const JP2_MAGIC: &[u8] = b"\x00\x00\x00\x0C\x6A\x50\x20\x20\x0D\x0A\x87\x0A";
/// A raw codestream's first markers (SOC, SIZ).
pub const CODESTREAM_MAGIC: &[u8] = b"\xFF\x4F\xFF\x51";

pub fn is_jpeg2000(bytes: &[u8]) -> bool {
    bytes.starts_with(JP2_MAGIC) || bytes.starts_with(CODESTREAM_MAGIC)
}

/// Decodes to 8-bit pixels; returns them and the bytes charged.
pub fn decode(
    bytes: &[u8],
    limits: &AttachmentPolicy,
    budget: &Budget,
) -> Result<(DynamicImage, u64), Failure> {
    let broken = |e| Failure::Broken(format!("the JPEG 2000 image cannot be decoded: {e:?}"));
    let image = Image::new(bytes, &DecodeSettings::default()).map_err(broken)?;
    let (width, height) = (image.width(), image.height());
    if width == 0 || height == 0 {
        return Err(Failure::Broken("the image has no pixels".into()));
    }
    if width.max(height) > limits.image_max_side
        || u64::from(width) * u64::from(height) > limits.image_max_pixels
    {
        return Err(Failure::TooLarge(format!(
            "{width}x{height} pixels exceed image_max_pixels {} or image_max_side {}",
            limits.image_max_pixels, limits.image_max_side
        )));
    }
    let channels = u64::from(image.color_space().num_channels()) + u64::from(image.has_alpha());
    // Decoded components (f32 each) and the 8-bit copy.
    let charged = u64::from(width) * u64::from(height) * channels * 5;
    budget.charge(charged, "the decoded image")?;
    let result = pixels(&image, width, height);
    if result.is_err() {
        budget.refund(charged);
    }
    result.map(|pixels| (pixels, charged))
}

fn pixels(image: &Image<'_>, width: u32, height: u32) -> Result<DynamicImage, Failure> {
    let mut context = DecoderContext::default();
    let decoded = image
        .decode(&mut context)
        .map_err(|e| Failure::Broken(format!("the JPEG 2000 image cannot be decoded: {e:?}")))?;
    let data = decoded.data_u8();
    let alpha = image.has_alpha();
    let wrong = || Failure::Broken("the JPEG 2000 image's components do not match its size".into());
    // ICC-profiled images are read as the plain space of their channel
    // count (the profile is not applied).
    let channels = match image.color_space() {
        ColorSpace::Gray => 1,
        ColorSpace::RGB => 3,
        ColorSpace::CMYK => 4,
        ColorSpace::Icc { num_channels, .. } if matches!(num_channels, 1 | 3 | 4) => *num_channels,
        _ => {
            return Err(Failure::Broken(
                "JPEG 2000 in an unknown colour space is not decoded".into(),
            ));
        }
    };
    let pixels = match (channels, alpha) {
        (1, false) => GrayImage::from_raw(width, height, data).map(Into::into),
        (1, true) => GrayAlphaImage::from_raw(width, height, data).map(Into::into),
        (3, false) => RgbImage::from_raw(width, height, data).map(Into::into),
        (3, true) => RgbaImage::from_raw(width, height, data).map(Into::into),
        _ => {
            let step = 4 + usize::from(alpha);
            let rgb: Vec<u8> = data
                .chunks_exact(step)
                .flat_map(|p| {
                    let k = 255 - u16::from(p[3]);
                    [0, 1, 2].map(|i| ((255 - u16::from(p[i])) * k / 255) as u8)
                })
                .collect();
            RgbImage::from_raw(width, height, rgb).map(Into::into)
        }
    };
    pixels.ok_or_else(wrong)
}
