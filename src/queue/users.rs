//! Accounts: creating them (`alerta users add`, validated against the registry, the token
//! shown once and stored only as a digest), listing them, and taking access away — disable
//! and enable, a new API token, a new password — from the command line, the admin API and
//! the Usuarios page alike. Every change is audited with who made it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::{digest, hash_password, random_token};
use super::credentials::token_expiry;
use super::password_policy;
use crate::access::principal::{Principal, Role};
use crate::error::AppError;
use crate::registry::Registry;
use crate::store::{NewAudit, NewUser, Store, StoreError, UserAccount};

/// Creates the user and returns their first API token (the only time it exists in clear).
pub async fn add_user(
    store: &Store,
    registry: &Registry,
    name: &str,
    role: &str,
    regions: &[String],
    password: Option<&str>,
) -> anyhow::Result<String> {
    let name = name.trim();
    if name.is_empty()
        || name.len() > 64
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        anyhow::bail!(
            "nombre de usuario inválido: use letras, números, puntos o guiones, sin espacios"
        );
    }
    let role = Role::parse(role).ok_or_else(|| {
        anyhow::anyhow!("rol desconocido {role:?}: use operator, coordinator o admin")
    })?;
    for r in regions {
        if registry.region(r).is_none() {
            let known: Vec<&str> = registry.regions().iter().map(|x| x.id.as_str()).collect();
            anyhow::bail!("región desconocida {r:?}; regiones: {}", known.join(", "));
        }
    }
    match role {
        Role::Coordinator if regions.len() != 1 => {
            anyhow::bail!("un coordinador necesita exactamente una región (--region ID)")
        }
        Role::Admin if !regions.is_empty() => {
            anyhow::bail!("un supervisor (admin) ve todas las regiones; no use --region")
        }
        _ => {}
    }
    let password_hash = match password {
        Some(p) => {
            password_policy::check(name, p).map_err(|e| anyhow::anyhow!(e))?;
            Some(hash_password(p).map_err(|e| anyhow::anyhow!("{e}"))?)
        }
        None => None,
    };
    let token = random_token();
    store
        .create_user(&NewUser {
            name: name.to_owned(),
            role: role.as_str().to_owned(),
            regions: regions.to_vec(),
            password_hash,
            token_sha256: digest(&token),
            at: Utc::now(),
        })
        .await?;
    Ok(token)
}

/// Sets or replaces a user's web password; every session of the user ends with the old
/// one. Returns how many sessions ended.
pub async fn set_password(
    store: &Store,
    name: &str,
    password: &str,
    by: By<'_>,
) -> anyhow::Result<u64> {
    password_policy::check(name, password).map_err(|e| anyhow::anyhow!(e))?;
    let user = store
        .user_by_name(name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no existe el usuario {name}"))?;
    let hash = hash_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let audit = by.audit("user.password_changed", &user.name, Utc::now());
    Ok(store.set_password(user.id, &hash, &audit).await?)
}

/// Who changes an account, for the audit trail.
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    /// `alerta users …` on the server.
    Cli,
    /// An admin through the API or the web app.
    User(&'a Principal),
}

impl By<'_> {
    fn actor(self) -> String {
        match self {
            By::Cli => "system:cli".to_owned(),
            By::User(who) => who.actor(),
        }
    }

    fn audit(self, action: &str, name: &str, at: DateTime<Utc>) -> NewAudit {
        NewAudit {
            at,
            actor: self.actor(),
            action: action.to_owned(),
            entity_kind: "user".to_owned(),
            entity_id: name.to_owned(),
            detail: serde_json::json!({}),
        }
    }
}

/// Why an account change was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("no existe el usuario {0}")]
    UnknownUser(String),
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<AccountError> for AppError {
    fn from(e: AccountError) -> AppError {
        match e {
            AccountError::UnknownUser(_) => AppError::NotFound,
            AccountError::Refused(m) => AppError::Conflict(m),
            AccountError::Store(e) => AppError::Store(e),
        }
    }
}

