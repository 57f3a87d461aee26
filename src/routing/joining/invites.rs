//! Invite codes: an enlace's `ALTA` gets one for their group, and a stranger's `ALTA 4F7K`
//! joins that group at once, with refused codes limited per sender and hour (four
//! characters of 23 are guessable by brute force otherwise).

use rand::Rng;
use serde_json::json;

use super::worker::{person, Outcome, RegistryRequests, WHATSAPP};
use crate::registry::MemberRole;
use crate::store::{RegistryChange, RegistryRequestRow, RegistryWriteError, StoreError};
use crate::vocab::joining::{INVITE_ALPHABET, INVITE_LEN};

impl RegistryRequests {
    /// An enlace's `ALTA`: a fresh code for their group.
    pub(super) async fn invite_code(&self, r: &RegistryRequestRow) -> Result<Outcome, StoreError> {
        let Some(m) = self.member_of(r).await? else {
            return Ok(Outcome::refused("not_member", None));
        };
        if m.role != MemberRole::Enlace.as_str() {
            let reply = ("invite_code", json!({ "variant": "not_enlace" }));
            return Ok(Outcome::refused("not_enlace", Some(reply)));
        }
        let now = self.clock.now();
        let expires = now + self.settings.invite_ttl;
        let mut code = String::new();
        for _ in 0..50 {
            let candidate = new_code();
            if self
                .sync
                .store
                .create_invite(&candidate, &m.group_id, m.id, now, expires)
                .await?
            {
                code = candidate;
                break;
            }
        }
        if code.is_empty() {
            // 23⁴ codes: only a flood of live codes gets here.
            return Ok(Outcome::refused("no_free_code", None));
        }
        let registry = self.sync.shared.current();
        let group = registry.group(&m.group_id);
        let tz = group
            .and_then(|g| registry.region(&g.region))
            .map_or(chrono_tz::America::Mexico_City, |r| r.time_zone);
        let vence = expires
            .with_timezone(&tz)
            .format("%d/%m/%Y %H:%M")
            .to_string();
        let name = group.map_or(m.group_id.clone(), |g| g.name.clone());
        Ok(Outcome {
            group_id: Some(m.group_id.clone()),
            member_id: Some(m.id),
            // The code is a credential while it lives: the trail says who asked and until
            // when, not the code.
            audit: Some((
                "registry.invite_created",
                json!({ "group": m.group_id, "enlace": m.id, "expires_at": expires }),
            )),
            reply: Some((
                "invite_code",
                json!({ "codigo": code, "grupo": name, "vence": vence }),
            )),
            ..Outcome::new("done")
        })
    }

    /// `ALTA 4F7K` from an unknown sender: joins the code's group at once.
    pub(super) async fn invite_join(&self, r: &RegistryRequestRow) -> Result<Outcome, StoreError> {
        let now = self.clock.now();
        let store = &self.sync.store;
        let refused = store
            .refused_invites_since(&r.sender_key, now - chrono::Duration::hours(1))
            .await?;
        if refused >= self.settings.invite_attempts_per_hour {
            let reply = ("invite_refused", json!({ "variant": "throttled" }));
            return Ok(Outcome::refused("throttled", Some(reply)));
        }
        let code = r.code.clone().unwrap_or_default();
        let Some((group, expires_at)) = store.invite(&code).await? else {
            return Ok(Outcome::refused(
                "unknown_code",
                Some(("invite_refused", json!({}))),
            ));
        };
        if expires_at < now {
            let reply = ("invite_refused", json!({ "variant": "expired" }));
            return Ok(Outcome::refused("expired_code", Some(reply)));
        }
        let member = person(r, MemberRole::Miembro, None);
        let change = RegistryChange::AddMember {
            group: group.clone(),
            member,
        };
        let actor = format!("{WHATSAPP}:invitación");
        match self.sync.change(change, &actor, now).await {
            Ok(w) => Ok(Outcome {
                member_id: w.member_id,
                group_id: Some(group.clone()),
                audit: Some((
                    "registry.invite_used",
                    json!({ "group": group, "member": w.member_id }),
                )),
                reply: Some(("join_welcome", self.welcome_params(&group))),
                welcome: true,
                ..Outcome::new("done")
            }),
            Err(RegistryWriteError::Store(e)) => Err(e),
            Err(e) => Ok(Outcome::refused(
                &e.to_string(),
                Some(("invite_refused", json!({}))),
            )),
        }
    }
}

/// A random invite code over the alphabet without look-alikes.
fn new_code() -> String {
    let alphabet: Vec<char> = INVITE_ALPHABET.chars().collect();
    let mut rng = rand::rng();
    (0..INVITE_LEN)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())])
        .collect()
}
