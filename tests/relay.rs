//! The relay over real sockets: the `mugai serve` binary between a real
//! SMTP client and an SMTP sink of the test's own.

mod common;

use std::time::Duration;

use common::relay::{Relay, config};
use common::sink::{Sink, free_port, start_stalling};
use common::smtp::Client;
use sha2::{Digest, Sha256};

const LIMIT: Duration = Duration::from_secs(30);

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Connects, greets and sends one message; returns the queue reply.
fn submit(relay: &Relay, from: &str, to: &[&str], message: &[u8]) -> String {
    let (mut c, _) = Client::connect(relay.addr);
    ehlo(&mut c);
    let r = c.send_message(from, to, message);
    assert!(r.starts_with("250 2.0.0 Ok: queued as "), "{r}");
    c.command("QUIT");
    r
}

fn ehlo(client: &mut Client) {
    let r = client.command("EHLO client.example.com");
    assert!(r.starts_with("250"), "{r}");
}

#[test]
fn japanese_mail_arrives_sanitized_and_the_original_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let original = common::sample("plain-iso2022jp.eml");

    let (mut client, greeting) = Client::connect(relay.addr);
    assert!(greeting.starts_with("220 mugai.test"), "{greeting}");
    let r = client.command("EHLO client.example.com");
    for extension in [
        "PIPELINING",
        "SIZE 26214400",
        "8BITMIME",
        "SMTPUTF8",
        "ENHANCEDSTATUSCODES",
    ] {
        assert!(r.contains(extension), "{extension} not advertised: {r}");
    }
    assert!(!r.contains("STARTTLS"), "no certificate, no STARTTLS: {r}");
    let r = client.send_message("sender@example.com", &["taro@example.lg.jp"], &original);
    assert!(r.starts_with("250 2.0.0 Ok: queued as "), "{r}");
    let queue_id = r.rsplit(' ').next().unwrap().to_string();
    assert_eq!(client.command("QUIT"), "221 2.0.0 Bye");

    let got = sink.wait_for(1, LIMIT);
    assert_eq!(got[0].from, "sender@example.com");
    assert_eq!(got[0].to, ["taro@example.lg.jp"]);
    assert!(
        got[0].data.ends_with(b"\r\n") && !got[0].data.ends_with(b"\r\n\r\n"),
        "the message is sent as composed, without an added empty line"
    );
    let out = common::read_output(&got[0].data);
    assert_eq!(out.content_type, "text/plain");
    assert!(
        out.header_block.contains("X-Mugai-Sanitized:"),
        "{}",
        out.header_block
    );
    let parsed = mail_parser::MessageParser::default()
        .parse(&got[0].data)
        .unwrap();
    assert_eq!(parsed.subject(), Some("資料送付のお知らせ"));
    assert!(out.body.contains("お世話になっております"), "{}", out.body);

    // The original, byte for byte, under its SHA-256 (CRLF as received).
    let received = common::smtp::dot_unstuffed_crlf(&original);
    let sha = hex_sha256(&received);
    let kept = std::fs::read(relay.data_dir.join(format!("originals/{sha}.orig"))).unwrap();
    let kept = mugai::spool::parse_record(kept).unwrap();
    assert_eq!(kept.message, received);
    assert_eq!(kept.sha256, sha);
    assert_eq!(kept.envelope.sender, "sender@example.com");
    assert_eq!(kept.envelope.recipients, ["taro@example.lg.jp"]);
    assert!(out.header_block.contains(&sha));

    // One log line per stage, keyed by the queue id.
    relay.wait_for_log(&format!("{queue_id}: removed"), 1, LIMIT);
    let logs = relay.logs().join("\n");
    assert!(
        logs.contains(&format!("{queue_id}: from=<sender@example.com> size=")),
        "{logs}"
    );
    assert!(
        logs.contains(&format!("{queue_id}: sanitized actions=")),
        "{logs}"
    );
    assert!(
        logs.contains(&format!(
            "{queue_id}: to=<taro@example.lg.jp> relay={} delay=",
            sink.addr
        )),
        "{logs}"
    );
    assert!(
        logs.contains("status=sent (250 2.0.0 Ok: queued)"),
        "{logs}"
    );
    assert!(
        relay.spool_entries().is_empty(),
        "{:?}",
        relay.spool_entries()
    );
}

