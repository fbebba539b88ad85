//! What an attachment really is: judged from its bytes (magic numbers,
//! then a look inside containers: an OOXML zip is told apart from a plain
//! zip and a macro-enabled one from a plain one; an OLE2 file by its
//! streams), and checked against what its Content-Type and file name
//! claim. When the readings disagree the strictest wins: a claim of a kind
//! that is only ever removed, or of active web code (script, HTML, SVG),
//! decides; and a binary format claimed for bytes that are text (an
//! `invoice.png`, an ImageTragick script named `.jpg`, a playlist named
//! `.avi`) is a type mismatch. Zip-based formats mugai has no converter
//! for (EPUB, XPS, iWork, Visio …) are told apart from plain zips, so
//! they are never unpacked into their XML internals.

use std::io::Cursor;

use serde::{Deserialize, Serialize};

use crate::sanitize::sniff::looks_like_text;

/// The kinds the attachment policy knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// PNG, JPEG, GIF, WebP, BMP, TIFF.
    Image,
    Pdf,
    /// docx, xlsx, pptx.
    Ooxml,
    /// docm, xlsm, pptm: OOXML carrying a VBA project.
    OoxmlMacro,
    /// odt, ods, odp.
    Odf,
    Zip,
    /// Plain text (txt, csv, log …).
    Text,
    /// iCalendar.
    Calendar,
    /// winmail.dat.
    Tnef,
    /// rar, 7z, gzip, tar, cab, lzh …
    OtherArchive,
    Executable,
    Script,
    Html,
    Svg,
    /// .lnk, .url.
    Shortcut,
    /// iso, img, vhd(x), dmg.
    DiskImage,
    OneNote,
    /// doc, xls, ppt and other OLE2 files.
    LegacyOffice,
    /// A password-protected document or archive container.
    Encrypted,
    /// Audio and video.
    Media,
    /// A document format built on zip that is not Office or ODF: EPUB,
    /// XPS, iWork, Visio, 3MF, NuGet …
    Package,
    Unknown,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Pdf => "pdf",
            Kind::Ooxml => "ooxml",
            Kind::OoxmlMacro => "ooxml-macro",
            Kind::Odf => "odf",
            Kind::Zip => "zip",
            Kind::Text => "text",
            Kind::Calendar => "calendar",
            Kind::Tnef => "tnef",
            Kind::OtherArchive => "other-archive",
            Kind::Executable => "executable",
            Kind::Script => "script",
            Kind::Html => "html",
            Kind::Svg => "svg",
            Kind::Shortcut => "shortcut",
            Kind::DiskImage => "disk-image",
            Kind::OneNote => "onenote",
            Kind::LegacyOffice => "legacy-office",
            Kind::Encrypted => "encrypted",
            Kind::Media => "media",
            Kind::Package => "package",
            Kind::Unknown => "unknown",
        }
    }

    /// Web code and scripts: removed unless `script = "text"`.
    pub fn is_active(self) -> bool {
        matches!(self, Kind::Script | Kind::Html | Kind::Svg)
    }

    /// Kinds whose files are text.
    pub fn is_textual(self) -> bool {
        matches!(self, Kind::Text | Kind::Calendar) || self.is_active()
    }

    /// Kinds whose files are never text: a claim of one for bytes that
    /// are text is a type mismatch.
    pub fn is_binary(self) -> bool {
        matches!(
            self,
            Kind::Image
                | Kind::Pdf
                | Kind::Ooxml
                | Kind::OoxmlMacro
                | Kind::Odf
                | Kind::Zip
                | Kind::Tnef
                | Kind::OtherArchive
                | Kind::Executable
                | Kind::DiskImage
                | Kind::OneNote
                | Kind::LegacyOffice
                | Kind::Encrypted
                | Kind::Media
                | Kind::Package
        )
    }

    /// Kinds that no policy can turn into something harmless: they are
    /// always removed, and a claim of one is enough to remove a part.
    pub fn is_always_removed(self) -> bool {
        matches!(
            self,
            Kind::Executable
                | Kind::Shortcut
                | Kind::DiskImage
                | Kind::OneNote
                | Kind::LegacyOffice
                | Kind::Encrypted
                | Kind::OtherArchive
                | Kind::Media
                | Kind::Package
                | Kind::Unknown
        )
    }
}

