//! The logged-in pages: originals (list with search, filters and paging;
//! detail with envelope, headers, the report as a table and the sanitized
//! text), requests to decide, direct release, and the audit log. Every
//! page checks the session and the role; every POST checks the CSRF
//! token. The original's own HTML or attachments are never shown.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;

use super::App;
use super::auth::{SESSION_COOKIE, Session, credentials, same_token};
use super::view::{self, Chrome, cookie, local_time, parse_date};
use crate::audit::{self, Entry};
use crate::quarantine::{
    Filter, MessageRow, MessageState, ReleaseRow, RequestRow, RequestState, Role, User,
    WorkflowError,
};
use crate::sanitize::{PartReport, Report};

const PAGE_SIZE: i64 = 50;

type Params = Query<HashMap<String, String>>;

/// The value of `Ok`, or return the `Err` answer from the handler.
macro_rules! or_return {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(response) => return response,
        }
    };
}

/// The `?lang=` of a request.
fn lang(p: &HashMap<String, String>) -> Option<&str> {
    p.get("lang").map(String::as_str)
}

/// Who is asking: their session, their account as it is now, and the
/// page frame.
pub(super) struct SignedIn {
    pub session: Session,
    pub user: User,
    pub c: Chrome,
}

/// A logged-in, still enabled account whose role `allowed` accepts, or
/// the answer to give instead (to the login page, or 403).
pub(super) async fn require(
    app: &App,
    headers: &HeaderMap,
    uri: &Uri,
    lang: Option<&str>,
    allowed: fn(Role) -> bool,
) -> Result<SignedIn, Response> {
    let to_login = || {
        let next: String = url_escape(uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
        view::redirect(&format!("/login?next={next}"))
    };
    let session = match cookie(headers, SESSION_COOKIE) {
        Some(id) => app.sessions.get(&id).await,
        None => None,
    };
    let Some(session) = session else {
        return Err(to_login());
    };
    // The account is read again on every page: disabling it, changing its
    // role or its password (from the CLI too) ends its sessions at once.
    let user = match app.q.index.user(&session.user).await {
        Ok(Some(user))
            if !user.disabled
                && user.role == session.role
                && same_token(&credentials(&user.password_hash), &session.credentials) =>
        {
            user
        }
        _ => {
            app.sessions.remove(&session.id).await;
            return Err(to_login());
        }
    };
    let c = Chrome::for_session(headers, lang, &session);
    if !allowed(session.role) {
        let text = if c.t.lang == "ja" {
            "この操作を行う権限がありません。"
        } else {
            "Your role may not do this."
        };
        return Err(view::error(StatusCode::FORBIDDEN, &c, text));
    }
    Ok(SignedIn { session, user, c })
}

/// As [`require`], for a form post: its CSRF token must match the session's.
async fn require_post(
    app: &App,
    headers: &HeaderMap,
    uri: &Uri,
    allowed: fn(Role) -> bool,
    form: &HashMap<String, String>,
) -> Result<SignedIn, Response> {
    let signed_in = require(app, headers, uri, None, allowed).await?;
    let sent = form.get("csrf").map(String::as_str).unwrap_or("");
    if !same_token(sent, &signed_in.session.csrf) {
        let text = if signed_in.c.t.lang == "ja" {
            "フォームの確認用トークンが正しくありません。ページを開き直してください。"
        } else {
            "The form's security token is missing or wrong. Reload the page."
        };
        return Err(view::error(StatusCode::FORBIDDEN, &signed_in.c, text));
    }
    Ok(signed_in)
}

pub(super) fn any_role(_: Role) -> bool {
    true
}

fn server_error(c: &Chrome, e: impl std::fmt::Display) -> Response {
    tracing::error!("web page: {e}");
    let text = if c.t.lang == "ja" {
        "内部エラーが発生しました。管理者に連絡してください。"
    } else {
        "Something went wrong on the server. Tell the administrator."
    };
    view::error(StatusCode::INTERNAL_SERVER_ERROR, c, text)
}

fn url_escape(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One row of the list as shown.
struct ListRow {
    id: String,
    received: String,
    from: String,
    subject: String,
    rcpt: String,
    /// The municipality's name (shown to operators of several).
    tenant: String,
    size: String,
    state: &'static str,
    outcome: &'static str,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage<'a> {
    c: &'a Chrome,
    rows: Vec<ListRow>,
    total: i64,
    q: &'a str,
    state: &'a str,
    rcpt: &'a str,
    since: &'a str,
    prev: Option<String>,
    next: Option<String>,
    states: Vec<(&'static str, &'static str)>,
    /// The operator of several municipalities sees whose each row is.
    show_tenant: bool,
}

pub async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Query(p): Params,
) -> Response {
    let SignedIn { c, user, .. } =
        or_return!(require(&app, &headers, &uri, lang(&p), any_role).await);
    let get = |k: &str| p.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let (q, state, rcpt, since) = (get("q"), get("state"), get("rcpt"), get("since"));
    let page: i64 = get("page").parse().unwrap_or(1).clamp(1, 1_000_000);
    let filter = Filter {
        since: parse_date(&since),
        rcpt: Some(rcpt.clone()),
        subject: None,
        state: state.parse().ok(),
        text: Some(q.clone()),
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
        tenant: user.tenant.clone(),
    };
    let (messages, total) = or_return!(
        app.q
            .index
            .list(&filter)
            .await
            .map_err(|e| server_error(&c, e))
    );
    let rows = messages
        .iter()
        .map(|m| ListRow {
            id: m.id.clone(),
            received: local_time(m.received_at),
            from: m.from.clone(),
            subject: m.subject.clone(),
            rcpt: m.recipients.join(", "),
            tenant: app
                .config
                .tenant_named(&m.tenant)
                .map_or(m.tenant.clone(), |t| t.shown().to_string()),
            size: crate::sanitize::human_size(m.size.max(0) as u64),
            state: c.state(m.state.as_str()),
            outcome: c.state(&m.outcome),
        })
        .collect();
    let link = |n: i64| {
        format!(
            "/?q={}&state={}&rcpt={}&since={}&page={n}",
            url_escape(&q),
            url_escape(&state),
            url_escape(&rcpt),
            url_escape(&since)
        )
    };
    let states = MessageState::ALL
        .iter()
        .map(|s| (s.as_str(), c.state(s.as_str())))
        .collect();
    view::page(
        StatusCode::OK,
        &c,
        &ListPage {
            c: &c,
            rows,
            total,
            q: &q,
            state: &state,
            rcpt: &rcpt,
            since: &since,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page * PAGE_SIZE < total).then(|| link(page + 1)),
            states,
            show_tenant: !app.config.tenant.is_empty() && user.tenant.is_none(),
        },
    )
}

/// One part of the report as a table row, in the page's language.
pub struct PartRow {
    pub path: String,
    pub name: String,
    pub kind: String,
    /// What was done, in the notice's plain words.
    pub action: String,
    /// The stable reason code and the converter's own detail, for
    /// operators (shown on the message page only).
    pub detail: String,
    /// It can be shown as pictures (画面で見る).
    pub view: bool,
}

pub fn part_rows(report: &Report, ja: bool) -> Vec<PartRow> {
    report.parts.iter().map(|p| part_row(p, ja)).collect()
}

fn part_row(p: &PartReport, ja: bool) -> PartRow {
    let name = match (&p.container, &p.filename) {
        (Some(c), Some(f)) => format!("{c}/{f}"),
        (None, Some(f)) => f.clone(),
        _ => String::new(),
    };
    let code = p
        .reason
        .and_then(|r| serde_json::to_value(r).ok())
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let detail = match (&p.detail, code.is_empty()) {
        (Some(detail), true) => detail.clone(),
        (Some(detail), false) => format!("{code}: {detail}"),
        (None, _) => code,
    };
    PartRow {
        path: p.path.clone(),
        name,
        kind: if p.detected_type.is_empty() || p.detected_type == p.declared_type {
            p.declared_type.clone()
        } else {
            format!("{} ({})", p.declared_type, p.detected_type)
        },
        action: crate::sanitize::part_outcome(p, ja),
        detail,
        view: crate::render::viewable(p),
    }
}

/// The message-level actions of a report in plain words.
fn action_summary(report: &Report, ja: bool) -> String {
    let words: Vec<&str> = report
        .actions
        .iter()
        .map(|&a| crate::sanitize::action_words(a, ja))
        .collect();
    words.join(if ja { "、" } else { ", " })
}

/// Why a message was refused: plain words, then the code and detail.
fn refusal_summary(report: &Report, ja: bool) -> String {
    let Some(code) = report.reason else {
        return String::new();
    };
    let words = crate::sanitize::refusal_words(Some(code), ja);
    match &report.detail {
        Some(detail) if ja => format!("{words}（{}: {detail}）", code.as_str()),
        Some(detail) => format!("{words} ({}: {detail})", code.as_str()),
        None => words.to_string(),
    }
}

struct RequestView {
    id: String,
    message_id: String,
    recipient: String,
    reason: String,
    requested: String,
    state: &'static str,
    decided_by: String,
    decision_reason: String,
    subject: String,
}

fn request_view(c: &Chrome, r: &RequestRow) -> RequestView {
    RequestView {
        id: r.id.clone(),
        message_id: r.message_id.clone(),
        recipient: r.recipient.clone(),
        reason: r.reason.clone(),
        requested: local_time(r.requested_at),
        state: c.state(r.state.as_str()),
        decided_by: r
            .decided_by
            .clone()
            .map(|by| format!("{by} {}", r.decided_at.map(local_time).unwrap_or_default()))
            .unwrap_or_default(),
        decision_reason: r.decision_reason.clone().unwrap_or_default(),
        subject: r.subject.clone(),
    }
}

struct ReleaseView {
    id: String,
    recipient: String,
    by: String,
    at: String,
    state: &'static str,
}

fn release_view(r: &ReleaseRow) -> ReleaseView {
    ReleaseView {
        id: r.id.clone(),
        recipient: r.recipient.clone(),
        by: r.released_by.clone(),
        at: local_time(r.released_at),
        state: r.state.as_str(),
    }
}

#[derive(Template)]
#[template(path = "detail.html")]
struct DetailPage<'a> {
    c: &'a Chrome,
    m: &'a MessageRow,
    received: String,
    size: String,
    state: &'static str,
    outcome: &'static str,
    actions: String,
    refusal: String,
    parts: Vec<PartRow>,
    /// The parts table has the technical detail column.
    show_detail: bool,
    requests: Vec<RequestView>,
    releases: Vec<ReleaseView>,
    /// Where the parts' pictures are (empty: none offered).
    view_base: String,
}

