//! The client against scripted servers on loopback: what it writes and
//! how it reads what a server says, including servers that misbehave.

use std::time::Duration;

use super::*;
use tokio::io::AsyncBufReadExt;
use tokio::net::TcpListener;

/// A server that sends `greeting` plus an EHLO reply offering `ehlo`,
/// then answers each later line with `answer(line)` (None: no answer,
/// e.g. message lines). Returns its address and everything it read.
async fn server(
    ehlo: &'static str,
    answer: fn(&str, bool) -> Option<&'static str>,
) -> (std::net::SocketAddr, tokio::task::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (read, mut write) = stream.into_split();
        let mut read = tokio::io::BufReader::new(read);
        write.write_all(b"220 test ESMTP\r\n").await.unwrap();
        let mut seen = Vec::new();
        let mut in_data = false;
        loop {
            let mut line = String::new();
            let read_one = tokio::time::timeout(Duration::from_secs(10), read.read_line(&mut line));
            match read_one.await {
                Ok(Ok(n)) if n > 0 => {}
                _ => return seen,
            }
            let line = line.trim_end_matches(['\r', '\n']).to_string();
            seen.push(line.clone());
            let reply = if line.starts_with("EHLO") {
                Some(ehlo)
            } else {
                if in_data && line == "." {
                    in_data = false;
                }
                let reply = answer(&line, in_data);
                if reply.is_some_and(|r| r.starts_with("354")) {
                    in_data = true;
                }
                reply
            };
            if let Some(reply) = reply {
                write.write_all(reply.as_bytes()).await.unwrap();
            }
        }
    });
    (addr, task)
}

fn settings(addr: std::net::SocketAddr) -> Settings {
    Settings {
        host: addr.ip().to_string(),
        port: addr.port(),
        hello: "mugai.test".into(),
        tls: Tls::None,
        credentials: None,
    }
}

/// Opens a connection to `addr` and sends `body` from s@example.com to
/// a@example.lg.jp on it.
async fn one_message(
    addr: std::net::SocketAddr,
    body: &[u8],
) -> (Connection, Result<Transaction, Failure>) {
    let mut c = Connection::open(&settings(addr)).await.unwrap();
    let sent = c
        .send("s@example.com", &["a@example.lg.jp".into()], body)
        .await;
    (c, sent)
}

const PIPELINING: &str = "250-test\r\n250-PIPELINING\r\n250 8BITMIME\r\n";

#[tokio::test]
async fn pipelined_commands_leave_together_and_a_dot_line_is_doubled() {
    let (addr, seen) = server(PIPELINING, |line, in_data| match line {
        _ if in_data => None,
        "." => Some("250 2.0.0 Ok: queued as A\r\n"),
        "DATA" => Some("354 go\r\n"),
        l if l.starts_with("RCPT TO:<no@") => Some("550 5.1.1 unknown\r\n"),
        _ => Some("250 2.1.0 Ok\r\n"),
    })
    .await;
    let mut c = Connection::open(&settings(addr)).await.unwrap();
    let to = [
        "a@example.lg.jp".to_string(),
        "no@example.lg.jp".to_string(),
    ];
    let t = c
        .send("s@example.com", &to, b"Subject: x\r\n\r\n.line\r\n")
        .await
        .unwrap();
    assert!(t.mail.is_positive());
    assert!(t.rcpt[0].as_ref().unwrap().is_positive());
    assert_eq!(t.rcpt[1].as_ref().unwrap().code, 550);
    assert_eq!(t.data.unwrap().line(), "250 2.0.0 Ok: queued as A");
    drop(c);
    let seen = seen.await.unwrap();
    assert_eq!(
        seen[1..],
        [
            "MAIL FROM:<s@example.com>",
            "RCPT TO:<a@example.lg.jp>",
            "RCPT TO:<no@example.lg.jp>",
            "DATA",
            "Subject: x",
            "",
            "..line",
            "."
        ]
    );
}

#[tokio::test]
async fn a_server_that_says_354_with_no_recipient_gets_an_empty_message() {
    let (addr, seen) = server(PIPELINING, |line, in_data| match line {
        _ if in_data => None,
        "." => Some("250 2.0.0 nothing\r\n"),
        "DATA" => Some("354 go\r\n"),
        l if l.starts_with("RCPT") => Some("550 5.1.1 unknown\r\n"),
        _ => Some("250 Ok\r\n"),
    })
    .await;
    let mut c = Connection::open(&settings(addr)).await.unwrap();
    let t = c
        .send("", &["no@example.lg.jp".to_string()], b"secret body\r\n")
        .await
        .unwrap();
    assert_eq!(t.data.unwrap().code, 554);
    assert!(!c.is_broken(), "RSET made it ready again");
    drop(c);
    let seen = seen.await.unwrap();
    assert!(!seen.iter().any(|l| l.contains("secret")), "{seen:?}");
    assert_eq!(seen[1], "MAIL FROM:<>");
    assert!(seen.ends_with(&[".".into(), "RSET".into()]), "{seen:?}");
}

#[tokio::test]
async fn multi_line_replies_are_joined_and_garbage_breaks_the_connection() {
    let (addr, _) = server(PIPELINING, |line, _| match line {
        l if l.starts_with("MAIL") => Some("451-4.3.0 first\r\n451 4.3.0 second\r\n"),
        "RSET" => Some("250 Ok\r\n"),
        _ => Some("hello there\r\n"),
    })
    .await;
    let (c, r) = one_message(addr, b"x\r\n").await;
    // MAIL's reply is read; the RCPT reply that follows is garbage.
    assert!(matches!(r, Err(Failure::Io(_))), "{r:?}");
    assert!(c.is_broken());
    let (addr, _) = server(PIPELINING, |line, _| match line {
        l if l.starts_with("MAIL") => Some("451-4.3.0 first\r\n451 4.3.0 second\r\n"),
        l if l.starts_with("RCPT") => Some("503 5.5.1 no MAIL\r\n"),
        "DATA" => Some("503 5.5.1 no RCPT\r\n"),
        _ => Some("250 Ok\r\n"),
    })
    .await;
    let (_, t) = one_message(addr, b"x\r\n").await;
    let t = t.unwrap();
    assert_eq!(t.mail.line(), "451 4.3.0 first 4.3.0 second");
}

#[tokio::test]
async fn endless_reply_lines_are_cut_off() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let line = vec![b'2'; 64 * 1024];
        let _ = stream.write_all(&line).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
    let opened = Connection::open(&settings(addr)).await;
    assert!(matches!(opened, Err(Failure::Io(_))));
}

#[tokio::test]
async fn without_8bitmime_8bit_mail_is_not_sent() {
    let (addr, _) = server("250 test\r\n", |_, _| Some("250 Ok\r\n")).await;
    let (c, r) = one_message(addr, "件名\r\n".as_bytes()).await;
    assert!(matches!(r, Err(Failure::Unable(_))), "{r:?}");
    assert!(!c.is_broken());
}

#[tokio::test]
async fn a_421_ends_the_connection_for_reuse() {
    let (addr, _) = server(PIPELINING, |line, _| match line {
        l if l.starts_with("MAIL") => Some("421 4.3.2 shutting down\r\n"),
        l if l.starts_with("RCPT") => Some("503 5.5.1 no MAIL\r\n"),
        "DATA" => Some("503 5.5.1 no RCPT\r\n"),
        _ => Some("250 Ok\r\n"),
    })
    .await;
    let (c, t) = one_message(addr, b"x\r\n").await;
    let t = t.unwrap();
    assert_eq!(t.mail.code, 421);
    assert!(c.is_broken(), "not put back in the pool");
}
