//! The command line: `mugai serve`, `mugai sanitize`, `mugai check-config`,
//! `mugai send`, and the quarantine's `mugai quarantine|user|audit …`
//! (in `cli/admin.rs`).
//!
//! Exit status: 0 success; 3 message refused as a whole; 2 usage or I/O
//! error, always with one plain line on stderr.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod admin;
mod logging;

use logging::init_logging;
use sha2::{Digest, Sha256};

use crate::config::{Config, ConfigError, Source};
use crate::sanitize::{self, Stamp};

/// Exit status for a refused message.
pub const EXIT_REFUSED: u8 = 3;
/// Exit status for usage and I/O errors.
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "mugai",
    version,
    about = "無害化 relay: makes internet mail harmless before it reaches the LGWAN side"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the relay: receive by SMTP, sanitize, deliver to the LGWAN side.
    Serve(ServeArgs),
    /// Sanitize one message: read RFC 5322 mail, write the harmless copy.
    Sanitize(SanitizeArgs),
    /// Check a configuration file; prints one line per problem.
    CheckConfig(CheckConfigArgs),
    /// Send one message over SMTP (to try the relay out).
    Send(SendArgs),
    /// Kept originals: list, show, export, release, purge.
    Quarantine {
        #[command(flatten)]
        config: admin::ConfigArg,
        #[command(subcommand)]
        command: admin::QuarantineCommand,
    },
    /// Accounts of the web page: add, passwd, list, disable.
    User {
        #[command(flatten)]
        config: admin::ConfigArg,
        #[command(subcommand)]
        command: admin::UserCommand,
    },
    /// The audit log: verify its chain, show it.
    Audit {
        #[command(flatten)]
        config: admin::ConfigArg,
        #[command(subcommand)]
        command: admin::AuditCommand,
    },
    /// Lock this process down as a converter is, then try what a converter
    /// must never do: shows whether this machine's kernel enforces the sandbox.
    CheckSandbox(CheckSandboxArgs),
    /// A converter process (started by `serve` and `sanitize` themselves).
    #[command(hide = true)]
    ConvertChild,
}