#[test]
fn pipelined_commands_get_their_replies_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let (mut client, _) = Client::connect(relay.addr);
    ehlo(&mut client);
    client.write(
        b"MAIL FROM:<a@example.com> BODY=8BITMIME\r\nRCPT TO:<taro@example.lg.jp>\r\n\
RCPT TO:<x@elsewhere.example>\r\nRCPT TO:<hanako@example.lg.jp>\r\nDATA\r\n",
    );
    assert_eq!(client.reply(), "250 2.1.0 Ok");
    assert_eq!(client.reply(), "250 2.1.5 Ok");
    assert!(client.reply().starts_with("550 5.7.1"));
    assert_eq!(client.reply(), "250 2.1.5 Ok");
    assert!(client.reply().starts_with("354"));
    client.write(b"Subject: pipelined\r\n\r\nhello\r\n.\r\nNOOP\r\nQUIT\r\n");
    assert!(client.reply().starts_with("250 2.0.0 Ok: queued as"));
    assert_eq!(client.reply(), "250 2.0.0 Ok");
    assert_eq!(client.reply(), "221 2.0.0 Bye");
    let got = sink.wait_for(1, LIMIT);
    assert_eq!(got[0].to, ["taro@example.lg.jp", "hanako@example.lg.jp"]);
}

#[test]
fn every_refusal_carries_its_code_and_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let smtp = "max_message_size = \"2KiB\"\nmax_recipients = 2\nmax_errors = 100\n";
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, smtp, "", ""));
    let (mut c, _) = Client::connect(relay.addr);

    assert!(
        c.command("MAIL FROM:<a@example.com>")
            .starts_with("503 5.5.1"),
        "MAIL before EHLO"
    );
    ehlo(&mut c);
    assert!(
        c.command("RCPT TO:<taro@example.lg.jp>")
            .starts_with("503 5.5.1"),
        "RCPT before MAIL"
    );
    assert!(
        c.command("DATA").starts_with("503 5.5.1"),
        "DATA before MAIL"
    );
    assert!(
        c.command("FROB").starts_with("500 5.5.1"),
        "unknown command"
    );
    assert!(
        c.command("MAIL FROM:a@example.com")
            .starts_with("501 5.5.4"),
        "no angle brackets"
    );
    assert!(
        c.command(&format!("NOOP {}", "x".repeat(5000)))
            .starts_with("500 5.5.2"),
        "line too long"
    );
    assert!(c.command("VRFY taro").starts_with("252 2.5.2"));
    assert!(c.command("HELP").starts_with("214"));
    let r = c.command("MAIL FROM:<a@example.com> SIZE=999999");
    assert!(
        r.starts_with("552 5.3.4") && r.contains("2048"),
        "SIZE over the limit: {r}"
    );

    assert_eq!(c.command("MAIL FROM:<a@example.com>"), "250 2.1.0 Ok");
    assert!(
        c.command("MAIL FROM:<a@example.com>")
            .starts_with("503 5.5.1"),
        "nested MAIL"
    );
    let r = c.command("RCPT TO:<victim@gmail.com>");
    assert!(
        r.starts_with("550 5.7.1") && r.contains("Relay access denied"),
        "{r}"
    );
    assert!(
        c.command("DATA").starts_with("554 5.5.1"),
        "DATA without recipients"
    );
    assert_eq!(c.command("RCPT TO:<a@example.lg.jp>"), "250 2.1.5 Ok");
    assert_eq!(c.command("RCPT TO:<b@EXAMPLE.LG.JP>"), "250 2.1.5 Ok");
    assert!(
        c.command("RCPT TO:<c@example.lg.jp>")
            .starts_with("452 4.5.3"),
        "third recipient"
    );
    assert!(c.command("DATA").starts_with("354"));
    let mut big = b"Subject: big\r\n\r\n".to_vec();
    for _ in 0..100 {
        big.extend_from_slice(b"0123456789012345678901234567890123456789\r\n");
    }
    c.write(&big);
    let r = c.command(".");
    assert!(r.starts_with("552 5.3.4"), "too big after DATA: {r}");
    assert_eq!(c.command("RSET"), "250 2.0.0 Ok");
    assert_eq!(c.command("QUIT"), "221 2.0.0 Bye");
    assert_eq!(sink.count(), 0);
    assert!(relay.spool_entries().is_empty());
}

