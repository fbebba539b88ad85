//! MAIL FROM: starts a transaction, after checking sequence, TLS policy,
//! free space, back-pressure and the declared SIZE.

use std::borrow::Cow;

use smtp_proto::{MAIL_SMTPUTF8, MailFrom};

use super::session::{Next, Session, Transaction};

pub fn mail(session: &mut Session, from: MailFrom<Cow<'_, str>>) -> Next {
    if session.helo.is_none() {
        session.refuse("503 5.5.1 Error: send HELO/EHLO first");
        return Next::Continue;
    }
    if session.transaction.is_some() {
        session.refuse("503 5.5.1 Error: nested MAIL command");
        return Next::Continue;
    }
    let smtp = &session.ctx.config.smtp;
    if smtp.require_tls && session.tls.is_none() {
        session.refuse("530 5.7.0 Must issue a STARTTLS command first");
        return Next::Continue;
    }
    let max = smtp.max_message_size.bytes();
    if from.size as u64 > max {
        session.refuse(&format!(
            "552 5.3.4 Message size exceeds fixed limit of {max} bytes"
        ));
        return Next::Continue;
    }
    if !session.ctx.spool.has_room(session.ctx.config.min_free()) {
        // Logged once a minute by the spool, not once per client.
        session.reply("452 4.3.1 Insufficient system storage, try again later");
        return Next::Continue;
    }
    if session.ctx.queue.is_full() {
        session.defer("451 4.3.2 Too much mail waiting to be processed, try again later");
        return Next::Continue;
    }
    if from.address.chars().any(char::is_control) {
        // A quoted local part may hold any byte; control characters would
        // end up in logs, reports and the next hop's envelope.
        session.refuse("501 5.1.7 Bad sender address syntax (control characters)");
        return Next::Continue;
    }
    let smtputf8 = from.flags & MAIL_SMTPUTF8 != 0;
    if !smtputf8 && !from.address.is_ascii() {
        session.refuse("553 5.6.7 Non-ASCII sender address requires SMTPUTF8");
        return Next::Continue;
    }
    session.transaction = Some(Transaction {
        sender: from.address.into_owned(),
        recipients: Vec::new(),
        smtputf8,
    });
    session.reply("250 2.1.0 Ok");
    Next::Continue
}
