//! 画面で見る: an original part shown as pictures, for what text loses
//! (an HTML newsletter's layout, a form, a table-heavy Excel file, a
//! slide deck). The part is taken out of the original in a converter
//! process; an HTML body is drawn by Chromium and an Office or ODF file
//! laid out by LibreOffice, each in a [`jail`]; the result (or a PDF, or
//! an image) is drawn as fresh PNG pictures in a converter process again.
//! The staff member's browser receives only those PNGs; the original's
//! bytes never leave the internet side.
//!
//! Pictures are kept in `data_dir/views/<sha256>/<part>/` (so each part
//! is drawn once, on any later view straight from disk) and removed with
//! the original at retention. A part that could not be drawn is
//! remembered too, with why: a hostile file is not drawn again on every
//! reload.

mod browser;
mod jail;
mod office;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::isolate::{PictureSource, Pool};
use crate::quarantine::MessageRow;
use crate::sanitize::ViewKind;

/// What was drawn of one part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub kind: ViewKind,
    pub name: Option<String>,
    /// Pictures kept (`1.png` …).
    pub pictures: usize,
    /// Pages of the document (more than drawn when cut at `max_pages`).
    pub total: u32,
}

/// The cache file of one part: a view, or why there is none.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Kept {
    Drawn(View),
    Failed(String),
}

/// Draws parts and keeps the pictures.
pub struct Viewer {
    config: Arc<Config>,
    pool: Pool,
    dir: PathBuf,
    /// Renders at a time: each can take a core and much memory.
    slots: tokio::sync::Semaphore,
}

/// Whether the renderers' jail can be made here (`mugai check-sandbox`):
/// a program started in it must find no route out. `Err` says why not.
pub fn check_jail(config: &Config) -> Result<(), String> {
    let work = Scratch::new()?;
    let view = &config.view;
    let limits = jail::Limits {
        time: std::time::Duration::from_secs(10),
        cpu_seconds: 10,
        memory: view.memory_limit.bytes(),
        file_size: 1 << 20,
    };
    // A namespace of its own has a routing table with its header only.
    let routes = "test \"$(wc -l < /proc/net/route)\" -le 1";
    jail::run(
        "sh",
        &["-c".to_string(), routes.to_string()],
        &work.0,
        limits,
    )
    .map_err(|e| format!("{e} (a network namespace could not be made, or it has a route)"))
}

/// Can this part of a report be shown as pictures? An HTML body or file,
/// or a PDF, image, Office or ODF file attached directly, whose bytes are
/// what they claim.
pub fn viewable(part: &crate::sanitize::PartReport) -> bool {
    use crate::sanitize::attach::Kind;
    if part.container.is_some() {
        return false;
    }
    if part.declared_type == "text/html" {
        return true;
    }
    part.kinds.as_ref().is_some_and(|k| {
        k.kind == k.by_content
            && matches!(
                k.by_content,
                Kind::Pdf | Kind::Image | Kind::Ooxml | Kind::Odf | Kind::LegacyOffice
            )
    })
}

/// A part path as the report writes it ("2", "1.2"): digits and dots.
pub fn is_part_path(part: &str) -> bool {
    !part.is_empty()
        && part.len() <= 32
        && part.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !part.starts_with('.')
        && !part.contains("..")
}

impl Viewer {
    pub fn new(config: Arc<Config>) -> std::io::Result<Viewer> {
        let pool = Pool::new(
            std::env::current_exe()?,
            &config.sanitize,
            &config.tenant_policies(),
            2,
        );
        Ok(Viewer {
            dir: config.storage.data_dir.join("views"),
            config,
            pool,
            slots: tokio::sync::Semaphore::new(2),
        })
    }

    fn part_dir(&self, sha256: &str, part: &str) -> PathBuf {
        self.dir.join(sha256).join(part)
    }