pub async fn detail(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(p): Params,
) -> Response {
    let SignedIn { c, user, .. } =
        or_return!(require(&app, &headers, &uri, lang(&p), any_role).await);
    let m = match app.q.index.get(&id).await {
        // Another municipality's mail does not exist for this account.
        Ok(Some(m)) if user.sees(&m.tenant) => m,
        Ok(Some(_)) => return view::not_found(headers).await,
        Ok(None) => return view::not_found(headers).await,
        Err(e) => return server_error(&c, e),
    };
    let report = m.report();
    let ja = c.t.lang == "ja";
    let requests = or_return!(
        app.q
            .index
            .requests(Some(&m.id), None, 1000)
            .await
            .map_err(|e| server_error(&c, e))
    );
    let releases = or_return!(
        app.q
            .index
            .releases(Some(&m.id), None)
            .await
            .map_err(|e| server_error(&c, e))
    );
    view::page(
        StatusCode::OK,
        &c,
        &DetailPage {
            c: &c,
            received: local_time(m.received_at),
            size: crate::sanitize::human_size(m.size.max(0) as u64),
            state: c.state(m.state.as_str()),
            outcome: c.state(&m.outcome),
            actions: report
                .as_ref()
                .map(|r| action_summary(r, ja))
                .unwrap_or_default(),
            refusal: report
                .as_ref()
                .map(|r| refusal_summary(r, ja))
                .unwrap_or_default(),
            parts: report
                .as_ref()
                .map(|r| part_rows(r, ja))
                .unwrap_or_default(),
            show_detail: true,
            requests: requests.iter().map(|r| request_view(&c, r)).collect(),
            releases: releases.iter().map(release_view).collect(),
            view_base: if app.viewer.is_some() && m.state != MessageState::Purged {
                format!("/m/{}/view", m.id)
            } else {
                String::new()
            },
            m: &m,
        },
    )
}

