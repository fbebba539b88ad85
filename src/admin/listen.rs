//! Serving the router over plain TCP or TLS (rustls), with the client's
//! address available to handlers (for the login rate limit). TLS
//! handshakes run in their own tasks with a time limit, so a client that
//! stalls its handshake delays nobody else.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// The client's address, as handlers see it.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

impl Connected<IncomingStream<'_, TcpListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, TcpListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

impl Connected<IncomingStream<'_, TlsListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

/// Serves `router` on `listener` (through `tls` when given) until `stop`.
pub fn spawn(
    listener: TcpListener,
    tls: Option<Arc<TlsAcceptor>>,
    router: Router,
    mut stop: watch::Receiver<bool>,
) {
    let service = router.into_make_service_with_connect_info::<Peer>();
    let shutdown = async move {
        let _ = stop.wait_for(|s| *s).await;
    };
    match tls {
        None => {
            tokio::spawn(async move {
                let _ = axum::serve(listener, service)
                    .with_graceful_shutdown(shutdown)
                    .await;
            });
        }
        Some(acceptor) => {
            let tls_listener = TlsListener::start(listener, acceptor);
            tokio::spawn(async move {
                let _ = axum::serve(tls_listener, service)
                    .with_graceful_shutdown(shutdown)
                    .await;
            });
        }
    }
}

/// Finished handshakes, delivered in the order they complete.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    fn start(listener: TcpListener, acceptor: Arc<TlsAcceptor>) -> TlsListener {
        let local = listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
        let (tx, ready) = mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let (tcp, peer) = match listener.accept().await {
                    Ok(pair) => pair,
                    Err(e) => {
                        tracing::warn!("web page: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                if tx.is_closed() {
                    return;
                }
                let acceptor = Arc::clone(&acceptor);
                let tx = tx.clone();
                tokio::spawn(async move {
                    let handshake =
                        tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await;
                    if let Ok(Ok(stream)) = handshake {
                        let _ = tx.send((stream, peer)).await;
                    }
                });
            }
        });
        TlsListener { ready, local }
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(pair) => pair,
            // The accept task ended: wait forever (shutdown ends serving).
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