    /// The pictures of part `part` of `message` (`original`: its bytes),
    /// drawn now or earlier. `Err`: why it cannot be shown.
    pub async fn view(
        self: &Arc<Self>,
        message: &MessageRow,
        original: Vec<u8>,
        part: &str,
    ) -> Result<View, String> {
        if !is_part_path(part) || !crate::quarantine::is_sha256(&message.sha256) {
            return Err("no such part".into());
        }
        let dir = self.part_dir(&message.sha256, part);
        if let Some(kept) = read_kept(&dir) {
            return kept;
        }
        let _slot = self.slots.acquire().await.map_err(|e| e.to_string())?;
        if let Some(kept) = read_kept(&dir) {
            return kept;
        }
        let viewer = Arc::clone(self);
        let tenant = message.tenant.clone();
        let part = part.to_string();
        tokio::task::spawn_blocking(move || {
            let drawn = viewer.draw(&tenant, &original, &part);
            viewer.keep(&dir, drawn)
        })
        .await
        .map_err(|e| format!("the renderer stopped: {e}"))?
    }

    /// What was drawn of a part earlier (or why not), without its original.
    pub fn kept(&self, sha256: &str, part: &str) -> Option<Result<View, String>> {
        if !is_part_path(part) || !crate::quarantine::is_sha256(sha256) {
            return None;
        }
        read_kept(&self.part_dir(sha256, part))
    }

    /// Picture `n` (from 1) of a part drawn earlier.
    pub fn picture(&self, sha256: &str, part: &str, n: usize) -> Option<Vec<u8>> {
        if !is_part_path(part) || !crate::quarantine::is_sha256(sha256) || n == 0 {
            return None;
        }
        std::fs::read(self.part_dir(sha256, part).join(format!("{n}.png"))).ok()
    }

    /// Draws part `part` of `original` now (blocking), without the
    /// cache: the pictures, or why not. (The page goes through
    /// [`Viewer::view`]; benchmarks call this.)
    pub fn draw(
        &self,
        tenant: &str,
        original: &[u8],
        part: &str,
    ) -> Result<(View, Vec<Vec<u8>>), String> {
        let config = &self.config;
        let policy = config.policy_index(config.tenant_named(tenant));
        let view = &config.view;
        let extracted = self
            .pool
            .extract(policy, original, part)
            .map_err(|e| format!("no converter could run: {e}"))??;
        let limits = self.limits();
        let work = Scratch::new()?;
        let max_pages = PictureSource::Pdf {
            max_pages: view.max_pages,
        };
        let (bytes, source) = match extracted.kind {
            ViewKind::Html => {
                let shot = self.screenshot(&extracted.bytes, &work)?;
                let source = PictureSource::Image {
                    piece_height: view.piece_height,
                    screenshot: true,
                };
                (shot, source)
            }
            ViewKind::Office => {
                let pdf =
                    office::to_pdf(&extracted.bytes, extracted.name.as_deref(), &work.0, limits)?;
                (pdf, max_pages)
            }
            ViewKind::Pdf => (extracted.bytes, max_pages),
            ViewKind::Image => {
                let source = PictureSource::Image {
                    piece_height: view.piece_height,
                    screenshot: false,
                };
                (extracted.bytes, source)
            }
        };
        drop(work);
        let pictures = self
            .pool
            .pictures(policy, &bytes, source)
            .map_err(|e| format!("no converter could run: {e}"))??;
        if pictures.pages.is_empty() {
            return Err("nothing could be drawn".into());
        }
        let drawn = View {
            kind: extracted.kind,
            name: extracted.name,
            pictures: pictures.pages.len(),
            total: pictures.total,
        };
        Ok((drawn, pictures.pages))
    }

    fn limits(&self) -> jail::Limits {
        let view = &self.config.view;
        jail::Limits {
            time: view.time_limit.duration(),
            cpu_seconds: view.cpu_limit.0,
            memory: view.memory_limit.bytes(),
            file_size: 256 << 20,
        }
    }

