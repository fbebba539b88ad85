//! What hayro would decode, bounded before it renders. hayro inflates a
//! stream whole whenever it meets it and joins a page's `/Contents` array
//! with no limit, so a few kilobytes of PDF can ask for gigabytes: a
//! deflate bomb, or one content stream named a million times in one
//! array. Before any page is rendered, every stream's decoded size is
//! measured here by decoders that count instead of keep (deflate and LZW
//! streamed through a small buffer, stopping at the limit), image sizes
//! are read from their dictionaries, and each page to be rendered has its
//! content parts counted and summed with repetition. Whatever exceeds the
//! converter's memory left removes the PDF with a reason, as any other
//! limit does; the process is never asked to find out the hard way.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Read;

use hayro::hayro_syntax::Pdf;
use hayro::hayro_syntax::object::dict::keys::{CONTENTS, DECODE_PARMS, FILTER, HEIGHT, WIDTH};
use hayro::hayro_syntax::object::{Array, Dict, Name, Object, ObjectIdentifier, Stream};
use hayro::hayro_syntax::page::Page;

use super::budget::{Budget, Failure};

/// Most parts one page's `/Contents` array may name.
pub const MAX_CONTENT_PARTS: usize = 10_000;

/// Worst expansion of one deflate block (RFC 1951: 258 bytes from a
/// 2-bit code is bounded by 1032:1), used when a stream is broken and its
/// size cannot be counted to the end.
const DEFLATE_WORST_RATIO: u64 = 1032;

/// Checks the whole document's streams and the first `pages` pages'
/// content arrays against the budget's memory left.
pub fn check<'a>(
    pdf: &'a Pdf,
    pages: impl IntoIterator<Item = &'a Page<'a>>,
    budget: &Budget,
) -> Result<(), Failure> {
    let cap = budget.memory_left();
    let mut sizes: HashMap<ObjectIdentifier, u64> = HashMap::new();
    for object in pdf.objects() {
        budget.check()?;
        if let Object::Stream(stream) = object {
            let size = decoded_size(&stream, cap)?;
            sizes.insert(stream.obj_id(), size);
        }
    }
    for page in pages {
        let mut total = 0u64;
        let contents = page.raw();
        if let Some(array) = contents.get::<Array<'_>>(CONTENTS) {
            if array.raw_iter().take(MAX_CONTENT_PARTS + 1).count() > MAX_CONTENT_PARTS {
                return Err(Failure::TooLarge(format!(
                    "a page's content is split into more than {MAX_CONTENT_PARTS} parts"
                )));
            }
            for stream in array.iter::<Stream<'_>>() {
                let size = match sizes.get(&stream.obj_id()) {
                    Some(&size) => size,
                    None => decoded_size(&stream, cap)?,
                };
                total = total.saturating_add(size + 1);
                if total > cap {
                    return Err(too_large("a page's content", total));
                }
            }
        }
    }
    Ok(())
}

fn too_large(what: &str, size: u64) -> Failure {
    Failure::TooLarge(format!(
        "{what} would decode to more than {} MB",
        size / (1 << 20)
    ))
}

/// The decoded size of one stream, or a failure once it passes `cap`.
fn decoded_size(stream: &Stream<'_>, cap: u64) -> Result<u64, Failure> {
    let dict = stream.dict();
    let width = dict.get::<u32>(WIDTH).unwrap_or(0);
    let height = dict.get::<u32>(HEIGHT).unwrap_or(0);
    // Four bytes a pixel covers every colour space hayro renders into.
    let pixels_bytes = u64::from(width) * u64::from(height) * 4;
    if pixels_bytes > cap {
        return Err(too_large("an image", pixels_bytes));
    }
    let filters = filter_names(dict);
    let mut current: Cow<'_, [u8]> = stream.raw_data();
    let mut bound = current.len() as u64;
    for (i, filter) in filters.iter().enumerate() {
        let mut sink = Sink::new(cap, i + 1 < filters.len());
        match filter.as_slice() {
            b"FlateDecode" | b"Fl" => inflate(&current, &mut sink)?,
            b"LZWDecode" | b"LZW" => lzw(&current, early_change(dict, i), &mut sink)?,
            b"RunLengthDecode" | b"RL" => run_length(&current, &mut sink)?,
            b"ASCIIHexDecode" | b"AHx" => ascii_hex(&current, &mut sink)?,
            b"ASCII85Decode" | b"A85" => ascii85(&current, &mut sink)?,
            // Image codecs: their output is the image's pixels, bounded
            // above by its dictionary; nothing decodes after them.
            _ => break,
        }
        bound = sink.count;
        current = Cow::Owned(sink.kept);
    }
    Ok(bound.max(pixels_bytes))
}

/// The `/Filter` entry as names, in order.
fn filter_names(dict: &Dict<'_>) -> Vec<Vec<u8>> {
    if let Some(name) = dict.get::<Name<'_>>(FILTER) {
        return vec![name.to_vec()];
    }
    dict.get::<Array<'_>>(FILTER)
        .map(|array| {
            array
                .iter::<Name<'_>>()
                .take(8)
                .map(|n| n.to_vec())
                .collect()
        })
        .unwrap_or_default()
}

