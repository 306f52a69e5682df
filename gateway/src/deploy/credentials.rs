//! Who may call the API, and tenants' secrets.
//!
//! The operator's `admin_token` may do everything. A tenant-scoped token (created by the
//! admin, shown once, stored as its SHA-256, named and revocable) may read that tenant, upload
//! versions, deploy, roll back and set secrets, and nothing of any other tenant. Secrets are
//! write-only over the API (a listing names them) and sealed at rest with AES-256-GCM under
//! `[store] secret_key`; without a key the secrets API refuses rather than store plaintext.
//! Every node opens them with the same key, into the handler's `env`.

use std::collections::BTreeMap;

use aes_gcm::aead::Aead;
use aes_gcm::Aes256Gcm;
use aes_gcm::KeyInit;
use aes_gcm::Nonce;
use http::StatusCode;
use isogate_store::Transaction;
use sha2::Digest;
use sha2::Sha256;

use super::records::secret_key;
use super::records::token_key;
use super::records::SealedSecret;
use super::records::State;
use super::records::TokenRecord;
use super::ApiError;
use super::Platform;

/// Longest secret value, in bytes.
const MOST_SECRET_BYTES: usize = 64 * 1024;

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The operator's token.
    Admin,
    /// A token of one tenant.
    Tenant {
        /// The tenant.
        tenant: String,
        /// The token's name.
        token: String,
    },
}

impl Caller {
    /// How deployments and versions record who made them.
    pub fn name(&self) -> String {
        match self {
            Self::Admin => "admin".to_owned(),
            Self::Tenant { tenant, token } => format!("{tenant}/{token}"),
        }
    }

    /// Refuses a tenant's token on anything but its own tenant.
    pub fn may(&self, tenant: &str) -> Result<(), ApiError> {
        match self {
            Self::Admin => Ok(()),
            Self::Tenant { tenant: own, .. } if own == tenant => Ok(()),
            Self::Tenant { tenant: own, .. } => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("this token is tenant {own:?}'s; it cannot act on tenant {tenant:?}"),
            )),
        }
    }

    /// Refuses anything but the admin.
    pub fn admin_only(&self) -> Result<(), ApiError> {
        match self {
            Self::Admin => Ok(()),
            Self::Tenant { .. } => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "only the admin token may do this",
            )),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
        .collect()
}

/// Random bytes from the system's generator (through UUIDv4, 122 random bits each).
fn random(count: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(count + 16);
    while bytes.len() < count {
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    bytes.truncate(count);
    bytes
}

/// The tenant token whose hash is `sha256` in `state`.
fn find_token(state: &State, sha256: &str) -> Option<Caller> {
    state.tokens.iter().find_map(|(tenant, tokens)| {
        tokens
            .iter()
            .find(|(_, record)| record.sha256 == sha256)
            .map(|(token, _)| Caller::Tenant {
                tenant: tenant.clone(),
                token: token.clone(),
            })
    })
}

/// Checks a token or secret name: 1 to 64 letters, digits, `-` or `_`.
fn check_label(what: &str, name: &str) -> Result<(), ApiError> {
    if crate::config::is_label(name) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("{what} {name:?}: a name is 1 to 64 letters, digits, '-' or '_'"),
        ))
    }
}

impl Platform {
    /// The tenant token `presented` is, if it is one.
    pub fn tenant_caller(&self, presented: &str) -> Option<Caller> {
        if presented.is_empty() {
            return None;
        }
        find_token(&self.state(), &hex(&Sha256::digest(presented.as_bytes())))
    }

