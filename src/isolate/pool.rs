//! The relay's side: a pool of converter processes of the same binary,
//! started on demand up to `processes`, each reused for `max_jobs`
//! messages. A message goes to an idle converter as one frame; the answer
//! must come back within `time_limit` or the converter is killed. A
//! converter that dies takes only its message with it: the message is
//! refused with `converter-crashed`, `time-limit` or `memory-limit`, and
//! the next one gets a fresh process.

use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::frame::{self, Deadline};
use super::{Done, Extra, Init, Job, MAX_BODY, PictureSource, Task};
use crate::policy::Policy;
use crate::sanitize::attach::pictures::Pictures;
use crate::sanitize::{Extracted, RefusalCode, Refused, Report, Sanitized, Stamp};

/// Size asked for the pipes to and from a converter: 1 MiB, the most an
/// unprivileged process may ask by default (`fs.pipe-max-size`).
const PIPE_SIZE: libc::c_int = 1 << 20;

/// Last bytes of a converter's standard error kept, to tell why it died.
const STDERR_TAIL: usize = 16 * 1024;

/// One converter process.
struct Converter {
    process: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
    stderr: Option<JoinHandle<Vec<u8>>>,
    jobs: u32,
}

impl Converter {
    /// Kills the process (if still running) and returns how it ended and
    /// the end of what it wrote to standard error.
    fn end(mut self, kill: bool) -> (Option<std::process::ExitStatus>, String) {
        if kill {
            let _ = self.process.kill();
        }
        drop(self.stdin);
        let status = self.process.wait().ok();
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        (status, String::from_utf8_lossy(&stderr).into_owned())
    }
}

/// The converter processes of one relay (or one `mugai sanitize`).
pub struct Pool {
    program: PathBuf,
    init: Init,
    font: Arc<Vec<u8>>,
    max: usize,
    time_limit: Duration,
    max_jobs: u32,
    idle: Mutex<(Vec<Converter>, usize)>,
    freed: Condvar,
}

impl Pool {
    /// A pool running `program` (this binary) under `policy` (and, for
    /// jobs that name one, `tenants`), with at most `max` converters.
    pub fn new(program: PathBuf, policy: &Policy, tenants: &[Policy], max: usize) -> Pool {
        let isolation = &policy.isolation;
        let (font, font_index) = match &policy.attachments.fonts.cjk {
            Some((bytes, index)) => (Arc::clone(bytes), Some(*index)),
            None => (Arc::new(Vec::new()), None),
        };
        Pool {
            program,
            init: Init {
                policy: policy.clone(),
                tenants: tenants.to_vec(),
                font_index,
                memory_limit: isolation.memory_limit.bytes(),
                cpu_limit: isolation.cpu_limit.0,
            },
            font,
            max: max.max(1),
            time_limit: isolation.time_limit.duration(),
            max_jobs: isolation.max_jobs.max(1),
            idle: Mutex::new((Vec::new(), 0)),
            freed: Condvar::new(),
        }
    }

