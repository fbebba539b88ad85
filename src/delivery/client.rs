//! A small SMTP client for the next hop: greeting, EHLO, STARTTLS or TLS
//! from the first byte, AUTH PLAIN/LOGIN, then transactions. It exists
//! for the transaction: with PIPELINING (RFC 2920) MAIL, every RCPT and
//! DATA leave in one write and their replies are read together, so a
//! message costs two round trips; the message goes out in dot-stuffed
//! runs ([`dotstuff`]) through a 64 KiB buffer, without a copy when it
//! has no dot lines. Every RCPT gets its own reply, so each recipient's
//! outcome is known from one transaction.
//!
//! Replies are read with limits (line length, lines per reply): the next
//! hop is trusted more than the internet, but not to send without end.
//!
//! [`dotstuff`]: super::dotstuff

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufWriter, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Longest reply line read.
const MAX_LINE: usize = 4096;
/// Most lines in one reply (an EHLO reply has a dozen).
const MAX_LINES: usize = 100;

/// One reply: its code and its text on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    /// "2.0.0 Ok: queued as X" (the lines of a multi-line reply joined).
    pub text: String,
}

impl Reply {
    pub fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }

    /// "250 2.0.0 Ok: queued as X".
    pub fn line(&self) -> String {
        format!("{} {}", self.code, self.text)
            .trim_end()
            .to_string()
    }
}

/// What the next hop offered in its EHLO reply.
#[derive(Debug, Default, Clone)]
pub struct Offers {
    pub starttls: bool,
    pub pipelining: bool,
    pub eight_bit: bool,
    pub smtputf8: bool,
    pub auth_plain: bool,
    pub auth_login: bool,
}

impl Offers {
    fn from_ehlo(reply: &[String]) -> Offers {
        let mut offers = Offers::default();
        for line in reply.iter().skip(1) {
            let upper = line.to_ascii_uppercase();
            let mut words = upper.split_whitespace();
            match words.next() {
                Some("STARTTLS") => offers.starttls = true,
                Some("PIPELINING") => offers.pipelining = true,
                Some("8BITMIME") => offers.eight_bit = true,
                Some("SMTPUTF8") => offers.smtputf8 = true,
                Some("AUTH") => {
                    for mechanism in words {
                        offers.auth_plain |= mechanism == "PLAIN";
                        offers.auth_login |= mechanism == "LOGIN";
                    }
                }
                _ => {}
            }
        }
        offers
    }
}

/// How to reach the next hop.
pub struct Settings {
    pub host: String,
    pub port: u16,
    /// Our name in EHLO.
    pub hello: String,
    pub tls: Tls,
    pub credentials: Option<(String, String)>,
}

/// TLS towards the next hop.
pub enum Tls {
    None,
    /// STARTTLS when offered.
    Opportunistic(TlsConnector),
    /// STARTTLS or no mail.
    Required(TlsConnector),
    /// TLS from the first byte (port 465).
    Wrapper(TlsConnector),
}

/// The stream, in the clear or inside TLS.
enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    /// Between the two during STARTTLS (only after an error is it seen).
    Gone,
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Gone => Poll::Ready(Err(io::ErrorKind::NotConnected.into())),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Gone => Poll::Ready(Err(io::ErrorKind::NotConnected.into())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s).poll_flush(cx),
            Stream::Gone => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Gone => Poll::Ready(Ok(())),
        }
    }
}

/// An open, greeted (and secured, authenticated) connection.
pub struct Connection {
    stream: Stream,
    /// Bytes read but not yet used.
    input: Vec<u8>,
    offers: Offers,
    /// Set after an I/O error or a reply that makes no sense: not reused.
    broken: bool,
}

/// What the next hop said to one transaction.
#[derive(Debug)]
pub struct Transaction {
    pub mail: Reply,
    /// One per recipient, in order (absent when MAIL was refused and the
    /// commands were not pipelined).
    pub rcpt: Vec<Option<Reply>>,
    /// The reply after the message (or to DATA when it was refused).
    pub data: Option<Reply>,
}

/// An error before or outside any reply, or a reply that stops set-up.
#[derive(Debug)]
pub enum Failure {
    /// The connection failed (refused, reset, closed, garbled).
    Io(io::Error),
    /// The next hop answered no during set-up (greeting, EHLO, TLS, AUTH).
    Refused(Reply, &'static str),
    /// The next hop cannot take this transaction (a missing extension).
    Unable(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Io(e) => write!(f, "{e}"),
            Failure::Refused(reply, during) => write!(f, "{during}: {}", reply.line()),
            Failure::Unable(why) => f.write_str(why),
        }
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Io(e)
    }
}