/// The three readings of one attachment and the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    /// What the bytes are.
    pub by_content: Kind,
    /// What the Content-Type claims, when it claims something specific.
    pub by_label: Option<Kind>,
    /// What the file name's extension claims, when it has a known one.
    pub by_name: Option<Kind>,
    /// The kind the policy acts on (the strictest reading).
    pub kind: Kind,
    /// A MIME type for the bytes, for the report.
    pub mime: String,
}

/// Judges `bytes` declared as `declared` (a lower-case MIME type) under
/// the decoded file name `name`.
pub fn detect(bytes: &[u8], declared: &str, name: Option<&str>) -> Detection {
    let (by_content, mime) = by_content(bytes, name);
    let by_label = by_label(declared);
    let by_name = name.and_then(by_name);
    let claims = [by_label, by_name];
    let strict = claims
        .iter()
        .flatten()
        .find(|k| (k.is_always_removed() || k.is_active()) && **k != by_content);
    let mismatch = || {
        claims
            .iter()
            .flatten()
            .find(|k| by_content.is_textual() && k.is_binary())
    };
    // Bytes that are only ever removed are the strictest reading there is.
    let kind = if by_content.is_always_removed() {
        by_content
    } else {
        strict.or_else(mismatch).copied().unwrap_or(by_content)
    };
    Detection {
        by_content,
        by_label,
        by_name,
        kind,
        mime,
    }
}

fn by_content(bytes: &[u8], name: Option<&str>) -> (Kind, String) {
    let head = &bytes[..bytes.len().min(16)];
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return inside_zip(bytes);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return inside_ole2(bytes);
    }
    if head.starts_with(&[0x78, 0x9F, 0x3E, 0x22]) {
        return (Kind::Tnef, "application/vnd.ms-tnef".into());
    }
    if head.starts_with(&[0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0]) {
        return (Kind::Shortcut, "application/x-ms-shortcut".into());
    }
    if head.starts_with(&[0xE4, 0x52, 0x5C, 0x7B, 0x8C, 0xD8, 0xA7, 0x4D]) {
        return (Kind::OneNote, "application/onenote".into());
    }
    if bytes.get(0x8001..0x8006) == Some(b"CD001")
        || head.starts_with(b"conectix")
        || head.starts_with(b"vhdxfile")
    {
        return (Kind::DiskImage, "application/x-disk-image".into());
    }
    if let Some(mime) = image_without_infer(head) {
        return (Kind::Image, mime.into());
    }
    if name.is_some_and(|n| {
        by_name(n) == Some(Kind::Image) && n.to_ascii_lowercase().ends_with(".tga")
    }) && looks_like_tga(bytes)
    {
        return (Kind::Image, "image/x-tga".into());
    }
    // PDF allows junk before the header within the first KiB.
    if memchr::memmem::find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_some() {
        return (Kind::Pdf, "application/pdf".into());
    }
    if let Some(found) = infer::get(bytes) {
        let mime = found.mime_type().to_string();
        if matches!(mime.as_str(), "text/xml" | "application/xml") && looks_like_text(bytes) {
            return text_kind(bytes, name);
        }
        let kind = match mime.as_str() {
            "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/bmp"
            | "image/tiff" => Kind::Image,
            "application/vnd.microsoft.portable-executable"
            | "application/x-executable"
            | "application/x-mach-binary"
            | "application/x-msdownload"
            | "application/vnd.android.package-archive"
            | "application/x-shockwave-flash"
            | "application/java-archive"
            | "application/wasm" => Kind::Executable,
            "application/vnd.rar"
            | "application/x-7z-compressed"
            | "application/gzip"
            | "application/x-bzip2"
            | "application/x-xz"
            | "application/x-tar"
            | "application/vnd.ms-cab-compressed"
            | "application/zstd"
            | "application/x-lzip"
            | "application/x-compress"
            | "application/x-cpio"
            | "application/x-unix-archive"
            | "application/x-rpm"
            | "application/vnd.debian.binary-package" => Kind::OtherArchive,
            "application/x-apple-diskimage" | "application/x-virtualbox-vdi" => Kind::DiskImage,
            "application/rtf"
            | "text/rtf"
            | "application/msword"
            | "application/vnd.ms-excel"
            | "application/vnd.ms-powerpoint" => Kind::LegacyOffice,
            "text/html" => Kind::Html,
            "image/svg+xml" => Kind::Svg,
            "text/x-shellscript" => Kind::Script,
            "application/epub+zip" => Kind::Package,
            m if m.starts_with("video/") || m.starts_with("audio/") => Kind::Media,
            _ => Kind::Unknown,
        };
        return (kind, mime);
    }
    if !looks_like_text(bytes) {
        return (Kind::Unknown, "application/octet-stream".into());
    }
    text_kind(bytes, name)
}

