//! Images → `reencode`: decoded under limits checked before the pixels
//! are allocated, turned upright by their EXIF orientation, then written
//! afresh as PNG (or JPEG for photographs). Only pixels cross over: no
//! metadata chunk, EXIF/XMP/IPTC block, comment, trailing data or second
//! embedded file. Animated images keep their first frame. Read: PNG, JPEG,
//! GIF, WebP, BMP, TIFF, PNM, ICO, TGA (known by its name: it has no
//! signature), QOI, and JPEG 2000 ([`super::jpeg2000`]).

use std::io::Cursor;

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::budget::{Budget, Failure};
use super::jpeg2000;
use super::names;
use super::{NewFile, Verdict};
use crate::policy::{AttachmentPolicy, PhotoFormat};
use crate::sanitize::report::PartReason;

/// Decodes and re-encodes one image.
pub fn reencode(
    bytes: &[u8],
    name: Option<&str>,
    limits: &AttachmentPolicy,
    budget: &Budget,
) -> Result<Verdict, Failure> {
    let image = decode(bytes, name, limits, budget)?;
    let result = write(&image, name, limits);
    budget.refund(image.charged);
    result
}

fn write(
    image: &Decoded,
    name: Option<&str>,
    limits: &AttachmentPolicy,
) -> Result<Verdict, Failure> {
    let as_jpeg = image.source == "Jpeg" && limits.photo_format == PhotoFormat::Jpeg;
    let file = if as_jpeg {
        NewFile {
            name: names::replace_extension(name, "image", "jpg"),
            mime: "image/jpeg".into(),
            bytes: jpeg(&image.pixels, limits.jpeg_quality)?,
        }
    } else {
        NewFile {
            name: names::replace_extension(name, "image", "png"),
            mime: "image/png".into(),
            bytes: png(&image.pixels)?,
        }
    };
    Ok(Verdict::Replaced {
        file,
        reason: PartReason::ImageReencoded,
        pages: None,
        detail: Some(format!(
            "{}x{} {} re-encoded",
            image.pixels.width(),
            image.pixels.height(),
            image.source
        )),
        companion: None,
    })
}

/// Pixels and the format they came from.
pub struct Decoded {
    pub pixels: DynamicImage,
    /// The source format's name (`Jpeg`, `Png`, `Jpeg2000` …).
    pub source: &'static str,
    /// Bytes charged to the budget for the pixels.
    pub charged: u64,
}

/// Decodes the first frame under the policy's limits.
pub fn decode(
    bytes: &[u8],
    name: Option<&str>,
    limits: &AttachmentPolicy,
    budget: &Budget,
) -> Result<Decoded, Failure> {
    if jpeg2000::is_jpeg2000(bytes) {
        let (pixels, charged) = jpeg2000::decode(bytes, limits, budget)?;
        return Ok(Decoded {
            pixels,
            source: "Jpeg2000",
            charged,
        });
    }
    // TGA has no signature: only its name says what it is.
    let by_name = name
        .and_then(|n| n.rsplit_once('.'))
        .filter(|(_, ext)| ext.eq_ignore_ascii_case("tga"))
        .map(|_| ImageFormat::Tga);
    let format = image::guess_format(bytes)
        .ok()
        .or(by_name)
        .ok_or_else(|| Failure::Broken("not an image format that can be decoded".into()))?;
    if !matches!(
        format,
        ImageFormat::Png
            | ImageFormat::Jpeg
            | ImageFormat::Gif
            | ImageFormat::WebP
            | ImageFormat::Bmp
            | ImageFormat::Tiff
            | ImageFormat::Pnm
            | ImageFormat::Ico
            | ImageFormat::Tga
            | ImageFormat::Qoi
    ) {
        return Err(Failure::Broken(format!(
            "{format:?} images are not decoded"
        )));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder_limits = Limits::default();
    decoder_limits.max_image_width = Some(limits.image_max_side);
    decoder_limits.max_image_height = Some(limits.image_max_side);
    decoder_limits.max_alloc = Some(budget.memory_left());
    reader.limits(decoder_limits);
    let broken = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => Failure::TooLarge(format!("image beyond limits: {e}")),
        other => Failure::Broken(format!("the image cannot be decoded: {other}")),
    };
    let mut decoder = reader.into_decoder().map_err(broken)?;
    let (width, height) = decoder.dimensions();
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.image_max_pixels {
        return Err(Failure::TooLarge(format!(
            "{width}x{height} pixels exceed image_max_pixels {}",
            limits.image_max_pixels
        )));
    }
    if width == 0 || height == 0 {
        return Err(Failure::Broken("the image has no pixels".into()));
    }
    let charged = decoder.total_bytes();
    budget.charge(charged, "the decoded image")?;
    let orientation = decoder.orientation().ok();
    let decoded = DynamicImage::from_decoder(decoder);
    let mut pixels = match decoded {
        Ok(pixels) => pixels,
        Err(e) => {
            budget.refund(charged);
            return Err(broken(e));
        }
    };
    if let Some(orientation) = orientation {
        pixels.apply_orientation(orientation);
    }
    Ok(Decoded {
        pixels,
        source: format_name(format),
        charged,
    })
}

