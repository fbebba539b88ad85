//! `mugai send`: one message to an SMTP server, for trying the relay out
//! and for scripts. Prints the server's final reply.

use std::time::Duration;

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// What to send and where.
pub struct SendRequest {
    pub server: String,
    pub from: String,
    pub to: Vec<String>,
    pub message: Vec<u8>,
    pub starttls: bool,
    /// Accept any certificate (test set-ups with self-signed ones).
    pub insecure: bool,
    pub helo: String,
}

/// The message with every line end (CR, LF or CRLF) written as CRLF, as
/// SMTP requires: files saved on Unix end lines with LF, and a server that
/// refuses bare line ends (mugai's default) would refuse them.
pub fn crlf_line_ends(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 32 + 2);
    let mut i = 0;
    while let Some(p) = memchr::memchr2(b'\r', b'\n', &message[i..]) {
        out.extend_from_slice(&message[i..i + p]);
        out.extend_from_slice(b"\r\n");
        let crlf = message[i + p] == b'\r' && message.get(i + p + 1) == Some(&b'\n');
        i += p + if crlf { 2 } else { 1 };
    }
    out.extend_from_slice(&message[i..]);
    out
}

/// Sends and returns the server's reply, or one line saying what failed.
pub fn send(mut request: SendRequest) -> Result<String, String> {
    request.message = crlf_line_ends(&request.message);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(send_async(request))
}

async fn send_async(request: SendRequest) -> Result<String, String> {
    let (host, port) = request
        .server
        .rsplit_once(':')
        .and_then(|(h, p)| {
            Some((
                h.trim_matches(['[', ']']).to_string(),
                p.parse::<u16>().ok()?,
            ))
        })
        .ok_or_else(|| format!("--server {:?} is not host:port", request.server))?;
    let from = if request.from.is_empty() {
        None
    } else {
        Some(
            request
                .from
                .parse::<Address>()
                .map_err(|e| format!("--from {:?}: {e}", request.from))?,
        )
    };
    let to = request
        .to
        .iter()
        .map(|t| t.parse::<Address>().map_err(|e| format!("--to {t:?}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let envelope = Envelope::new(from, to).map_err(|e| e.to_string())?;
    let tls = if request.starttls {
        let parameters = TlsParameters::builder(host.clone())
            .dangerous_accept_invalid_certs(request.insecure)
            .dangerous_accept_invalid_hostnames(request.insecure)
            .build()
            .map_err(|e| format!("TLS: {e}"))?;
        Tls::Required(parameters)
    } else {
        Tls::None
    };
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .tls(tls)
        .hello_name(ClientId::Domain(request.helo))
        .timeout(Some(Duration::from_secs(60)))
        .build();
    let response = transport
        .send_raw(&envelope, &request.message)
        .await
        .map_err(|e| format!("{}: {e}", request.server))?;
    let text: Vec<&str> = response.message().collect();
    Ok(format!("{} {}", response.code(), text.join(" ")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_line_end_becomes_crlf() {
        assert_eq!(
            super::crlf_line_ends(b"a\nb\rc\r\nd\n\re"),
            b"a\r\nb\r\nc\r\nd\r\n\r\ne".to_vec()
        );
    }
}