impl Connection {
    /// Connects, reads the greeting, says EHLO, secures and authenticates
    /// as `settings` ask.
    pub async fn open(settings: &Settings) -> Result<Connection, Failure> {
        let tcp = TcpStream::connect((settings.host.as_str(), settings.port)).await?;
        let _ = tcp.set_nodelay(true);
        let stream = match &settings.tls {
            Tls::Wrapper(tls) => Stream::Tls(Box::new(handshake(tls, &settings.host, tcp).await?)),
            _ => Stream::Plain(tcp),
        };
        let mut c = Connection {
            stream,
            input: Vec::with_capacity(1024),
            offers: Offers::default(),
            broken: false,
        };
        let greeting = c.read_reply().await?;
        if !greeting.0.is_positive() {
            return Err(Failure::Refused(greeting.0, "greeting"));
        }
        c.ehlo(&settings.hello).await?;
        let starttls = match &settings.tls {
            Tls::Required(tls) => Some(tls),
            Tls::Opportunistic(tls) if c.offers.starttls => Some(tls),
            _ => None,
        };
        if let Some(tls) = starttls {
            let reply = c.command("STARTTLS").await?;
            if reply.code != 220 {
                return Err(Failure::Refused(reply, "STARTTLS"));
            }
            // Whatever came before the handshake is dropped (RFC 3207).
            c.input.clear();
            let Stream::Plain(tcp) = std::mem::replace(&mut c.stream, Stream::Gone) else {
                return Err(Failure::Unable("STARTTLS inside TLS".into()));
            };
            c.stream = Stream::Tls(Box::new(handshake(tls, &settings.host, tcp).await?));
            c.ehlo(&settings.hello).await?;
        }
        if let Some((user, password)) = &settings.credentials {
            c.authenticate(user, password).await?;
        }
        Ok(c)
    }