/// Text that only scripts and server pages contain (lower case): PHP,
/// ASP/JSP, batch, VBScript/JScript hosts, PowerShell downloaders.
const SCRIPT_MARKERS: &[&str] = &[
    "<?php",
    "<%@",
    "<%=",
    "@echo off",
    "wscript.",
    "createobject(",
    "activexobject(",
    "invoke-expression",
    "invoke-webrequest",
    "downloadstring(",
    "new-object net.webclient",
    "frombase64string(",
];

/// What a text file is: markup and scripts are active content.
fn text_kind(bytes: &[u8], name: Option<&str>) -> (Kind, String) {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    let start = head.trim_start_matches('\u{feff}').trim_start();
    if start.starts_with("<!doctype html")
        || start.starts_with("<html")
        || head.contains("<script")
        || head.contains("<hta:application")
    {
        return (Kind::Html, "text/html".into());
    }
    if head.contains("<svg") {
        return (Kind::Svg, "image/svg+xml".into());
    }
    if start.starts_with("{\\rtf") {
        return (Kind::LegacyOffice, "application/rtf".into());
    }
    if start.starts_with("begin:vcalendar") {
        return (Kind::Calendar, "text/calendar".into());
    }
    if start.starts_with("[internetshortcut]") {
        return (Kind::Shortcut, "application/x-url".into());
    }
    if start.starts_with("#!")
        || SCRIPT_MARKERS.iter().any(|m| head.contains(m))
        || name.and_then(by_name) == Some(Kind::Script)
    {
        return (Kind::Script, "text/x-script".into());
    }
    (Kind::Text, "text/plain".into())
}