#[test]
fn idle_clients_and_too_many_connections_get_421() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let smtp = "idle_timeout = \"1s\"\nmax_connections = 3\nmax_connections_per_ip = 2\n";
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, smtp, "", ""));

    let (mut idle, _) = Client::connect(relay.addr);
    assert!(idle.reply().starts_with("421 4.4.2"), "idle timeout");

    let (_a, g1) = Client::connect(relay.addr);
    let (_b, g2) = Client::connect(relay.addr);
    assert!(g1.starts_with("220") && g2.starts_with("220"));
    let (_c, g3) = Client::connect(relay.addr);
    assert!(
        g3.starts_with("421 4.3.2") && g3.contains("from your address"),
        "{g3}"
    );
    // Another client address: the total limit (3) is not reached yet...
    let other = connect_from("127.0.0.2", relay.addr);
    assert!(other.1.starts_with("220"), "{}", other.1);
    // ...now it is.
    let full = connect_from("127.0.0.3", relay.addr);
    assert!(
        full.1.starts_with("421 4.3.2 Too many connections"),
        "{}",
        full.1
    );
}

/// Connects from a given loopback source address.
fn connect_from(source: &str, to: std::net::SocketAddr) -> (std::net::TcpStream, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let stream = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
        socket.connect(to).await.unwrap().into_std().unwrap()
    });
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(stream.try_clone().unwrap()),
        &mut line,
    )
    .unwrap();
    (stream, line)
}

#[test]
fn a_full_backlog_gets_451_at_mail() {
    let dir = tempfile::tempdir().unwrap();
    let (stalling, _held) = start_stalling();
    let relay = Relay::start(
        dir.path(),
        &config(
            dir.path(),
            stalling,
            "",
            "timeout = \"60s\"\n",
            "[queue]\nmax_backlog = 1\n",
        ),
    );
    submit(
        &relay,
        "a@example.com",
        &["taro@example.lg.jp"],
        b"Subject: one\r\n\r\nfirst\r\n",
    );
    // The first message hangs in delivery, so the backlog is full.
    let (mut c, _) = Client::connect(relay.addr);
    ehlo(&mut c);
    let r = c.command("MAIL FROM:<a@example.com>");
    assert!(r.starts_with("451 4.3.2"), "{r}");
}

/// With less free space than `[storage] min_free`, MAIL gets `452 4.3.1`
/// before any data is sent; the log says so once a minute, not once per
/// client; with the space back, mail flows.
#[test]
fn low_disk_space_gets_452_at_mail_and_one_warning() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let full = config(dir.path(), sink.addr, "", "", "")
        .replace("[storage]\n", "[storage]\nmin_free = \"100000000GiB\"\n");
    let mut relay = Relay::start(dir.path(), &full);
    for _ in 0..3 {
        let (mut c, _) = Client::connect(relay.addr);
        ehlo(&mut c);
        let r = c.command("MAIL FROM:<a@example.com> SIZE=25000000");
        assert!(r.starts_with("452 4.3.1"), "{r}");
        c.command("QUIT");
    }
    let warnings = relay.wait_for_log("new mail gets 452 4.3.1", 1, LIMIT);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("storage.min_free"), "{warnings:?}");
    assert_eq!(
        relay
            .logs()
            .iter()
            .filter(|l| l.contains("452 4.3.1"))
            .count(),
        1,
        "one line for three refusals"
    );
    relay.terminate();
    relay.wait(LIMIT);
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    submit(
        &relay,
        "a@example.com",
        &["taro@example.lg.jp"],
        b"Subject: room\r\n\r\nthere is room again\r\n",
    );
    sink.wait_for(1, LIMIT);
}

/// Text logs: each start-up line once, the queue id once per line (as its
/// first word), times in `[log] timezone` with the offset shown.
#[test]
fn text_logs_name_the_queue_id_once_in_the_operators_zone() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let cfg = config(dir.path(), sink.addr, "", "", "")
        .replace("[log]\n", "[log]\ntimezone = \"Asia/Tokyo\"\n");
    let relay = Relay::start(dir.path(), &cfg);
    let reply = submit(
        &relay,
        "a@example.com",
        &["taro@example.lg.jp"],
        b"Subject: log\r\n\r\nlog lines\r\n",
    );
    let id = reply.rsplit(' ').next().unwrap().trim().to_string();
    sink.wait_for(1, LIMIT);
    relay.wait_for_log(&format!("{id}: removed"), 1, LIMIT);
    let logs = relay.logs();
    let about: Vec<&String> = logs.iter().filter(|l| l.contains(&id)).collect();
    assert!(about.len() >= 4, "{logs:?}");
    for line in &about {
        assert_eq!(line.matches(id.as_str()).count(), 1, "{line}");
        assert!(line.contains("+09:00"), "{line}");
    }
    for startup in ["listening on", "web page on", "configuration"] {
        assert_eq!(
            logs.iter().filter(|l| l.contains(startup)).count(),
            1,
            "{startup}: {logs:?}"
        );
    }
}

