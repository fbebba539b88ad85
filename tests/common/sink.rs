//! An SMTP sink of the tests' own: the "LGWAN-side mail server". It
//! records every message it accepts and can be told to refuse some
//! recipients, to answer 4xx to everything, or to stall.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
    /// The user name the client authenticated as.
    pub auth: Option<String>,
}

impl Received {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// How the sink answers.
#[derive(Debug, Default, Clone)]
pub struct Behaviour {
    /// Recipients refused with 550 5.1.1.
    pub unknown_users: HashSet<String>,
    /// Recipients answered 451 4.2.1 (mailbox busy), again and again.
    pub busy_users: HashSet<String>,
    /// Answer 451 to MAIL.
    pub tempfail: bool,
    /// Offer AUTH PLAIN and require this user name and password.
    pub auth: Option<(String, String)>,
    /// Do not offer PIPELINING (the client must wait for each reply).
    pub no_pipelining: bool,
    /// Commands that arrived together in one read, after the first:
    /// more than zero only when the client pipelines.
    pub pipelined: usize,
}

pub struct Sink {
    pub addr: SocketAddr,
    pub messages: Arc<Mutex<Vec<Received>>>,
    pub behaviour: Arc<Mutex<Behaviour>>,
}

impl Sink {
    /// Listens on an ephemeral loopback port.
    pub fn start() -> Sink {
        Sink::start_on("127.0.0.1:0".parse().unwrap())
    }

    /// Listens on `addr` (a port chosen earlier, for "next hop comes up").
    pub fn start_on(addr: SocketAddr) -> Sink {
        let listener = TcpListener::bind(addr).expect("sink binds");
        let addr = listener.local_addr().unwrap();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let behaviour = Arc::new(Mutex::new(Behaviour::default()));
        let (m, b) = (Arc::clone(&messages), Arc::clone(&behaviour));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (m, b) = (Arc::clone(&m), Arc::clone(&b));
                std::thread::spawn(move || {
                    let _ = session(stream, &m, &b);
                });
            }
        });
        Sink {
            addr,
            messages,
            behaviour,
        }
    }

    pub fn count(&self) -> usize {
        self.messages.lock().unwrap().len()
    }

    pub fn all(&self) -> Vec<Received> {
        self.messages.lock().unwrap().clone()
    }

    /// Waits (at most `limit`) until the sink holds `n` messages.
    pub fn wait_for(&self, n: usize, limit: Duration) -> Vec<Received> {
        let start = Instant::now();
        while self.count() < n && start.elapsed() < limit {
            std::thread::sleep(Duration::from_millis(20));
        }
        let all = self.all();
        assert!(
            all.len() >= n,
            "sink got {} of {n} messages in {limit:?}",
            all.len()
        );
        all
    }
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Accepts connections and never answers: a next hop that hangs.
pub fn start_stalling() -> (SocketAddr, Arc<Mutex<Vec<TcpStream>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let held = Arc::new(Mutex::new(Vec::new()));
    let h = Arc::clone(&held);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            h.lock().unwrap().push(stream);
        }
    });
    (addr, held)
}

fn session(
    stream: TcpStream,
    messages: &Mutex<Vec<Received>>,
    behaviour: &Mutex<Behaviour>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut out = stream.try_clone()?;
    let mut input = BufReader::new(stream);
    out.write_all(b"220 sink.test ESMTP\r\n")?;
    let mut from = String::new();
    let mut to = Vec::new();
    let mut authenticated: Option<String> = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line).trim_end().to_string();
        let upper = text.to_ascii_uppercase();
        if !input.buffer().is_empty() {
            behaviour.lock().unwrap().pipelined += 1;
        }
        let required = behaviour.lock().unwrap().auth.clone();
        let reply: String = if upper.starts_with("EHLO") {
            let auth = if required.is_some() {
                "250-AUTH PLAIN\r\n"
            } else {
                ""
            };
            let pipelining = if behaviour.lock().unwrap().no_pipelining {
                ""
            } else {
                "250-PIPELINING\r\n"
            };
            format!(
                "250-sink.test\r\n{auth}{pipelining}250-8BITMIME\r\n250-SMTPUTF8\r\n250 ENHANCEDSTATUSCODES"
            )
        } else if upper.starts_with("AUTH PLAIN ") {
            use base64::Engine;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(text[11..].trim())
                .unwrap_or_default();
            let fields: Vec<String> = decoded
                .split(|&b| b == 0)
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            match (&required, fields.as_slice()) {
                (Some((user, pass)), [_, u, p]) if u == user && p == pass => {
                    authenticated = Some(u.clone());
                    "235 2.7.0 Authentication successful".into()
                }
                _ => "535 5.7.8 Authentication credentials invalid".into(),
            }
        } else if upper.starts_with("MAIL FROM:") && required.is_some() && authenticated.is_none() {
            "530 5.7.0 Authentication required".into()
        } else if upper.starts_with("HELO") {
            "250 sink.test".into()
        } else if upper.starts_with("MAIL FROM:") {
            if behaviour.lock().unwrap().tempfail {
                "451 4.3.0 Try again later".into()
            } else {
                from = address(&text[10..]);
                to.clear();
                "250 2.1.0 Ok".into()
            }
        } else if upper.starts_with("RCPT TO:") {
            let rcpt = address(&text[8..]);
            let b = behaviour.lock().unwrap().clone();
            if b.unknown_users.contains(&rcpt) {
                "550 5.1.1 User unknown".into()
            } else if b.busy_users.contains(&rcpt) {
                "451 4.2.1 Mailbox busy".into()
            } else {
                to.push(rcpt);
                "250 2.1.5 Ok".into()
            }
        } else if upper == "DATA" && to.is_empty() {
            "554 5.5.1 Error: no valid recipients".into()
        } else if upper == "DATA" {
            out.write_all(b"354 go ahead\r\n")?;
            let mut data = Vec::new();
            loop {
                line.clear();
                if input.read_until(b'\n', &mut line)? == 0 {
                    return Ok(());
                }
                if line == b".\r\n" {
                    break;
                }
                let unstuffed = if line.starts_with(b"..") {
                    &line[1..]
                } else {
                    &line[..]
                };
                data.extend_from_slice(unstuffed);
            }
            messages.lock().unwrap().push(Received {
                from: from.clone(),
                to: std::mem::take(&mut to),
                data,
                auth: authenticated.clone(),
            });
            "250 2.0.0 Ok: queued".into()
        } else if upper == "RSET" || upper == "NOOP" {
            "250 2.0.0 Ok".into()
        } else if upper == "QUIT" {
            out.write_all(b"221 2.0.0 Bye\r\n")?;
            return Ok(());
        } else {
            "502 5.5.2 Not implemented".into()
        };
        out.write_all(reply.as_bytes())?;
        out.write_all(b"\r\n")?;
    }
}

fn address(text: &str) -> String {
    let start = text.find('<').map(|i| i + 1).unwrap_or(0);
    let end = text[start..]
        .find('>')
        .map(|i| start + i)
        .unwrap_or(text.len());
    text[start..end].to_string()
}
