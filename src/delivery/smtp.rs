//! SMTP delivery to the next hop with lettre: pooled connections, the TLS
//! mode and AUTH from `[delivery]`, our host name in EHLO. Our bytes are
//! sent unchanged (`send_raw`).
//!
//! All pending recipients go in one transaction. When that fails with an
//! SMTP reply and there are several recipients, each is tried alone so
//! that one refused address does not hold back the others.

use std::time::Duration;

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use lettre::transport::smtp::{Error, PoolConfig};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::Outcome;
use crate::config::{Config, NextHopTls};

/// The next hop and its connection pool.
pub struct SmtpDelivery {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    relay: String,
}

impl SmtpDelivery {
    pub fn new(config: &Config) -> Result<SmtpDelivery, String> {
        let delivery = &config.delivery;
        let (host, port) = delivery
            .next_hop
            .rsplit_once(':')
            .and_then(|(h, p)| Some((h.trim_matches(['[', ']']), p.parse::<u16>().ok()?)))
            .ok_or_else(|| format!("delivery.next_hop {:?} is not host:port", delivery.next_hop))?;
        let ca = match &delivery.next_hop_ca {
            Some(path) => {
                let pem = std::fs::read(path)
                    .map_err(|e| format!("delivery.next_hop_ca {}: {e}", path.display()))?;
                Some(
                    Certificate::from_pem(&pem)
                        .map_err(|e| format!("delivery.next_hop_ca {}: {e}", path.display()))?,
                )
            }
            None => None,
        };
        let parameters = || {
            let mut builder = TlsParameters::builder(host.to_string());
            if let Some(ca) = &ca {
                builder = builder
                    .certificate_store(CertificateStore::None)
                    .add_root_certificate(ca.clone());
            }
            builder
                .build()
                .map_err(|e| format!("TLS for the next hop {host}: {e}"))
        };
        let tls = match delivery.next_hop_tls {
            NextHopTls::None => Tls::None,
            NextHopTls::Opportunistic => Tls::Opportunistic(parameters()?),
            NextHopTls::Required => Tls::Required(parameters()?),
            NextHopTls::Wrapper => Tls::Wrapper(parameters()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .tls(tls)
            .hello_name(ClientId::Domain(config.smtp.hostname.clone()))
            .timeout(Some(delivery.timeout.duration()))
            .pool_config(
                PoolConfig::new()
                    .max_size(delivery.concurrency as u32)
                    .idle_timeout(Duration::from_secs(60)),
            );
        if let (Some(user), Some(path)) = (&delivery.username, &delivery.password_file) {
            let password = std::fs::read_to_string(path)
                .map_err(|e| format!("delivery.password_file {}: {e}", path.display()))?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(SmtpDelivery {
            transport: builder.build(),
            relay: delivery.next_hop.clone(),
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
        let result = self.transport.send_raw(&envelope, message).await;
        let replied = result.as_ref().is_err_and(|e| e.status().is_some());
        (outcome(result), replied)
    }
}

fn outcome(result: Result<Response, Error>) -> Outcome {
    match result {
        Ok(response) => Outcome::Sent(describe(&response)),
        Err(e) if e.is_permanent() => Outcome::Failed(describe_error(&e)),
        Err(e) => Outcome::Deferred(describe_error(&e)),
    }
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

/// "250 2.0.0 Ok: queued as X" from a reply.
fn describe(response: &Response) -> String {
    let text: Vec<&str> = response.message().collect();
    one_line(&format!("{} {}", response.code(), text.join(" ")))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
