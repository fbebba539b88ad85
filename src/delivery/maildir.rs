//! Local delivery into a Maildir: write under `tmp/`, fsync, rename into
//! `new/`, fsync `new/` (grouped with other deliveries). One file per
//! message; the envelope is recorded in `Return-Path` and `Delivered-To`.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::Outcome;
use crate::durable::{DirSync, create_dir_durably};

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// A Maildir with `tmp/`, `new/` and `cur/`.
#[derive(Clone)]
pub struct MaildirDelivery {
    root: PathBuf,
    hostname: String,
    dirsync: Arc<DirSync>,
}

impl MaildirDelivery {
    pub fn open(root: &Path, hostname: &str, dirsync: Arc<DirSync>) -> io::Result<MaildirDelivery> {
        for sub in ["tmp", "new", "cur"] {
            create_dir_durably(&root.join(sub))?;
        }
        Ok(MaildirDelivery {
            root: root.to_path_buf(),
            hostname: hostname.to_string(),
            dirsync,
        })
    }

    /// Writes the message once for all recipients (blocking).
    pub fn deliver(&self, sender: &str, recipients: &[String], message: &[u8]) -> Vec<Outcome> {
        let outcome = match self.write(sender, recipients, message) {
            Ok(name) => Outcome::Sent(format!("delivered to maildir as {name}")),
            Err(e) => Outcome::Deferred(format!("cannot write to maildir: {e}")),
        };
        vec![outcome; recipients.len()]
    }

    fn write(&self, sender: &str, recipients: &[String], message: &[u8]) -> io::Result<String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let name = format!(
            "{}.M{}P{}Q{}.{}",
            now.as_secs(),
            now.subsec_micros(),
            std::process::id(),
            SEQUENCE.fetch_add(1, Ordering::Relaxed),
            self.hostname
        );
        let tmp = self.root.join("tmp").join(&name);
        let mut head = format!("Return-Path: <{sender}>\r\n");
        for recipient in recipients {
            head.push_str(&format!("Delivered-To: {recipient}\r\n"));
        }
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .and_then(|mut file| {
                file.write_all(head.as_bytes())?;
                file.write_all(message)?;
                file.sync_data()
            })
            .and_then(|()| fs::rename(&tmp, self.root.join("new").join(&name)));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        self.dirsync.sync(&self.root.join("new"))?;
        Ok(name)
    }
}
