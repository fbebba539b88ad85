//! The converter process (`mugai convert-child`, started by the relay or
//! by `mugai sanitize`): reads its policy and the CJK font, locks itself
//! down (`sandbox`), then converts one message per frame on a thread with
//! a large stack, until its input ends.

use std::io::{self, BufReader, BufWriter};
use std::process::ExitCode;
use std::sync::Arc;

use super::sandbox;
use super::{Done, Init, Job, MAX_BODY, PictureSource, Task};
use crate::policy::Policy;
use crate::sanitize;

/// Stack of the converting thread: deep but bounded structures (MIME to
/// `max_depth`, HTML to `max_html_depth`) parse without overflowing it.
/// (It counts against `memory_limit`, as every mapping does.)
const STACK: usize = 32 << 20;

/// Runs the converter on standard input and output.
pub fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mugai convert-child: {e}");
            ExitCode::from(2)
        }
    }
}

/// The answer to a sanitize job.
fn sanitized_answer(result: Result<sanitize::Sanitized, sanitize::Refused>) -> (Done, Vec<u8>) {
    match result {
        Ok(mut sanitized) => {
            let mut body = std::mem::take(&mut sanitized.message);
            let text = std::mem::take(&mut sanitized.text);
            body.extend_from_slice(text.as_bytes());
            let text_len = text.len() as u64;
            (
                Done::Sanitized {
                    sanitized: Box::new(sanitized),
                    text_len,
                },
                body,
            )
        }
        Err(refused) => (Done::Refused(refused), Vec::new()),
    }
}

/// The answer to a pictures job: the PNG files one after another.
fn pictures_answer(bytes: &[u8], source: PictureSource, policy: &Policy) -> (Done, Vec<u8>) {
    use crate::sanitize::attach::{Budget, pictures};
    let limits = &policy.attachments;
    let budget = Budget::new(
        limits.converter_time_limit.duration(),
        limits.converter_memory_limit.bytes(),
    );
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match source {
        PictureSource::Pdf { max_pages } => {
            pictures::pdf(bytes, limits, &budget, max_pages as usize)
        }
        PictureSource::Image {
            piece_height,
            screenshot,
        } => pictures::image(bytes, limits, &budget, piece_height, screenshot),
    }));
    match drawn {
        Ok(Ok(drawn)) => {
            let lengths = drawn.pages.iter().map(|p| p.len() as u64).collect();
            (
                Done::Pictures {
                    lengths,
                    total: drawn.total,
                },
                drawn.pages.concat(),
            )
        }
        Ok(Err(failure)) => (Done::Failed(failure.into_reason().1), Vec::new()),
        Err(_) => (Done::Failed("the renderer failed".into()), Vec::new()),
    }
}

fn run() -> io::Result<()> {
    let mut input = BufReader::with_capacity(1 << 16, io::stdin());
    let mut output = BufWriter::with_capacity(1 << 16, io::stdout());
    let Some(init) = super::frame::read::<Init>(&mut input, MAX_BODY)? else {
        return Ok(());
    };
    let Init {
        policy,
        tenants,
        font_index,
        memory_limit,
        cpu_limit,
    } = init.header;
    let mut policies: Vec<Policy> = std::iter::once(policy).chain(tenants).collect();
    if let Some(index) = font_index {
        let font = Arc::new(init.body);
        for policy in &mut policies {
            policy.attachments.fonts.cjk = Some((Arc::clone(&font), index));
        }
    }
    sandbox::restrict(memory_limit)?;
    super::frame::write(&mut output, &"ready", &[])?;
    // Frames are read and written on the converting thread, which
    // inherits every restriction above.
    let worker = std::thread::Builder::new()
        .name("convert".into())
        .stack_size(STACK)
        .spawn(move || -> io::Result<()> {
            while let Some(job) = super::frame::read::<Job>(&mut input, MAX_BODY)? {
                sandbox::allow_cpu(cpu_limit)?;
                let Job {
                    policy,
                    id,
                    size,
                    stamp,
                    unlock,
                    task,
                    snapshot_len,
                } = job.header;
                // An index the relay never sends: the default policy, not
                // a crash (every tenant policy is at least as strict).
                let policy = policies.get(policy).unwrap_or(&policies[0]);
                let (done, body) = match task {
                    Task::Sanitize => {
                        let split = job
                            .body
                            .len()
                            .saturating_sub(snapshot_len.unwrap_or(0) as usize);
                        let (original, snapshot) = job.body.split_at(split);
                        let given = sanitize::Given {
                            unlock: unlock.as_ref(),
                            snapshot: snapshot_len.map(|_| snapshot),
                        };
                        let result =
                            sanitize::sanitize_given(original, id, size, policy, &stamp, given);
                        sanitized_answer(result)
                    }
                    Task::Extract { part } => match sanitize::extract(&job.body, &part, policy) {
                        Ok(extracted) => (
                            Done::Extracted {
                                kind: extracted.kind,
                                name: extracted.name,
                            },
                            extracted.bytes,
                        ),
                        Err(why) => (Done::Failed(why), Vec::new()),
                    },
                    Task::Pictures(source) => pictures_answer(&job.body, source, policy),
                };
                super::frame::write(&mut output, &done, &body)?;
            }
            Ok(())
        })?;
    worker
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("the converter stopped")))
}
