//! SMTP delivery to the next hop with lettre's SMTP client: the TLS mode
//! and AUTH from `[delivery]`, our host name in EHLO, our bytes sent
//! unchanged.
//!
//! Connections are opened by us (with TCP_NODELAY: lettre writes the
//! message and the final dot separately, which with Nagle's algorithm and
//! delayed ACKs stalls every message by tens of milliseconds) and handed
//! to lettre, and kept in a small pool of our own: an idle connection is
//! reused without an extra NOOP round trip; if a reused one turns out to
//! be dead, the message is tried once on a fresh one.
//!
//! All pending recipients go in one transaction. When that fails with an
//! SMTP reply and there are several recipients, each is tried alone so
//! that one refused address does not hold back the others.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::Error;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, Certificate, CertificateStore, TlsParameters,
};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use tokio::net::TcpStream;

use super::Outcome;
use crate::config::{Config, NextHopTls};

/// An idle connection is not reused after this long (servers close idle
/// connections after a minute or more).
const MAX_IDLE: Duration = Duration::from_secs(30);

/// The next hop and the connections kept open to it.
pub struct SmtpDelivery {
    host: String,
    port: u16,
    relay: String,
    mode: NextHopTls,
    tls: Option<TlsParameters>,
    hello: ClientId,
    credentials: Option<Credentials>,
    timeout: Duration,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    max_idle: usize,
}

impl SmtpDelivery {
    pub fn new(config: &Config) -> Result<SmtpDelivery, String> {
        let delivery = &config.delivery;
        let (host, port) = delivery
            .next_hop
            .rsplit_once(':')
            .and_then(|(h, p)| Some((h.trim_matches(['[', ']']), p.parse::<u16>().ok()?)))
            .ok_or_else(|| format!("delivery.next_hop {:?} is not host:port", delivery.next_hop))?;
        let tls = match delivery.next_hop_tls {
            NextHopTls::None => None,
            _ => Some(tls_parameters(host, delivery.next_hop_ca.as_deref())?),
        };
        let credentials = match (&delivery.username, &delivery.password_file) {
            (Some(user), Some(path)) => {
                let password = std::fs::read_to_string(path)
                    .map_err(|e| format!("delivery.password_file {}: {e}", path.display()))?;
                let password = password.trim_end_matches(['\r', '\n']).to_string();
                Some(Credentials::new(user.clone(), password))
            }
            _ => None,
        };
        Ok(SmtpDelivery {
            host: host.to_string(),
            port,
            relay: delivery.next_hop.clone(),
            mode: delivery.next_hop_tls,
            tls,
            hello: ClientId::Domain(config.smtp.hostname.clone()),
            credentials,
            timeout: delivery.timeout.duration(),
            idle: Mutex::new(Vec::new()),
            max_idle: delivery.concurrency,
        })
    }

    pub fn relay(&self) -> &str {
        &self.relay
    }

