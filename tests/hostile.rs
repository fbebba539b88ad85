//! Hostile senders against the real `mugai serve`: SMTP smuggling, bare
//! line ends, pipelining after DATA, routing local parts, and (further
//! down) hostile text and files. After each attack the relay must still
//! deliver an ordinary message.

mod common;

use std::time::Duration;

use common::relay::{Relay, config};
use common::sink::Sink;
use common::smtp::Client;

const LIMIT: Duration = Duration::from_secs(30);

/// Every published way to end DATA early (SMTP smuggling, 2023 and
/// after), as bytes between the first message's body and the smuggled
/// commands.
const SMUGGLING_ENDS: &[&[u8]] = &[
    b"\n.\n",
    b"\r\n.\n",
    b"\n.\r\n",
    b"\r.\r",
    b"\r\n.\r",
    b"\r.\r\n",
    b"\r\n\x00.\r\n",
    b"\r\n.\x00\r\n",
    b"\n.\r",
    b"\r.\n",
    b"\r\n.\r\r\n",
];

/// True when `bytes` has a CR or LF that is not part of a CRLF.
fn has_bare_line_end(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(i, &b)| {
        (b == b'\n' && (i == 0 || bytes[i - 1] != b'\r'))
            || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
    })
}

fn ehlo(client: &mut Client) {
    let r = client.command("EHLO client.example.com");
    assert!(r.starts_with("250"), "{r}");
}

/// Sends one ordinary message and returns the reply to its final dot.
fn ordinary(relay: &Relay, subject: &str) -> String {
    let (mut c, _) = Client::connect(relay.addr);
    ehlo(&mut c);
    let message = format!("From: a@example.com\r\nSubject: {subject}\r\n\r\nふつうのメール\r\n");
    let r = c.send_message("a@example.com", &["taro@example.lg.jp"], message.as_bytes());
    c.command("QUIT");
    r
}

/// One DATA carrying `end` and then a forged second transaction; returns
/// the reply to the DATA and the reply that follows it (to our QUIT).
fn smuggle(relay: &Relay, end: &[u8]) -> (String, String) {
    let (mut c, _) = Client::connect(relay.addr);
    ehlo(&mut c);
    assert_eq!(
        c.command("MAIL FROM:<attacker@evil.example>"),
        "250 2.1.0 Ok"
    );
    assert_eq!(c.command("RCPT TO:<taro@example.lg.jp>"), "250 2.1.5 Ok");
    assert!(c.command("DATA").starts_with("354"));
    let mut data = b"From: attacker@evil.example\r\nSubject: cover\r\n\r\ncover text".to_vec();
    data.extend_from_slice(end);
    data.extend_from_slice(
        b"MAIL FROM:<mayor@example.lg.jp>\r\nRCPT TO:<taro@example.lg.jp>\r\nDATA\r\n\
From: mayor@example.lg.jp\r\nSubject: forged\r\n\r\nsmuggled\r\n",
    );
    data.extend_from_slice(b"\r\n.\r\n");
    c.write(&data);
    let data_reply = c.reply();
    let next = c.command("QUIT");
    (data_reply, next)
}

#[test]
fn smuggled_end_of_data_is_refused_whole_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let mut accepted = 0;
    for end in SMUGGLING_ENDS {
        let (data_reply, next) = smuggle(&relay, end);
        if has_bare_line_end(end) {
            assert!(
                data_reply.starts_with("554 5.5.2") && data_reply.contains("bare CR or LF"),
                "{end:?}: {data_reply}"
            );
        } else {
            // NUL tricks have only CRLF line ends: one ordinary message
            // whose content holds the would-be commands.
            assert!(
                data_reply.starts_with("250 2.0.0 Ok: queued"),
                "{end:?}: {data_reply}"
            );
            accepted += 1;
        }
        assert_eq!(next, "221 2.0.0 Bye", "{end:?}: smuggled commands ran");
    }
    assert!(accepted < SMUGGLING_ENDS.len());
    assert!(ordinary(&relay, "after the attacks").starts_with("250 2.0.0 Ok: queued"));
    sink.wait_for(accepted + 1, LIMIT);
    std::thread::sleep(Duration::from_millis(300));
    let got = sink.all();
    assert_eq!(got.len(), accepted + 1, "never a second message per DATA");
    assert!(got.iter().any(|m| m.text().contains("after the attacks")));
    assert!(got.iter().all(|m| m.from != "mayor@example.lg.jp"));
    let logs = relay.logs().join("\n");
    assert!(
        logs.contains("NOQUEUE: reject: DATA from 127.0.0.1")
            && logs.contains("bare CR or LF")
            && logs.contains("from=<attacker@evil.example>"),
        "{logs}"
    );
    assert_eq!(
        logs.matches(" size=").count(),
        accepted + 1,
        "nothing refused was queued:\n{logs}"
    );
}

