//! Grouped directory fsync.
//!
//! A rename is durable only once its directory is fsynced. When many
//! messages arrive at once, one fsync of `queue/` covers every rename made
//! before it started, so callers queue their request and a single thread
//! syncs each directory once per round and answers everyone waiting.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender};

struct Request {
    dir: PathBuf,
    done: Sender<io::Result<()>>,
}

/// The directory-sync thread; dropping the last handle stops it.
pub struct DirSync {
    requests: Mutex<Sender<Request>>,
}

impl DirSync {
    pub fn start() -> io::Result<DirSync> {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("mugai-dirsync".into())
            .spawn(move || run(rx))?;
        Ok(DirSync {
            requests: Mutex::new(tx),
        })
    }

    /// Returns once `dir` has been fsynced after this call began.
    pub fn sync(&self, dir: &Path) -> io::Result<()> {
        self.request(dir).wait()
    }

    /// Asks for an fsync of `dir` without waiting: the answer comes on
    /// the returned [`Pending`], so the sync can overlap other work.
    pub fn request(&self, dir: &Path) -> Pending {
        let (done, wait) = mpsc::channel();
        let request = Request {
            dir: dir.to_path_buf(),
            done,
        };
        let sent = match self.requests.lock() {
            Ok(requests) => requests.send(request).map_err(|e| e.0.done),
            Err(_) => Err(request.done),
        };
        if let Err(done) = sent {
            // No thread to ask: sync here.
            let _ = done.send(File::open(dir).and_then(|d| d.sync_all()));
        }
        Pending(wait)
    }
}

/// A requested directory fsync.
pub struct Pending(Receiver<io::Result<()>>);

impl Pending {
    /// Returns once the fsync asked for is done.
    pub fn wait(self) -> io::Result<()> {
        self.0
            .recv()
            .unwrap_or_else(|_| Err(io::Error::other("directory sync thread stopped")))
    }
}

fn run(requests: Receiver<Request>) {
    let mut open: HashMap<PathBuf, File> = HashMap::new();
    while let Ok(first) = requests.recv() {
        let mut round: HashMap<PathBuf, Vec<Sender<io::Result<()>>>> = HashMap::new();
        round.entry(first.dir).or_default().push(first.done);
        while let Ok(more) = requests.try_recv() {
            round.entry(more.dir).or_default().push(more.done);
        }
        for (dir, waiting) in round {
            let result = match open.get(&dir) {
                Some(file) => file.sync_all(),
                None => File::open(&dir).and_then(|file| {
                    let synced = file.sync_all();
                    open.insert(dir.clone(), file);
                    synced
                }),
            };
            for done in waiting {
                let copy = match &result {
                    Ok(()) => Ok(()),
                    Err(e) => Err(io::Error::new(e.kind(), e.to_string())),
                };
                let _ = done.send(copy);
            }
        }
    }
}
