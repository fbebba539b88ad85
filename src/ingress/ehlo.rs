//! EHLO and HELO: greet the client and list the extensions we support.

use super::session::{Next, Session};

pub fn ehlo(session: &mut Session, host: &str, extended: bool) -> Next {
    let host: String = host
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(255)
        .collect();
    if host.is_empty() {
        session.refuse("501 5.5.4 Syntax: EHLO hostname");
        return Next::Continue;
    }
    session.transaction = None;
    let ours = session.ctx.config.smtp.hostname.clone();
    if !extended {
        session.reply(&format!("250 {ours}"));
        session.helo = Some(host);
        return Next::Continue;
    }
    let mut lines = vec![
        format!("{ours} Hello {host} [{}]", session.peer.ip()),
        "PIPELINING".to_string(),
        format!("SIZE {}", session.ctx.config.smtp.max_message_size.bytes()),
        "8BITMIME".to_string(),
        "SMTPUTF8".to_string(),
        "ENHANCEDSTATUSCODES".to_string(),
    ];
    if session.ctx.tls.is_some() && session.tls.is_none() {
        lines.push("STARTTLS".to_string());
    }
    lines.push("HELP".to_string());
    let last = lines.len() - 1;
    let text: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| format!("250{}{l}", if i == last { ' ' } else { '-' }))
        .collect();
    session.reply(&text.join("\r\n"));
    session.helo = Some(host);
    Next::Continue
}
