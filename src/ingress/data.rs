//! DATA: stream the message into the spool and answer `250` only once it
//! is durable.
//!
//! The message goes from the session's read buffer through the DATA
//! decoder into a spool writer (64 KiB buffer), never whole in memory.
//! Past the size limit the rest is read and dropped, then 552. A message
//! with bare CR or LF line ends is read to its real end and, under
//! `bare_newline = "reject"`, refused as a whole (nothing is queued).

use std::io;

use tokio::io::{AsyncRead, AsyncWrite};

use super::dot::DotDecoder;
use super::input::{Input, Read};
use super::session::{Next, Session};
use crate::config::BareNewline;
use crate::spool::{Envelope, Origin};
use crate::units::unix_now;

/// The checks before `354`.
/// `pipelined_after_data`: the client sent more bytes after the DATA line
/// before it could have seen our 354.
pub fn start(session: &mut Session, pipelined_after_data: bool) -> Next {
    if pipelined_after_data {
        // RFC 2920: DATA ends a pipelined group. Bytes sent before our 354
        // would be read as message content by us and as commands by a
        // server that answered 354 later: refuse and close, as Postfix does.
        session.refuse(
            "554 5.5.0 Error: improper command pipelining after DATA (wait for the 354 reply)",
        );
        session.transaction = None;
        return Next::Close;
    }
    let Some(transaction) = &session.transaction else {
        session.refuse("503 5.5.1 Error: need MAIL command");
        return Next::Continue;
    };
    if transaction.recipients.is_empty() {
        session.refuse("554 5.5.1 Error: no valid recipients");
        return Next::Continue;
    }
    if session.ctx.queue.is_full() {
        session.transaction = None;
        session.defer("451 4.3.2 Too much mail waiting to be processed, try again later");
        return Next::Continue;
    }
    Next::Data
}

/// Receives one message after DATA was accepted. Returns `false` when the
/// session must end (client gone or timed out).
pub async fn receive<S: AsyncRead + AsyncWrite + Unpin>(
    session: &mut Session,
    stream: &mut S,
    input: &mut Input,
) -> io::Result<bool> {
    let Some(transaction) = session.transaction.take() else {
        return Ok(true);
    };
    let ctx = session.ctx.clone();
    let envelope = Envelope {
        queue_id: ctx.spool.new_id(),
        sender: transaction.sender,
        recipients: transaction.recipients,
        client: session.peer.to_string(),
        helo: session.helo.clone().unwrap_or_default(),
        tls: session.tls.clone(),
        received_at: unix_now(),
        smtputf8: transaction.smtputf8,
        origin: Origin::Received,
    };
    let max = ctx.config.smtp.max_message_size.bytes();
    let mut writer = match ctx.spool.create(&envelope, max) {
        Ok(writer) => writer,
        Err(e) => {
            tracing::error!("cannot create a spool file: {e}");
            session.reply("451 4.3.0 Local error: cannot store the message now, try again later");
            return Ok(true);
        }
    };
    session.reply("354 End data with <CR><LF>.<CR><LF>");
    session.flush(stream).await?;

    let timeout = ctx.config.smtp.data_timeout.duration();
    let mut decoder = DotDecoder::default();
    // Only after a write error: the rest of DATA is read and dropped.
    let mut drained = Vec::new();
    let mut write_error = None;
    loop {
        // Decoded straight into the spool writer's buffer.
        let (used, done) = if write_error.is_none() {
            let (fed, written) = writer.fill(|buffer| decoder.feed(input.available(), buffer));
            write_error = written.err();
            fed
        } else {
            drained.clear();
            decoder.feed(input.available(), &mut drained)
        };
        input.consume(used);
        if done {
            break;
        }
        match input.fill(stream, timeout).await? {
            Read::Bytes => {}
            Read::Closed => {
                tracing::info!(
                    "{}: lost connection after DATA from {}",
                    envelope.queue_id,
                    envelope.client
                );
                return Ok(false);
            }
            Read::TimedOut => {
                // Its file goes before the client hears why.
                drop(writer);
                session.reply("421 4.4.2 Timeout during DATA, closing connection");
                session.flush(stream).await?;
                return Ok(false);
            }
        }
    }

    let bare = decoder.bare_newlines();
    if bare > 0 && ctx.config.smtp.bare_newline == BareNewline::Reject {
        // The writer is dropped uncommitted: its temporary file goes.
        session.refuse_from(
            &format!(
                "554 5.5.2 Message refused: {bare} bare CR or LF line ends (SMTP requires CRLF); nothing was queued"
            ),
            &envelope.sender,
        );
        return Ok(true);
    }
    if writer.too_big() {
        session.refuse_from(
            &format!("552 5.3.4 Message size exceeds fixed limit of {max} bytes"),
            &envelope.sender,
        );
        return Ok(true);
    }
    if let Some(e) = write_error {
        tracing::error!("{}: cannot write the spool file: {e}", envelope.queue_id);
        session.reply("451 4.3.0 Local error: cannot store the message now, try again later");
        return Ok(true);
    }
    let size = writer.size();
    let committed = tokio::task::spawn_blocking(move || writer.commit())
        .await
        .map_err(io::Error::other)?;
    match committed {
        Ok(_) => {
            tracing::info!(
                queue_id = %envelope.queue_id,
                "{}: from=<{}> size={size} nrcpt={} client={} helo={}{}",
                envelope.queue_id,
                envelope.sender.escape_debug(),
                envelope.recipients.len(),
                envelope.client,
                envelope.helo,
                envelope.tls.as_deref().map(|t| format!(" tls={t}")).unwrap_or_default(),
            );
            session.reply(&format!("250 2.0.0 Ok: queued as {}", envelope.queue_id));
            let config = &ctx.config;
            crate::metrics::global().received(crate::config::Config::tenant_name(
                config.tenant_of(&envelope.recipients),
            ));
            ctx.queue.accepted(envelope.queue_id);
        }
        Err(e) => {
            tracing::error!("{}: cannot commit the spool file: {e}", envelope.queue_id);
            session.reply("451 4.3.0 Local error: cannot store the message now, try again later");
        }
    }
    Ok(true)
}