    pub async fn deliver(
        &self,
        sender: &str,
        recipients: &[String],
        message: &[u8],
    ) -> Vec<Outcome> {
        let from = if sender.is_empty() {
            None
        } else {
            match sender.parse::<Address>() {
                Ok(address) => Some(address),
                Err(e) => {
                    let why = format!("sender <{sender}> cannot be sent on: {e}");
                    return vec![Outcome::Failed(why); recipients.len()];
                }
            }
        };
        let mut outcomes: Vec<Option<Outcome>> = vec![None; recipients.len()];
        let mut valid = Vec::new();
        for (i, recipient) in recipients.iter().enumerate() {
            match recipient.parse::<Address>() {
                Ok(address) => valid.push((i, address)),
                Err(e) => {
                    outcomes[i] = Some(Outcome::Failed(format!(
                        "recipient <{recipient}> cannot be sent on: {e}"
                    )))
                }
            }
        }
        if !valid.is_empty() {
            let all: Vec<Address> = valid.iter().map(|(_, a)| a.clone()).collect();
            let (shared, replied) = self.attempt(from.clone(), all, message).await;
            if valid.len() > 1 && replied && !matches!(shared, Outcome::Sent(_)) {
                for (i, address) in &valid {
                    let (alone, _) = self
                        .attempt(from.clone(), vec![address.clone()], message)
                        .await;
                    outcomes[*i] = Some(alone);
                }
            } else {
                for (i, _) in &valid {
                    outcomes[*i] = Some(shared.clone());
                }
            }
        }
        outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| Outcome::Deferred("not attempted".into())))
            .collect()
    }

    /// One transaction; also says whether the server answered with an
    /// SMTP reply (rather than the connection failing).
    async fn attempt(
        &self,
        from: Option<Address>,
        to: Vec<Address>,
        message: &[u8],
    ) -> (Outcome, bool) {
        let envelope = match Envelope::new(from, to) {
            Ok(envelope) => envelope,
            Err(e) => return (Outcome::Failed(format!("no usable envelope: {e}")), false),
        };
        // lettre adds CRLF before the final dot; do not double ours.
        let body = message.strip_suffix(b"\r\n").unwrap_or(message);
        let mut reused = self.take_idle();
        loop {
            let was_reused = reused.is_some();
            let mut connection = match reused.take() {
                Some(connection) => connection,
                None => match self.connect().await {
                    Ok(connection) => connection,
                    Err(why) => return (Outcome::Deferred(why), false),
                },
            };
            let sent = tokio::time::timeout(self.timeout, connection.send(&envelope, body)).await;
            let result = match sent {
                Ok(result) => result,
                Err(_) => {
                    connection.abort().await;
                    let why = format!("{}: no answer within {:?}", self.relay, self.timeout);
                    return (Outcome::Deferred(why), false);
                }
            };
            match result {
                Ok(response) => {
                    self.put_idle(connection);
                    return (Outcome::Sent(describe(&response)), false);
                }
                // A pooled connection the server had closed: once more, fresh.
                Err(e) if was_reused && e.status().is_none() => continue,
                Err(e) => {
                    let replied = e.status().is_some();
                    if connection.has_broken() {
                        connection.abort().await;
                    } else {
                        self.put_idle(connection);
                    }
                    return (outcome_of(&e), replied);
                }
            }
        }
    }

    fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        while let Some((connection, since)) = idle.pop() {
            if since.elapsed() < MAX_IDLE && !connection.has_broken() {
                return Some(connection);
            }
        }
        None
    }

    fn put_idle(&self, connection: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.max_idle && !connection.has_broken() {
            idle.push((connection, Instant::now()));
        }
    }

    /// Opens, greets, secures and authenticates a new connection.
    async fn connect(&self) -> Result<AsyncSmtpConnection, String> {
        let relay = &self.relay;
        let fail = |e: Error| format!("{relay}: {}", describe_error(&e));
        let setup = async {
            let mut connection = if self.mode == NextHopTls::Wrapper {
                AsyncSmtpConnection::connect_tokio1(
                    (self.host.as_str(), self.port),
                    Some(self.timeout),
                    &self.hello,
                    self.tls.clone(),
                    None,
                )
                .await
                .map_err(fail)?
            } else {
                let tcp = TcpStream::connect((self.host.as_str(), self.port))
                    .await
                    .map_err(|e| format!("{relay}: cannot connect: {e}"))?;
                let _ = tcp.set_nodelay(true);
                AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello)
                    .await
                    .map_err(fail)?
            };
            match (self.mode, &self.tls) {
                (NextHopTls::Required, Some(tls)) => connection
                    .starttls(tls.clone(), &self.hello)
                    .await
                    .map_err(fail)?,
                (NextHopTls::Opportunistic, Some(tls)) if connection.can_starttls() => connection
                    .starttls(tls.clone(), &self.hello)
                    .await
                    .map_err(fail)?,
                _ => {}
            }
            if let Some(credentials) = &self.credentials {
                connection
                    .auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                    .await
                    .map_err(fail)?;
            }
            Ok(connection)
        };
        tokio::time::timeout(self.timeout, setup)
            .await
            .unwrap_or_else(|_| Err(format!("{relay}: no answer within {:?}", self.timeout)))
    }
}

/// TLS settings for the next hop: the public web roots, or only the CA
/// certificates in `ca` (PEM).
fn tls_parameters(host: &str, ca: Option<&std::path::Path>) -> Result<TlsParameters, String> {
    let mut builder = TlsParameters::builder(host.to_string());
    if let Some(path) = ca {
        let pem = std::fs::read(path)
            .map_err(|e| format!("delivery.next_hop_ca {}: {e}", path.display()))?;
        let certificate = Certificate::from_pem(&pem)
            .map_err(|e| format!("delivery.next_hop_ca {}: {e}", path.display()))?;
        builder = builder
            .certificate_store(CertificateStore::None)
            .add_root_certificate(certificate);
    }
    builder
        .build()
        .map_err(|e| format!("TLS for the next hop {host}: {e}"))
}

fn outcome_of(e: &Error) -> Outcome {
    if e.is_permanent() {
        Outcome::Failed(describe_error(e))
    } else {
        Outcome::Deferred(describe_error(e))
    }
}

/// "250 2.0.0 Ok: queued as X" from a reply.
fn describe(response: &Response) -> String {
    let text: Vec<&str> = response.message().collect();
    one_line(&format!("{} {}", response.code(), text.join(" ")))
}

/// "550 5.1.1 User unknown" for a reply; lettre's own words otherwise
/// ("Connection refused", "timed out").
fn describe_error(e: &Error) -> String {
    let text = one_line(&e.to_string());
    match e.status() {
        Some(code) => {
            let detail = text.split_once("): ").map(|(_, d)| d).unwrap_or(&text);
            format!("{code} {detail}")
        }
        None => text,
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