    /// The browser's screenshot of an HTML text (UTF-8), working in `work`.
    fn screenshot(&self, html: &[u8], work: &Scratch) -> Result<Vec<u8>, String> {
        let view = &self.config.view;
        let html = String::from_utf8_lossy(html);
        browser::screenshot(&html, &work.0, view.width, view.max_height, self.limits())
    }

    /// One picture of the HTML body `part` of `original` (blocking), for
    /// `html_snapshot`: as tall as `max_height` allows, drawn afresh.
    pub fn snapshot(&self, tenant: &str, original: &[u8], part: &str) -> Result<Vec<u8>, String> {
        let config = &self.config;
        let policy = config.policy_index(config.tenant_named(tenant));
        let extracted = self
            .pool
            .extract(policy, original, part)
            .map_err(|e| format!("no converter could run: {e}"))??;
        if extracted.kind != ViewKind::Html {
            return Err(format!("part {part} is not HTML"));
        }
        let work = Scratch::new()?;
        let shot = self.screenshot(&extracted.bytes, &work)?;
        drop(work);
        let source = PictureSource::Image {
            piece_height: config.view.max_height,
            screenshot: true,
        };
        let pictures = self
            .pool
            .pictures(policy, &shot, source)
            .map_err(|e| format!("no converter could run: {e}"))??;
        pictures
            .pages
            .into_iter()
            .next()
            .ok_or_else(|| "nothing could be drawn".to_string())
    }

    /// Writes what was drawn (or why not) into `dir`, whole or not at all.
    fn keep(
        &self,
        dir: &Path,
        drawn: Result<(View, Vec<Vec<u8>>), String>,
    ) -> Result<View, String> {
        let (kept, result) = match drawn {
            Ok((view, pages)) => (Kept::Drawn(view.clone()), Ok((view, pages))),
            Err(why) => (Kept::Failed(why.clone()), Err(why)),
        };
        let write = || -> std::io::Result<()> {
            let staging = self.dir.join(format!(".staging-{}", dir_name(dir)));
            let _ = std::fs::remove_dir_all(&staging);
            std::fs::create_dir_all(&staging)?;
            let staging = Staging(staging);
            if let Ok((_, pages)) = &result {
                for (i, page) in pages.iter().enumerate() {
                    std::fs::write(staging.0.join(format!("{}.png", i + 1)), page)?;
                }
            }
            let meta = serde_json::to_vec(&kept).map_err(std::io::Error::other)?;
            std::fs::write(staging.0.join("view.json"), meta)?;
            if let Some(parent) = dir.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::rename(&staging.0, dir)?;
            std::mem::forget(staging);
            Ok(())
        };
        if let Err(e) = write() {
            tracing::warn!("cannot keep the pictures in {}: {e}", dir.display());
        }
        result.map(|(view, _)| view)
    }
}

fn read_kept(dir: &Path) -> Option<Result<View, String>> {
    let meta = std::fs::read(dir.join("view.json")).ok()?;
    match serde_json::from_slice(&meta).ok()? {
        Kept::Drawn(view) => Some(Ok(view)),
        Kept::Failed(why) => Some(Err(why)),
    }
}

/// A private working directory for one renderer, removed when dropped.
/// Under the system's temporary directory, not the data directory: the
/// renderer runs as `nobody`, which may not pass through `data_dir`
/// (mode 0700). Made with `create_dir`, so a name someone else made
/// first is an error, never a directory shared with them.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch, String> {
        use std::os::unix::fs::DirBuilderExt;
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "mugai-render-{}-{}-{nanos:x}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .map_err(|e| format!("cannot make a working directory: {e}"))?;
        Ok(Scratch(path))
    }
}

/// A part's pictures being written, removed unless renamed into place.
struct Staging(PathBuf);

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A name for the staging directory of `dir` (its last two parts).
fn dir_name(dir: &Path) -> String {
    let mut parts = dir
        .iter()
        .rev()
        .take(2)
        .map(|p| p.to_string_lossy().into_owned())
        .collect::<Vec<_>>();
    parts.reverse();
    parts.join("-")
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