    /// Starts a converter and waits until it has locked itself down.
    fn spawn(&self) -> io::Result<Converter> {
        let mut process = Command::new(&self.program)
            .arg("convert-child")
            .env_clear()
            // One malloc arena: each extra one reserves 64 MiB of address
            // space, which counts against memory_limit.
            .env("MALLOC_ARENA_MAX", "1")
            // Freed memory stays for the next message instead of going back
            // to the kernel and faulting in again (memory_limit still caps
            // it; max_jobs renews the process).
            .env("MALLOC_MMAP_THRESHOLD_", "33554432")
            .env("MALLOC_TRIM_THRESHOLD_", "67108864")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let (Some(mut stdin), Some(stdout), Some(mut stderr)) = (
            process.stdin.take(),
            process.stdout.take(),
            process.stderr.take(),
        ) else {
            let _ = process.kill();
            let _ = process.wait();
            return Err(io::Error::other("converter pipes missing"));
        };
        // A message crosses each pipe in one go instead of 64 KiB at a
        // time (each a switch between relay and converter).
        for fd in [stdin.as_raw_fd(), stdout.as_raw_fd()] {
            // SAFETY: F_SETPIPE_SZ on a pipe descriptor we own; a refusal
            // (above /proc/sys/fs/pipe-max-size) leaves the default size.
            unsafe { libc::fcntl(fd, libc::F_SETPIPE_SZ, PIPE_SIZE) };
        }
        let stderr = std::thread::Builder::new()
            .name("convert-stderr".into())
            .spawn(move || {
                let mut tail = Vec::new();
                let mut buf = [0u8; 4096];
                while let Ok(n) = stderr.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    tail.extend_from_slice(&buf[..n]);
                    if tail.len() > STDERR_TAIL {
                        tail.drain(..tail.len() - STDERR_TAIL);
                    }
                }
                tail
            })?;
        let sent = frame::write(&mut stdin, &self.init, &self.font);
        let mut converter = Converter {
            process,
            stdin,
            stdout,
            stderr: Some(stderr),
            jobs: 0,
        };
        let ready = sent.and_then(|()| {
            frame::read::<String>(
                &mut Deadline {
                    inner: &mut converter.stdout,
                    deadline: Instant::now() + Duration::from_secs(30),
                },
                0,
            )
        });
        match ready {
            Ok(Some(frame)) if frame.header == "ready" => Ok(converter),
            other => {
                let (_, stderr) = converter.end(true);
                Err(io::Error::other(format!(
                    "the converter did not start ({}): {}",
                    match other {
                        Err(e) => e.to_string(),
                        _ => "no answer".into(),
                    },
                    stderr.trim()
                )))
            }
        }
    }

    /// An idle converter, or a new one while fewer than `max` run.
    fn take(&self) -> io::Result<Converter> {
        let mut guard = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(converter) = guard.0.pop() {
                return Ok(converter);
            }
            if guard.1 < self.max {
                guard.1 += 1;
                drop(guard);
                return self.spawn().inspect_err(|_| self.gone());
            }
            guard = self.freed.wait(guard).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn give_back(&self, converter: Converter) {
        let mut guard = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        guard.0.push(converter);
        self.freed.notify_one();
    }

    /// A converter ended: room for a new one.
    fn gone(&self) {
        let mut guard = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        guard.1 = guard.1.saturating_sub(1);
        self.freed.notify_one();
    }

    /// Sanitizes one message in a converter. `Err` only when no converter
    /// could be run at all (the message should be tried again later); a
    /// converter that dies refuses the message.
    /// Converts `original` under policy `policy` (0: the default; n: the
    /// n-th tenant's).
    pub fn sanitize(
        &self,
        policy: usize,
        original: &[u8],
        id: String,
        size: u64,
        stamp: &Stamp,
    ) -> io::Result<Result<Sanitized, Refused>> {
        self.sanitize_given(policy, original, id, size, stamp, Extra::default())
    }

    /// As [`Pool::sanitize`], given more: a password for one part (it
    /// crosses the pipe and nothing else), a picture of the layout.
    pub fn sanitize_given(
        &self,
        policy: usize,
        original: &[u8],
        id: String,
        size: u64,
        stamp: &Stamp,
        extra: Extra,
    ) -> io::Result<Result<Sanitized, Refused>> {
        let job = Job {
            policy,
            id: id.clone(),
            size,
            stamp: stamp.clone(),
            unlock: extra.unlock,
            task: Task::Sanitize,
            snapshot_len: extra.snapshot.as_ref().map(|s| s.len() as u64),
        };
        // The picture travels after the original in the same body.
        let body = match &extra.snapshot {
            Some(snapshot) => std::borrow::Cow::Owned([original, snapshot].concat()),
            None => std::borrow::Cow::Borrowed(original),
        };
        let answer = match self.exchange(job, &body)? {
            Ok(answer) => answer,
            Err((code, detail)) => {
                let mut report = Report::new(id, size);
                report.outcome = crate::sanitize::Outcome::Refused;
                report.reason = Some(code);
                report.detail = Some(detail);
                return Ok(Err(Refused {
                    report: Box::new(report),
                }));
            }
        };
        Ok(match answer.header {
            Done::Sanitized {
                sanitized,
                text_len,
            } => {
                let mut sanitized = *sanitized;
                let mut message = answer.body;
                let split = message.len().saturating_sub(text_len as usize);
                let text = message.split_off(split);
                sanitized.text = String::from_utf8(text).unwrap_or_default();
                sanitized.message = message;
                Ok(sanitized)
            }
            Done::Refused(refused) => Err(refused),
            other => Err(Refused {
                report: Box::new(Report::new(format!("unexpected answer {other:?}"), size)),
            }),
        })
    }

    /// Takes part `part` out of `original` (画面で見る), under policy
    /// `policy`. `Ok(Err(why))` when it cannot be shown.
    pub fn extract(
        &self,
        policy: usize,
        original: &[u8],
        part: &str,
    ) -> io::Result<Result<Extracted, String>> {
        let job = Job::task(policy, Task::Extract { part: part.into() });
        Ok(match self.exchange(job, original)? {
            Ok(answer) => match answer.header {
                Done::Extracted { kind, name } => Ok(Extracted {
                    kind,
                    name,
                    bytes: answer.body,
                }),
                Done::Failed(why) => Err(why),
                other => Err(format!("unexpected answer {other:?}")),
            },
            Err((_, why)) => Err(why),
        })
    }

    /// Pictures of `bytes`: the pages of a PDF, or an image (a
    /// screenshot when `screenshot`) cut into pieces.
    pub fn pictures(
        &self,
        policy: usize,
        bytes: &[u8],
        source: PictureSource,
    ) -> io::Result<Result<Pictures, String>> {
        let job = Job::task(policy, Task::Pictures(source));
        Ok(match self.exchange(job, bytes)? {
            Ok(answer) => match answer.header {
                Done::Pictures { lengths, total } => {
                    let mut pages = Vec::with_capacity(lengths.len());
                    let mut rest = answer.body.as_slice();
                    for length in lengths {
                        let length = (length as usize).min(rest.len());
                        let (page, tail) = rest.split_at(length);
                        pages.push(page.to_vec());
                        rest = tail;
                    }
                    Ok(Pictures { pages, total })
                }
                Done::Failed(why) => Err(why),
                other => Err(format!("unexpected answer {other:?}")),
            },
            Err((_, why)) => Err(why),
        })
    }

    /// Sends one job to a converter and reads its answer. `Err` only when
    /// no converter could be run at all; `Ok(Err(..))` when the converter
    /// died or ran out of time (it is gone, and why is said).
    fn exchange(
        &self,
        job: Job,
        body: &[u8],
    ) -> io::Result<Result<frame::Frame<Done>, (RefusalCode, String)>> {
        let mut converter = self.take()?;
        converter.jobs += 1;
        let id = job.id.clone();
        let started = Instant::now();
        let written = frame::write(&mut converter.stdin, &job, body);
        drop(job);
        let answer = written.and_then(|()| {
            // Buffered for this one answer (nothing follows it in the
            // pipe): its header comes in one read, not three.
            frame::read::<Done>(
                &mut std::io::BufReader::with_capacity(
                    64 * 1024,
                    Deadline {
                        inner: &mut converter.stdout,
                        deadline: started + self.time_limit,
                    },
                ),
                MAX_BODY,
            )
        });
        let outcome = match answer {
            Ok(Some(frame)) => {
                if converter.jobs >= self.max_jobs {
                    converter.end(false);
                    self.gone();
                } else {
                    self.give_back(converter);
                }
                return Ok(Ok(frame));
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                let _ = converter.end(true);
                (
                    RefusalCode::TimeLimit,
                    format!(
                        "the conversion took longer than time_limit {}s; the converter was stopped",
                        self.time_limit.as_secs()
                    ),
                )
            }
            _ => {
                let (status, stderr) = converter.end(true);
                died(status, &stderr)
            }
        };
        self.gone();
        tracing::warn!(
            "{id}: converter process ended after {:.1}s: {}",
            started.elapsed().as_secs_f64(),
            outcome.1
        );
        Ok(Err(outcome))
    }
}

/// Why a converter died, from its exit and its last words.
fn died(status: Option<std::process::ExitStatus>, stderr: &str) -> (RefusalCode, String) {
    let signal = status.and_then(|s| s.signal());
    if stderr.contains("memory allocation of") {
        return (
            RefusalCode::MemoryLimit,
            "the conversion needed more memory than memory_limit".into(),
        );
    }
    match signal {
        Some(libc::SIGXCPU) => (
            RefusalCode::TimeLimit,
            "the conversion used more CPU time than cpu_limit".into(),
        ),
        // Not ours (we kill only on time-outs): the kernel's OOM killer.
        Some(libc::SIGKILL) => (
            RefusalCode::MemoryLimit,
            "the converter was killed for lack of memory".into(),
        ),
        _ => {
            let what = if stderr.contains("overflowed its stack") {
                "a stack overflow".to_string()
            } else {
                match (signal, status.and_then(|s| s.code())) {
                    (Some(signal), _) => format!("signal {signal}"),
                    (None, Some(code)) => format!("exit code {code}"),
                    _ => "no status".to_string(),
                }
            };
            (
                RefusalCode::ConverterCrashed,
                format!("the converter process died ({what})"),
            )
        }
    }
}