#[test]
fn starttls_with_a_test_certificate_and_tls_required() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = test_certificate(dir.path());
    let sink = Sink::start();
    let smtp = format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"\nrequire_tls = true\n",
        cert_path.display(),
        key_path.display()
    );
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, &smtp, "", ""));

    let (mut c, _) = Client::connect(relay.addr);
    let r = c.command("EHLO client.example.com");
    assert!(r.contains("250-STARTTLS"), "{r}");
    assert!(
        c.command("MAIL FROM:<a@example.com>")
            .starts_with("530 5.7.0"),
        "TLS required"
    );

    let reply = mugai::send::send(mugai::send::SendRequest {
        server: format!("localhost:{}", relay.addr.port()),
        from: "a@example.com".into(),
        to: vec!["taro@example.lg.jp".into()],
        message: b"Subject: over TLS\r\n\r\nsecret\r\n".to_vec(),
        starttls: true,
        insecure: true,
        helo: "client.example.com".into(),
    })
    .unwrap();
    assert!(reply.starts_with("250 2.0.0 Ok: queued as"), "{reply}");
    let got = sink.wait_for(1, LIMIT);
    assert!(common::read_output(&got[0].data).body.contains("secret"));
    relay.wait_for_log("tls=TLSv1_3", 1, LIMIT);
}

#[test]
fn next_hop_down_then_up_delivers_after_a_retry() {
    let dir = tempfile::tempdir().unwrap();
    let hop = free_port();
    let relay = Relay::start(
        dir.path(),
        &config(dir.path(), hop, "", "retry_schedule = [\"1s\"]\n", ""),
    );
    submit(
        &relay,
        "a@example.com",
        &["taro@example.lg.jp"],
        &common::sample("plain-shiftjis.eml"),
    );
    relay.wait_for_log("status=deferred", 1, LIMIT);
    // The copy and the state are written just after the line is logged.
    let deadline = std::time::Instant::now() + LIMIT;
    while relay.spool_entries().len() < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        relay.spool_entries().len(),
        3,
        "message, its state and its sanitized copy: {:?}",
        relay.spool_entries()
    );

    let sink = Sink::start_on(hop);
    let got = sink.wait_for(1, LIMIT);
    assert_eq!(got[0].to, ["taro@example.lg.jp"]);
    relay.wait_for_log("status=sent", 1, LIMIT);
    relay.wait_for_log(": removed", 1, LIMIT);
    assert!(
        relay.spool_entries().is_empty(),
        "{:?}",
        relay.spool_entries()
    );
}

#[test]
fn a_refused_recipient_is_reported_to_the_postmaster_not_the_sender() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    sink.behaviour
        .lock()
        .unwrap()
        .unknown_users
        .insert("nobody@example.lg.jp".into());
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    submit(
        &relay,
        "sender@example.com",
        &["taro@example.lg.jp", "nobody@example.lg.jp"],
        b"Subject: two\r\n\r\nhello\r\n",
    );
    let got = sink.wait_for(2, LIMIT);
    let to_taro = got
        .iter()
        .find(|m| m.to == ["taro@example.lg.jp"])
        .expect("taro got it");
    assert_eq!(to_taro.from, "sender@example.com");
    let report = got
        .iter()
        .find(|m| m.to == ["postmaster@example.lg.jp"])
        .expect("a report");
    assert_eq!(report.from, "", "reports use the null sender");
    let text = common::read_output_text(&report.data);
    assert!(
        text.contains("nobody@example.lg.jp") && text.contains("550 5.1.1"),
        "{text}"
    );
    assert!(
        got.iter()
            .all(|m| !m.to.iter().any(|t| t.contains("example.com")))
    );
    relay.wait_for_log("status=failed (550", 1, LIMIT);
}

