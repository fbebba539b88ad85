//! Conversion in converter processes, through the real binary: the
//! sandbox holds on this machine, isolated output equals in-process
//! output, and a converter that runs out of memory or time, or crashes,
//! refuses its message with the right reason while the command itself
//! carries on.

mod common;
mod files;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const MUGAI: &str = env!("CARGO_BIN_EXE_mugai");

fn mail_with(name: &str, mime: &str, bytes: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = format!(
        "From: a@example.com\r\nTo: taro@example.lg.jp\r\nSubject: hostile\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee\r\n\
--b\r\nContent-Type: {mime}\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\n"
    )
    .into_bytes();
    for line in encoded.as_bytes().chunks(76) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--b--\r\n");
    out
}

/// `mugai sanitize` on `message` with `config` (a `[sanitize]` TOML).
fn sanitize(dir: &Path, config: &str, message: &[u8], extra: &[&str]) -> Output {
    let cfg = dir.join("mugai.toml");
    std::fs::write(&cfg, config).unwrap();
    let input = dir.join("in.eml");
    std::fs::write(&input, message).unwrap();
    Command::new(MUGAI)
        .args(["sanitize", "--config"])
        .arg(&cfg)
        .args(["--hostname", "mugai.test"])
        .args(extra)
        .arg(&input)
        .env("SOURCE_DATE_EPOCH", "1795000000")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_sandbox_holds_on_this_machine() {
    let out = Command::new(MUGAI).arg("check-sandbox").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    assert!(!text.contains("ALLOWED"), "{text}");
    for what in [
        "network socket",
        "create a file",
        "run another program",
        "signal another",
        "reach the network from a renderer",
    ] {
        assert!(
            text.lines()
                .any(|l| l.contains(what) && l.ends_with("denied")),
            "{what}: {text}"
        );
    }
}

#[test]
fn isolated_output_is_the_in_process_output() {
    let dir = tempfile::tempdir().unwrap();
    for sample in [
        "html-only.eml",
        "plain-iso2022jp.eml",
        "links.eml",
        "forwarded.eml",
    ] {
        let message =
            std::fs::read(format!("{}/samples/{sample}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let isolated = sanitize(dir.path(), "", &message, &[]);
        let in_process = sanitize(dir.path(), "", &message, &["--no-isolation"]);
        assert!(isolated.status.success(), "{sample}: {}", stderr(&isolated));
        assert_eq!(isolated.stdout, in_process.stdout, "{sample}");
    }
    // A refusal is the same refusal.
    let deep = std::fs::read(format!(
        "{}/samples/deep-nesting.eml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let out = sanitize(dir.path(), "", &deep, &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("refused (nesting)"),
        "{}",
        stderr(&out)
    );
}

/// A PNG header for a `side`×`side` RGB image with hardly any data: a
/// decoder allocates the whole image before it reads the pixels.
fn huge_png(side: u32) -> Vec<u8> {
    fn crc(bytes: &[u8]) -> u32 {
        let mut c = 0xffff_ffffu32;
        for &b in bytes {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc(&body).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = side.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    // zlib: one empty stored block.
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff, 0, 0, 0, 1],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

#[test]
fn a_converter_out_of_memory_refuses_the_message() {
    let dir = tempfile::tempdir().unwrap();
    // Limits that let the image through to its decoder; only the
    // converter's address space stops it.
    let config = "[sanitize.attachments]\nconverter_memory_limit = \"64GiB\"\n\
image_max_pixels = 10000000000\nimage_max_side = 60000\n\
[sanitize.isolation]\nmemory_limit = \"256MiB\"\n";
    let message = mail_with("photo.png", "image/png", &huge_png(40_000));
    let out = sanitize(dir.path(), config, &message, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refused (memory-limit)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_converter_out_of_time_is_stopped_and_refuses_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let config = "[sanitize.attachments]\npdf_dpi = 600\npdf_max_pages = 1000\n\
[sanitize.isolation]\ntime_limit = \"1s\"\n";
    let message = mail_with("long.pdf", "application/pdf", &files::text_pdf(300, false));
    let started = Instant::now();
    let out = sanitize(dir.path(), config, &message, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refused (time-limit)"),
        "{}",
        stderr(&out)
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "stopped, not run out"
    );
}

/// The converter processes `mugai` started (children of `parent`).
fn converters_of(parent: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let ppid = stat
            .rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if ppid == Some(parent) && String::from_utf8_lossy(&cmdline).contains("convert-child") {
            found.push(pid);
        }
    }
    found
}

#[test]
fn a_converter_that_crashes_refuses_only_its_message() {
    let dir = tempfile::tempdir().unwrap();
    let config = "[sanitize.attachments]\npdf_dpi = 600\npdf_max_pages = 1000\n";
    std::fs::write(dir.path().join("mugai.toml"), config).unwrap();
    let message = mail_with("long.pdf", "application/pdf", &files::text_pdf(300, false));
    std::fs::write(dir.path().join("in.eml"), &message).unwrap();
    let child = Command::new(MUGAI)
        .args(["sanitize", "--config"])
        .arg(dir.path().join("mugai.toml"))
        .arg(dir.path().join("in.eml"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait (bounded) for the converter to start, then crash it.
    let started = Instant::now();
    let converter = loop {
        if let Some(&pid) = converters_of(child.id()).first() {
            break pid;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no converter started"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    std::thread::sleep(Duration::from_millis(300));
    // SIGABRT, as an abort in a parser raises it (a SIGSEGV sent by kill
    // is ignored by Rust's stack-overflow handler: no fault happened).
    let status = Command::new("kill")
        .args(["-ABRT", &converter.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refused (converter-crashed)"),
        "{}",
        stderr(&out)
    );
}

/// Through `mugai serve`: a message that runs a converter out of time and
/// one that runs it out of memory are each refused with their reason, the
/// recipient gets a notice, and an ordinary message sent after them is
/// delivered.
#[test]
fn serve_survives_converters_that_die() {
    use common::relay::{Relay, config};
    use common::sink::Sink;
    use common::smtp::Client;
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let extra = "[sanitize.attachments]\npdf_max_pages = 1000\n\
converter_memory_limit = \"64GiB\"\nimage_max_pixels = 10000000000\nimage_max_side = 60000\n\
[sanitize.isolation]\ntime_limit = \"2s\"\nmemory_limit = \"512MiB\"\n";
    let relay = Relay::start(dir.path(), &config(dir.path(), sink.addr, "", "", extra));
    let (mut c, _) = Client::connect(relay.addr);
    assert!(c.command("EHLO client.example.com").starts_with("250"));
    for message in [
        mail_with("long.pdf", "application/pdf", &files::text_pdf(1000, false)),
        mail_with("photo.png", "image/png", &huge_png(40_000)),
        "From: a@example.com\r\nSubject: ordinary\r\n\r\nふつうのメール\r\n"
            .as_bytes()
            .to_vec(),
    ] {
        let r = c.send_message("a@example.com", &["taro@example.lg.jp"], &message);
        assert!(r.starts_with("250"), "{r}");
    }
    c.command("QUIT");
    // Two reports, two notices, one ordinary message.
    let got = sink.wait_for(5, Duration::from_secs(120));
    let texts: Vec<String> = got
        .iter()
        .filter(|m| m.to == ["taro@example.lg.jp"])
        .map(|m| common::read_output(&m.data).body)
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("ふつうのメール")),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t.contains("時間の上限")), "{texts:?}");
    assert!(
        texts.iter().any(|t| t.contains("メモリの上限")),
        "{texts:?}"
    );
    let logs = relay.logs().join("\n");
    assert!(logs.contains("refused reason=time-limit"), "{logs}");
    assert!(logs.contains("refused reason=memory-limit"), "{logs}");
}

/// Waits (bounded) until `relay` runs a converter, then a little longer.
fn wait_for_converter(pid: u32) {
    let started = Instant::now();
    while converters_of(pid).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no converter started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
}

/// SIGKILL the relay in the middle of converting a slow message, twice:
/// the first restart tries it once more, the second refuses it unconverted
/// (never a crash loop), and the relay goes on delivering.
#[test]
fn a_relay_killed_during_conversions_is_never_stuck_on_that_message() {
    use common::relay::{Relay, config};
    use common::sink::Sink;
    use common::smtp::Client;
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start();
    let extra = "[sanitize.attachments]\npdf_max_pages = 1000\n\
[sanitize.isolation]\ntime_limit = \"5m\"\n";
    let cfg = config(dir.path(), sink.addr, "", "", extra);
    let mut relay = Relay::start(dir.path(), &cfg);
    let (mut c, _) = Client::connect(relay.addr);
    assert!(c.command("EHLO client.example.com").starts_with("250"));
    let slow = mail_with("long.pdf", "application/pdf", &files::text_pdf(1000, false));
    let r = c.send_message("a@example.com", &["taro@example.lg.jp"], &slow);
    assert!(r.starts_with("250"), "{r}");
    drop(c);
    for round in 1..=2u8 {
        wait_for_converter(relay.pid());
        // The mark of a conversion under way is a digit in the entry's own
        // first line: no file is made beside it.
        let queue = relay.data_dir.join("spool/queue");
        let names: Vec<String> = std::fs::read_dir(&queue)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| !n.ends_with(".state"))
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        let first_line = std::fs::read(queue.join(&names[0])).unwrap();
        let first_line = &first_line[..first_line.iter().position(|&b| b == b'\n').unwrap()];
        assert_eq!(first_line.last(), Some(&(b'0' + round)), "round {round}");
        if round == 1 {
            assert!(!queue.join(format!("{}.state", names[0])).exists());
        }
        relay.kill();
        relay = Relay::start(dir.path(), &cfg);
    }
    relay.wait_for_log(
        "refused reason=converter-crashed",
        1,
        Duration::from_secs(30),
    );
    let (mut c, _) = Client::connect(relay.addr);
    assert!(c.command("EHLO client.example.com").starts_with("250"));
    let r = c.send_message(
        "a@example.com",
        &["taro@example.lg.jp"],
        b"From: a@example.com\r\nSubject: next\r\n\r\nnext message\r\n",
    );
    assert!(r.starts_with("250"), "{r}");
    // The notice for the refused one, its report, and the next message.
    let got = sink.wait_for(3, Duration::from_secs(60));
    let bodies: Vec<String> = got
        .iter()
        .filter(|m| m.to == ["taro@example.lg.jp"])
        .map(|m| common::read_output(&m.data).body)
        .collect();
    assert!(
        bodies.iter().any(|b| b.contains("next message")),
        "{bodies:?}"
    );
    assert!(bodies.iter().any(|b| b.contains("異常終了")), "{bodies:?}");
}