fn format_name(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Png => "Png",
        ImageFormat::Jpeg => "Jpeg",
        ImageFormat::Gif => "Gif",
        ImageFormat::WebP => "WebP",
        ImageFormat::Bmp => "Bmp",
        ImageFormat::Tiff => "Tiff",
        ImageFormat::Pnm => "Pnm",
        ImageFormat::Ico => "Ico",
        ImageFormat::Tga => "Tga",
        ImageFormat::Qoi => "Qoi",
        _ => "image",
    }
}

fn encode_error(e: image::ImageError) -> Failure {
    Failure::Crashed(format!("the new image could not be written: {e}"))
}

/// A fresh PNG of the pixels (8 or 16 bits, grey or colour, alpha kept).
pub fn png(pixels: &DynamicImage) -> Result<Vec<u8>, Failure> {
    let converted;
    let pixels = match pixels {
        DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_)
        | DynamicImage::ImageLuma16(_)
        | DynamicImage::ImageLumaA16(_)
        | DynamicImage::ImageRgb16(_)
        | DynamicImage::ImageRgba16(_) => pixels,
        other => {
            converted = DynamicImage::ImageRgba8(other.to_rgba8());
            &converted
        }
    };
    let mut out = Vec::new();
    let encoder =
        PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive);
    pixels.write_with_encoder(encoder).map_err(encode_error)?;
    Ok(out)
}

/// A fresh baseline JPEG of the pixels (grey stays grey).
pub fn jpeg(pixels: &DynamicImage, quality: u8) -> Result<Vec<u8>, Failure> {
    let converted = match pixels {
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => None,
        DynamicImage::ImageLuma16(_)
        | DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageLumaA16(_) => Some(DynamicImage::ImageLuma8(pixels.to_luma8())),
        other => Some(DynamicImage::ImageRgb8(other.to_rgb8())),
    };
    let pixels = converted.as_ref().unwrap_or(pixels);
    let grey = matches!(pixels, DynamicImage::ImageLuma8(_));
    jpeg_of(
        pixels.as_bytes(),
        pixels.width(),
        pixels.height(),
        grey,
        quality,
    )
}

/// A baseline JPEG of 8-bit pixels (grey, or RGB), by `jpeg-encoder`:
/// integer DCT, several times the speed of the `image` crate's encoder
/// (whose float rounding dominated photo re-encoding), and no unsafe code
/// (its `simd` feature stays off). JPEG cannot hold a side over 65535
/// pixels: such an image fails (and is removed).
pub fn jpeg_of(
    raw: &[u8],
    width: u32,
    height: u32,
    grey: bool,
    quality: u8,
) -> Result<Vec<u8>, Failure> {
    let (Ok(w), Ok(h)) = (u16::try_from(width), u16::try_from(height)) else {
        return Err(Failure::TooLarge(format!(
            "a {width}x{height} image is too large for JPEG (65535 pixels a side)"
        )));
    };
    let colour = match grey {
        true => jpeg_encoder::ColorType::Luma,
        false => jpeg_encoder::ColorType::Rgb,
    };
    let mut out = Vec::with_capacity(raw.len() / 8);
    jpeg_encoder::Encoder::new(&mut out, quality.clamp(1, 100))
        .encode(raw, w, h, colour)
        .map_err(|e| Failure::Crashed(format!("the image could not be written: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpegs_decode_back_at_their_size_and_colour() {
        let rgb: Vec<u8> = (0..64 * 48 * 3).map(|i| (i * 7 % 251) as u8).collect();
        let out = jpeg_of(&rgb, 64, 48, false, 85).unwrap();
        let back = image::load_from_memory_with_format(&out, ImageFormat::Jpeg).unwrap();
        assert_eq!((back.width(), back.height()), (64, 48));
        assert!(matches!(back, DynamicImage::ImageRgb8(_)));
        let grey = vec![128u8; 30 * 20];
        let out = jpeg_of(&grey, 30, 20, true, 85).unwrap();
        let back = image::load_from_memory_with_format(&out, ImageFormat::Jpeg).unwrap();
        assert!(matches!(back, DynamicImage::ImageLuma8(_)));
        assert!(matches!(
            jpeg_of(&vec![0u8; 70_000], 70_000, 1, true, 85),
            Err(Failure::TooLarge(_))
        ));
    }
}