/// An account as the users list shows it (never a password hash or a token).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountView {
    pub name: String,
    pub role: String,
    pub regions: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub disabled: bool,
    pub disabled_at: Option<DateTime<Utc>>,
    pub has_password: bool,
    /// When the API token stops working; `None` when the account has none.
    pub token_expires_at: Option<DateTime<Utc>>,
    pub token_expired: bool,
}

impl AccountView {
    fn new(a: &UserAccount, token_days: i64, now: DateTime<Utc>) -> AccountView {
        let expires = a.token_issued_at.map(|t| token_expiry(t, token_days));
        AccountView {
            name: a.user.name.clone(),
            role: a.user.role.clone(),
            regions: a.user.region_list(),
            created_at: a.user.created_at,
            disabled: a.user.disabled_at.is_some(),
            disabled_at: a.user.disabled_at,
            has_password: a.user.password_hash.is_some(),
            token_expires_at: expires,
            token_expired: expires.is_some_and(|e| e <= now),
        }
    }
}

/// Every account, by name.
pub async fn list(
    store: &Store,
    token_days: i64,
    now: DateTime<Utc>,
) -> Result<Vec<AccountView>, StoreError> {
    Ok(store
        .users()
        .await?
        .iter()
        .map(|a| AccountView::new(a, token_days, now))
        .collect())
}

/// One account as the list shows it.
pub async fn account(
    store: &Store,
    name: &str,
    token_days: i64,
    now: DateTime<Utc>,
) -> Result<AccountView, AccountError> {
    list(store, token_days, now)
        .await?
        .into_iter()
        .find(|a| a.name == name)
        .ok_or_else(|| AccountError::UnknownUser(name.to_owned()))
}

/// What disabling or enabling did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switched {
    /// False when the account already was in that state (nothing written).
    pub changed: bool,
    pub sessions_ended: u64,
}

/// Disables an account: its sessions end and its token is refused until it is enabled
/// again. An admin cannot disable their own account (nobody could undo it from the web).
pub async fn disable(
    store: &Store,
    name: &str,
    by: By<'_>,
    now: DateTime<Utc>,
) -> Result<Switched, AccountError> {
    let user = find(store, name).await?;
    if let By::User(who) = by {
        if who.user_id == user.id {
            return Err(AccountError::Refused(
                "no puede deshabilitar su propia cuenta".into(),
            ));
        }
    }
    if user.disabled_at.is_some() {
        return Ok(Switched {
            changed: false,
            sessions_ended: 0,
        });
    }
    let audit = by.audit("user.disabled", &user.name, now);
    let sessions_ended = store.set_disabled(user.id, Some(now), &audit).await?;
    Ok(Switched {
        changed: true,
        sessions_ended,
    })
}

/// Enables a disabled account: its API token works again (if it has not expired); it signs
/// in on the web again (its old sessions ended when it was disabled).
pub async fn enable(
    store: &Store,
    name: &str,
    by: By<'_>,
    now: DateTime<Utc>,
) -> Result<Switched, AccountError> {
    let user = find(store, name).await?;
    if user.disabled_at.is_none() {
        return Ok(Switched {
            changed: false,
            sessions_ended: 0,
        });
    }
    let audit = by.audit("user.enabled", &user.name, now);
    store.set_disabled(user.id, None, &audit).await?;
    Ok(Switched {
        changed: true,
        sessions_ended: 0,
    })
}

/// Replaces the account's API token; the old one stops working at once. Returns the new one
/// (the only time it exists in clear).
pub async fn rotate_token(
    store: &Store,
    name: &str,
    by: By<'_>,
    now: DateTime<Utc>,
) -> Result<String, AccountError> {
    let user = find(store, name).await?;
    let token = random_token();
    let audit = by.audit("user.token_rotated", &user.name, now);
    store
        .rotate_token(user.id, &digest(&token), now, &audit)
        .await?;
    Ok(token)
}

async fn find(store: &Store, name: &str) -> Result<crate::store::UserRow, AccountError> {
    store
        .user_by_name(name)
        .await?
        .ok_or_else(|| AccountError::UnknownUser(name.to_owned()))
}
