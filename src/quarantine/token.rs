//! Signed, expiring request links: the token in a notice's link says
//! "this recipient received quarantine id X, until time T", signed with
//! HMAC-SHA256 under a server secret (`data_dir/secret.key`, 32 random
//! bytes, mode 0600, made on first use; or `admin.secret_key_file`, one
//! key copied to every node, so a link written by one works on all). Whoever holds the link received
//! the mail; a token for one message or recipient never verifies for
//! another because both are inside the signed text.
//!
//! The same key derives the CSRF tokens of the web page (HMAC over a
//! session id, or over a link token for the page that needs no login).

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub message_id: String,
    pub recipient: String,
    pub expires: i64,
}

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the link is not valid")]
    Invalid,
    #[error("the link has expired")]
    Expired,
}

/// The server's signing key.
pub struct Signer {
    key: hmac::Key,
}

impl Signer {
    /// Loads `data_dir/secret.key`, creating it (0600) when missing.
    pub fn load_or_create(data_dir: &Path) -> io::Result<Signer> {
        let path = data_dir.join("secret.key");
        let secret = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let bytes = random_bytes::<32>()?.to_vec();
                let tmp = data_dir.join("secret.key.new");
                let mut file = fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .mode(0o600)
                    .open(&tmp)?;
                file.write_all(&bytes)?;
                file.sync_all()?;
                // Another process may have made one meanwhile: keep theirs.
                match fs::hard_link(&tmp, &path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(e),
                }
                let _ = fs::remove_file(&tmp);
                fs::File::open(data_dir)?.sync_all()?;
                fs::read(&path)?
            }
            Err(e) => return Err(e),
        };
        Signer::from_secret(&path, &secret)
    }

    /// Loads a key file the operator made and shares between nodes
    /// (`admin.secret_key_file`); it is never made here, since a key made
    /// on one node would not be the others'.
    pub fn load(path: &Path) -> io::Result<Signer> {
        let secret = fs::read(path).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "cannot read admin.secret_key_file {}: {e} (make one with `head -c 32 /dev/urandom > {}`, mode 0600, and copy it to every node)",
                    path.display(),
                    path.display()
                ),
            )
        })?;
        Signer::from_secret(path, &secret)
    }

    fn from_secret(path: &Path, secret: &[u8]) -> io::Result<Signer> {
        if secret.len() < 32 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is shorter than 32 bytes", path.display()),
            ));
        }
        Ok(Signer {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
        })
    }

    /// A token for `recipient` of message `message_id`, valid until `expires`.
    pub fn token(&self, message_id: &str, recipient: &str, expires: i64) -> String {
        let payload = format!("{message_id}\n{}\n{expires}", recipient.to_lowercase());
        let payload = URL_SAFE_NO_PAD.encode(payload);
        let tag = hmac::sign(&self.key, format!("request-link\n{payload}").as_bytes());
        format!("{payload}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// Checks a token's signature, then its expiry.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claim, TokenError> {
        let (payload, tag) = token.split_once('.').ok_or(TokenError::Invalid)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| TokenError::Invalid)?;
        hmac::verify(
            &self.key,
            format!("request-link\n{payload}").as_bytes(),
            &tag,
        )
        .map_err(|_| TokenError::Invalid)?;
        let text = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or(TokenError::Invalid)?;
        let mut fields = text.split('\n');
        let (Some(id), Some(rcpt), Some(expires), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(TokenError::Invalid);
        };
        let expires: i64 = expires.parse().map_err(|_| TokenError::Invalid)?;
        if now > expires {
            return Err(TokenError::Expired);
        }
        Ok(Claim {
            message_id: id.to_string(),
            recipient: rcpt.to_string(),
            expires,
        })
    }

    /// A CSRF token bound to `context` (a session id or a link token).
    pub fn csrf(&self, context: &str) -> String {
        let tag = hmac::sign(&self.key, format!("csrf\n{context}").as_bytes());
        URL_SAFE_NO_PAD.encode(tag.as_ref())
    }

    /// Checks a CSRF token in constant time.
    pub fn csrf_ok(&self, context: &str, token: &str) -> bool {
        URL_SAFE_NO_PAD.decode(token).is_ok_and(|tag| {
            hmac::verify(&self.key, format!("csrf\n{context}").as_bytes(), &tag).is_ok()
        })
    }
}

/// Bytes from the operating system's random source.
pub fn random_bytes<const N: usize>() -> io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| io::Error::other("no random source"))?;
    Ok(bytes)
}

/// A new id: arrival time in microseconds (13 upper-case hex digits, so
/// ids sort by time like queue ids), a letter saying what it names, and
/// random hex.
pub fn new_id(kind: char) -> String {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0);
    let random = random_bytes::<4>().unwrap_or_default();
    format!("{micros:013X}{kind}{:08X}", u32::from_be_bytes(random))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_bind_message_recipient_and_time() {
        let dir = tempfile::tempdir().unwrap();
        let signer = Signer::load_or_create(dir.path()).unwrap();
        let token = signer.token("Q1", "Taro@example.lg.jp", 1000);
        let claim = signer.verify(&token, 999).unwrap();
        assert_eq!(claim.message_id, "Q1");
        assert_eq!(claim.recipient, "taro@example.lg.jp");
        assert_eq!(signer.verify(&token, 1001), Err(TokenError::Expired));
        // Another message's payload with this signature does not verify.
        let other = signer.token("Q2", "taro@example.lg.jp", 1000);
        let forged = format!(
            "{}.{}",
            other.split_once('.').unwrap().0,
            token.split_once('.').unwrap().1
        );
        assert_eq!(signer.verify(&forged, 0), Err(TokenError::Invalid));
        // A second load reads the same key.
        let again = Signer::load_or_create(dir.path()).unwrap();
        assert!(again.verify(&token, 0).is_ok());
        assert!(signer.csrf_ok("s", &signer.csrf("s")));
        assert!(!signer.csrf_ok("t", &signer.csrf("s")));
    }

    #[test]
    fn a_shared_key_file_signs_alike_everywhere_and_is_never_made() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shared.key");
        let err = Signer::load(&path).err().expect("missing");
        assert!(err.to_string().contains("head -c 32 /dev/urandom"), "{err}");
        assert!(!path.exists());
        std::fs::write(&path, [7u8; 16]).unwrap();
        assert!(Signer::load(&path).is_err(), "too short");
        std::fs::write(&path, [7u8; 32]).unwrap();
        let (node_a, node_b) = (Signer::load(&path).unwrap(), Signer::load(&path).unwrap());
        let token = node_a.token("Q1", "taro@example.lg.jp", 1000);
        assert!(node_b.verify(&token, 0).is_ok());
        // A node's own key does not verify it.
        let own = Signer::load_or_create(dir.path()).unwrap();
        assert_eq!(own.verify(&token, 0), Err(TokenError::Invalid));
    }
}