/// A zip: OOXML (with or without macros), ODF, or a plain archive. Only
/// the central directory and the small `mimetype` entry are read.
fn inside_zip(bytes: &[u8]) -> (Kind, String) {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return (Kind::Unknown, "application/zip".into());
    };
    let Ok(names) = archive
        .file_names()
        .map(|name| name.map(|n| n.to_ascii_lowercase()))
        .collect::<Result<Vec<String>, _>>()
    else {
        return (Kind::Unknown, "application/zip".into());
    };
    let has = |prefix: &str| names.iter().any(|n| n.starts_with(prefix));
    if names.iter().any(|n| n == "[content_types].xml")
        && (has("word/") || has("xl/") || has("ppt/"))
    {
        let macro_enabled = names
            .iter()
            .any(|n| n.ends_with("vbaproject.bin") || n.ends_with(".bin") && n.contains("activex"));
        let mime = if has("word/") {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        } else if has("xl/") {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        } else {
            "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        };
        let kind = if macro_enabled {
            Kind::OoxmlMacro
        } else {
            Kind::Ooxml
        };
        return (kind, mime.into());
    }
    if names.first().is_some_and(|n| n == "mimetype")
        && let Ok(mut entry) = archive.by_index(0)
        && entry.size() < 256
    {
        let mut mimetype = String::new();
        let _ =
            std::io::Read::read_to_string(&mut std::io::Read::take(&mut entry, 256), &mut mimetype);
        if mimetype.starts_with("application/vnd.oasis.opendocument.") {
            return (Kind::Odf, mimetype.trim().to_string());
        }
        // EPUB and any other format that names itself this way.
        let mimetype = mimetype.trim();
        let token = |c: char| c.is_ascii_alphanumeric() || "/+-.".contains(c);
        let shown = if mimetype.chars().all(token) && !mimetype.is_empty() && mimetype.len() < 100 {
            mimetype
        } else {
            "application/octet-stream"
        };
        return (Kind::Package, shown.to_string());
    }
    // Java and Android packages are programs.
    if names
        .iter()
        .any(|n| n == "meta-inf/manifest.mf" || n == "androidmanifest.xml" || n == "classes.dex")
    {
        return (Kind::Executable, "application/java-archive".into());
    }
    // Other OPC packages (XPS, Visio, 3MF, NuGet), old OpenOffice, iWork.
    let package = names.iter().any(|n| {
        n == "[content_types].xml"
            || n == "meta-inf/manifest.xml"
            || n.ends_with(".fdseq")
            || n.starts_with("index/") && n.ends_with(".iwa")
            || n == "buildversionhistory.plist"
    });
    if package {
        return (Kind::Package, "application/octet-stream".into());
    }
    (Kind::Zip, "application/zip".into())
}

/// An OLE2 compound file: legacy Office, an encrypted OOXML document, an
/// Outlook item … none of which is converted.
fn inside_ole2(bytes: &[u8]) -> (Kind, String) {
    let Ok(file) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return (Kind::Unknown, "application/x-ole-storage".into());
    };
    let names: Vec<String> = file
        .walk()
        .take(10_000)
        .map(|entry| entry.name().to_string())
        .collect();
    let has = |name: &str| names.iter().any(|n| n.eq_ignore_ascii_case(name));
    if has("EncryptedPackage") {
        return (Kind::Encrypted, "application/x-encrypted-office".into());
    }
    let mime = if has("WordDocument") {
        "application/msword"
    } else if has("Workbook") || has("Book") {
        "application/vnd.ms-excel"
    } else if has("PowerPoint Document") {
        "application/vnd.ms-powerpoint"
    } else {
        "application/x-ole-storage"
    };
    (Kind::LegacyOffice, mime.into())
}

/// The kind a Content-Type claims; generic labels claim nothing.
fn by_label(declared: &str) -> Option<Kind> {
    let declared = declared.trim().to_ascii_lowercase();
    let kind = match declared.as_str() {
        ""
        | "application/octet-stream"
        | "application/binary"
        | "application/x-binary"
        | "application/unknown"
        | "application/download"
        | "application/force-download" => return None,
        "application/pdf" | "application/x-pdf" => Kind::Pdf,
        "application/zip" | "application/x-zip-compressed" | "application/x-zip" => Kind::Zip,
        "text/plain" | "text/csv" => Kind::Text,
        "text/calendar" => Kind::Calendar,
        "application/ms-tnef" | "application/vnd.ms-tnef" => Kind::Tnef,
        "text/html" | "application/xhtml+xml" => Kind::Html,
        "image/svg+xml" => Kind::Svg,
        "application/msword" | "application/vnd.ms-excel" | "application/vnd.ms-powerpoint" => {
            Kind::LegacyOffice
        }
        "application/onenote" => Kind::OneNote,
        "application/x-msdownload"
        | "application/x-msdos-program"
        | "application/x-executable"
        | "application/vnd.microsoft.portable-executable"
        | "application/x-ms-installer"
        | "application/x-msi"
        | "application/java-archive" => Kind::Executable,
        "application/javascript"
        | "text/javascript"
        | "application/x-javascript"
        | "text/vbscript"
        | "application/x-sh"
        | "application/x-powershell"
        | "application/hta" => Kind::Script,
        "application/x-iso9660-image" | "application/x-raw-disk-image" => Kind::DiskImage,
        "application/x-php"
        | "application/x-httpd-php"
        | "text/x-php"
        | "text/x-python"
        | "application/x-perl"
        | "text/x-perl"
        | "application/x-bat"
        | "application/x-msdos-batch" => Kind::Script,
        "application/epub+zip" | "application/vnd.ms-xpsdocument" | "application/oxps" => {
            Kind::Package
        }
        d if d.starts_with("video/") || d.starts_with("audio/") => Kind::Media,
        d if d.starts_with("image/") => Kind::Image,
        d if d.starts_with("application/vnd.openxmlformats-officedocument.") => Kind::Ooxml,
        d if d.starts_with("application/vnd.ms-") && d.contains("macroenabled") => Kind::OoxmlMacro,
        d if d.starts_with("application/vnd.oasis.opendocument.") => Kind::Odf,
        _ => return None,
    };
    Some(kind)
}

