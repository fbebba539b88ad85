//! One SMTP session: reads command lines, hands each verb to its own
//! file (`ehlo`, `mail`, `rcpt`, `data`, `simple`), and writes the replies.
//!
//! Replies are collected and written when the client has no more complete
//! commands buffered, so a pipelined group gets its replies in one write
//! (RFC 2920). Every wait on the client is bounded by a timeout.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use smtp_proto::{Error as ProtoError, Request};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use super::input::{Input, Line, Read};
use super::{Context, data, ehlo, mail, rcpt, simple};
use crate::config::BareNewline;

/// Longest command line accepted (RFC 5321 allows 512; extensions more).
pub const MAX_COMMAND_LINE: usize = 4096;

/// The mail transaction between MAIL and the end of DATA.
#[derive(Debug, Default)]
pub struct Transaction {
    pub sender: String,
    pub recipients: Vec<String>,
    pub smtputf8: bool,
}

/// How a session ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// QUIT, a timeout, too many errors, shutdown or the client left.
    Closed,
    /// STARTTLS was accepted: run the handshake, then a fresh session.
    StartTls,
}

/// What a verb asks the loop to do next.
pub enum Next {
    Continue,
    /// Flush the replies and receive the message.
    Data,
    /// Flush the replies and close.
    Close,
    StartTls,
}

/// Session state.
pub struct Session {
    pub ctx: Arc<Context>,
    pub peer: SocketAddr,
    pub helo: Option<String>,
    pub tls: Option<String>,
    pub transaction: Option<Transaction>,
    errors: usize,
    replies: Vec<u8>,
    skipping_long_line: bool,
    /// The verb being answered, for the log of refusals.
    verb: &'static str,
}

impl Session {
    pub fn new(ctx: Arc<Context>, peer: SocketAddr, tls: Option<String>) -> Session {
        Session {
            ctx,
            peer,
            helo: None,
            tls,
            transaction: None,
            errors: 0,
            replies: Vec::with_capacity(512),
            skipping_long_line: false,
            verb: "CONNECT",
        }
    }

    /// Queues a reply line (`"250 2.0.0 Ok"`) or a multi-line reply.
    pub fn reply(&mut self, text: &str) {
        self.replies.extend_from_slice(text.as_bytes());
        self.replies.extend_from_slice(b"\r\n");
    }

    /// Queues a refusal caused by the client; too many end the session.
    /// Logged like Postfix's `NOQUEUE: reject:` lines, so an operator can
    /// grep who tried what.
    pub fn refuse(&mut self, text: &str) {
        let sender = self.transaction.as_ref().map(|t| t.sender.clone());
        self.refuse_from(text, sender.as_deref().unwrap_or(""));
    }

    /// As [`refuse`](Self::refuse), for a transaction already taken (DATA).
    pub fn refuse_from(&mut self, text: &str, sender: &str) {
        self.errors += 1;
        self.log_refusal(text, sender);
        self.reply(text);
    }

    /// Queues a temporary refusal that is not the client's fault (the
    /// queue is full, too many recipients); logged the same way.
    pub fn defer(&mut self, text: &str) {
        let sender = self.transaction.as_ref().map(|t| t.sender.clone());
        self.log_refusal(text, sender.as_deref().unwrap_or(""));
        self.reply(text);
    }

    fn log_refusal(&self, text: &str, sender: &str) {
        let sender = sender.escape_debug();
        tracing::info!(
            client = %self.peer,
            verb = self.verb,
            "NOQUEUE: reject: {} from {}: {}; from=<{sender}> helo=<{}>",
            self.verb,
            self.peer,
            text.lines().next().unwrap_or(""),
            self.helo.as_deref().unwrap_or(""),
        );
    }

    pub fn too_many_errors(&self) -> bool {
        self.errors >= self.ctx.config.smtp.max_errors
    }

