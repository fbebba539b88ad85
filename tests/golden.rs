//! Golden tests: every message in `samples/` is sanitized with a fixed
//! stamp and compared with `samples/expected/NAME.txt` (our headers plus
//! the decoded body text, readable in a diff) and `NAME.json` (the report).
//!
//! After an intended change, regenerate with `MUGAI_BLESS=1 cargo test
//! --test golden` and review the diff like code.

mod common;

use std::path::{Path, PathBuf};

use mugai::policy::Policy;
use mugai::sanitize;

fn samples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("samples/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    files
}

/// The readable rendering that is compared.
fn render(raw: &[u8]) -> (String, String) {
    match sanitize::sanitize(raw, &Policy::default(), &common::stamp()) {
        Ok(s) => {
            common::assert_wire_format(&s.message);
            let out = common::read_output(&s.message);
            (
                format!("{}\n\n{}", out.header_block.replace("\r\n", "\n"), out.body),
                s.report.to_json(),
            )
        }
        Err(r) => (
            format!(
                "REFUSED {}: {}\n",
                r.report.reason.map(|c| c.as_str()).unwrap_or("?"),
                r.report.detail.clone().unwrap_or_default()
            ),
            r.report.to_json(),
        ),
    }
}

#[test]
fn samples_match_expected_output() {
    let files = samples();
    assert!(
        files.len() >= 25,
        "at least 25 samples, found {}",
        files.len()
    );
    let bless = std::env::var_os("MUGAI_BLESS").is_some();
    let mut mismatches = Vec::new();
    for path in files {
        let raw = std::fs::read(&path).unwrap();
        let (text, json) = render(&raw);
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let expected_dir = path.parent().unwrap().join("expected");
        for (ext, actual) in [("txt", text), ("json", format!("{json}\n"))] {
            let expected_path = expected_dir.join(format!("{stem}.{ext}"));
            if bless {
                std::fs::create_dir_all(&expected_dir).unwrap();
                std::fs::write(&expected_path, &actual).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            if expected != actual {
                mismatches.push(format!(
                    "{stem}.{ext}:\n--- expected\n{expected}\n--- actual\n{actual}"
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} golden mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