/// Image signatures `infer` does not know, all binary: QOI, ICO, binary
/// PNM and PAM (P4-P7 then whitespace), JPEG 2000 (JP2 box or raw
/// codestream). TGA has no signature and is an image by its name; ASCII
/// PNM (P1-P3) reads as text, so a file named as an image is removed.
fn image_without_infer(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"qoif") {
        Some("image/qoi")
    } else if head.starts_with(&[0, 0, 1, 0]) && head.get(4..6).is_some_and(|n| n != [0, 0]) {
        Some("image/vnd.microsoft.icon")
    } else if head.len() > 2
        && head[0] == b'P'
        && matches!(head[1], b'4'..=b'7')
        && head[2].is_ascii_whitespace()
    {
        Some("image/x-portable-anymap")
    } else if super::jpeg2000::is_jpeg2000(head) {
        Some("image/jp2")
    } else {
        None
    }
}

/// A TGA header that makes sense: TGA has no signature, so a file is taken
/// for one only when its name says so and its header's image type, colour
/// map type and pixel depth are values TGA defines.
fn looks_like_tga(bytes: &[u8]) -> bool {
    bytes.len() > 18
        && bytes[1] <= 1
        && matches!(bytes[2], 1 | 2 | 3 | 9 | 10 | 11)
        && matches!(bytes[16], 8 | 15 | 16 | 24 | 32)
}