/// Without request links one transaction carries every recipient: each
/// RCPT's own reply decides that recipient (sent, failed and reported,
/// deferred), with MAIL/RCPT/DATA pipelined when the next hop offers it
/// and one command at a time when it does not.
#[test]
fn each_recipient_of_one_transaction_gets_its_own_outcome() {
    for pipelining in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let sink = Sink::start();
        {
            let mut b = sink.behaviour.lock().unwrap();
            b.unknown_users.insert("nobody@example.lg.jp".into());
            b.busy_users.insert("busy@example.lg.jp".into());
            b.no_pipelining = !pipelining;
        }
        let cfg = config(dir.path(), sink.addr, "", "", "")
            .replace("[admin]\n", "[admin]\nenabled = false\n");
        let relay = Relay::start(dir.path(), &cfg);
        submit(
            &relay,
            "sender@example.com",
            &[
                "taro@example.lg.jp",
                "nobody@example.lg.jp",
                "busy@example.lg.jp",
            ],
            b"Subject: three\r\n\r\nhello\r\n.dot line\r\n",
        );
        let got = sink.wait_for(2, LIMIT);
        let to_taro = got
            .iter()
            .find(|m| m.to == ["taro@example.lg.jp"])
            .expect("taro got it, alone");
        assert!(
            common::read_output(&to_taro.data)
                .body
                .contains(".dot line"),
            "a dot line survives stuffing"
        );
        let report = got
            .iter()
            .find(|m| m.to == ["postmaster@example.lg.jp"])
            .expect("a report");
        let text = common::read_output_text(&report.data);
        assert!(text.contains("nobody@example.lg.jp") && text.contains("550 5.1.1"));
        relay.wait_for_log("to=<busy@example.lg.jp>", 1, LIMIT);
        let busy = relay.wait_for_log("status=deferred (451 4.2.1", 1, LIMIT);
        assert!(busy[0].contains("busy@example.lg.jp"), "{busy:?}");
        let pipelined = sink.behaviour.lock().unwrap().pipelined;
        assert_eq!(pipelined > 0, pipelining, "pipelined commands: {pipelined}");
    }
}

#[test]
fn a_message_the_core_refuses_is_kept_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let (mut c, _) = Client::connect(relay.addr);
    ehlo(&mut c);
    let original = common::sample("deep-nesting.eml");
    let r = c.send_message("sender@example.com", &["taro@example.lg.jp"], &original);
    assert!(r.starts_with("250"), "{r}");
    // The postmaster gets a report, the recipient a notice-only message.
    let got = sink.wait_for(2, LIMIT);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sink.count(), 2);
    let report = got
        .iter()
        .find(|m| m.to == ["postmaster@example.lg.jp"])
        .expect("a report");
    let text = common::read_output_text(&report.data);
    let sha = hex_sha256(&common::smtp::dot_unstuffed_crlf(&original));
    assert!(text.contains(&sha), "{text}");
    let notice = got
        .iter()
        .find(|m| m.to == ["taro@example.lg.jp"])
        .expect("a notice for the recipient");
    let out = common::read_output(&notice.data);
    assert!(
        out.header_block.contains("X-Mugai-Sanitized: refused"),
        "{}",
        out.header_block
    );
    assert!(out.body.contains("お届けしていません"), "{}", out.body);
    assert!(out.body.contains("/r/"), "the request link: {}", out.body);
    assert!(out.attachments.is_empty());
    assert!(
        relay
            .data_dir
            .join(format!("originals/{sha}.orig"))
            .exists()
    );
    relay.wait_for_log(": refused reason=", 1, LIMIT);
}

#[test]
fn a_restart_delivers_everything_left_in_the_spool() {
    let dir = tempfile::tempdir().unwrap();
    let hop = free_port();
    let cfg = config(dir.path(), hop, "", "retry_schedule = [\"1h\"]\n", "");
    let mut first = Relay::start(dir.path(), &cfg);
    let (mut c, _) = Client::connect(first.addr);
    ehlo(&mut c);
    for n in 0..3 {
        let r = c.send_message(
            "a@example.com",
            &["taro@example.lg.jp"],
            format!("Subject: n{n}\r\n\r\nbody {n}\r\n").as_bytes(),
        );
        assert!(r.starts_with("250"), "{r}");
    }
    c.command("QUIT");
    first.wait_for_log("status=deferred", 3, LIMIT);
    first.terminate();
    assert!(first.wait(LIMIT).success(), "SIGTERM exits 0");
    // What a crash leaves beside them: a message whose transfer never
    // ended (its first line still the placeholder), and one whose first
    // line was patched but whose bytes never reached the disk.
    {
        use mugai::spool::{Envelope, Origin, Spool};
        let dirsync = std::sync::Arc::new(mugai::durable::DirSync::start().unwrap());
        let spool = Spool::open(&first.data_dir, dirsync).unwrap();
        let envelope = |id: &str| Envelope {
            queue_id: id.into(),
            sender: "a@example.com".into(),
            recipients: vec!["taro@example.lg.jp".into()],
            client: "192.0.2.1:25".into(),
            helo: "mx".into(),
            tls: None,
            received_at: 1,
            smtputf8: false,
            origin: Origin::Received,
        };
        let mut cut = spool.create(&envelope("0CUT"), 1 << 20).unwrap();
        cut.write(b"Subject: cut\r\n\r\nhalf a mess").unwrap();
        std::mem::forget(cut);
        spool
            .inject(&envelope("0TORN"), b"Subject: torn\r\n\r\nTORN BODY\r\n")
            .unwrap();
        let torn = spool.path("0TORN");
        let mut bytes = std::fs::read(&torn).unwrap();
        let at = bytes.len() - 5;
        bytes[at] = b'X';
        std::fs::write(&torn, bytes).unwrap();
    }

    let sink = Sink::start_on(hop);
    let second = Relay::start(dir.path(), &cfg);
    sink.wait_for(3, LIMIT);
    second.wait_for_log(
        "0CUT: discarding a message whose transfer never ended",
        1,
        LIMIT,
    );
    second.wait_for_log("4 messages resumed", 1, LIMIT);
    second.wait_for_log("0TORN: its bytes do not match its first line", 1, LIMIT);
    second.wait_for_log(": removed", 3, LIMIT);
    assert!(
        second.spool_entries().is_empty(),
        "{:?}",
        second.spool_entries()
    );
    assert!(second.data_dir.join("spool/corrupt/0TORN").exists());
    std::thread::sleep(Duration::from_millis(300));
    let texts: Vec<String> = sink.all().iter().map(|m| m.text()).collect();
    assert_eq!(texts.len(), 3, "only the three whole messages");
    assert!(
        !texts
            .iter()
            .any(|t| t.contains("half a mess") || t.contains("TORN"))
    );
}

