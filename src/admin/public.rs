//! The page a recipient opens from the link in a notice: no account, the
//! signed token in the path is the proof of receipt. It shows what was
//! done to the message (the report, not the original) and takes a
//! request with a reason. Its form's CSRF token is derived from the link
//! token, so a form posted from elsewhere without it is refused.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::App;
use super::pages::{PartRow, part_rows};
use super::unlock::{LockedPart, locked_parts};
use super::view::{self, Chrome, local_time};
use crate::quarantine::{Claim, MessageRow, MessageState, Requested, TokenError};
use crate::units::unix_now;

#[derive(Template)]
#[template(path = "public.html")]
struct PublicPage<'a> {
    c: &'a Chrome,
    m: &'a MessageRow,
    recipient: &'a str,
    received: String,
    parts: Vec<PartRow>,
    /// Staff see what was done in plain words only.
    show_detail: bool,
    csrf: String,
    token: &'a str,
    /// A message instead of the form (done, already requested, purged).
    notice: Option<String>,
    /// Password-protected parts the recipient may open (PPAP).
    locked: Vec<LockedPart>,
    /// Where the parts' pictures are (empty: none offered).
    view_base: String,
}

/// The claim of a valid token and its message, or the answer to give.
pub(super) async fn open(
    app: &App,
    c: &Chrome,
    token: &str,
) -> Result<(Claim, MessageRow), Response> {
    let ja = c.t.lang == "ja";
    let claim = match app.q.signer.verify(token, unix_now()) {
        Ok(claim) => claim,
        Err(e) => {
            let text = match (e, ja) {
                (TokenError::Expired, true) => "このリンクは有効期限が切れています。",
                (TokenError::Expired, false) => "This link has expired.",
                (TokenError::Invalid, true) => "このリンクは正しくありません。",
                (TokenError::Invalid, false) => "This link is not valid.",
            };
            return Err(view::error(StatusCode::FORBIDDEN, c, text));
        }
    };
    match app.q.index.get(&claim.message_id).await {
        Ok(Some(m)) => Ok((claim, m)),
        Ok(None) => Err(view::error(
            StatusCode::NOT_FOUND,
            c,
            if ja {
                "このメールの原本は見つかりません。"
            } else {
                "The original of this message cannot be found."
            },
        )),
        Err(e) => {
            tracing::error!("request page: {e}");
            Err(view::error(StatusCode::INTERNAL_SERVER_ERROR, c, "error"))
        }
    }
}

pub(super) fn render(
    app: &App,
    c: &Chrome,
    token: &str,
    claim: &Claim,
    m: &MessageRow,
    notice: Option<String>,
) -> Response {
    let notice = notice.or_else(|| {
        (m.state == MessageState::Purged).then(|| {
            if c.t.lang == "ja" {
                "原本は保存期間を過ぎて削除されました。".to_string()
            } else {
                "The original was removed after the retention period.".to_string()
            }
        })
    });
    let report = m.report();
    let locked = match &report {
        Some(report)
            if app.unlocker.is_some()
                && app.config.ppap.unlock
                && m.state != MessageState::Purged =>
        {
            locked_parts(report)
        }
        _ => Vec::new(),
    };
    view::page(
        StatusCode::OK,
        c,
        &PublicPage {
            c,
            m,
            recipient: &claim.recipient,
            received: local_time(m.received_at),
            parts: report
                .as_ref()
                .map(|r| part_rows(r, c.t.lang == "ja"))
                .unwrap_or_default(),
            show_detail: false,
            csrf: app.q.signer.csrf(token),
            token,
            notice,
            locked,
            view_base: if app.viewer.is_some() && m.state != MessageState::Purged {
                format!("/r/{token}/view")
            } else {
                String::new()
            },
        },
    )
}

pub async fn form(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let c = Chrome::anonymous(&headers, p.get("lang").map(String::as_str));
    match open(&app, &c, &token).await {
        Ok((claim, m)) => render(&app, &c, &token, &claim, &m, None),
        Err(response) => response,
    }
}

/// As [`open`], for a form posted from the page: its CSRF token checked.
pub(super) async fn posted(
    app: &App,
    c: &Chrome,
    token: &str,
    form: &HashMap<String, String>,
) -> Result<(Claim, MessageRow), Response> {
    let found = open(app, c, token).await?;
    let sent = form.get("csrf").map(String::as_str).unwrap_or("");
    if !app.q.signer.csrf_ok(token, sent) {
        return Err(view::error(StatusCode::FORBIDDEN, c, "CSRF"));
    }
    Ok(found)
}

pub async fn submit(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let c = Chrome::anonymous(&headers, None);
    let (claim, m) = match posted(&app, &c, &token, &form).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let reason = form.get("reason").map(String::as_str).unwrap_or("");
    let ja = c.t.lang == "ja";
    let notice = match app.q.request(&claim, reason).await {
        Ok(Requested::New(_)) => c.t.request_done.to_string(),
        Ok(Requested::AlreadyPending(_)) => c.t.request_already.to_string(),
        Err(e) => {
            tracing::warn!("request for {} refused: {e}", m.id);
            if ja {
                format!("依頼できませんでした: {e}")
            } else {
                format!("The request could not be made: {e}")
            }
        }
    };
    // Show the message's current state after the request.
    let m = app.q.index.get(&m.id).await.ok().flatten().unwrap_or(m);
    render(&app, &c, &token, &claim, &m, Some(notice))
}