#[derive(Debug, Args)]
struct CheckSandboxArgs {
    /// Configuration file (for `[sanitize.isolation] memory_limit`).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Configuration file; without one, a default for trying mugai out on
    /// one machine (127.0.0.1:2525, example.lg.jp, maildir under ./mugai-data).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct CheckConfigArgs {
    /// The file to check.
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
    /// The same, as an option (like `serve --config`).
    #[arg(long = "config", value_name = "FILE", conflicts_with = "file")]
    config: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct SendArgs {
    /// SMTP server as HOST:PORT.
    #[arg(long, default_value = "127.0.0.1:2525")]
    server: String,
    /// Envelope sender (empty for the null sender).
    #[arg(long)]
    from: String,
    /// Envelope recipient; repeat for more.
    #[arg(long, required = true)]
    to: Vec<String>,
    /// Use STARTTLS (required).
    #[arg(long)]
    starttls: bool,
    /// With --starttls: accept any certificate (self-signed test set-ups).
    #[arg(long)]
    insecure: bool,
    /// Name to give in EHLO.
    #[arg(long, default_value = "localhost")]
    helo: String,
    /// The message to send; standard input when absent or `-`.
    file: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct SanitizeArgs {
    /// The message to read; standard input when absent or `-`.
    input: Option<PathBuf>,
    /// Where to write the sanitized message; standard output when absent or `-`.
    #[arg(short, long, value_name = "OUTPUT")]
    output: Option<PathBuf>,
    /// Also write the report as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    report_json: Option<PathBuf>,
    /// Configuration file (its `[sanitize]` table is used).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Host name for the Received field (default: this machine's name).
    #[arg(long)]
    hostname: Option<String>,
    /// Convert in this process instead of a locked-down converter process
    /// (for debugging: a message that crashes the converter then ends the
    /// command).
    #[arg(long)]
    no_isolation: bool,
}

/// A failure that ends the command with one line on stderr.
struct Failure {
    code: u8,
    message: String,
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: EXIT_USAGE,
        message: message.into(),
    }
}

/// Runs the command line and returns the process exit status.
/// Everything mugai creates (spool, originals, index, audit log, secret
/// key, output files) is readable by its own user only: 0600 files and
/// 0700 directories, whatever umask it was started with. Mail is
/// personal data; the secret key signs request links.
fn private_files() {
    // SAFETY: umask only sets the process's file mode mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

pub fn main() -> ExitCode {
    private_files();
    // One log line instead of Rust's report. The core catches its own
    // panics (the part is removed, the message goes on), but each is a
    // bug, and one outside the core ends the process: never silently.
    std::panic::set_hook(Box::new(|info| tracing::error!("internal error: {info}")));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                    ExitCode::from(EXIT_USAGE)
                } else {
                    ExitCode::SUCCESS
                };
            }
            let text = e.to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or("invalid usage")
                .trim_start_matches("error: ");
            eprintln!("mugai: {first} (see mugai --help)");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let result = match cli.command {
        Command::Serve(args) => run_serve(&args),
        Command::Sanitize(args) => {
            init_logging(None);
            run_sanitize(&args)
        }
        Command::CheckConfig(args) => run_check_config(&args),
        Command::Send(args) => {
            init_logging(None);
            run_send(args)
        }
        Command::Quarantine { config, command } => {
            init_logging(None);
            admin::quarantine(config.path(), command)
        }
        Command::User { config, command } => {
            init_logging(None);
            admin::user(config.path(), command)
        }
        Command::Audit { config, command } => {
            init_logging(None);
            admin::audit(config.path(), command)
        }
        Command::ConvertChild => return crate::isolate::child_main(),
        Command::CheckSandbox(args) => run_check_sandbox(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("mugai: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// Finds the configuration (`--config`, `$MUGAI_CONFIG`,
/// `/etc/mugai/mugai.toml`, the embedded default), says which on stderr,
/// and loads it.
fn configuration(flag: Option<&Path>) -> Result<Config, Failure> {
    let source = Source::find(flag);
    eprintln!("mugai: {source}");
    load(&source)
}

/// Loads the configuration and takes its time zone for what is shown.
fn load(source: &Source) -> Result<Config, Failure> {
    let config = source.load().map_err(|e| usage(e.to_string()))?;
    crate::clock::set_zone(&config.log.timezone).map_err(usage)?;
    Ok(config)
}

/// As [`configuration`] for `mugai sanitize`, a filter that stays silent
/// when it succeeds: it names the file only when it found one by itself
/// (`$MUGAI_CONFIG`, `/etc/mugai/mugai.toml`), which could surprise.
fn filter_configuration(flag: Option<&Path>) -> Result<Config, Failure> {
    let source = Source::find(flag);
    if matches!(source, Source::Env(_) | Source::System(_)) {
        eprintln!("mugai: {source}");
    }
    load(&source)
}

fn run_serve(args: &ServeArgs) -> Result<(), Failure> {
    let source = Source::find(args.config.as_deref());
    let config = load(&source)?;
    init_logging(Some(&config.log));
    tracing::info!("{source}");
    crate::server::serve(config).map_err(usage)
}

fn run_check_config(args: &CheckConfigArgs) -> Result<(), Failure> {
    let source = Source::find(args.file.as_deref().or(args.config.as_deref()));
    let Some(path) = source.path() else {
        return Err(usage(format!(
            "check-config needs a FILE, $MUGAI_CONFIG or {} (see mugai check-config --help)",
            crate::config::locate::SYSTEM
        )));
    };
    match Config::load(path) {
        Ok(_) => {
            println!("{}: ok", path.display());
            Ok(())
        }
        Err(ConfigError::Problems { path, problems }) => {
            for problem in &problems {
                println!("{}: {problem}", path.display());
            }
            Err(usage(format!(
                "{}: {} problem{}",
                path.display(),
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            )))
        }
        Err(e) => {
            println!("{e}");
            Err(usage(format!("{}: not usable", path.display())))
        }
    }
}

fn run_send(args: SendArgs) -> Result<(), Failure> {
    let (message, _, _) = read_input(&args.file, 1 << 30)?;
    let reply = crate::send::send(crate::send::SendRequest {
        server: args.server,
        from: args.from,
        to: args.to,
        message,
        starttls: args.starttls,
        insecure: args.insecure,
        helo: args.helo,
    })
    .map_err(usage)?;
    println!("{reply}");
    Ok(())
}

fn is_stdio(path: &Option<PathBuf>) -> bool {
    path.as_deref().is_none_or(|p| p == Path::new("-"))
}

/// Reads at most `limit + 1` bytes into memory while hashing all of them,
/// so an oversized input costs no more memory than the limit.
fn read_bounded(mut reader: impl Read, limit: u64) -> std::io::Result<(Vec<u8>, String, u64)> {
    let mut kept = Vec::new();
    let mut hasher = Sha256::new();
    let mut total = 0u64;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&chunk[..n]);
        total += n as u64;
        let room = (limit + 1).saturating_sub(kept.len() as u64) as usize;
        kept.extend_from_slice(&chunk[..n.min(room)]);
    }
    let id = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((kept, id, total))
}

/// Reads a file, or standard input for none or `-`, bounded as in
/// [`read_bounded`].
fn read_input(input: &Option<PathBuf>, limit: u64) -> Result<(Vec<u8>, String, u64), Failure> {
    if is_stdio(input) {
        return read_bounded(std::io::stdin().lock(), limit)
            .map_err(|e| usage(format!("cannot read standard input: {e}")));
    }
    let path = input.as_deref().unwrap_or(Path::new("-"));
    std::fs::File::open(path)
        .and_then(|file| read_bounded(file, limit))
        .map_err(|e| usage(format!("cannot read {}: {}", path.display(), io_reason(&e))))
}

fn run_check_sandbox(args: &CheckSandboxArgs) -> Result<(), Failure> {
    let config = configuration(args.config.as_deref())?;
    let limit = config.sanitize.isolation.memory_limit;
    // The renderers' jail first: the probes below lock this process down.
    let jail = config
        .view
        .enabled
        .then(|| crate::render::check_jail(&config));
    let probes = crate::isolate::check_sandbox(limit.bytes())
        .map_err(|e| usage(format!("the sandbox could not be set up: {e}")))?;
    let mut holes = 0;
    for probe in &probes {
        let verdict = match (probe.denied, probe.essential) {
            (true, _) => "denied",
            (false, true) => {
                holes += 1;
                "ALLOWED"
            }
            (false, false) => "allowed (kernel without Landlock; seccomp still denies writes)",
        };
        println!("{:<34} {verdict}", probe.what);
    }
    match &jail {
        Some(Ok(())) => println!("{:<34} denied", "reach the network from a renderer"),
        Some(Err(why)) => {
            holes += 1;
            println!("{:<34} UNAVAILABLE: {why}", "the renderers' jail ([view])");
        }
        None => {}
    }
    if holes > 0 {
        return Err(Failure {
            code: 1,
            message: format!("{holes} of the converter's restrictions do not hold here"),
        });
    }
    println!("the converter sandbox holds (memory_limit {limit})");
    Ok(())
}

fn run_sanitize(args: &SanitizeArgs) -> Result<(), Failure> {
    let config = filter_configuration(args.config.as_deref())?;
    let policy = &config.sanitize;
    let limit = policy.limits.max_message_size.bytes();
    let (bytes, id, size) = read_input(&args.input, limit)?;
    let stamp = Stamp {
        hostname: args.hostname.clone().unwrap_or_else(local_hostname),
        received_at: stamp_time(),
        queue_id: None,
        request_link: None,
    };
    let outcome = if args.no_isolation || !policy.isolation.enabled {
        sanitize::sanitize_with_id(&bytes, id, size, policy, &stamp)
    } else {
        let program = std::env::current_exe().map_err(|e| {
            usage(format!(
                "cannot find this program to start a converter: {e}"
            ))
        })?;
        crate::isolate::Pool::new(program, policy, &[], 1)
            .sanitize(0, &bytes, id, size, &stamp)
            .map_err(|e| usage(format!("cannot start a converter process: {e}")))?
    };
    let report = match &outcome {
        Ok(s) => &s.report,
        Err(r) => &r.report,
    };
    if let Some(path) = &args.report_json {
        write_file(path, format!("{}\n", report.to_json()).as_bytes())?;
    }
    match outcome {
        Ok(sanitized) => {
            tracing::info!(original = %sanitized.report.original_sha256, actions = %sanitized.report.actions_header(), "sanitized");
            if is_stdio(&args.output) {
                let mut out = std::io::stdout().lock();
                out.write_all(&sanitized.message)
                    .and_then(|()| out.flush())
                    .map_err(|e| {
                        usage(format!("cannot write standard output: {}", io_reason(&e)))
                    })?;
            } else if let Some(path) = &args.output {
                write_file(path, &sanitized.message)?;
            }
            Ok(())
        }
        Err(refused) => {
            let r = &refused.report;
            Err(Failure {
                code: EXIT_REFUSED,
                message: format!(
                    "refused ({}): {}",
                    r.reason.map(|c| c.as_str()).unwrap_or("structure"),
                    r.detail.as_deref().unwrap_or("")
                ),
            })
        }
    }
}

/// Writes a file whole or not at all: a temporary file beside it, then
/// rename. A device or a pipe already at `path` (`-o /dev/null`, a FIFO)
/// is written to as it is: renaming a file over it would replace the
/// device node itself (run as root, `-o /dev/null` once left a regular
/// file in its place for every other program on the machine).
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let fail = |e: std::io::Error| {
        usage(format!(
            "cannot write {}: {}",
            path.display(),
            io_reason(&e)
        ))
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(usage(format!(
                "cannot write {}: it is a directory",
                path.display()
            )));
        }
        Ok(meta) if !meta.is_file() => {
            return std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|mut f| f.write_all(bytes))
                .map_err(fail);
        }
        _ => {}
    }
    let file_name = path
        .file_name()
        .ok_or_else(|| usage(format!("cannot write {}: not a file name", path.display())))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(())
}

/// The OS error text without Rust's "(os error N)" suffix.
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(p) => text[..p].to_string(),
        None => text,
    }
}

fn local_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// Now, or `SOURCE_DATE_EPOCH` for reproducible output.
fn stamp_time() -> i64 {
    if let Some(epoch) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return epoch;
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
