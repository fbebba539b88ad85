//! RCPT TO: only recipients in the accepted domains (never an open
//! relay), at most `max_recipients` per message.

use super::session::{Next, Session};

pub fn rcpt(session: &mut Session, address: &str) -> Next {
    let Some(transaction) = &session.transaction else {
        session.refuse("503 5.5.1 Error: need MAIL command");
        return Next::Continue;
    };
    let config = &session.ctx.config;
    // RFC 5321 4.5.1: "postmaster" without a domain must be accepted.
    let address = if address.eq_ignore_ascii_case("postmaster") {
        config.delivery.postmaster.clone()
    } else {
        address.to_string()
    };
    let domain = address.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
    if !config.smtp.accepts(domain) {
        let shown: String = address
            .chars()
            .filter(|c| !c.is_control())
            .take(256)
            .collect();
        session.refuse(&format!(
            "550 5.7.1 <{shown}>: Relay access denied (this server accepts mail only for its own domains)"
        ));
        return Next::Continue;
    }
    if !transaction.smtputf8 && !address.is_ascii() {
        session.refuse("553 5.6.7 Non-ASCII recipient address requires SMTPUTF8");
        return Next::Continue;
    }
    let max = config.smtp.max_recipients;
    if transaction.recipients.len() >= max {
        session.reply(&format!(
            "452 4.5.3 Too many recipients (at most {max} per message)"
        ));
        return Next::Continue;
    }
    if let Some(transaction) = session.transaction.as_mut()
        && !transaction
            .recipients
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&address))
    {
        transaction.recipients.push(address);
    }
    session.reply("250 2.1.5 Ok");
    Next::Continue
}
