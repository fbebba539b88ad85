//! The converter process (`mugai convert-child`, started by the relay or
//! by `mugai sanitize`): reads its policy and the CJK font, locks itself
//! down (`sandbox`), then converts one message per frame on a thread with
//! a large stack, until its input ends.

use std::io::{self, BufReader, BufWriter};
use std::process::ExitCode;
use std::sync::Arc;

use super::sandbox;
use super::{Done, Init, Job, MAX_BODY};
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
                } = job.header;
                // An index the relay never sends: the default policy, not
                // a crash (every tenant policy is at least as strict).
                let policy = policies.get(policy).unwrap_or(&policies[0]);
                let result = sanitize::sanitize_unlocking(
                    &job.body,
                    id,
                    size,
                    policy,
                    &stamp,
                    unlock.as_ref(),
                );
                let (done, body) = match result {
                    Ok(mut sanitized) => {
                        let mut body = std::mem::take(&mut sanitized.message);
                        let text = std::mem::take(&mut sanitized.text);
                        body.extend_from_slice(text.as_bytes());
                        let text_len = text.len() as u64;
                        let sanitized = Box::new(sanitized);
                        (
                            Done::Sanitized {
                                sanitized,
                                text_len,
                            },
                            body,
                        )
                    }
                    Err(refused) => (Done::Refused(refused), Vec::new()),
                };
                super::frame::write(&mut output, &done, &body)?;
            }
            Ok(())
        })?;
    worker
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("the converter stopped")))
}