#[derive(Template)]
#[template(path = "requests.html")]
struct RequestsPage<'a> {
    c: &'a Chrome,
    pending: Vec<RequestView>,
    decided: Vec<RequestView>,
}

pub async fn requests(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Query(p): Params,
) -> Response {
    let SignedIn { c, user, .. } =
        or_return!(require(&app, &headers, &uri, lang(&p), any_role).await);
    let (pending, decided) = match (
        app.q
            .index
            .requests(None, Some(RequestState::Pending), 500)
            .await,
        app.q.index.recent_decisions(50).await,
    ) {
        (Ok(p), Ok(d)) => (p, d),
        (Err(e), _) | (_, Err(e)) => return server_error(&c, e),
    };
    let mine = |r: &&RequestRow| user.sees(&r.tenant);
    let pending = pending
        .iter()
        .filter(mine)
        .map(|r| request_view(&c, r))
        .collect();
    let decided = decided
        .iter()
        .filter(mine)
        .map(|r| request_view(&c, r))
        .collect();
    view::page(
        StatusCode::OK,
        &c,
        &RequestsPage {
            c: &c,
            pending,
            decided,
        },
    )
}

/// Words for a refused action.
fn workflow_text(e: &WorkflowError, ja: bool) -> String {
    if !ja {
        return e.to_string();
    }
    match e {
        WorkflowError::SamePerson { .. } => {
            "原本を依頼した本人は、その依頼を承認できません（二人の確認が必要です）。".into()
        }
        WorkflowError::AlreadyDecided { .. } => {
            "この依頼はすでに判断済みです。原本は重ねて配信されません。".into()
        }
        WorkflowError::Purged(_) => "原本は保存期間を過ぎて削除されたため、配信できません。".into(),
        WorkflowError::NotAllowed(_) => "この操作を行う権限がありません。".into(),
        WorkflowError::NoEmail(user) => format!(
            "アカウント {user} にメールアドレスが登録されていないため、本人の依頼かどうかを確認できません（二人の確認）。管理者が `mugai user update {user} --email ADDR` で登録してください。"
        ),
        WorkflowError::Audit(_) => "監査ログに記録できないため、処理を行いませんでした。".into(),
        WorkflowError::NoSuchRequest(_) | WorkflowError::NoSuchMessage(_) => {
            "対象が見つかりません。".into()
        }
        other => format!("処理できませんでした: {other}"),
    }
}

