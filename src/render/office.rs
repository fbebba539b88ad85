//! Word, Excel, PowerPoint and ODF files laid out as a PDF by LibreOffice
//! (Debian's package, headless, a fresh profile each time: macros never
//! run in a headless conversion, and nothing else is configured), inside
//! the [`jail`](super::jail). The PDF is then drawn like any other, in a
//! converter process.

use std::path::Path;

use super::jail::{self, Limits};

/// The file's extension, from its name when it is one LibreOffice knows
/// for this kind of file (LibreOffice reads the bytes either way).
fn extension(name: Option<&str>) -> &'static str {
    const KNOWN: &[&str] = &[
        "docx", "xlsx", "pptx", "odt", "ods", "odp", "doc", "xls", "ppt", "rtf",
    ];
    let ext = name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    KNOWN.iter().find(|k| **k == ext).copied().unwrap_or("bin")
}

/// Converts `bytes` (an Office or ODF file named `name`) to a PDF,
/// working in `dir`.
pub fn to_pdf(
    bytes: &[u8],
    name: Option<&str>,
    dir: &Path,
    limits: Limits,
) -> Result<Vec<u8>, String> {
    let io = |e: std::io::Error| format!("cannot prepare the document: {e}");
    let input = dir.join(format!("document.{}", extension(name)));
    std::fs::write(&input, bytes).map_err(io)?;
    let out = dir.join("out");
    std::fs::create_dir_all(&out).map_err(io)?;
    let args = vec![
        "--headless".to_string(),
        "--norestore".into(),
        "--nologo".into(),
        "--nolockcheck".into(),
        "--nodefault".into(),
        format!(
            "-env:UserInstallation=file://{}",
            dir.join("profile").display()
        ),
        "--convert-to".into(),
        "pdf".into(),
        "--outdir".into(),
        out.display().to_string(),
        input.display().to_string(),
    ];
    jail::run("soffice", &args, dir, limits)?;
    std::fs::read(out.join("document.pdf")).map_err(|_| "LibreOffice made no PDF of it".to_string())
}