#[test]
fn sigterm_lets_a_transaction_finish_and_turns_new_clients_away() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let mut relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", ""));
    let (mut busy, _) = Client::connect(relay.addr);
    ehlo(&mut busy);
    assert!(busy.command("MAIL FROM:<a@example.com>").starts_with("250"));
    let (mut idle, _) = Client::connect(relay.addr);
    ehlo(&mut idle);

    relay.terminate();
    assert!(
        idle.reply().starts_with("421 4.3.2"),
        "idle sessions are closed"
    );
    relay.wait_for_log("stop signal", 1, LIMIT);
    let (_late, greeting) = Client::connect(relay.addr);
    assert!(
        greeting.starts_with("421 4.3.2"),
        "new connection during shutdown: {greeting}"
    );

    assert!(
        busy.command("RCPT TO:<taro@example.lg.jp>")
            .starts_with("250")
    );
    assert!(busy.command("DATA").starts_with("354"));
    busy.write(b"Subject: last\r\n\r\nin flight\r\n");
    assert!(busy.command(".").starts_with("250 2.0.0 Ok: queued"));
    assert!(busy.reply().starts_with("421 4.3.2"));
    assert!(relay.wait(LIMIT).success(), "exit 0 after SIGTERM");
    // Delivered before exit, or left in the spool for the next start.
    assert!(sink.count() == 1 || !relay.spool_entries().is_empty());
}

#[test]
fn maildir_mode_and_json_logs() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        "[smtp]\nlisten = \"127.0.0.1:0\"\nhostname = \"mugai.test\"\naccept_domains = [\"example.lg.jp\"]\n[delivery]\npostmaster = \"postmaster@example.lg.jp\"\n[storage]\ndata_dir = \"{}\"\n[log]\nformat = \"json\"\n",
        dir.path().join("data").display()
    );
    let relay = Relay::start(dir.path(), &cfg);
    submit(
        &relay,
        "a@example.com",
        &["taro@example.lg.jp"],
        &common::sample("html-only.eml"),
    );
    let line = relay.wait_for_log("status=sent", 1, LIMIT).remove(0);
    let json: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
    assert!(
        json["message"].as_str().unwrap().contains("relay=maildir"),
        "{json}"
    );
    let new = relay.data_dir.join("maildir/new");
    let files: Vec<_> = std::fs::read_dir(&new).unwrap().flatten().collect();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(
        text.starts_with("Return-Path: <a@example.com>\r\nDelivered-To: taro@example.lg.jp\r\n")
    );
    assert!(
        text.contains("X-Mugai-Sanitized: text-converted"),
        "sanitized copy only"
    );
    assert!(
        !text.contains("Content-Type: text/html"),
        "sanitized copy only"
    );
}

