//! The `mugai sanitize` command as a user runs it: real files, real
//! processes, each exit status.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_mugai");

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mugai starts");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn stderr_line(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(
        text.lines().count(),
        1,
        "exactly one line on stderr: {text:?}"
    );
    text
}

#[test]
fn sanitizes_a_file_to_stdout_with_exit_0() {
    let input = samples().join("plain-iso2022jp.eml");
    let out = run(&["sanitize", input.to_str().unwrap()], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("X-Mugai-Original: "), "{text}");
    assert!(text.contains("Content-Type: text/plain; charset=utf-8"));
}

#[test]
fn reads_stdin_and_writes_output_and_report_files() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.eml");
    let report = dir.path().join("report.json");
    let input = std::fs::read(samples().join("attachments-encoded-names.eml")).unwrap();
    for stdin_arg in [None, Some("-")] {
        let mut args = vec!["sanitize"];
        args.extend(stdin_arg);
        args.extend([
            "-o",
            output.to_str().unwrap(),
            "--report-json",
            report.to_str().unwrap(),
        ]);
        let out = run(&args, Some(&input));
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty());
        let written = std::fs::read(&output).unwrap();
        assert!(written.starts_with(b"Received: "));
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        assert_eq!(json["outcome"], "sanitized");
        assert_eq!(
            json["original_sha256"].as_str().unwrap(),
            mugai::sanitize::original_id(&input)
        );
        let names: Vec<&str> = json["parts"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["filename"].as_str())
            .collect();
        assert!(names.contains(&"請求書.pdf"), "{names:?}");
        std::fs::remove_file(&output).unwrap();
    }
}

