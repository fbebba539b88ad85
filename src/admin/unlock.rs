//! The request page's password field for PPAP (a zip or PDF whose
//! password the sender mailed separately). The recipient proved by the
//! link's token types the password; the relay ([`Unlocker`]) opens the
//! part in a converter process and delivers what the policy makes of it
//! to that recipient as a new sanitized message. The password goes from
//! the form to the converter's pipe and nowhere else: not into the
//! index, the spool, a log line or the audit line (which says who tried
//! which part and what came of it). Wrong passwords are limited per
//! message and recipient, across nodes (the limit is in the database).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::App;
use super::public::{posted, render};
use super::view::{self, Chrome};
use crate::pipeline::Unlocked;
use crate::quarantine::{MessageRow, UnlockAttempt};
use crate::sanitize::{MAX_PASSWORD, Report, Unlock};

/// Opens a part with a password and queues the result (the relay).
pub trait Unlocker: Send + Sync {
    fn unlock<'a>(
        &'a self,
        message: &'a MessageRow,
        recipient: &'a str,
        unlock: Unlock,
    ) -> Pin<Box<dyn Future<Output = Unlocked> + Send + 'a>>;
}

/// A locked part the page offers to open.
pub struct LockedPart {
    pub path: String,
    pub name: String,
}

/// The parts of `report` a password could open.
pub fn locked_parts(report: &Report) -> Vec<LockedPart> {
    report
        .locked_parts()
        .map(|p| LockedPart {
            path: p.path.clone(),
            name: p.filename.clone().unwrap_or_default(),
        })
        .collect()
}

pub async fn submit(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(mut form): Form<HashMap<String, String>>,
) -> Response {
    let c = Chrome::anonymous(&headers, None);
    let (claim, m) = match posted(&app, &c, &token, &form).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let ja = c.t.lang == "ja";
    let say = |ja_text: String, en_text: String| Some(if ja { ja_text } else { en_text });
    let Some(unlocker) = app.unlocker.as_ref().filter(|_| app.config.ppap.unlock) else {
        return view::error(
            StatusCode::NOT_FOUND,
            &c,
            if ja {
                "この画面からはファイルを開けません。"
            } else {
                "Files cannot be opened from this page."
            },
        );
    };
    let part = form.remove("part").unwrap_or_default();
    let unlock = Unlock {
        part: part.clone(),
        password: form.remove("password").unwrap_or_default(),
        automatic: false,
    };
    let locked = m.report().map(|r| locked_parts(&r)).unwrap_or_default();
    let Some(target) = locked.iter().find(|p| p.path == part) else {
        let notice = say(
            "このファイルはパスワードで開くものではありません。".into(),
            "This part is not a password-protected file.".into(),
        );
        return render(&app, &c, &token, &claim, &m, notice);
    };
    let name = target.name.clone();
    if unlock.password.is_empty() || unlock.password.len() > MAX_PASSWORD {
        let notice = say(
            format!("パスワードを入力してください（{MAX_PASSWORD}バイトまで）。"),
            format!("Enter the password (up to {MAX_PASSWORD} bytes)."),
        );
        return render(&app, &c, &token, &claim, &m, notice);
    }
    let message = match app.q.unlockable(&claim).await {
        Ok(message) => message,
        Err(e) => {
            tracing::warn!("unlock of {} refused: {e}", m.id);
            let notice = say(format!("開けません: {e}"), format!("Cannot open it: {e}"));
            return render(&app, &c, &token, &claim, &m, notice);
        }
    };
    let actor = format!("recipient:{}", claim.recipient);
    let limiter = &app.unlock_limiter;
    if limiter.left(&message.id, &claim.recipient).await <= 0 {
        audit(&app, &message, actor, &part, "refused", None).await;
        let notice = say(
            "パスワードの入力回数が上限に達しました。しばらく時間をおいてから試すか、管理者にお問い合わせください。".into(),
            "Too many wrong passwords for this message. Try again later, or ask your administrator.".into(),
        );
        return render(&app, &c, &token, &claim, &m, notice);
    }
    let outcome = unlocker.unlock(&message, &claim.recipient, unlock).await;
    let queue_id = match &outcome {
        Unlocked::Opened { queue_id } => Some(queue_id.as_str()),
        _ => None,
    };
    audit(&app, &message, actor, &part, outcome.as_str(), queue_id).await;
    let notice = match outcome {
        Unlocked::Opened { .. } => say(
            format!(
                "「{name}」をパスワードで開きました。中身を無害化したメールを {} 宛てにお送りします。",
                claim.recipient
            ),
            format!(
                "\"{name}\" was opened with the password. Its contents, made harmless, are on their way to {}.",
                claim.recipient
            ),
        ),
        Unlocked::WrongPassword => {
            limiter.failed(&message.id, &claim.recipient).await;
            let left = limiter.left(&message.id, &claim.recipient).await;
            say(
                format!("パスワードが違います。開けません。（あと{left}回入力できます）"),
                format!("Wrong password: the file could not be opened. ({left} tries left)"),
            )
        }
        Unlocked::Failed { reason, detail } => {
            tracing::warn!("unlock of part {part} of {} failed: {detail}", message.id);
            let why = match reason {
                Some(reason) => crate::sanitize::part_reason_words(reason, ja).to_string(),
                None if ja => "変換が時間内に終わらなかったか、途中で異常終了しました".to_string(),
                None => detail,
            };
            say(
                format!("開けません: {why}。原本は届けていません。"),
                format!("Cannot open it: {why}. Nothing of the original was delivered."),
            )
        }
    };
    let m = app.q.index.get(&m.id).await.ok().flatten().unwrap_or(m);
    render(&app, &c, &token, &claim, &m, notice)
}

/// The audit line (a failure to write it is logged: the answer was given).
async fn audit(
    app: &App,
    message: &MessageRow,
    actor: String,
    part: &str,
    outcome: &str,
    queue_id: Option<&str>,
) {
    let attempt = UnlockAttempt {
        actor,
        part,
        outcome,
        queue_id,
        password_mail: None,
    };
    if let Err(e) = app.q.record_unlock(message, attempt).await {
        tracing::error!("cannot write the audit line of an unlock: {e}");
    }
}