/// The kind a file name's last extension claims.
pub fn by_name(name: &str) -> Option<Kind> {
    let name = name.trim_end_matches(['.', ' ']).to_ascii_lowercase();
    let (_, extension) = name.rsplit_once('.')?;
    let kind = match extension {
        "png" | "jpg" | "jpeg" | "jpe" | "gif" | "webp" | "bmp" | "tif" | "tiff" | "pnm"
        | "pbm" | "pgm" | "ppm" | "ico" | "tga" | "qoi" | "jp2" | "j2k" | "j2c" | "jpf" | "jpx" => {
            Kind::Image
        }
        "pdf" => Kind::Pdf,
        "docx" | "xlsx" | "pptx" | "dotx" | "xltx" | "potx" | "ppsx" => Kind::Ooxml,
        "docm" | "xlsm" | "pptm" | "dotm" | "xltm" | "potm" | "ppsm" | "xlam" | "ppam" | "xlsb" => {
            Kind::OoxmlMacro
        }
        "odt" | "ods" | "odp" => Kind::Odf,
        "zip" => Kind::Zip,
        "txt" | "csv" | "log" | "tsv" => Kind::Text,
        "ics" | "vcs" => Kind::Calendar,
        "dat" if name.ends_with("winmail.dat") => Kind::Tnef,
        "rar" | "7z" | "gz" | "tgz" | "bz2" | "xz" | "tar" | "cab" | "lzh" | "lha" | "arj"
        | "ace" | "zst" | "z" => Kind::OtherArchive,
        "exe" | "scr" | "com" | "pif" | "cpl" | "dll" | "msi" | "msp" | "msix" | "appx" | "jar"
        | "apk" | "app" | "elf" | "sys" | "drv" | "ocx" | "gadget" | "application" | "xll"
        | "reg" | "inf" | "chm" => Kind::Executable,
        "js" | "jse" | "mjs" | "cjs" | "vbs" | "vbe" | "vb" | "wsf" | "wsh" | "wsc" | "ws"
        | "ps1" | "psm1" | "psd1" | "ps1xml" | "psc1" | "bat" | "cmd" | "hta" | "sh" | "bash"
        | "zsh" | "ksh" | "csh" | "command" | "py" | "pyw" | "pl" | "rb" | "scf" | "sct"
        | "vba" | "applescript" | "scpt" | "php" | "php3" | "php4" | "php5" | "php7" | "phtml"
        | "phar" | "asp" | "aspx" | "ashx" | "asmx" | "jsp" | "jspx" | "cgi" | "htaccess"
        | "xsl" | "xslt" => Kind::Script,
        "htm" | "html" | "xhtml" | "xht" | "shtml" | "mht" | "mhtml" => Kind::Html,
        "svg" | "svgz" => Kind::Svg,
        "lnk" | "url" | "website" | "desktop" | "library-ms" | "settingcontent-ms" => {
            Kind::Shortcut
        }
        "iso" | "img" | "vhd" | "vhdx" | "dmg" | "udf" => Kind::DiskImage,
        "one" | "onepkg" => Kind::OneNote,
        "avi" | "mp4" | "m4v" | "mov" | "wmv" | "mkv" | "webm" | "flv" | "mpg" | "mpeg" | "3gp"
        | "asf" | "mp3" | "wav" | "m4a" | "aac" | "flac" | "ogg" | "oga" | "ogv" | "wma"
        | "mid" | "midi" | "aif" | "aiff" | "amr" | "opus" => Kind::Media,
        "epub" | "xps" | "oxps" | "pages" | "numbers" | "key" | "vsdx" | "vsdm" | "vssx"
        | "vstx" | "3mf" | "nupkg" | "xpi" | "kmz" | "sxw" | "sxc" | "sxi" => Kind::Package,
        "doc" | "xls" | "ppt" | "dot" | "xlt" | "pot" | "pps" | "msg" | "rtf" => Kind::LegacyOffice,
        _ => return None,
    };
    Some(kind)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, data) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap();
        out.into_inner()
    }

    fn ole2_with(streams: &[&str]) -> Vec<u8> {
        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        for name in streams {
            file.create_stream(format!("/{name}"))
                .unwrap()
                .write_all(b"x")
                .unwrap();
        }
        file.flush().unwrap();
        file.into_inner().into_inner()
    }

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn containers_are_told_apart_by_what_is_inside() {
        let docx = zip_of(&[
            ("[Content_Types].xml", b"<x/>"),
            ("word/document.xml", b"<x/>"),
        ]);
        assert_eq!(
            detect(&docx, "application/octet-stream", Some("a.docx")).kind,
            Kind::Ooxml
        );
        let docm = zip_of(&[
            ("[Content_Types].xml", b"<x/>"),
            ("word/document.xml", b"<x/>"),
            ("word/vbaProject.bin", b"macro"),
        ]);
        // Named .docx, but it carries macros.
        assert_eq!(detect(&docm, "", Some("a.docx")).kind, Kind::OoxmlMacro);
        let xlsx = zip_of(&[
            ("[Content_Types].xml", b"<x/>"),
            ("xl/workbook.xml", b"<x/>"),
        ]);
        assert!(detect(&xlsx, "", None).mime.contains("spreadsheetml"));
        let odt = zip_of(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", b"<x/>"),
        ]);
        assert_eq!(detect(&odt, "", Some("a.odt")).kind, Kind::Odf);
        let plain = zip_of(&[("a.txt", b"hello")]);
        assert_eq!(
            detect(&plain, "application/zip", Some("a.zip")).kind,
            Kind::Zip
        );
        // A zip that claims to be a document is only a zip.
        assert_eq!(detect(&plain, "", Some("report.docx")).kind, Kind::Zip);

        let doc = ole2_with(&["WordDocument"]);
        let d = detect(&doc, "", Some("a.doc"));
        assert_eq!(
            (d.kind, d.mime.as_str()),
            (Kind::LegacyOffice, "application/msword")
        );
        let encrypted = ole2_with(&["EncryptionInfo", "EncryptedPackage"]);
        assert_eq!(
            detect(&encrypted, "", Some("secret.xlsx")).kind,
            Kind::Encrypted
        );
    }

    #[test]
    fn the_strictest_reading_wins() {
        let pdf = b"%PDF-1.7\n1 0 obj\n";
        let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";
        // 請求書.pdf.exe: the bytes are a PDF, the name an executable.
        let d = detect(pdf, "application/pdf", Some("請求書.pdf.exe"));
        assert_eq!(
            (d.by_content, d.by_name, d.kind),
            (Kind::Pdf, Some(Kind::Executable), Kind::Executable)
        );
        // An executable named and labelled as a PDF.
        let d = detect(exe, "application/pdf", Some("請求書.pdf"));
        assert_eq!(
            (d.by_content, d.by_label, d.kind),
            (Kind::Executable, Some(Kind::Pdf), Kind::Executable)
        );
        // Generic labels and unknown extensions claim nothing.
        let d = detect(PNG, "application/octet-stream", Some("scan.bin"));
        assert_eq!((d.by_label, d.by_name, d.kind), (None, None, Kind::Image));
        // Two harmless readings that disagree: the bytes decide.
        assert_eq!(
            detect(PNG, "image/jpeg", Some("photo.pdf")).kind,
            Kind::Image
        );
        // A label of active content removes even harmless bytes.
        assert_eq!(
            detect(b"hello", "text/html", Some("a.txt")).kind,
            Kind::Html
        );
    }

    #[test]
    fn text_is_looked_at_for_active_content() {
        assert_eq!(
            detect(b"<!DOCTYPE html><p>x", "text/plain", Some("a.txt")).kind,
            Kind::Html
        );
        assert_eq!(
            detect(b"WScript.Echo 1", "text/plain", Some("run.vbs")).kind,
            Kind::Script
        );
        // SVG named as a PNG: the bytes are markup, the name a binary format.
        let d = detect(b"<?xml version=\"1.0\"?><svg/>", "", Some("a.png"));
        assert_eq!((d.by_content, d.kind), (Kind::Svg, Kind::Image));
        assert_eq!(
            detect(b"[InternetShortcut]\r\nURL=http://x", "", None).kind,
            Kind::Shortcut
        );
        assert_eq!(
            detect(b"BEGIN:VCALENDAR\r\n", "text/calendar", Some("invite.ics")).kind,
            Kind::Calendar
        );
        assert_eq!(
            detect(b"{\\rtf1\\ansi x}", "", Some("a.txt")).kind,
            Kind::LegacyOffice
        );
        assert_eq!(
            detect("見積,100\n".as_bytes(), "text/csv", Some("見積.csv")).kind,
            Kind::Text
        );
        assert_eq!(
            detect(&[0u8, 1, 2, 3, 250, 251], "", None).kind,
            Kind::Unknown
        );
    }

    #[test]
    fn text_claimed_as_a_binary_format_is_a_mismatch() {
        for (bytes, declared, name) in [
            (
                &b"Dear customer, see the attached invoice."[..],
                "image/png",
                "invoice.png",
            ),
            (b"%PDX-1.4 broken header\n", "application/pdf", "report.pdf"),
            (b"#EXTM3U\nhttp://evil.example/x.exe\n", "", "movie.avi"),
            (
                b"push graphic-context\nviewbox 0 0 640 480\n",
                "",
                "photo.jpg",
            ),
            (b"plain words", "application/zip", "a.bin"),
            (b"plain words", "", "report.docx"),
        ] {
            let d = detect(bytes, declared, Some(name));
            assert!(d.by_content.is_textual(), "{name}: {:?}", d.by_content);
            assert!(d.kind.is_binary(), "{name}: {:?}", d.kind);
        }
        // A text claim on text stays text.
        assert_eq!(detect(b"a,b\n", "text/csv", Some("a.csv")).kind, Kind::Text);
    }

    #[test]
    fn scripts_and_server_pages_are_found_by_content_and_name() {
        for (bytes, name) in [
            (&b"<?php system($_GET['c']); ?>"[..], "notes.txt"),
            (b"<%@ page import=\"java.io.*\" %>", "a.txt"),
            (b"@echo off\r\ndel /q *\r\n", "readme.txt"),
            (b"Set o = CreateObject(\"WScript.Shell\")", "a.txt"),
            (
                b"IEX (New-Object Net.WebClient).DownloadString('x')",
                "a.txt",
            ),
            (b"hello", "shell.php"),
            (b"Options +ExecCGI", ".htaccess"),
            (b"x", "page.jsp"),
            (b"x", "run.ps1"),
        ] {
            let d = detect(bytes, "text/plain", Some(name));
            assert_eq!(d.kind, Kind::Script, "{name}");
        }
        assert_eq!(
            detect(b"<hta:application id=x>", "", Some("a.txt")).kind,
            Kind::Html
        );
    }

    #[test]
    fn zip_based_formats_are_not_plain_zips() {
        let epub = zip_of(&[
            ("mimetype", b"application/epub+zip"),
            ("OEBPS/a.xhtml", b"<x/>"),
        ]);
        let d = detect(&epub, "application/epub+zip", Some("book.epub"));
        assert_eq!(
            (d.kind, d.mime.as_str()),
            (Kind::Package, "application/epub+zip")
        );
        let xps = zip_of(&[
            ("[Content_Types].xml", b"<x/>"),
            ("FixedDocumentSequence.fdseq", b"<x/>"),
        ]);
        assert_eq!(detect(&xps, "", Some("a.xps")).kind, Kind::Package);
        let visio = zip_of(&[
            ("[Content_Types].xml", b"<x/>"),
            ("visio/document.xml", b"<x/>"),
        ]);
        assert_eq!(detect(&visio, "", Some("a.vsdx")).kind, Kind::Package);
        let pages = zip_of(&[
            ("Index/Document.iwa", b"x"),
            ("Metadata/Properties.plist", b"x"),
        ]);
        assert_eq!(detect(&pages, "", Some("a.pages")).kind, Kind::Package);
        let jar = zip_of(&[("META-INF/MANIFEST.MF", b"x"), ("a/B.class", b"x")]);
        assert_eq!(
            detect(&jar, "application/zip", Some("a.zip")).kind,
            Kind::Executable
        );
        // An executable named as web code stays an executable.
        let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";
        assert_eq!(detect(exe, "", Some("x.js")).kind, Kind::Executable);
        // A plain zip named like a package is removed as that package.
        let plain = zip_of(&[("a.txt", b"hello")]);
        assert_eq!(detect(&plain, "", Some("book.epub")).kind, Kind::Package);
        assert!(Kind::Package.is_always_removed() && Kind::Media.is_always_removed());
    }

    #[test]
    fn binary_formats_with_their_own_magic() {
        let mut iso = vec![0u8; 0x8010];
        iso[0x8001..0x8006].copy_from_slice(b"CD001");
        assert_eq!(detect(&iso, "", Some("invoice.img")).kind, Kind::DiskImage);
        let lnk = [0x4C, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0];
        assert_eq!(detect(&lnk, "", Some("a.pdf")).kind, Kind::Shortcut);
        let tnef = [0x78, 0x9F, 0x3E, 0x22, 0, 0];
        assert_eq!(
            detect(&tnef, "application/ms-tnef", Some("winmail.dat")).kind,
            Kind::Tnef
        );
        assert_eq!(
            detect(b"Rar!\x1a\x07\x00rest", "", Some("a.rar")).kind,
            Kind::OtherArchive
        );
    }
}
