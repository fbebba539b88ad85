//! The operator's commands over the quarantine: `mugai quarantine …`,
//! `mugai user …`, `mugai audit …`. Each takes the same `--config` as
//! `mugai serve` and works while the relay runs (SQLite WAL, locked
//! audit appends; releases are picked up by the running relay).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};

use super::{Failure, usage};
use crate::admin::{local_time, parse_date};
use crate::audit::{self, Event, Verification};
use crate::config::Config;
use crate::durable::DirSync;
use crate::quarantine::users::{hash_password, is_address};
use crate::quarantine::{Filter, MessageState, Quarantine, Role, User};
use crate::units::unix_now;

#[derive(Debug, Args)]
pub struct ConfigArg {
    /// Configuration file (the same as `mugai serve --config`).
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<PathBuf>,
}

impl ConfigArg {
    pub fn path(&self) -> &Option<PathBuf> {
        &self.config
    }
}

#[derive(Debug, Subcommand)]
pub enum QuarantineCommand {
    /// List kept originals, newest first.
    List {
        /// Received on or after this day (YYYY-MM-DD, in log.timezone).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Envelope recipient contains ADDR.
        #[arg(long, value_name = "ADDR")]
        rcpt: Option<String>,
        /// Subject contains TEXT.
        #[arg(long, value_name = "TEXT")]
        subject: Option<String>,
        /// kept, requested, released or purged.
        #[arg(long, value_name = "STATE")]
        state: Option<MessageState>,
        /// Only this tenant's (`default` for mail no `[[tenant]]` owns).
        #[arg(long, value_name = "NAME")]
        tenant: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// Show one original's envelope, headers, report and requests.
    Show {
        /// The queue id, or the 原本ID (SHA-256) from a notice.
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Write the original, byte for byte, to standard output.
    Export {
        /// The queue id, or the 原本ID (SHA-256) from a notice.
        id: String,
    },
    /// Deliver the original (admin release) to its recipients or --to.
    Release {
        /// The queue id, or the 原本ID (SHA-256) from a notice.
        id: String,
        #[arg(long, value_name = "ADDR")]
        to: Option<String>,
    },
    /// Remove originals past retention_days (not those with a pending request).
    Purge,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account; the password is asked for (or read from standard input).
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: Role,
        /// The person's mail address: their own requests are never theirs
        /// to approve. Required for admins and approvers.
        #[arg(long, value_name = "ADDR", default_value = "")]
        email: String,
        /// Another address of the same person (repeat for more).
        #[arg(long = "alias", value_name = "ADDR")]
        aliases: Vec<String>,
        /// The municipality (a `[[tenant]]` name) whose mail the account
        /// sees; without it the account sees every tenant's.
        #[arg(long, value_name = "NAME")]
        tenant: Option<String>,
    },
    /// Change an account's role, mail address or aliases (a role change
    /// ends its sessions at once).
    Update {
        name: String,
        #[arg(long, value_enum)]
        role: Option<Role>,
        #[arg(long, value_name = "ADDR")]
        email: Option<String>,
        /// Add another address of the same person (repeat for more).
        #[arg(long = "alias", value_name = "ADDR")]
        aliases: Vec<String>,
        /// Forget the aliases recorded so far (before adding --alias ones).
        #[arg(long)]
        clear_aliases: bool,
    },
    /// Set a new password (ends the account's sessions at once).
    Passwd { name: String },
    /// List accounts.
    List,
    /// Disable an account (or enable it again with --enable).
    Disable {
        name: String,
        #[arg(long)]
        enable: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; names the first broken line.
    Verify,
    /// Print the log readably.
    Show {
        /// On or after this day (YYYY-MM-DD, in log.timezone).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only this actor's events.
        #[arg(long, value_name = "NAME")]
        actor: Option<String>,
        /// Show the newest N matching lines (0: all), read from the end.
        #[arg(long, value_name = "N", default_value_t = 200)]
        limit: usize,
    },
}

fn load(config: &Option<PathBuf>) -> Result<Config, Failure> {
    super::configuration(config.as_deref())
}

/// Commands that only read never create a data directory: without one
/// they say so (an empty quarantine would hide a wrong configuration).
fn existing_data_dir(config: &Config) -> Result<(), Failure> {
    let dir = &config.storage.data_dir;
    if dir.is_dir() {
        return Ok(());
    }
    Err(usage(format!(
        "no data directory at {} (nothing was ever received with this configuration; \
         give the relay's with --config or $MUGAI_CONFIG)",
        dir.display()
    )))
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| usage(format!("cannot start the runtime: {e}")))
}

async fn open(config: &Config) -> Result<Quarantine, Failure> {
    let dirsync = Arc::new(
        DirSync::start().map_err(|e| usage(format!("cannot start the sync thread: {e}")))?,
    );
    Quarantine::open(config, dirsync)
        .await
        .map_err(|e| usage(format!("cannot open the quarantine: {e}")))
}

/// Who runs the command, for the audit log.
fn actor() -> String {
    let user = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

fn date(text: &Option<String>) -> Result<Option<i64>, Failure> {
    match text {
        None => Ok(None),
        Some(t) => parse_date(t)
            .map(Some)
            .ok_or_else(|| usage(format!("`{t}` is not a date (YYYY-MM-DD)"))),
    }
}

/// A message id as given: a queue id, or the 原本ID (SHA-256) a notice
/// shows when it names exactly one message.
async fn resolve_id(q: &Quarantine, given: &str) -> Result<String, Failure> {
    if q.index.get(given).await.map_err(fail)?.is_some() {
        return Ok(given.to_string());
    }
    let sha = given.to_ascii_lowercase();
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(usage(format!("no such original: {given}")));
    }
    let ids = q.index.ids_with_sha256(&sha).await.map_err(fail)?;
    match ids.as_slice() {
        [] => Err(usage(format!("no such original: {given}"))),
        [one] => Ok(one.clone()),
        many => Err(usage(format!(
            "original ID {given} was received as {} messages ({}); give one of their ids",
            many.len(),
            many.join(", ")
        ))),
    }
}

fn fail(e: impl std::fmt::Display) -> Failure {
    usage(e.to_string())
}

pub fn quarantine(config: &Option<PathBuf>, command: QuarantineCommand) -> Result<(), Failure> {
    let config = load(config)?;
    if !matches!(
        command,
        QuarantineCommand::Release { .. } | QuarantineCommand::Purge
    ) {
        existing_data_dir(&config)?;
    }
    runtime()?.block_on(async {
        let q = open(&config).await?;
        let mut out = std::io::stdout().lock();
        match command {
            QuarantineCommand::List {
                tenant,
                since,
                rcpt,
                subject,
                state,
                limit,
                json,
            } => {
                let filter = Filter {
                    since: date(&since)?,
                    rcpt,
                    subject,
                    state,
                    text: None,
                    limit,
                    offset: 0,
                    tenant,
                };
                let (rows, total) = q.index.list(&filter).await.map_err(fail)?;
                if json {
                    serde_json::to_writer_pretty(&mut out, &rows).map_err(fail)?;
                    writeln!(out).map_err(fail)?;
                } else {
                    for m in &rows {
                        writeln!(
                            out,
                            "{}  {}  {:<9}  {:<30}  {}",
                            m.id,
                            local_time(m.received_at),
                            m.state,
                            m.from,
                            m.subject
                        )
                        .map_err(fail)?;
                    }
                    if (rows.len() as i64) < total {
                        eprintln!("({} of {total} shown; use --limit)", rows.len());
                    }
                }
            }
            QuarantineCommand::Show { id, json } => {
                let id = resolve_id(&q, &id).await?;
                let m = q
                    .index
                    .get(&id)
                    .await
                    .map_err(fail)?
                    .ok_or_else(|| usage(format!("no such original: {id}")))?;
                let requests = q.index.requests(Some(&id), None, 1000).await.map_err(fail)?;
                let releases = q.index.releases(Some(&id), None).await.map_err(fail)?;
                if json {
                    let value = serde_json::json!({
                        "message": m,
                        "report": m.report(),
                        "requests": requests,
                        "releases": releases,
                    });
                    serde_json::to_writer_pretty(&mut out, &value).map_err(fail)?;
                    writeln!(out).map_err(fail)?;
                } else {
                    let mut text = format!(
                        "id:         {}\nreceived:   {}\nstate:      {}\noutcome:    {}\nsender:     <{}>\nrecipients: {}\nfrom:       {}\nto:         {}\nsubject:    {}\nsize:       {}\nsha256:     {}\n",
                        m.id,
                        local_time(m.received_at),
                        m.state,
                        m.outcome,
                        m.sender,
                        m.recipients.join(", "),
                        m.from,
                        m.to,
                        m.subject,
                        m.size,
                        m.sha256
                    );
                    if let Some(report) = m.report() {
                        text.push_str(&format!("actions:    {}\n", report.actions_header()));
                        for p in crate::admin::part_rows(&report, false) {
                            text.push_str(&format!(
                                "  part {} {} [{}] {} {}\n",
                                p.path, p.name, p.kind, p.action, p.detail
                            ));
                        }
                    }
                    for r in &requests {
                        text.push_str(&format!(
                            "request {} by {} at {}: {} ({}{})\n",
                            r.id,
                            r.recipient,
                            local_time(r.requested_at),
                            r.state,
                            r.reason,
                            r.decided_by
                                .as_ref()
                                .map(|b| format!("; decided by {b}"))
                                .unwrap_or_default()
                        ));
                    }
                    for r in &releases {
                        text.push_str(&format!(
                            "release {} to {} by {} at {}: {}\n",
                            r.id,
                            r.recipient,
                            r.released_by,
                            local_time(r.released_at),
                            r.state
                        ));
                    }
                    out.write_all(text.as_bytes()).map_err(fail)?;
                }
            }
            QuarantineCommand::Export { id } => {
                let id = resolve_id(&q, &id).await?;
                let bytes = q.export(&id, &actor()).await.map_err(fail)?;
                out.write_all(&bytes).map_err(fail)?;
                out.flush().map_err(fail)?;
            }
            QuarantineCommand::Release { id, to } => {
                let id = resolve_id(&q, &id).await?;
                let releases = q
                    .release(&id, to.as_deref(), &actor(), Role::Admin)
                    .await
                    .map_err(fail)?;
                for r in releases {
                    writeln!(
                        out,
                        "{}: original {} queued for <{}>; the running relay delivers it",
                        r.id, r.message_id, r.recipient
                    )
                    .map_err(fail)?;
                }
            }
            QuarantineCommand::Purge => {
                let n = q.purge(unix_now(), &actor()).await.map_err(fail)?;
                writeln!(
                    out,
                    "purged {n} originals older than {} days",
                    q.retention_days
                )
                .map_err(fail)?;
            }
        }
        Ok(())
    })
}

/// A password from the terminal (asked twice) or one line of stdin.
fn read_password() -> Result<String, Failure> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(fail)?;
        let again = rpassword::prompt_password("Again: ").map_err(fail)?;
        if first != again {
            return Err(usage("the two passwords differ"));
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(fail)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    if password.chars().count() < 10 {
        return Err(usage("the password must have at least 10 characters"));
    }
    Ok(password)
}

/// Login names: ASCII letters, digits and . _ @ -, 1–64 long.
fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b))
}