/// LZW's `/EarlyChange` for the filter at `index` (default 1).
fn early_change(dict: &Dict<'_>, index: usize) -> bool {
    let params = dict.get::<Dict<'_>>(DECODE_PARMS).or_else(|| {
        dict.get::<Array<'_>>(DECODE_PARMS)?
            .iter::<Dict<'_>>()
            .nth(index)
    });
    params
        .and_then(|p| p.get::<i32>(b"EarlyChange"))
        .is_none_or(|v| v != 0)
}

/// Counts decoded bytes, keeping them only when another filter follows.
struct Sink {
    cap: u64,
    count: u64,
    keep: bool,
    kept: Vec<u8>,
}

impl Sink {
    fn new(cap: u64, keep: bool) -> Sink {
        Sink {
            cap,
            count: 0,
            keep,
            kept: Vec::new(),
        }
    }

    fn push(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.count += bytes.len() as u64;
        if self.count > self.cap {
            return Err(too_large("a stream", self.count));
        }
        if self.keep {
            self.kept.extend_from_slice(bytes);
        }
        Ok(())
    }
}

/// zlib, else raw deflate (as hayro tries them). A stream broken before
/// its end is charged the deflate worst case for its whole length, since
/// hayro's lenient fallback decoder may read on past the error.
fn inflate(data: &[u8], sink: &mut Sink) -> Result<(), Failure> {
    let mut zlib = Sink::new(sink.cap, sink.keep);
    let mut complete = pump(flate2::read::ZlibDecoder::new(data), &mut zlib)?;
    let mut best = zlib;
    if !complete {
        let mut deflate = Sink::new(sink.cap, sink.keep);
        complete = pump(flate2::read::DeflateDecoder::new(data), &mut deflate)?;
        if complete || deflate.count > best.count {
            best = deflate;
        }
    }
    *sink = best;
    if !complete {
        let worst = (data.len() as u64).saturating_mul(DEFLATE_WORST_RATIO);
        if worst > sink.cap {
            return Err(Failure::TooLarge(
                "a damaged compressed stream could decode to more than the converter's memory"
                    .into(),
            ));
        }
        sink.count = sink.count.max(worst);
    }
    Ok(())
}

/// Feeds a decoder's output to the sink: true when it read to a clean end.
fn pump(mut reader: impl Read, sink: &mut Sink) -> Result<bool, Failure> {
    let mut buffer = [0u8; 32 * 1024];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => return Ok(true),
            Ok(n) => sink.push(&buffer[..n])?,
            Err(_) => return Ok(false),
        }
    }
}

fn lzw(data: &[u8], early_change: bool, sink: &mut Sink) -> Result<(), Failure> {
    use weezl::{BitOrder, LzwStatus, decode::Decoder};
    let mut decoder = if early_change {
        Decoder::with_tiff_size_switch(BitOrder::Msb, 8)
    } else {
        Decoder::new(BitOrder::Msb, 8)
    };
    let mut buffer = [0u8; 32 * 1024];
    let mut input = data;
    loop {
        let result = decoder.decode_bytes(input, &mut buffer);
        input = &input[result.consumed_in..];
        sink.push(&buffer[..result.consumed_out])?;
        match result.status {
            Ok(LzwStatus::Ok) if result.consumed_in + result.consumed_out > 0 => {}
            _ => return Ok(()),
        }
    }
}

fn run_length(data: &[u8], sink: &mut Sink) -> Result<(), Failure> {
    let mut i = 0;
    while let Some(&length) = data.get(i) {
        match length {
            0..=127 => {
                let end = (i + 2 + usize::from(length)).min(data.len());
                sink.push(&data[(i + 1).min(end)..end])?;
                i = end;
            }
            128 => break,
            _ => {
                let Some(&byte) = data.get(i + 1) else { break };
                sink.push(&[byte; 128][..257 - usize::from(length)])?;
                i += 2;
            }
        }
    }
    Ok(())
}

fn ascii_hex(data: &[u8], sink: &mut Sink) -> Result<(), Failure> {
    let digits: Vec<u8> = data
        .iter()
        .take_while(|&&b| b != b'>')
        .filter_map(|&b| (b as char).to_digit(16).map(|d| d as u8))
        .collect();
    let bytes: Vec<u8> = digits
        .chunks(2)
        .map(|pair| pair[0] << 4 | pair.get(1).copied().unwrap_or(0))
        .collect();
    sink.push(&bytes)
}

fn ascii85(data: &[u8], sink: &mut Sink) -> Result<(), Failure> {
    let data = data.strip_prefix(b"<~").unwrap_or(data);
    let mut group = [0u8; 5];
    let mut filled = 0;
    let mut out = Vec::with_capacity(data.len());
    for &b in data {
        match b {
            b'~' => break,
            b'z' if filled == 0 => out.extend_from_slice(&[0; 4]),
            b'!'..=b'u' => {
                group[filled] = b - b'!';
                filled += 1;
                if filled == 5 {
                    out.extend_from_slice(&base85(&group).to_be_bytes());
                    filled = 0;
                }
            }
            _ => {}
        }
    }
    if filled > 1 {
        group[filled..].fill(84);
        out.extend_from_slice(&base85(&group).to_be_bytes()[..filled - 1]);
    }
    sink.push(&out)
}

fn base85(group: &[u8; 5]) -> u32 {
    group
        .iter()
        .fold(0u32, |n, &d| n.wrapping_mul(85).wrapping_add(u32::from(d)))
}
