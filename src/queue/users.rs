//! Creating accounts (`alerta users add`): validated against the registry, the token shown
//! once and stored only as a digest.

use chrono::Utc;

use super::auth::{digest, hash_password, random_token};
use super::password_policy;
use super::principal::Role;
use crate::registry::Registry;
use crate::store::{NewUser, Store};

/// Creates the user and returns their first API token (the only time it exists in clear).
pub async fn add_user(
    store: &dyn Store,
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

/// Sets or replaces a user's web password.
pub async fn set_password(store: &dyn Store, name: &str, password: &str) -> anyhow::Result<()> {
    password_policy::check(name, password).map_err(|e| anyhow::anyhow!(e))?;
    let user = store
        .user_by_name(name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no existe el usuario {name}"))?;
    let hash = hash_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
    store.set_password(user.id, &hash).await?;
    Ok(())
}