pub fn user(config: &Option<PathBuf>, command: UserCommand) -> Result<(), Failure> {
    let config = load(config)?;
    if matches!(command, UserCommand::List) {
        existing_data_dir(&config)?;
    }
    runtime()?.block_on(async {
        let q = open(&config).await?;
        let mut out = std::io::stdout().lock();
        match command {
            UserCommand::Add {
                tenant,
                name,
                role,
                email,
                aliases,
            } => {
                if !valid_name(&name) {
                    return Err(usage(
                        "a user name is 1-64 ASCII letters, digits, '.', '_', '@' or '-'",
                    ));
                }
                check_addresses(role, &email, &aliases)?;
                if let Some(tenant) = &tenant
                    && config.tenant_named(tenant).is_none()
                {
                    return Err(usage(format!(
                        "no [[tenant]] named {tenant:?} in the configuration"
                    )));
                }
                if q.index.user(&name).await.map_err(fail)?.is_some() {
                    return Err(usage(format!("user {name} exists already")));
                }
                let password = read_password()?;
                let user = User {
                    name: name.clone(),
                    role,
                    email: email.trim().to_string(),
                    aliases: aliases.iter().map(|a| a.trim().to_string()).collect(),
                    password_hash: hash_password(&password).map_err(fail)?,
                    disabled: false,
                    created_at: unix_now(),
                    tenant: tenant.clone(),
                };
                q.record(
                    Event::new("user-add", actor())
                        .with("user", name.as_str())
                        .with("role", role.as_str())
                        .with("email", user.email.as_str())
                        .with("aliases", user.aliases.join(" "))
                        .with("tenant", tenant.as_deref().unwrap_or("")),
                )
                .await
                .map_err(fail)?;
                q.index.add_user(&user).await.map_err(fail)?;
                writeln!(out, "added {name} ({})", role.as_str()).map_err(fail)?;
            }
            UserCommand::Update {
                name,
                role,
                email,
                aliases,
                clear_aliases,
            } => {
                let Some(user) = q.index.user(&name).await.map_err(fail)? else {
                    return Err(usage(format!("no such user: {name}")));
                };
                let new_role = role.unwrap_or(user.role);
                let new_email = email.clone().unwrap_or(user.email.clone());
                check_addresses(new_role, &new_email, &aliases)?;
                let mut event = Event::new("user-update", actor()).with("user", name.as_str());
                if let Some(role) = role {
                    event = event.with("role", role.as_str());
                }
                if let Some(email) = &email {
                    event = event.with("email", email.trim());
                }
                if clear_aliases {
                    event = event.with("aliases-cleared", true);
                }
                if !aliases.is_empty() {
                    event = event.with("aliases-added", aliases.join(" "));
                }
                q.record(event).await.map_err(fail)?;
                if let Some(role) = role {
                    q.index.set_role(&name, role).await.map_err(fail)?;
                }
                if let Some(email) = &email {
                    q.index.set_email(&name, email).await.map_err(fail)?;
                }
                if clear_aliases {
                    q.index.clear_aliases(&name).await.map_err(fail)?;
                }
                for alias in &aliases {
                    q.index.add_alias(&name, alias).await.map_err(fail)?;
                }
                writeln!(out, "updated {name} ({})", new_role.as_str()).map_err(fail)?;
            }
            UserCommand::Passwd { name } => {
                if q.index.user(&name).await.map_err(fail)?.is_none() {
                    return Err(usage(format!("no such user: {name}")));
                }
                let password = read_password()?;
                q.record(Event::new("user-passwd", actor()).with("user", name.as_str()))
                    .await
                    .map_err(fail)?;
                q.index
                    .set_password(&name, &hash_password(&password).map_err(fail)?)
                    .await
                    .map_err(fail)?;
                writeln!(out, "password of {name} changed").map_err(fail)?;
            }
            UserCommand::List => {
                for u in q.index.users().await.map_err(fail)? {
                    writeln!(
                        out,
                        "{:<20} {:<9} {:<30} {:<8} {}",
                        u.name,
                        u.role.as_str(),
                        u.email,
                        if u.disabled { "disabled" } else { "active" },
                        u.aliases.join(" ")
                    )
                    .map_err(fail)?;
                }
            }
            UserCommand::Disable { name, enable } => {
                q.record(
                    Event::new(
                        if enable {
                            "user-enable"
                        } else {
                            "user-disable"
                        },
                        actor(),
                    )
                    .with("user", name.as_str()),
                )
                .await
                .map_err(fail)?;
                if !q.index.set_disabled(&name, !enable).await.map_err(fail)? {
                    return Err(usage(format!("no such user: {name}")));
                }
                writeln!(
                    out,
                    "{name} {}",
                    if enable { "enabled" } else { "disabled" }
                )
                .map_err(fail)?;
            }
        }
        Ok(())
    })
}

