//! 画面で見る on the page: an original part as pictures, for the
//! recipient (through the notice's signed link) and for signed-in staff
//! who may see the message. The page holds `<img>` tags only; each
//! picture is a PNG drawn afresh by [`crate::render`], served from this
//! node's picture cache. The original's bytes never reach the browser;
//! nothing here runs script (the CSP is the page's usual one).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::App;
use super::pages::{SignedIn, any_role, require};
use super::public::open;
use super::view::{self, Chrome};
use crate::quarantine::{MessageRow, MessageState};
use crate::render::View;
use crate::sanitize::ViewKind;

#[derive(Template)]
#[template(path = "pictures.html")]
struct PicturesPage<'a> {
    c: &'a Chrome,
    title: String,
    back: String,
    back_text: &'static str,
    base: String,
    note: String,
    pictures: Vec<usize>,
    outcome: Result<(), String>,
}

/// The pictures page of part `part` of `m`, its pictures under `base`.
async fn show(
    app: &App,
    c: &Chrome,
    m: &MessageRow,
    part: &str,
    base: String,
    back: String,
) -> Response {
    let ja = c.t.lang == "ja";
    let Some(viewer) = app.viewer.as_ref() else {
        return view::not_found_with(c);
    };
    let outcome = if m.state == MessageState::Purged {
        Err(if ja {
            "原本は保存期間を過ぎて削除されました。"
        } else {
            "The original was removed after the retention period."
        }
        .to_string())
    } else {
        // Drawn before: the original is not read again.
        match viewer.kept(&m.sha256, part) {
            Some(kept) => kept,
            None => match app.q.store.message(&m.sha256).await {
                Ok(original) => viewer.view(m, original, part).await,
                Err(e) => Err(format!("the original cannot be read: {e}")),
            },
        }
    };
    let (note, pictures, outcome) = match outcome {
        Ok(v) => (note(&v, ja), (1..=v.pictures).collect(), Ok(())),
        Err(why) => {
            tracing::info!("{}: part {part} not shown as pictures: {why}", m.id);
            (String::new(), Vec::new(), Err(cannot(&why, ja)))
        }
    };
    let title = if ja {
        format!("画面で見る（{part}）")
    } else {
        format!("View as pictures ({part})")
    };
    view::page(
        StatusCode::OK,
        c,
        &PicturesPage {
            c,
            title,
            back,
            back_text: if ja { "← 戻る" } else { "← Back" },
            base,
            note,
            pictures,
            outcome,
        },
    )
}

/// What the staff member should know about the pictures.
fn note(v: &View, ja: bool) -> String {
    let paged = matches!(v.kind, ViewKind::Pdf | ViewKind::Office);
    let pages = if paged && v.total as usize > v.pictures {
        if ja {
            format!(
                "先頭{}ページ／全{}ページを表示しています。",
                v.pictures, v.total
            )
        } else {
            format!("The first {} of {} pages are shown.", v.pictures, v.total)
        }
    } else {
        String::new()
    };
    let what = match (v.kind, ja) {
        (ViewKind::Html, true) => {
            "原本のHTML本文を画像にしたものです。安全のため、スクリプトは実行せず、外部の画像やスタイルシートは読み込んでいません。"
        }
        (ViewKind::Html, false) => {
            "The original HTML body as pictures. For safety no script ran, and remote images and stylesheets were not loaded."
        }
        (_, true) => "原本のファイルを画像にしたものです。原本そのものは送られません。",
        (_, false) => "The original file as pictures. The original itself is not sent.",
    };
    format!("{what}{pages}")
}

/// 「表示できません」 and why, in plain words.
fn cannot(why: &str, ja: bool) -> String {
    if !ja {
        return format!("This part cannot be shown: {why}.");
    }
    let reason = if why.contains("did not finish") || why.contains("time") {
        "描画が時間内に終わりませんでした"
    } else if why.contains("macros") {
        "マクロ（実行できる内容）を含んでいます"
    } else if why.contains("password") {
        "パスワード付きのため開けません"
    } else if why.contains("cannot be shown as pictures") {
        "この種類のファイルは画像にできません"
    } else if why.contains("cannot start")
        || why.contains("unshare")
        || why.contains("no converter")
    {
        "描画の仕組みを起動できませんでした（管理者にお問い合わせください）"
    } else if why.contains("no part") || why.contains("no such part") {
        "該当する部分がありません"
    } else {
        "描画できませんでした"
    };
    format!("表示できません: {reason}。原本の内容は送られていません。")
}

/// A PNG answer (or 404).
fn png(bytes: Option<Vec<u8>>) -> Response {
    match bytes {
        Some(bytes) => {
            let mut response = bytes.into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
            response
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn picture_number(name: &str) -> Option<usize> {
    name.strip_suffix(".png")?.parse().ok()
}

pub async fn public_view(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((token, part)): Path<(String, String)>,
) -> Response {
    let c = Chrome::anonymous(&headers, None);
    match open(&app, &c, &token).await {
        Ok((_, m)) => {
            let base = format!("/r/{token}/view/{part}");
            show(&app, &c, &m, &part, base, format!("/r/{token}")).await
        }
        Err(response) => response,
    }
}

pub async fn public_picture(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path((token, part, picture)): Path<(String, String, String)>,
) -> Response {
    let c = Chrome::anonymous(&headers, None);
    let (Ok((_, m)), Some(n), Some(viewer)) = (
        open(&app, &c, &token).await,
        picture_number(&picture),
        app.viewer.as_ref(),
    ) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    png(viewer.picture(&m.sha256, &part, n))
}

/// The message `id`, if the signed-in account may see it.
async fn staff_message(
    app: &App,
    headers: &HeaderMap,
    uri: &Uri,
    id: &str,
) -> Result<(Chrome, MessageRow), Response> {
    let SignedIn { c, user, .. } = require(app, headers, uri, None, any_role).await?;
    match app.q.index.get(id).await {
        Ok(Some(m)) if user.sees(&m.tenant) => Ok((c, m)),
        _ => Err(view::not_found_with(&c)),
    }
}

pub async fn staff_view(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Path((id, part)): Path<(String, String)>,
) -> Response {
    match staff_message(&app, &headers, &uri, &id).await {
        Ok((c, m)) => {
            let base = format!("/m/{id}/view/{part}");
            show(&app, &c, &m, &part, base, format!("/m/{id}")).await
        }
        Err(response) => response,
    }
}

pub async fn staff_picture(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Path((id, part, picture)): Path<(String, String, String)>,
) -> Response {
    let (Ok((_, m)), Some(n), Some(viewer)) = (
        staff_message(&app, &headers, &uri, &id).await,
        picture_number(&picture),
        app.viewer.as_ref(),
    ) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    png(viewer.picture(&m.sha256, &part, n))
}
