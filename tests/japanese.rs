//! The project's own Japanese mail set (`samples/japanese/`, written by
//! `make_japanese.py`): carriers, Outlook, Notes, Gmail, Yahoo! JAPAN,
//! bounces and damaged headers. Every mail is delivered, never refused,
//! and its Subject, From display name and body read as a mail client
//! shows them, with no U+FFFD anywhere.

mod common;

use std::path::Path;

use mail_parser::MessageParser;
use mugai::policy::Policy;
use mugai::sanitize;
use serde::Deserialize;

#[derive(Deserialize)]
struct Expected {
    file: String,
    source: String,
    subject: String,
    from_name: String,
    body: Vec<String>,
}

#[test]
fn every_japanese_subject_name_and_body_is_readable() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/japanese");
    let manifest = std::fs::read(dir.join("expected.json")).unwrap();
    let expected: Vec<Expected> = serde_json::from_slice(&manifest).unwrap();
    assert!(expected.len() >= 100, "the set holds {}", expected.len());
    let policy = Policy::default();
    let mut failures = Vec::new();
    for case in &expected {
        let original = std::fs::read(dir.join(&case.file)).unwrap();
        let sanitized = match sanitize::sanitize(&original, &policy, &common::stamp()) {
            Ok(s) => s,
            Err(refused) => {
                failures.push(format!(
                    "{}: refused: {:?}",
                    case.file, refused.report.detail
                ));
                continue;
            }
        };
        let message = MessageParser::default()
            .parse(&sanitized.message)
            .expect("sanitized output parses");
        let subject = message.subject().unwrap_or_default();
        let from_name = message
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.name())
            .unwrap_or_default();
        let body = message.body_text(0).unwrap_or_default();
        let mut wrong = Vec::new();
        if subject != case.subject {
            wrong.push(format!("subject {subject:?}, expected {:?}", case.subject));
        }
        if from_name != case.from_name {
            wrong.push(format!("from {from_name:?}, expected {:?}", case.from_name));
        }
        for snippet in &case.body {
            if !body.contains(snippet.as_str()) {
                wrong.push(format!("body lacks {snippet:?}"));
            }
        }
        if body.contains('\u{fffd}') {
            wrong.push("U+FFFD in the body".to_string());
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{} ({}): {}",
                case.file,
                case.source,
                wrong.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} Japanese mails not readable:\n{}",
        failures.len(),
        expected.len(),
        failures.join("\n")
    );
}