fn refused(c: &Chrome, e: &WorkflowError) -> Response {
    let status = match e {
        WorkflowError::SamePerson { .. }
        | WorkflowError::NotAllowed(_)
        | WorkflowError::NoEmail(_) => StatusCode::FORBIDDEN,
        WorkflowError::Audit(_) => StatusCode::SERVICE_UNAVAILABLE,
        WorkflowError::AlreadyDecided { .. } | WorkflowError::Purged(_) => StatusCode::CONFLICT,
        WorkflowError::NoSuchRequest(_) | WorkflowError::NoSuchMessage(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    view::error(status, c, &workflow_text(e, c.t.lang == "ja"))
}

pub async fn decide(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let SignedIn { user, c, .. } =
        or_return!(require_post(&app, &headers, &uri, Role::may_decide, &form).await);
    let approve = match form.get("decision").map(String::as_str) {
        Some("approve") => true,
        Some("reject") => false,
        _ => return view::error(StatusCode::BAD_REQUEST, &c, "decision?"),
    };
    let reason = form.get("reason").map(String::as_str).unwrap_or("");
    match app.q.decide(&id, approve, &user, reason).await {
        Ok(message_id) => view::redirect(&format!("/m/{}", url_escape(&message_id))),
        Err(e) => refused(&c, &e),
    }
}

pub async fn release(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let SignedIn { user, c, .. } =
        or_return!(require_post(&app, &headers, &uri, |r| r == Role::Admin, &form).await);
    let to = form.get("to").map(|s| s.trim()).filter(|s| !s.is_empty());
    match app.q.index.get(&id).await {
        Ok(Some(m)) if user.sees(&m.tenant) => {}
        Ok(_) => return view::not_found(headers).await,
        Err(e) => return server_error(&c, e),
    }
    // A municipality's admin releases only into its own domains: an
    // original never leaves for another municipality's mailboxes.
    if let (Some(own), Some(to)) = (&user.tenant, to) {
        let domain = to.rsplit_once('@').map_or("", |(_, d)| d);
        if app
            .config
            .tenant_of_domain(domain)
            .is_none_or(|t| &t.name != own)
        {
            let text = if c.t.lang == "ja" {
                "自分の自治体のアドレスにだけ配信できます。"
            } else {
                "An original can be released only to your own municipality's addresses."
            };
            return view::error(StatusCode::FORBIDDEN, &c, text);
        }
    }
    match app.q.release(&id, to, &user.name, user.role).await {
        Ok(_) => view::redirect(&format!("/m/{}", url_escape(&id))),
        Err(e) => refused(&c, &e),
    }
}

struct AuditRow {
    seq: u64,
    time: String,
    event: String,
    actor: String,
    id: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    c: &'a Chrome,
    rows: Vec<AuditRow>,
    actor: &'a str,
    since: &'a str,
    prev: Option<String>,
    next: Option<String>,
}

pub async fn audit(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Query(p): Params,
) -> Response {
    let SignedIn { c, user, .. } =
        or_return!(require(&app, &headers, &uri, lang(&p), Role::may_audit).await);
    let get = |k: &str| p.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let (actor, since) = (get("actor"), get("since"));
    let page: usize = get("page").parse().unwrap_or(1).clamp(1, 1_000_000);
    let since_t = parse_date(&since);
    let actor2 = actor.clone();
    // A tenant's staff read only the lines of their own municipality.
    let own_tenant = user.tenant.clone();
    let size = PAGE_SIZE as usize;
    let since_text = since_t.map(audit::rfc3339);
    // From the end of the log: a page costs the lines it shows, not the
    // whole log.
    let found = app
        .q
        .audit
        .read_newest(
            move |e: &Entry| {
                (actor2.is_empty() || e.actor.contains(actor2.as_str()))
                    && own_tenant
                        .as_deref()
                        .is_none_or(|own| audit::Event::tenant_of(e) == own)
            },
            move |e: &Entry| since_text.as_ref().is_some_and(|s| &e.time < s),
            (page - 1) * size,
            size,
        )
        .await;
    let found = match found {
        Ok(found) => found,
        Err(e) => return server_error(&c, e),
    };
    let more = found.more;
    let rows = found
        .entries
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            time: e.time,
            event: e.event,
            actor: e.actor,
            id: e.id.unwrap_or_default(),
            detail: serde_json::Value::Object(e.detail).to_string(),
        })
        .collect();
    let link = |n: usize| {
        format!(
            "/audit?actor={}&since={}&page={n}",
            url_escape(&actor),
            url_escape(&since)
        )
    };
    view::page(
        StatusCode::OK,
        &c,
        &AuditPage {
            c: &c,
            rows,
            actor: &actor,
            since: &since,
            prev: (page > 1).then(|| link(page - 1)),
            next: more.then(|| link(page + 1)),
        },
    )
}
