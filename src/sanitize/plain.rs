//! A fresh `text/plain; charset=utf-8` message for mugai's own reports to
//! the postmaster, written through the same writer and encoders as the
//! sanitized copy: a report quotes what senders wrote (Subject, MAIL FROM,
//! HELO, the next hop's replies), so its text and Subject are cleaned and
//! their links rewritten like any sanitized mail (encoded-word headers,
//! base64 body: pure ASCII on the wire).

use super::encode::{self, TransferEncoding};
use super::writer::{TextWriter, header_text};
use crate::policy::{Language, LinkMode};

/// Builds a message from header fields and UTF-8 text. `Subject` is
/// written as unstructured text through the writer; every other value is
/// written as tokens (they are mugai's own: addresses, dates, ids).
pub fn plain_text_message(
    fields: &[(&str, &str)],
    text: &str,
    links: LinkMode,
    language: Language,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 2 + 512);
    for (name, value) in fields {
        if name.eq_ignore_ascii_case("Subject") {
            let (value, _) = header_text(value, links, language);
            encode::unstructured(&mut out, name, &value);
        } else {
            let words: Vec<String> = value.split(' ').map(str::to_string).collect();
            encode::tokens(&mut out, name, &words);
        }
    }
    out.extend_from_slice(
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: base64\r\n\r\n",
    );
    let mut writer = TextWriter::new(links, language, text.len() + 256);
    writer.write(text);
    let (text, _) = writer.finish();
    encode::body(&mut out, TransferEncoding::Base64, &[&text]);
    out
}

/// An RFC 5322 date for a Unix time (UTC).
pub fn rfc5322_date(unix: i64) -> String {
    mail_parser::DateTime::from_timestamp(unix).to_rfc822()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_ascii_and_read_back_as_the_same_text() {
        let message = plain_text_message(
            &[
                ("From", "mugai <MAILER-DAEMON@mugai.test>"),
                ("Subject", "配送できませんでした"),
            ],
            "宛先: taro@example.lg.jp\n理由: 550 no such user\n",
            LinkMode::Defang,
            Language::Ja,
        );
        assert!(message.is_ascii());
        let parsed = mail_parser::MessageParser::default()
            .parse(&message)
            .unwrap();
        assert_eq!(parsed.subject(), Some("配送できませんでした"));
        assert_eq!(
            parsed.body_text(0).unwrap(),
            "宛先: taro@example.lg.jp\r\n理由: 550 no such user\r\n"
        );
    }

    #[test]
    fn quoted_sender_text_is_cleaned_and_defanged() {
        let message = plain_text_message(
            &[("Subject", "held: https\u{200b}://evil.example/x")],
            "HELO: www.evil.example\n件名: \u{1b}[31mhttps://evil.example/x\n",
            LinkMode::Defang,
            Language::Ja,
        );
        let parsed = mail_parser::MessageParser::default()
            .parse(&message)
            .unwrap();
        assert_eq!(parsed.subject(), Some("held: hxxps[:]//evil[.]example/x"));
        assert_eq!(
            parsed.body_text(0).unwrap(),
            "HELO: www[.]evil[.]example\r\n件名: [31mhttps[:]//evil[.]example/x\r\n"
        );
    }
}