    /// True when the connection must not be used again.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    async fn ehlo(&mut self, hello: &str) -> Result<(), Failure> {
        self.write(format!("EHLO {hello}\r\n").as_bytes()).await?;
        let (reply, lines) = self.read_reply().await?;
        if !reply.is_positive() {
            return Err(Failure::Refused(reply, "EHLO"));
        }
        self.offers = Offers::from_ehlo(&lines);
        Ok(())
    }

    async fn authenticate(&mut self, user: &str, password: &str) -> Result<(), Failure> {
        use base64::Engine;
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        let reply = if self.offers.auth_plain {
            let token = b64(format!("\0{user}\0{password}").as_bytes());
            self.command(&format!("AUTH PLAIN {token}")).await?
        } else if self.offers.auth_login {
            let mut reply = self.command("AUTH LOGIN").await?;
            if reply.code == 334 {
                reply = self.command(&b64(user.as_bytes())).await?;
            }
            if reply.code == 334 {
                reply = self.command(&b64(password.as_bytes())).await?;
            }
            reply
        } else {
            return Err(Failure::Unable(
                "the next hop offers neither AUTH PLAIN nor AUTH LOGIN".into(),
            ));
        };
        if reply.code != 235 {
            return Err(Failure::Refused(reply, "AUTH"));
        }
        Ok(())
    }

    /// One transaction: `message` (CRLF line ends, not yet dot-stuffed)
    /// from `sender` (empty: `<>`) to `recipients`. Addresses must have
    /// been checked (no spaces, angle brackets or control characters).
    pub async fn send(
        &mut self,
        sender: &str,
        recipients: &[String],
        message: &[u8],
    ) -> Result<Transaction, Failure> {
        let utf8 = !sender.is_ascii() || recipients.iter().any(|r| !r.is_ascii());
        if utf8 && !self.offers.smtputf8 {
            return Err(Failure::Unable(
                "the next hop does not take internationalized addresses (no SMTPUTF8)".into(),
            ));
        }
        let eight_bit = !message.is_ascii();
        if eight_bit && !self.offers.eight_bit {
            return Err(Failure::Unable(
                "the next hop does not take 8-bit mail (no 8BITMIME)".into(),
            ));
        }
        let mut mail = format!("MAIL FROM:<{sender}>");
        if eight_bit {
            mail.push_str(" BODY=8BITMIME");
        }
        if utf8 {
            mail.push_str(" SMTPUTF8");
        }
        mail.push_str("\r\n");
        let rcpts: Vec<String> = recipients
            .iter()
            .map(|r| format!("RCPT TO:<{r}>\r\n"))
            .collect();
        let result = if self.offers.pipelining {
            self.send_pipelined(&mail, &rcpts, message).await
        } else {
            self.send_in_steps(&mail, &rcpts, message).await
        };
        if result.is_err() {
            self.broken = true;
        }
        let t = result?;
        if !t.data.as_ref().is_some_and(Reply::is_positive) {
            // Ready for the next transaction, or not reused.
            match self.command("RSET").await {
                Ok(reply) if reply.is_positive() => {}
                _ => self.broken = true,
            }
        }
        Ok(t)
    }

    async fn send_pipelined(
        &mut self,
        mail: &str,
        rcpts: &[String],
        message: &[u8],
    ) -> Result<Transaction, Failure> {
        let mut commands = String::with_capacity(mail.len() + 40 * rcpts.len() + 6);
        commands.push_str(mail);
        for rcpt in rcpts {
            commands.push_str(rcpt);
        }
        commands.push_str("DATA\r\n");
        self.write(commands.as_bytes()).await?;
        let mail = self.read_reply().await?.0;
        let mut rcpt = Vec::with_capacity(rcpts.len());
        for _ in rcpts {
            rcpt.push(Some(self.read_reply().await?.0));
        }
        let data = self.read_reply().await?.0;
        let accepted = mail.is_positive() && rcpt.iter().flatten().any(Reply::is_positive);
        let data = match (data.code, accepted) {
            (354, true) => self.message(message).await?,
            // Went ahead with no one to deliver to: end it empty.
            (354, false) => {
                self.write(b".\r\n").await?;
                let _ = self.read_reply().await?;
                Reply {
                    code: 554,
                    text: "5.5.1 no valid recipients".into(),
                }
            }
            _ => data,
        };
        Ok(Transaction {
            mail,
            rcpt,
            data: Some(data),
        })
    }

    async fn send_in_steps(
        &mut self,
        mail: &str,
        rcpts: &[String],
        message: &[u8],
    ) -> Result<Transaction, Failure> {
        self.write(mail.as_bytes()).await?;
        let mail = self.read_reply().await?.0;
        if !mail.is_positive() {
            return Ok(Transaction {
                mail,
                rcpt: vec![None; rcpts.len()],
                data: None,
            });
        }
        let mut rcpt = Vec::with_capacity(rcpts.len());
        for line in rcpts {
            self.write(line.as_bytes()).await?;
            rcpt.push(Some(self.read_reply().await?.0));
        }
        if !rcpt.iter().flatten().any(Reply::is_positive) {
            return Ok(Transaction {
                mail,
                rcpt,
                data: None,
            });
        }
        let data = self.command("DATA").await?;
        let data = match data.code {
            354 => self.message(message).await?,
            _ => data,
        };
        Ok(Transaction {
            mail,
            rcpt,
            data: Some(data),
        })
    }

    /// The message after a 354, and the reply to it.
    async fn message(&mut self, message: &[u8]) -> Result<Reply, Failure> {
        let mut out = BufWriter::with_capacity(64 * 1024, &mut self.stream);
        for piece in super::dotstuff::pieces(message) {
            out.write_all(piece).await?;
        }
        out.flush().await?;
        Ok(self.read_reply().await?.0)
    }

    /// A command line (without CRLF) and its reply.
    async fn command(&mut self, line: &str) -> Result<Reply, Failure> {
        self.write(format!("{line}\r\n").as_bytes()).await?;
        Ok(self.read_reply().await?.0)
    }

    async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let written = async {
            self.stream.write_all(bytes).await?;
            self.stream.flush().await
        }
        .await;
        if written.is_err() {
            self.broken = true;
        }
        written
    }

    /// One reply, and its lines' texts (after the code and separator).
    async fn read_reply(&mut self) -> io::Result<(Reply, Vec<String>)> {
        let mut lines = Vec::new();
        loop {
            let line = self.read_line().await?;
            let garbled = || {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("garbled reply {:?}", String::from_utf8_lossy(&line)),
                )
            };
            let code = line
                .get(..3)
                .filter(|c| c.iter().all(u8::is_ascii_digit))
                .and_then(|c| std::str::from_utf8(c).ok()?.parse::<u16>().ok())
                .ok_or_else(garbled)?;
            let more = match line.get(3) {
                Some(b'-') => true,
                Some(b' ') | None => false,
                Some(_) => return Err(garbled()),
            };
            let text = String::from_utf8_lossy(line.get(4..).unwrap_or_default()).into_owned();
            lines.push(text);
            if lines.len() > MAX_LINES {
                self.broken = true;
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a reply of more than 100 lines",
                ));
            }
            if !more {
                // 421: the server is closing the connection (RFC 5321 3.8).
                if code == 421 {
                    self.broken = true;
                }
                let text = lines
                    .join(" ")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                return Ok((Reply { code, text }, lines));
            }
        }
    }

    /// One line without its line end.
    async fn read_line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(end) = memchr::memchr(b'\n', &self.input) {
                let mut line: Vec<u8> = self.input.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if self.input.len() > MAX_LINE {
                self.broken = true;
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "a reply line of more than 4096 bytes",
                ));
            }
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk).await;
            match n {
                Ok(0) => {
                    self.broken = true;
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the next hop closed the connection",
                    ));
                }
                Ok(n) => self.input.extend_from_slice(&chunk[..n]),
                Err(e) => {
                    self.broken = true;
                    return Err(e);
                }
            }
        }
    }
}

async fn handshake(
    tls: &TlsConnector,
    host: &str,
    tcp: TcpStream,
) -> io::Result<TlsStream<TcpStream>> {
    let name = rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("{host}: {e}")))?;
    tls.connect(name, tcp).await
}

/// TLS settings for the next hop: the public web roots, or only the CA
/// certificates in the PEM file `ca`.
pub fn connector(ca: Option<&std::path::Path>) -> Result<TlsConnector, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(path) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .and_then(|iter| iter.collect())
                .map_err(|e| format!("delivery.next_hop_ca {}: {e}", path.display()))?;
            if certs.is_empty() {
                return Err(format!(
                    "delivery.next_hop_ca {}: no certificate in it",
                    path.display()
                ));
            }
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|e| format!("delivery.next_hop_ca {}: {e}", path.display()))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS for the next hop: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
