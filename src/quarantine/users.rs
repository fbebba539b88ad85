//! Local accounts of the web page: name, role, mail address and other
//! addresses of the same person (for the four-eyes check), an argon2id
//! password hash, and whether the account is disabled. Accounts are
//! disabled, never deleted, so the audit log's names always refer to
//! someone. Admins and approvers must have a mail address: without one,
//! a request of their own could not be recognised.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::index::{Index, IndexError, Result};

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything: decide requests, release directly, see the audit log.
    Admin,
    /// See originals' reports, approve or reject requests.
    Approver,
    /// Read only: reports, requests, the audit log.
    Auditor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Approver => "approver",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "approver" => Some(Role::Approver),
            "auditor" => Some(Role::Auditor),
            _ => None,
        }
    }

    pub fn may_decide(self) -> bool {
        matches!(self, Role::Admin | Role::Approver)
    }

    pub fn may_audit(self) -> bool {
        matches!(self, Role::Admin | Role::Auditor)
    }
}

/// One account.
#[derive(Debug, Clone, serde::Serialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// The person's own mail address ("" if none): a request from this
    /// address is never theirs to approve.
    pub email: String,
    /// Other addresses of the same person (a shared mailbox, an old
    /// address, a forwarding alias): the same holds for them.
    pub aliases: Vec<String>,
    #[serde(skip)]
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: i64,
    /// The municipality whose mail this account sees; `None`: every one
    /// (an operator of the whole deployment).
    pub tenant: Option<String>,
}

impl User {
    /// Whether this account may see mail of `tenant`.
    pub fn sees(&self, tenant: &str) -> bool {
        self.tenant.as_deref().is_none_or(|own| own == tenant)
    }

    /// The same person as the recipient `address`? Compared without
    /// regard to case with the account's name, mail address and aliases.
    pub fn is_person(&self, address: &str) -> bool {
        let address = mailbox_of(address);
        std::iter::once(&self.name)
            .chain(std::iter::once(&self.email))
            .chain(&self.aliases)
            .any(|known| !known.trim().is_empty() && mailbox_of(known) == address)
    }
}

/// The mailbox an address delivers to, for comparing people: lower case,
/// without a `+tag` subaddress (`Sato+x@Example.lg.jp` reaches
/// `sato@example.lg.jp` on Postfix and Exchange alike).
fn mailbox_of(address: &str) -> String {
    let address = address.trim().to_lowercase();
    match address.rsplit_once('@') {
        Some((local, domain)) => {
            let local = local.split_once('+').map_or(local, |(base, _)| base);
            format!("{local}@{domain}")
        }
        None => address,
    }
}

/// True for a plausible mail address (what four-eyes compares).
pub fn is_address(text: &str) -> bool {
    let text = text.trim();
    text.len() <= 254
        && text.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        })
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\",;".contains(c))
}

/// An argon2id hash (PHC string) of a password, with a random salt.
pub fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| IndexError::new(format!("cannot hash the password: {e}")))
}

/// Checks a password against a stored hash; false for a damaged hash.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to check against when the account does not exist, so that a
/// wrong name takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("mugai-dummy-password").unwrap_or_default())
}

impl Index {
    /// Adds an account; an existing name is an error.
    pub async fn add_user(&self, user: &User) -> Result<()> {
        if self.user(&user.name).await?.is_some() {
            return Err(IndexError::new(format!(
                "user {} exists already",
                user.name
            )));
        }
        sqlx::query(
            "INSERT INTO users (name, role, email, password, disabled, created_at, tenant) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&user.name)
        .bind(user.role.as_str())
        .bind(&user.email)
        .bind(&user.password_hash)
        .bind(i64::from(user.disabled))
        .bind(user.created_at)
        .bind(user.tenant.as_deref())
        .execute(&self.pool)
        .await?;
        for alias in &user.aliases {
            self.add_alias(&user.name, alias).await?;
        }
        Ok(())
    }

    /// Adds another address of the account's person.
    pub async fn add_alias(&self, name: &str, alias: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO user_aliases (name, alias) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(name)
        .bind(alias.trim().to_ascii_lowercase())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets the account's aliases.
    pub async fn clear_aliases(&self, name: &str) -> Result<()> {
        sqlx::query("DELETE FROM user_aliases WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn aliases(&self, name: &str) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT alias FROM user_aliases WHERE name = $1 ORDER BY alias")
            .bind(name)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("alias")?)).collect()
    }

    /// Gives an account another role; false if there is no such user.
    pub async fn set_role(&self, name: &str, role: Role) -> Result<bool> {
        let done = sqlx::query("UPDATE users SET role = $1 WHERE name = $2")
            .bind(role.as_str())
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets an account's mail address; false if there is no such user.
    pub async fn set_email(&self, name: &str, email: &str) -> Result<bool> {
        let done = sqlx::query("UPDATE users SET email = $1 WHERE name = $2")
            .bind(email.trim())
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn user(&self, name: &str) -> Result<Option<User>> {
        let row = sqlx::query(
            "SELECT name, role, email, password, disabled, created_at, tenant FROM users WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        let Some(mut user) = row.map(|r| user_row(&r)).transpose()? else {
            return Ok(None);
        };
        user.aliases = self.aliases(name).await?;
        Ok(Some(user))
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(
            "SELECT name, role, email, password, disabled, created_at, tenant FROM users ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut users: Vec<User> = rows.iter().map(user_row).collect::<Result<_>>()?;
        for user in &mut users {
            user.aliases = self.aliases(&user.name).await?;
        }
        Ok(users)
    }

    /// Sets a new password hash; false if there is no such user.
    pub async fn set_password(&self, name: &str, hash: &str) -> Result<bool> {
        let done = sqlx::query("UPDATE users SET password = $1 WHERE name = $2")
            .bind(hash)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Disables (or enables again) an account; false if there is no such user.
    pub async fn set_disabled(&self, name: &str, disabled: bool) -> Result<bool> {
        let done = sqlx::query("UPDATE users SET disabled = $1 WHERE name = $2")
            .bind(i64::from(disabled))
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

fn user_row(r: &AnyRow) -> Result<User> {
    let role: String = r.try_get("role")?;
    Ok(User {
        name: r.try_get("name")?,
        role: Role::parse(&role).ok_or_else(|| IndexError::new(format!("unknown role {role}")))?,
        email: r.try_get("email")?,
        aliases: Vec::new(),
        password_hash: r.try_get("password")?,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        created_at: r.try_get("created_at")?,
        tenant: r.try_get("tenant")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_person_is_found_by_name_mail_address_or_alias_in_any_case() {
        let user = User {
            name: "taro".into(),
            role: Role::Approver,
            email: "Taro.Yamada@example.lg.jp".into(),
            aliases: vec!["soumu@example.lg.jp".into()],
            password_hash: String::new(),
            disabled: false,
            created_at: 0,
            tenant: None,
        };
        for same in [
            "taro.yamada@EXAMPLE.lg.jp",
            " SOUMU@example.lg.jp",
            "TARO",
            "taro.yamada+release@example.lg.jp",
            "soumu+x@example.lg.jp",
        ] {
            assert!(user.is_person(same), "{same}");
        }
        assert!(!user.is_person("hanako@example.lg.jp"));
        assert!(!user.is_person(""));
        assert!(is_address("a@example.lg.jp") && !is_address("a@b") && !is_address("a b@c.jp"));
    }
}