#[test]
fn output_to_a_pipe_or_device_writes_into_it_and_leaves_it_in_place() {
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    // A FIFO stands in for /dev/null: renaming a file over a device node
    // is what the bug did, and a test must not risk the machine's own.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("out.fifo");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid path string; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    // Held open for reading and writing: mugai's open does not block, and
    // the pipe keeps what it writes (a small message fits its buffer).
    let mut reader = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let input = samples().join("plain-iso2022jp.eml");
    let out = run(
        &[
            "sanitize",
            input.to_str().unwrap(),
            "-o",
            fifo.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    let mut written = vec![0u8; 1 << 16];
    let n = reader.read(&mut written).unwrap();
    assert!(written[..n].starts_with(b"Received: "));
    // A directory is refused in one line, not replaced.
    let out = run(
        &[
            "sanitize",
            input.to_str().unwrap(),
            "-o",
            dir.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_line(&out).contains("it is a directory"));
    assert!(dir.path().is_dir());
}

#[test]
fn refused_message_exits_3_and_writes_nothing_to_output() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.eml");
    let report = dir.path().join("report.json");
    let input = samples().join("deep-nesting.eml");
    let out = run(
        &[
            "sanitize",
            input.to_str().unwrap(),
            "-o",
            output.to_str().unwrap(),
            "--report-json",
            report.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(3));
    let line = stderr_line(&out);
    assert!(line.contains("refused (nesting)"), "{line}");
    assert!(!output.exists(), "nothing may be written to OUTPUT");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(json["outcome"], "refused");
    assert_eq!(json["reason"], "nesting");
}

#[test]
fn garbage_input_is_refused_not_a_crash() {
    let out = run(
        &["sanitize"],
        Some(&[0u8, 1, 2, 3, 0xff, 0xfe, b'\n', 7, 8]),
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr_line(&out).contains("refused (header)"));
    assert!(out.stdout.is_empty());
}

#[test]
fn oversized_input_is_refused_with_size() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("mugai.toml");
    std::fs::write(&config, "[sanitize.limits]\nmax_message_size = \"1KiB\"\n").unwrap();
    let big = format!(
        "From: a@example.com\r\nSubject: x\r\n\r\n{}\r\n",
        "x".repeat(4000)
    );
    let out = run(
        &["sanitize", "--config", config.to_str().unwrap()],
        Some(big.as_bytes()),
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr_line(&out).contains("refused (size)"));
}

#[test]
fn usage_and_io_errors_exit_2_with_one_line() {
    let out = run(&["sanitize", "/nonexistent/mail.eml"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_line(&out).contains("cannot read /nonexistent/mail.eml"));

    let out = run(&["sanitize", "--no-such-flag"], None);
    assert_eq!(out.status.code(), Some(2));
    stderr_line(&out);

    let out = run(&["frobnicate"], None);
    assert_eq!(out.status.code(), Some(2));
    stderr_line(&out);

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[sanitize]\nlinks = \"sometimes\"\n").unwrap();
    let out = run(
        &["sanitize", "--config", config.to_str().unwrap()],
        Some(b"From: a@b\r\n\r\nx"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_line(&out).contains("line 2"));

    let input = samples().join("plain-utf8.eml");
    let out = run(
        &[
            "sanitize",
            input.to_str().unwrap(),
            "-o",
            "/nonexistent/dir/out.eml",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_line(&out).contains("cannot write"));

    // States are checked where they are typed, before any data is read.
    let out = run(&["quarantine", "list", "--state", "kep"], None);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("kept, requested, released, purged"), "{text}");
}

#[test]
fn config_file_changes_links_language_and_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("mugai.toml");
    std::fs::write(
        &config,
        "[sanitize]\nlinks = \"remove\"\nnotice_language = \"en\"\nsubject_prefix = \"[EXT]\"\n",
    )
    .unwrap();
    let input = samples().join("links.eml");
    let out = run(
        &[
            "sanitize",
            input.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let message = mail_parser::MessageParser::default()
        .parse(&out.stdout)
        .unwrap();
    let body = message.body_text(0).unwrap();
    assert!(body.contains("[URL removed]"), "{body}");
    assert!(body.starts_with("[Sanitized]"), "{body}");
    assert!(!body.contains("example.com"), "{body}");
    assert!(message.subject().unwrap().starts_with("[EXT] "));
}

#[test]
fn check_config_prints_one_line_per_problem_and_accepts_the_example() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[smtp]\nlisten = \"nowhere\"\nhostname = \"mx\"\naccept_domains = []\n[delivery]\nmode = \"smtp\"\nnext_hop = \"lgwan\"\npostmaster = \"pm@x\"\n[storage]\ndata_dir = \"/d\"\n",
    )
    .unwrap();
    let out = run(&["check-config", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with(&format!("{}: ", path.display())))
    );
    assert!(
        lines[0].contains("smtp.listen") && lines[2].contains("delivery.next_hop"),
        "{stdout}"
    );
    assert_eq!(
        stderr_line(&out).trim_end(),
        format!("mugai: {}: 3 problems", path.display())
    );

    // The shipped examples are valid: one node, and the two cluster nodes.
    for example in [
        "mugai.example.toml",
        "cluster/node-a.toml",
        "cluster/node-b.toml",
    ] {
        let example = format!("{}/deploy/{example}", env!("CARGO_MANIFEST_DIR"));
        let out = run(&["check-config", &example], None);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{example}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(String::from_utf8_lossy(&out.stdout).ends_with(": ok\n"));
    }

    std::fs::write(&path, "[smtp]\nlisten = 5\n").unwrap();
    let out = run(&["check-config", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("line 2") && stdout.lines().count() == 1,
        "{stdout}"
    );

    // A configured CJK font must exist and be a font; attachment actions
    // must fit their kind.
    std::fs::write(
        &path,
        "[sanitize.attachments]\ncjk_font = \"/nonexistent/font.ttf\"\n",
    )
    .unwrap();
    let out = run(&["check-config", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("sanitize.attachments.cjk_font /nonexistent/font.ttf"),
        "{stdout}"
    );
    std::fs::write(&path, "[sanitize.attachments]\npdf = \"unpack\"\n").unwrap();
    let out = run(&["check-config", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("sanitize.attachments.pdf = \"unpack\" is not possible"),
        "{stdout}"
    );
}

/// Commands find their configuration at --config, $MUGAI_CONFIG, then
/// /etc/mugai/mugai.toml, and say which; a read-only command never creates
/// a data directory (an empty quarantine would hide a wrong configuration).
#[test]
fn commands_say_which_configuration_and_read_only_ones_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let in_dir = |args: &[&str], env: Option<&Path>| {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .current_dir(dir.path())
            .env_remove("MUGAI_CONFIG");
        if let Some(path) = env {
            command.env("MUGAI_CONFIG", path);
        }
        command.stdin(Stdio::null()).output().unwrap()
    };
    for args in [
        &["quarantine", "list"][..],
        &["quarantine", "show", "X"],
        &["user", "list"],
        &["audit", "verify"],
        &["audit", "show"],
    ] {
        let out = in_dir(args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let text = String::from_utf8_lossy(&out.stderr);
        if !Path::new(mugai::config::locate::SYSTEM).exists() {
            assert!(text.contains("the embedded default"), "{text}");
        }
        assert!(text.contains("no data directory at"), "{text}");
        assert!(
            !dir.path().join("mugai-data").exists(),
            "{args:?} created it"
        );
    }
    let config = dir.path().join("relay.toml");
    let data = dir.path().join("relay-data");
    std::fs::write(
        &config,
        format!("[storage]\ndata_dir = \"{}\"\n", data.display()),
    )
    .unwrap();
    let out = in_dir(&["check-config"], Some(&config));
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("relay.toml: ok"));
    let out = in_dir(&["quarantine", "list"], Some(&config));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains(&format!(
            "configuration {} ($MUGAI_CONFIG)",
            config.display()
        )),
        "{text}"
    );
    assert!(text.contains(&data.display().to_string()), "{text}");
    // A command that writes creates it, and then the reader finds it.
    let out = in_dir(&["quarantine", "purge"], Some(&config));
    assert!(out.status.success(), "{out:?}");
    let out = in_dir(&["quarantine", "list"], Some(&config));
    assert!(out.status.success(), "{out:?}");
}
