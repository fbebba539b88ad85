//! Load for crash tests: one connection sending numbered messages until
//! it has sent its share or the relay dies, recording which got `250`;
//! and the subjects that reached the sink.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use super::sink::Sink;
use super::smtp::Client;

/// Sends `count` messages with subjects `{prefix}-{n}` to taro; pushes
/// the subject of each acknowledged with 250 onto `acked`. Returns at the
/// first failure (a killed relay).
pub fn sender(addr: SocketAddr, prefix: &str, count: usize, acked: Arc<Mutex<Vec<String>>>) {
    let (mut c, greeting) = Client::connect(addr);
    if !greeting.starts_with("220") || !c.command("EHLO crash.test").starts_with("250") {
        return;
    }
    for n in 0..count {
        let token = format!("{prefix}-{n}");
        if !c.command("MAIL FROM:<load@example.com>").starts_with("250")
            || !c.command("RCPT TO:<taro@example.lg.jp>").starts_with("250")
            || !c.command("DATA").starts_with("354")
        {
            return;
        }
        let body =
            format!("Subject: {token}\r\nFrom: load@example.com\r\n\r\n本文 {token}\r\n.\r\n");
        c.write(body.as_bytes());
        if c.reply().starts_with("250") {
            acked.lock().unwrap().push(token);
        } else {
            return;
        }
    }
}

/// The subjects of everything the sink received.
pub fn delivered_subjects(sink: &Sink) -> HashSet<String> {
    sink.all()
        .iter()
        .filter_map(|m| {
            let parsed = mail_parser::MessageParser::default().parse(&m.data)?;
            parsed.subject().map(str::to_string)
        })
        .collect()
}
