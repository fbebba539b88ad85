//! A whole SMTP session over any client bytes: the command parser, the
//! session's state machine, the DATA decoder and the spool writer. The
//! relay must answer and end the session without a panic; each accepted
//! message is removed from the spool again so the disk does not fill.
#![no_main]

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use mugai::config::Config;
use mugai::ingress::{Context, Queue, plain_session};
use mugai::durable::DirSync;
use mugai::spool::Spool;
use tokio::sync::watch;

struct Discard(Arc<Spool>);

impl Queue for Discard {
    fn accepted(&self, queue_id: String) {
        let _ = self.0.remove(&queue_id, false);
    }
    fn is_full(&self) -> bool {
        false
    }
}

struct Harness {
    runtime: tokio::runtime::Runtime,
    ctx: Arc<Context>,
    _stop: watch::Sender<bool>,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("mugai-fuzz-smtp-{}", std::process::id()));
        let mut config = Config::default();
        config.smtp.hostname = "fuzz.test".into();
        config.smtp.max_message_size = mugai::units::ByteSize(1 << 20);
        let spool = Arc::new(Spool::open(&dir, Arc::new(DirSync::start().unwrap())).unwrap());
        let (stop, shutdown) = watch::channel(false);
        let ctx = Arc::new(Context {
            config: Arc::new(config),
            spool: Arc::clone(&spool),
            queue: Arc::new(Discard(spool)),
            tls: None,
            shutdown,
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Harness {
            runtime,
            ctx,
            _stop: stop,
        }
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let harness = harness();
    let peer: SocketAddr = "192.0.2.1:25000".parse().unwrap();
    let mut replies = Vec::new();
    let mut stream = tokio::io::join(data, &mut replies);
    let _ = harness
        .runtime
        .block_on(plain_session(&mut stream, peer, &harness.ctx));
    drop(stream);
    assert!(replies.starts_with(b"220 "));
    // Every reply line ends in CRLF and starts with a three-digit code.
    for line in replies.split_inclusive(|&b| b == b'\n') {
        assert!(line.ends_with(b"\r\n"), "{:?}", String::from_utf8_lossy(line));
        assert!(line.len() >= 5 && line[..3].iter().all(u8::is_ascii_digit));
    }
});
