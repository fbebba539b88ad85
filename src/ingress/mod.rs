//! Ingress: the SMTP server the internet-facing MX delivers to.
//!
//! It accepts connections within the limits, runs one session per
//! connection, and streams every accepted message into the spool. It only
//! spools: it never converts or delivers; it tells the queue (the
//! pipeline) that a message is there and asks it whether to push back.
//! On shutdown it stops taking mail: new connections get 421, idle
//! sessions are closed, sessions inside a transaction may finish.

mod data;
pub mod dot;
mod ehlo;
mod input;
mod limits;
mod mail;
mod rcpt;
mod session;
mod simple;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::config::Config;
use crate::spool::Spool;
use input::Input;
use limits::{ConnectionLimits, Refusal};
use session::{End, Session};

/// What ingress needs from the stage after it.
pub trait Queue: Send + Sync {
    /// A message was committed to the spool.
    fn accepted(&self, queue_id: String);
    /// True when new mail should be told to come back later (451 4.3.2).
    fn is_full(&self) -> bool;
}

/// Everything a session shares with the others.
pub struct Context {
    pub config: Arc<Config>,
    pub spool: Arc<Spool>,
    pub queue: Arc<dyn Queue>,
    pub tls: Option<TlsAcceptor>,
    pub shutdown: watch::Receiver<bool>,
}

/// Accepts connections until shutdown, then answers 421 to newcomers
/// while the sessions in progress finish, for at most `grace`.
pub async fn serve(listener: TcpListener, ctx: Arc<Context>, grace: Duration) {
    let smtp = &ctx.config.smtp;
    let limits = ConnectionLimits::new(smtp.max_connections, smtp.max_connections_per_ip);
    let mut sessions = JoinSet::new();
    let mut shutdown = ctx.shutdown.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else {
                    // Out of file descriptors and the like: back off briefly.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                match limits.admit(peer.ip()) {
                    Ok(slot) => {
                        let ctx = Arc::clone(&ctx);
                        sessions.spawn(async move {
                            connection(stream, peer, ctx).await;
                            drop(slot);
                        });
                    }
                    Err(refusal) => {
                        let text = match refusal {
                            Refusal::Total => "421 4.3.2 Too many connections, try again later\r\n",
                            Refusal::PerAddress => "421 4.3.2 Too many connections from your address, try again later\r\n",
                        };
                        tracing::warn!("refused connection from {peer}: {}", text.trim_end());
                        goodbye(stream, text);
                    }
                }
            }
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
            _ = stopped(&mut shutdown) => break,
        }
    }
    let deadline = tokio::time::sleep(grace);
    tokio::pin!(deadline);
    while !sessions.is_empty() {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    goodbye(stream, "421 4.3.2 Service shutting down, try again later\r\n");
                }
            }
            _ = sessions.join_next() => {}
            _ = &mut deadline => {
                tracing::warn!("{} sessions still open at the end of the grace period", sessions.len());
                break;
            }
        }
    }
    sessions.abort_all();
}

/// Resolves once shutdown has begun (returns no borrow of the flag, so
/// the futures that wait on it stay `Send`).
pub async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|&stop| stop).await;
}

/// Writes one line and closes, without holding up the accept loop.
fn goodbye(mut stream: TcpStream, text: &'static str) {
    tokio::spawn(async move {
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            let _ = stream.write_all(text.as_bytes()).await;
            let _ = stream.shutdown().await;
        })
        .await;
    });
}

/// The greeting and a session until it ends (STARTTLS ends it too).
async fn greet_and_run<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    peer: SocketAddr,
    ctx: &Arc<Context>,
    input: &mut Input,
) -> io::Result<End> {
    let greeting = format!("220 {} ESMTP mugai\r\n", ctx.config.smtp.hostname);
    stream.write_all(greeting.as_bytes()).await?;
    Session::new(Arc::clone(ctx), peer, None)
        .run(stream, input)
        .await
}

/// One session over any byte stream, as a plain TCP client gets it
/// (STARTTLS ends it): the entry point of the SMTP fuzz target.
pub async fn plain_session<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    peer: SocketAddr,
    ctx: &Arc<Context>,
) -> io::Result<()> {
    greet_and_run(stream, peer, ctx, &mut Input::new())
        .await
        .map(|_| ())
}

/// One connection: greeting, session, and STARTTLS if asked for.
async fn connection(mut stream: TcpStream, peer: SocketAddr, ctx: Arc<Context>) {
    let _ = stream.set_nodelay(true);
    let mut input = Input::new();
    let end = match greet_and_run(&mut stream, peer, &ctx, &mut input).await {
        Ok(end) => end,
        Err(e) => {
            tracing::debug!("connection from {peer}: {e}");
            return;
        }
    };
    if end != End::StartTls {
        let _ = stream.shutdown().await;
        return;
    }
    let Some(acceptor) = ctx.tls.clone() else {
        return;
    };
    let handshake = tokio::time::timeout(
        ctx.config.smtp.idle_timeout.duration(),
        acceptor.accept(stream),
    )
    .await;
    let mut tls = match handshake {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            tracing::info!("TLS handshake with {peer} failed: {e}");
            return;
        }
        Err(_) => {
            tracing::info!("TLS handshake with {peer} timed out");
            return;
        }
    };
    let described = crate::tls::describe(tls.get_ref().1);
    let mut session = Session::new(ctx, peer, Some(described));
    if let Err(e) = session.run(&mut tls, &mut input).await {
        tracing::debug!("TLS connection from {peer}: {e}");
    }
    let _ = tls.shutdown().await;
}