#[test]
fn a_recipient_that_keeps_failing_is_given_up_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    sink.behaviour
        .lock()
        .unwrap()
        .busy_users
        .insert("busy@example.lg.jp".into());
    let delivery = "retry_schedule = [\"1s\"]\nmax_queue_lifetime = \"2s\"\n";
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", delivery, ""));
    submit(
        &relay,
        "sender@example.com",
        &["taro@example.lg.jp", "busy@example.lg.jp"],
        b"Subject: retry\r\n\r\nhello\r\n",
    );
    // taro once; busy deferred on each attempt until the lifetime is over.
    relay.wait_for_log("status=expired", 1, LIMIT);
    let got = sink.wait_for(2, LIMIT);
    let to_taro = got
        .iter()
        .filter(|m| m.to == ["taro@example.lg.jp"])
        .count();
    assert_eq!(
        to_taro, 1,
        "a delivered recipient is not sent again on retries"
    );
    let report = got
        .iter()
        .find(|m| m.to == ["postmaster@example.lg.jp"])
        .expect("report");
    let text = common::read_output_text(&report.data);
    assert!(
        text.contains("busy@example.lg.jp") && text.contains("451 4.2.1"),
        "{text}"
    );
    assert!(
        relay
            .wait_for_log("status=deferred (451 4.2.1", 2, LIMIT)
            .len()
            >= 2
    );
    relay.wait_for_log(": removed", 2, LIMIT);
}

#[test]
fn delivery_state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    sink.behaviour
        .lock()
        .unwrap()
        .busy_users
        .insert("busy@example.lg.jp".into());
    let cfg = config(dir.path(), sink.addr, "", "retry_schedule = [\"1h\"]\n", "");
    let mut first = Relay::start(dir.path(), &cfg);
    submit(
        &first,
        "sender@example.com",
        &["taro@example.lg.jp", "busy@example.lg.jp"],
        b"Subject: state\r\n\r\nhello\r\n",
    );
    first.wait_for_log("status=deferred", 1, LIMIT);
    first.terminate();
    assert!(first.wait(LIMIT).success());
    assert_eq!(sink.count(), 1);

    sink.behaviour.lock().unwrap().busy_users.clear();
    let second = Relay::start(dir.path(), &cfg);
    second.wait_for_log(": removed", 1, LIMIT);
    let got = sink.all();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        got[1].to,
        ["busy@example.lg.jp"],
        "only the pending recipient is retried"
    );
}

/// Sanitize once per message: a retry delivers the copy made the first
/// time; after a policy change the original is converted again.
#[test]
fn a_retry_delivers_the_kept_copy_unless_the_policy_changed() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    sink.behaviour
        .lock()
        .unwrap()
        .busy_users
        .insert("busy@example.lg.jp".into());
    let delivery = "retry_schedule = [\"1s\", \"1h\"]\n";
    let cfg = config(dir.path(), sink.addr, "", delivery, "");
    let mut first = Relay::start(dir.path(), &cfg);
    submit(
        &first,
        "sender@example.com",
        &["taro@example.lg.jp", "busy@example.lg.jp"],
        &common::sample("attachments-encoded-names.eml"),
    );
    // The first attempt and the one-second retry: converted once.
    first.wait_for_log("status=deferred", 2, LIMIT);
    first.wait_for_log("delivering the kept sanitized copy", 1, LIMIT);
    let converted = |relay: &Relay| {
        relay
            .logs()
            .iter()
            .filter(|l| l.contains(": sanitized actions="))
            .count()
    };
    assert_eq!(converted(&first), 1, "{:?}", first.logs());
    let delivered = sink.all();
    assert_eq!(delivered.len(), 1);
    first.terminate();
    assert!(first.wait(LIMIT).success());

    // The same policy after a restart: still the kept copy.
    sink.behaviour.lock().unwrap().busy_users.clear();
    let mut second = Relay::start(dir.path(), &cfg);
    second.wait_for_log(": removed", 1, LIMIT);
    assert_eq!(converted(&second), 0, "{:?}", second.logs());
    let got = sink.all();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].to, ["busy@example.lg.jp"]);
    second.terminate();
    assert!(second.wait(LIMIT).success());

    // A policy change: the kept copy is not used.
    sink.behaviour
        .lock()
        .unwrap()
        .busy_users
        .insert("busy@example.lg.jp".into());
    let third = Relay::start(dir.path(), &cfg);
    submit(
        &third,
        "sender@example.com",
        &["busy@example.lg.jp"],
        &common::sample("plain-utf8.eml"),
    );
    third.wait_for_log("status=deferred", 1, LIMIT);
    let mut third = third;
    third.terminate();
    assert!(third.wait(LIMIT).success());
    sink.behaviour.lock().unwrap().busy_users.clear();
    let changed = config(
        dir.path(),
        sink.addr,
        "",
        delivery,
        "[sanitize]\nsubject_prefix = \"[外部]\"\n",
    );
    let fourth = Relay::start(dir.path(), &changed);
    fourth.wait_for_log(": removed", 1, LIMIT);
    assert!(
        fourth
            .logs()
            .iter()
            .any(|l| l.contains("policy changed since the copy was made")),
        "{:?}",
        fourth.logs()
    );
    assert_eq!(converted(&fourth), 1);
    let last = sink.all().pop().unwrap();
    let parsed = mail_parser::MessageParser::default()
        .parse(&last.data)
        .unwrap();
    assert!(
        parsed.subject().unwrap().starts_with("[外部]"),
        "{:?}",
        parsed.subject()
    );
    assert!(
        fourth.spool_entries().is_empty(),
        "{:?}",
        fourth.spool_entries()
    );
}