/// Admins and approvers need a mail address (four-eyes compares it);
/// every address given must look like one.
fn check_addresses(role: Role, email: &str, aliases: &[String]) -> Result<(), Failure> {
    if role.may_decide() && email.trim().is_empty() {
        return Err(usage(format!(
            "a{} {} account needs --email ADDR: its own requests must be recognised (four-eyes)",
            if role == Role::Admin { "n" } else { "" },
            role.as_str()
        )));
    }
    for address in std::iter::once(email).chain(aliases.iter().map(String::as_str)) {
        if !address.trim().is_empty() && !is_address(address) {
            return Err(usage(format!("{address:?} is not a mail address")));
        }
    }
    Ok(())
}

pub fn audit(config: &Option<PathBuf>, command: AuditCommand) -> Result<(), Failure> {
    let config = load(config)?;
    existing_data_dir(&config)?;
    runtime()?.block_on(async {
        let q = open(&config).await?;
        let log = q.audit.describe();
        let unreadable = |e: std::io::Error| usage(format!("cannot read {log}: {e}"));
        let mut out = std::io::stdout().lock();
        match command {
            AuditCommand::Verify => match q.audit.verify().await.map_err(unreadable)? {
                Verification::Intact { lines, head } => {
                    writeln!(
                        out,
                        "{log}: {lines} lines, chain intact; last line's hash {head}"
                    )
                    .map_err(fail)?;
                    Ok(())
                }
                Verification::Broken { line, problem } => Err(Failure {
                    code: 1,
                    message: format!("{log}: chain broken at line {line}: {problem}"),
                }),
            },
            AuditCommand::Show {
                since,
                actor,
                limit,
            } => {
                let since = date(&since)?.map(audit::rfc3339);
                let take = if limit == 0 { usize::MAX } else { limit };
                let page = q
                    .audit
                    .read_newest(
                        move |e| actor.as_ref().is_none_or(|a| &e.actor == a),
                        move |e| since.as_ref().is_some_and(|s| &e.time < s),
                        0,
                        take,
                    )
                    .await
                    .map_err(unreadable)?;
                if page.more {
                    writeln!(
                        out,
                        "(older lines not shown: use --limit N, or --limit 0 for all)"
                    )
                    .map_err(fail)?;
                }
                let mut entries = page.entries;
                entries.reverse();
                for e in entries {
                    let detail = if e.detail.is_empty() {
                        String::new()
                    } else {
                        serde_json::Value::Object(e.detail).to_string()
                    };
                    writeln!(
                        out,
                        "{:>6}  {}  {:<13} {:<24} {} {detail}",
                        e.seq,
                        e.time,
                        e.event,
                        e.actor,
                        e.id.unwrap_or_default()
                    )
                    .map_err(fail)?;
                }
                Ok(())
            }
        }
    })
}
