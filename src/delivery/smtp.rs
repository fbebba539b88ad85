//! SMTP delivery to the next hop over our own client ([`client`]): the
//! TLS mode and AUTH from `[delivery]`, our host name in EHLO, our bytes
//! sent unchanged (dot-stuffed on the way), MAIL/RCPT/DATA pipelined when
//! the next hop offers it.
//!
//! Connections (with TCP_NODELAY) are kept in a small pool of our own: an
//! idle connection is reused without an extra NOOP round trip; if a reused
//! one turns out to be dead, the message is tried once on a fresh one.
//!
//! All pending recipients go in one transaction; each RCPT has its own
//! reply, so one refused address holds back no one else.
//!
//! [`client`]: super::client

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Outcome;
use super::client::{Connection, Failure, Reply, Settings, Tls, Transaction, connector};
use crate::config::{Config, NextHopTls};

/// An idle connection is not reused after this long (servers close idle
/// connections after a minute or more).
const MAX_IDLE: Duration = Duration::from_secs(30);

/// The next hop and the connections kept open to it.
pub struct SmtpDelivery {
    settings: Settings,
    relay: String,
    timeout: Duration,
    idle: Mutex<Vec<(Connection, Instant)>>,
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
        let ca = delivery.next_hop_ca.as_deref();
        let tls = match delivery.next_hop_tls {
            NextHopTls::None => Tls::None,
            NextHopTls::Opportunistic => Tls::Opportunistic(connector(ca)?),
            NextHopTls::Required => Tls::Required(connector(ca)?),
            NextHopTls::Wrapper => Tls::Wrapper(connector(ca)?),
        };
        let credentials = match (&delivery.username, &delivery.password_file) {
            (Some(user), Some(path)) => {
                let password = std::fs::read_to_string(path)
                    .map_err(|e| format!("delivery.password_file {}: {e}", path.display()))?;
                let password = password.trim_end_matches(['\r', '\n']).to_string();
                Some((user.clone(), password))
            }
            _ => None,
        };
        Ok(SmtpDelivery {
            settings: Settings {
                host: host.to_string(),
                port,
                hello: config.smtp.hostname.clone(),
                tls,
                credentials,
            },
            relay: delivery.next_hop.clone(),
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
        if let Err(e) = check_address(sender, true) {
            let why = format!("sender <{sender}> cannot be sent on: {e}");
            return vec![Outcome::Failed(why); recipients.len()];
        }
        let mut outcomes: Vec<Option<Outcome>> = vec![None; recipients.len()];
        let mut valid = Vec::new();
        for (i, recipient) in recipients.iter().enumerate() {
            match check_address(recipient, false) {
                Ok(()) => valid.push(i),
                Err(e) => {
                    outcomes[i] = Some(Outcome::Failed(format!(
                        "recipient <{recipient}> cannot be sent on: {e}"
                    )))
                }
            }
        }
        if !valid.is_empty() {
            let to: Vec<String> = valid.iter().map(|&i| recipients[i].clone()).collect();
            for (i, outcome) in valid.iter().zip(self.attempt(sender, &to, message).await) {
                outcomes[*i] = Some(outcome);
            }
        }
        outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| Outcome::Deferred("not attempted".into())))
            .collect()
    }

    /// One transaction: an outcome per recipient of `to`.
    async fn attempt(&self, sender: &str, to: &[String], message: &[u8]) -> Vec<Outcome> {
        let every = |outcome: Outcome| vec![outcome; to.len()];
        let mut reused = self.take_idle();
        loop {
            let was_reused = reused.is_some();
            let mut connection = match reused.take() {
                Some(connection) => connection,
                None => match self.connect().await {
                    Ok(connection) => connection,
                    Err(why) => return every(Outcome::Deferred(why)),
                },
            };
            let sent = tokio::time::timeout(self.timeout, connection.send(sender, to, message));
            match sent.await {
                Ok(Ok(transaction)) => {
                    self.put_idle(connection);
                    return outcomes(&transaction);
                }
                // A pooled connection the server had closed: once more, fresh.
                Ok(Err(Failure::Io(_))) if was_reused => continue,
                Ok(Err(e)) => {
                    self.put_idle(connection);
                    return every(Outcome::Deferred(format!("{}: {e}", self.relay)));
                }
                Err(_) => {
                    let why = format!("{}: no answer within {:?}", self.relay, self.timeout);
                    return every(Outcome::Deferred(why));
                }
            }
        }
    }

    fn take_idle(&self) -> Option<Connection> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        while let Some((connection, since)) = idle.pop() {
            if since.elapsed() < MAX_IDLE && !connection.is_broken() {
                return Some(connection);
            }
        }
        None
    }

    fn put_idle(&self, connection: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.max_idle && !connection.is_broken() {
            idle.push((connection, Instant::now()));
        }
    }

    /// Opens, greets, secures and authenticates a new connection.
    async fn connect(&self) -> Result<Connection, String> {
        let relay = &self.relay;
        match tokio::time::timeout(self.timeout, Connection::open(&self.settings)).await {
            Ok(Ok(connection)) => Ok(connection),
            Ok(Err(Failure::Io(e))) => Err(format!("{relay}: cannot connect: {e}")),
            Ok(Err(e)) => Err(format!("{relay}: {e}")),
            Err(_) => Err(format!("{relay}: no answer within {:?}", self.timeout)),
        }
    }
}

/// Each recipient's outcome from what the next hop said.
fn outcomes(t: &Transaction) -> Vec<Outcome> {
    t.rcpt
        .iter()
        .map(|rcpt| {
            let decisive = match (&t.mail, rcpt, &t.data) {
                (mail, _, _) if !mail.is_positive() => mail,
                (_, Some(rcpt), _) if !rcpt.is_positive() => rcpt,
                (_, Some(_), Some(data)) => data,
                (mail, _, _) => mail,
            };
            outcome_of(decisive, t.data.is_some() || !t.mail.is_positive())
        })
        .collect()
}

/// 2xx sent, 5xx failed, anything else later. `complete`: the reply ends
/// the transaction (a positive MAIL or RCPT reply alone sends nothing).
fn outcome_of(reply: &Reply, complete: bool) -> Outcome {
    match reply.code {
        200..=299 if complete => Outcome::Sent(reply.line()),
        500..=599 => Outcome::Failed(reply.line()),
        _ => Outcome::Deferred(reply.line()),
    }
}

/// An address goes on only as an SMTP path can carry it: no spaces, no
/// angle brackets, no control characters, `@` in a recipient.
fn check_address(address: &str, sender: bool) -> Result<(), &'static str> {
    if address.is_empty() && sender {
        return Ok(());
    }
    if address
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>'))
    {
        return Err("it holds spaces, angle brackets or control characters");
    }
    let bare_postmaster = !sender && address.eq_ignore_ascii_case("postmaster");
    if !address.contains('@') && !bare_postmaster {
        return Err("it has no domain");
    }
    Ok(())
}
