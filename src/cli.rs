//! The command line: `mugai sanitize …` (more commands come with the relay).
//!
//! Exit status: 0 success; 3 message refused as a whole; 2 usage or I/O
//! error, always with one plain line on stderr.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use sha2::{Digest, Sha256};

use crate::config::Config;
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
    /// Sanitize one message: read RFC 5322 mail, write the harmless copy.
    Sanitize(SanitizeArgs),
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
pub fn main() -> ExitCode {
    // The core catches its own panics; keep their default report off stderr.
    std::panic::set_hook(Box::new(|info| tracing::debug!("caught panic: {info}")));
    init_logging();
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
        Command::Sanitize(args) => run_sanitize(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("mugai: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MUGAI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
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

fn run_sanitize(args: &SanitizeArgs) -> Result<(), Failure> {
    let config = match &args.config {
        Some(path) => Config::load(path).map_err(|e| usage(e.to_string()))?,
        None => Config::default(),
    };
    let policy = &config.sanitize;
    let limit = policy.limits.max_message_size.bytes();
    let (bytes, id, size) = if is_stdio(&args.input) {
        read_bounded(std::io::stdin().lock(), limit)
            .map_err(|e| usage(format!("cannot read standard input: {e}")))?
    } else {
        let path = args.input.as_deref().unwrap_or(Path::new("-"));
        let file = std::fs::File::open(path)
            .map_err(|e| usage(format!("cannot read {}: {}", path.display(), io_reason(&e))))?;
        read_bounded(file, limit)
            .map_err(|e| usage(format!("cannot read {}: {}", path.display(), io_reason(&e))))?
    };
    let stamp = Stamp {
        hostname: args.hostname.clone().unwrap_or_else(local_hostname),
        received_at: stamp_time(),
        queue_id: None,
    };
    let outcome = sanitize::sanitize_with_id(&bytes, id, size, policy, &stamp);
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

/// Writes a file whole or not at all: a temporary file beside it, then rename.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let fail = |e: std::io::Error| {
        usage(format!(
            "cannot write {}: {}",
            path.display(),
            io_reason(&e)
        ))
    };
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