/// A self-signed certificate for "localhost": (certificate, key) PEM files.
fn test_certificate(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    (cert_path, key_path)
}

#[test]
fn delivery_to_the_next_hop_uses_starttls_with_a_private_ca() {
    // mugai B delivers to mugai A (which requires TLS), A to the sink.
    let dir_a = tempfile::tempdir().unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let (cert, key) = test_certificate(dir_a.path());
    let sink = Sink::start();
    let smtp_a = format!(
        "tls_cert = \"{}\"\ntls_key = \"{}\"\nrequire_tls = true\n",
        cert.display(),
        key.display()
    );
    let a = Relay::start(
        dir_a.path(),
        &config(dir_a.path(), sink.addr, &smtp_a, "", ""),
    );
    let hop = format!("localhost:{}", a.addr.port());
    let delivery_b = format!(
        "next_hop_tls = \"required\"\nnext_hop_ca = \"{}\"\n",
        cert.display()
    );
    let cfg_b =
        config(dir_b.path(), a.addr, "", &delivery_b, "").replace(&a.addr.to_string(), &hop);
    let b = Relay::start(dir_b.path(), &cfg_b);
    submit(
        &b,
        "sender@example.com",
        &["taro@example.lg.jp"],
        b"Subject: hop\r\n\r\nvia TLS\r\n",
    );
    let got = sink.wait_for(1, LIMIT);
    assert!(common::read_output_text(&got[0].data).contains("via TLS"));
    a.wait_for_log("tls=TLSv1_3", 1, LIMIT);
    b.wait_for_log(&format!("relay={hop}"), 1, LIMIT);
}

#[test]
fn a_stalled_data_transfer_gets_421() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let smtp = "data_timeout = \"1s\"\n";
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, smtp, "", ""));
    let (mut c, _) = Client::connect(relay.addr);
    ehlo(&mut c);
    assert!(c.command("MAIL FROM:<a@example.com>").starts_with("250"));
    assert!(c.command("RCPT TO:<taro@example.lg.jp>").starts_with("250"));
    assert!(c.command("DATA").starts_with("354"));
    c.write(b"Subject: half\r\n\r\nand then nothing");
    assert!(c.reply().starts_with("421 4.4.2"), "DATA timeout");
    assert!(
        relay.spool_entries().is_empty(),
        "nothing half-received is queued"
    );
    assert_eq!(sink.count(), 0);
}

#[test]
fn delivery_authenticates_at_the_next_hop() {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    sink.behaviour.lock().unwrap().auth = Some(("mugai".into(), "s3cret".into()));
    let password = dir.path().join("password");
    std::fs::write(&password, "s3cret\n").unwrap();
    let delivery = format!(
        "username = \"mugai\"\npassword_file = \"{}\"\n",
        password.display()
    );
    let relay = Relay::start(
        dir.path(),
        &config(dir.path(), sink.addr, "", &delivery, ""),
    );
    submit(
        &relay,
        "a@example.com",
        &["taro@example.lg.jp"],
        b"Subject: auth\r\n\r\nx\r\n",
    );
    let got = sink.wait_for(1, LIMIT);
    assert_eq!(
        got[0].auth.as_deref(),
        Some("mugai"),
        "password file's newline trimmed"
    );
}

#[test]
fn the_send_command_delivers_one_message() {
    let sink = Sink::start();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mugai"))
        .args([
            "send",
            "--server",
            &sink.addr.to_string(),
            "--from",
            "a@example.com",
        ])
        .args(["--to", "taro@example.lg.jp", "--to", "hanako@example.lg.jp"])
        .arg(format!(
            "{}/samples/plain-utf8.eml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "250 2.0.0 Ok: queued"
    );
    let got = sink.wait_for(1, LIMIT);
    assert_eq!(got[0].to, ["taro@example.lg.jp", "hanako@example.lg.jp"]);

    let closed = free_port();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mugai"))
        .args([
            "send",
            "--server",
            &closed.to_string(),
            "--from",
            "a@example.com",
        ])
        .args(["--to", "taro@example.lg.jp", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("mugai: ") && stderr.lines().count() == 1,
        "{stderr}"
    );
}
