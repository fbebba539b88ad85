//! The verbs with nothing to remember: RSET, NOOP, QUIT, VRFY, HELP,
//! STARTTLS (the handshake itself happens in `tls`), and the rest.

use super::session::{Next, Session};

pub fn rset(session: &mut Session) -> Next {
    session.transaction = None;
    session.reply("250 2.0.0 Ok");
    Next::Continue
}

pub fn noop(session: &mut Session) -> Next {
    session.reply("250 2.0.0 Ok");
    Next::Continue
}

pub fn quit(session: &mut Session) -> Next {
    session.reply("221 2.0.0 Bye");
    Next::Close
}

pub fn vrfy(session: &mut Session) -> Next {
    session.reply("252 2.5.2 Cannot VRFY user, but will accept message and attempt delivery");
    Next::Continue
}

pub fn help(session: &mut Session) -> Next {
    session.reply("214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS");
    Next::Continue
}

pub fn starttls(session: &mut Session) -> Next {
    if session.tls.is_some() {
        session.refuse("503 5.5.1 Error: TLS already active");
    } else if session.ctx.tls.is_none() {
        session.refuse("454 4.7.0 TLS not available");
    } else if session.transaction.is_some() {
        session.refuse("503 5.5.1 Error: STARTTLS inside a mail transaction");
    } else {
        session.reply("220 2.0.0 Ready to start TLS");
        return Next::StartTls;
    }
    Next::Continue
}

pub fn not_implemented(session: &mut Session, verb: &str) -> Next {
    session.refuse(&format!("502 5.5.1 {verb} not implemented"));
    Next::Continue
}