#[test]
fn normalized_bare_line_ends_never_end_data() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let smtp = "bare_newline = \"normalize\"\n";
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, smtp, "", ""));
    for end in SMUGGLING_ENDS {
        let (data_reply, next) = smuggle(&relay, end);
        assert!(
            data_reply.starts_with("250 2.0.0 Ok: queued"),
            "{end:?}: {data_reply}"
        );
        assert_eq!(next, "221 2.0.0 Bye", "{end:?}: smuggled commands ran");
    }
    assert!(ordinary(&relay, "after the attacks").starts_with("250 2.0.0 Ok: queued"));
    let n = SMUGGLING_ENDS.len() + 1;
    sink.wait_for(n, LIMIT);
    std::thread::sleep(Duration::from_millis(300));
    let got = sink.all();
    assert_eq!(got.len(), n, "one message per DATA, never a second one");
    for message in &got {
        assert_ne!(message.from, "mayor@example.lg.jp", "a forged envelope");
        let text = common::read_output(&message.data);
        assert!(
            !text.header_block.contains("forged"),
            "{}",
            text.header_block
        );
    }
    // The smuggled lines are content of the cover message.
    let covers = got
        .iter()
        .filter(|m| common::read_output(&m.data).body.contains("smuggled"))
        .count();
    assert_eq!(covers, SMUGGLING_ENDS.len());
}

#[test]
fn bare_line_ends_in_commands_and_pipelining_after_data_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let (mut c, _) = Client::connect(relay.addr);
    ehlo(&mut c);
    c.write(b"NOOP\n");
    assert!(c.reply().starts_with("500 5.5.2"), "bare LF command");
    c.write(b"MAIL FROM:<a@example.com>\rRCPT TO:<taro@example.lg.jp>\r\n");
    assert!(
        c.reply().starts_with("500 5.5.2"),
        "bare CR inside a command"
    );
    assert_eq!(c.command("NOOP"), "250 2.0.0 Ok", "the session goes on");
    // A client that sends the message before our 354.
    c.write(
        b"MAIL FROM:<a@example.com>\r\nRCPT TO:<taro@example.lg.jp>\r\nDATA\r\n\
Subject: early\r\n\r\ntoo early\r\n.\r\nMAIL FROM:<mayor@example.lg.jp>\r\n",
    );
    assert_eq!(c.reply(), "250 2.1.0 Ok");
    assert_eq!(c.reply(), "250 2.1.5 Ok");
    let r = c.reply();
    assert!(r.starts_with("554 5.5.0"), "{r}");
    assert_eq!(c.reply(), "", "the connection is closed");
    assert!(ordinary(&relay, "afterwards").starts_with("250 2.0.0 Ok: queued"));
    sink.wait_for(1, LIMIT);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sink.count(), 1);
    let logs = relay.logs().join("\n");
    assert!(
        logs.contains("NOQUEUE: reject: DATA from 127.0.0.1"),
        "{logs}"
    );
    assert!(logs.contains("improper command pipelining"), "{logs}");

    // normalize: the same command lines are read as CRLF.
    let dir = tempfile::tempdir().unwrap();
    let smtp = "bare_newline = \"normalize\"\n";
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, smtp, "", ""));
    let (mut c, _) = Client::connect(relay.addr);
    c.write(b"EHLO client.example.com\n");
    assert!(c.reply().starts_with("250"));
    c.write(b"MAIL FROM:<a@example.com>\rRCPT TO:<taro@example.lg.jp>\r\n");
    assert_eq!(c.reply(), "250 2.1.0 Ok");
    assert_eq!(c.reply(), "250 2.1.5 Ok");
}

#[test]
fn routing_local_parts_are_refused_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let (mut c, _) = Client::connect(relay.addr);
    ehlo(&mut c);
    assert_eq!(c.command("MAIL FROM:<a@example.com>"), "250 2.1.0 Ok");
    for rcpt in [
        "<victim%gmail.example@example.lg.jp>",
        "<gmail.example!victim@example.lg.jp>",
        "<\"victim@gmail.example\"@example.lg.jp>",
        "<@example.lg.jp:victim@example.lg.jp>",
        "<@a.example,@b.example:victim@example.lg.jp>",
    ] {
        let r = c.command(&format!("RCPT TO:{rcpt}"));
        assert!(
            r.starts_with("550 5.1.3") && r.contains("does not relay"),
            "{rcpt}: {r}"
        );
    }
    let r = c.command("RCPT TO:<victim@gmail.example>");
    assert!(r.starts_with("550 5.7.1"), "{r}");
    assert_eq!(
        c.command("RCPT TO:<taro.yamada+x@example.lg.jp>"),
        "250 2.1.5 Ok"
    );
    c.command("QUIT");
    let logs = relay.logs().join("\n");
    assert_eq!(
        logs.matches("NOQUEUE: reject: RCPT from 127.0.0.1").count(),
        6,
        "{logs}"
    );
    assert!(
        logs.contains("from=<a@example.com> helo=<client.example.com>"),
        "{logs}"
    );

    // Allowed by configuration: the next hop decides.
    let dir = tempfile::tempdir().unwrap();
    let smtp = "allow_routing_localparts = true\n";
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, smtp, "", ""));
    let (mut c, _) = Client::connect(relay.addr);
    ehlo(&mut c);
    assert_eq!(c.command("MAIL FROM:<a@example.com>"), "250 2.1.0 Ok");
    assert_eq!(
        c.command("RCPT TO:<user%host@example.lg.jp>"),
        "250 2.1.5 Ok"
    );
}