    /// Writes the queued replies. A client that stops reading gets the
    /// idle timeout here too, so it cannot hold the session forever.
    pub async fn flush<S: AsyncWrite + Unpin>(&mut self, stream: &mut S) -> io::Result<()> {
        if self.replies.is_empty() {
            return Ok(());
        }
        let timeout = self.ctx.config.smtp.idle_timeout.duration();
        let write = async {
            stream.write_all(&self.replies).await?;
            stream.flush().await
        };
        match tokio::time::timeout(timeout, write).await {
            Ok(result) => result?,
            Err(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "client stopped reading",
                ));
            }
        }
        self.replies.clear();
        Ok(())
    }

    /// Runs until the session ends.
    pub async fn run<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
        input: &mut Input,
    ) -> io::Result<End> {
        let idle = self.ctx.config.smtp.idle_timeout.duration();
        let mut shutdown = self.ctx.shutdown.clone();
        loop {
            while let Some(line) = input.next_line(MAX_COMMAND_LINE, &mut self.skipping_long_line) {
                let next = match line {
                    Line::TooLong => {
                        self.refuse(&format!(
                            "500 5.5.2 Line too long (at most {MAX_COMMAND_LINE} bytes)"
                        ));
                        Next::Continue
                    }
                    Line::Command(line) => {
                        let pipelined = !input.available().is_empty();
                        self.command_line(&line, pipelined)
                    }
                };
                match next {
                    Next::Continue => {}
                    Next::Close => {
                        self.flush(stream).await?;
                        return Ok(End::Closed);
                    }
                    Next::StartTls => {
                        self.flush(stream).await?;
                        input.clear();
                        return Ok(End::StartTls);
                    }
                    Next::Data => {
                        self.flush(stream).await?;
                        if !data::receive(self, stream, input).await? {
                            return Ok(End::Closed);
                        }
                        let stopping = *shutdown.borrow();
                        if stopping {
                            self.reply("421 4.3.2 Service shutting down, closing connection");
                            self.flush(stream).await?;
                            return Ok(End::Closed);
                        }
                    }
                }
                if self.too_many_errors() {
                    self.reply("421 4.7.0 Too many errors, closing connection");
                    self.flush(stream).await?;
                    return Ok(End::Closed);
                }
            }
            self.flush(stream).await?;
            let read = if self.transaction.is_none() {
                tokio::select! {
                    read = input.fill(stream, idle) => Some(read?),
                    _ = super::stopped(&mut shutdown) => None,
                }
            } else {
                Some(input.fill(stream, idle).await?)
            };
            let Some(read) = read else {
                self.reply("421 4.3.2 Service shutting down, closing connection");
                self.flush(stream).await?;
                return Ok(End::Closed);
            };
            match read {
                Read::Bytes => {}
                Read::Closed => return Ok(End::Closed),
                Read::TimedOut => {
                    self.reply("421 4.4.2 Idle timeout, closing connection");
                    self.flush(stream).await?;
                    return Ok(End::Closed);
                }
            }
        }
    }

    /// Checks a command line's end (only CRLF is a line end; see
    /// `[smtp] bare_newline`) and runs the command(s) in it.
    fn command_line(&mut self, line: &[u8], pipelined: bool) -> Next {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        let crlf = body.ends_with(b"\r");
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        let bare_cr = memchr::memchr(b'\r', body).is_some();
        if crlf && !bare_cr {
            return self.command(line, pipelined);
        }
        if self.ctx.config.smtp.bare_newline == BareNewline::Reject {
            self.verb = "command";
            self.refuse(
                "500 5.5.2 Syntax error: bare CR or LF in a command line (SMTP requires CRLF)",
            );
            return Next::Continue;
        }
        // normalize: each CR-separated piece is a command line of its own.
        let pieces: Vec<&[u8]> = body
            .split(|&b| b == b'\r')
            .filter(|p| !p.is_empty())
            .collect();
        let last = pieces.len().saturating_sub(1);
        for (i, piece) in pieces.iter().enumerate() {
            let mut command = piece.to_vec();
            command.extend_from_slice(b"\r\n");
            let next = self.command(&command, pipelined || i < last);
            if !matches!(next, Next::Continue) || i == last {
                return next;
            }
        }
        Next::Continue
    }

    /// Parses and runs one command line.
    fn command(&mut self, line: &[u8], pipelined: bool) -> Next {
        self.verb = verb_name(line);
        let request = match Request::parse(&mut line.iter()) {
            Ok(request) => request,
            Err(e) => {
                self.refuse(&parse_error_reply(&e, line));
                return Next::Continue;
            }
        };
        match request {
            Request::Ehlo { host } => ehlo::ehlo(self, &host, true),
            Request::Helo { host } => ehlo::ehlo(self, &host, false),
            Request::Mail { from } => mail::mail(self, from),
            Request::Rcpt { to } => rcpt::rcpt(self, &to.address, rcpt::has_source_route(line)),
            Request::Data => data::start(self, pipelined),
            Request::Rset => simple::rset(self),
            Request::Noop { .. } => simple::noop(self),
            Request::Quit => simple::quit(self),
            Request::Vrfy { .. } => simple::vrfy(self),
            Request::Help { .. } => simple::help(self),
            Request::StartTls => simple::starttls(self),
            other => simple::not_implemented(self, other.name()),
        }
    }
}

/// The command's verb as a static name for the log (never client text).
fn verb_name(line: &[u8]) -> &'static str {
    const VERBS: &[&str] = &[
        "EHLO", "HELO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT", "VRFY", "HELP", "STARTTLS",
        "AUTH", "BDAT", "EXPN", "ETRN",
    ];
    let word: Vec<u8> = line
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .take(9)
        .map(u8::to_ascii_uppercase)
        .collect();
    VERBS
        .iter()
        .find(|v| v.as_bytes() == word.as_slice())
        .copied()
        .unwrap_or("unknown command")
}

/// The reply for a line the parser could not read.
fn parse_error_reply(error: &ProtoError, line: &[u8]) -> String {
    match error {
        ProtoError::UnknownCommand => {
            let verb: String = line
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric())
                .take(16)
                .map(|&b| b as char)
                .collect();
            if verb.is_empty() {
                "500 5.5.2 Syntax error: no command".into()
            } else {
                format!("500 5.5.1 Command {verb} unrecognized")
            }
        }
        ProtoError::InvalidSenderAddress => "501 5.1.7 Bad sender address syntax".into(),
        ProtoError::InvalidRecipientAddress => "501 5.1.3 Bad recipient address syntax".into(),
        ProtoError::SyntaxError { syntax } => format!("501 5.5.4 Syntax: {syntax}"),
        ProtoError::InvalidParameter { param } => {
            format!("501 5.5.4 Invalid value for parameter {param}")
        }
        ProtoError::UnsupportedParameter { param } => {
            let param: String = param
                .chars()
                .filter(|c| c.is_ascii_graphic())
                .take(32)
                .collect();
            format!("555 5.5.4 Unsupported parameter {param}")
        }
        ProtoError::ResponseTooLong => {
            format!("500 5.5.2 Line too long (at most {MAX_COMMAND_LINE} bytes)")
        }
        ProtoError::NeedsMoreData { .. } | ProtoError::InvalidResponse { .. } => {
            "500 5.5.2 Syntax error".into()
        }
    }
}