    /// `POST /v1/tenants/{name}/tokens`: a new token of the tenant, returned once.
    pub async fn create_token(
        &self,
        name: &str,
        token: &str,
        by: &str,
    ) -> Result<String, ApiError> {
        check_label("token", token)?;
        self.require_tenant(name).await?;
        let secret = format!("isg_{}", hex(&random(32)));
        let record = TokenRecord {
            sha256: hex(&Sha256::digest(secret.as_bytes())),
            by: by.to_owned(),
            created_unix_s: super::writes::now_unix_s(),
        };
        let key = token_key(name, token);
        let value = serde_json::to_vec(&record).map_err(|error| super::writes::internal(&error))?;
        let revision = self
            .store
            .commit(Transaction::new().when_absent(&key).put(&key, value))
            .await
            .map_err(|error| match error {
                isogate_store::StoreError::Conflict(_) => ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    format!("tenant {name:?} already has a token {token:?}; delete it first"),
                ),
                other => self.store_error(&other),
            })?;
        self.wait_followed_to(revision).await;
        Ok(secret)
    }

    /// `DELETE /v1/tenants/{name}/tokens/{token}`: revokes it.
    pub async fn delete_token(&self, name: &str, token: &str) -> Result<(), ApiError> {
        self.delete_named(&token_key(name, token), "token", token)
            .await
    }

    /// `PUT /v1/tenants/{name}/secrets/{key}`: seals and stores the value.
    pub async fn put_secret(&self, name: &str, key: &str, value: &[u8]) -> Result<(), ApiError> {
        check_label("secret", key)?;
        let Some(cipher) = &self.cipher else {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "secrets_disabled",
                "secrets are refused: set [store] secret_key so that they are encrypted at rest",
            ));
        };
        if value.len() > MOST_SECRET_BYTES || std::str::from_utf8(value).is_err() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid",
                format!("a secret is UTF-8 text of at most {MOST_SECRET_BYTES} bytes"),
            ));
        }
        self.require_tenant(name).await?;
        let nonce = random(12);
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), value)
            .map_err(|_| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "sealing failed",
                )
            })?;
        let record = SealedSecret {
            nonce: hex(&nonce),
            sealed: hex(&sealed),
        };
        let stored =
            serde_json::to_vec(&record).map_err(|error| super::writes::internal(&error))?;
        let revision = self
            .store
            .commit(Transaction::new().put(secret_key(name, key), stored))
            .await
            .map_err(|error| self.store_error(&error))?;
        self.served(revision, super::writes::SERVE_WAIT).await;
        Ok(())
    }

    /// `DELETE /v1/tenants/{name}/secrets/{key}`.
    pub async fn delete_secret(&self, name: &str, key: &str) -> Result<(), ApiError> {
        self.delete_named(&secret_key(name, key), "secret", key)
            .await
    }

    /// Tenant `name`'s secrets, opened; one that cannot be opened (another key) is logged and
    /// left out.
    pub(super) fn open_secrets(&self, state: &State, name: &str) -> BTreeMap<String, String> {
        let mut opened = BTreeMap::new();
        let (Some(cipher), Some(secrets)) = (&self.cipher, state.secrets.get(name)) else {
            return opened;
        };
        for (key, sealed) in secrets.iter() {
            let value = unhex(&sealed.nonce)
                .filter(|nonce| nonce.len() == 12)
                .zip(unhex(&sealed.sealed))
                .and_then(|(nonce, bytes)| {
                    cipher
                        .decrypt(Nonce::from_slice(&nonce), bytes.as_ref())
                        .ok()
                })
                .and_then(|bytes| String::from_utf8(bytes).ok());
            match value {
                Some(value) => {
                    opened.insert(key.clone(), value);
                }
                None => {
                    tracing::error!(tenant = %name, secret = %key, "a secret cannot be opened with [store] secret_key; it is left out of env")
                }
            }
        }
        opened
    }

    async fn require_tenant(&self, name: &str) -> Result<(), ApiError> {
        let entry = self
            .store
            .get(&super::records::tenant_key(name))
            .await
            .map_err(|error| self.store_error(&error))?;
        match entry {
            Some(_) => Ok(()),
            None => Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no tenant {name:?}"),
            )),
        }
    }

    async fn delete_named(&self, key: &str, what: &str, name: &str) -> Result<(), ApiError> {
        let entry = self
            .store
            .get(key)
            .await
            .map_err(|error| self.store_error(&error))?;
        let Some(entry) = entry else {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no {what} {name:?}"),
            ));
        };
        let revision = self
            .store
            .commit(
                Transaction::new()
                    .when_modified_at(key, entry.modified)
                    .delete(key),
            )
            .await
            .map_err(|error| self.store_error(&error))?;
        self.served(revision, super::writes::SERVE_WAIT).await;
        Ok(())
    }
}

/// The cipher of a 32-byte key.
pub(super) fn cipher(key: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new(key.into())
}
