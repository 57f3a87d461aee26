//! The registry-requests worker: settles what intake recorded (see the module's doc). A
//! request is claimed by its status (`received` → the next), so two replicas never settle
//! one twice; a store error leaves it `received` for the next pass.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use serde_json::{json, Value};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::kind;
use crate::registry::{Member, MemberRole, Phone};
use crate::routing::RegistrySync;
use crate::store::{
    NewOutbox, RegistryChange, RegistryMemberRow, RegistryRequestRow, RegistryWriteError,
    RequestSettlement, StoreError,
};
use crate::vocab::joining::{INVITE_ALPHABET, INVITE_LEN};
use crate::vocab::Clock;

/// The actor of changes people make themselves over WhatsApp.
const WHATSAPP: &str = "whatsapp";

/// How the worker settles requests (`[registry]` in `config/alerta.toml`).
#[derive(Debug, Clone)]
pub struct JoinSettings {
    /// How long an invite code is valid.
    pub invite_ttl: chrono::Duration,
    /// Refused codes a sender may send per hour before codes are no longer even checked.
    pub invite_attempts_per_hour: i64,
    /// `[privacy] notice_url`, for the welcome.
    pub notice_url: String,
}

pub struct RegistryRequests {
    pub sync: RegistrySync,
    pub clock: Clock,
    pub settings: JoinSettings,
    /// Wakes the sender when answers were queued.
    pub outbox_wakeup: Arc<Notify>,
    pub poll: Duration,
}

/// What one request came to.
struct Outcome {
    to: &'static str,
    reason: Option<String>,
    member_id: Option<i64>,
    group_id: Option<String>,
    audit: Option<(&'static str, Value)>,
    reply: Option<(&'static str, Value)>,
    welcome: bool,
}

impl Outcome {
    fn new(to: &'static str) -> Outcome {
        Outcome {
            to,
            reason: None,
            member_id: None,
            group_id: None,
            audit: None,
            reply: None,
            welcome: false,
        }
    }

    fn refused(reason: &str, reply: Option<(&'static str, Value)>) -> Outcome {
        Outcome {
            reason: Some(reason.to_owned()),
            reply,
            ..Outcome::new("refused")
        }
    }
}

impl RegistryRequests {
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            if let Err(e) = self.tick().await {
                tracing::warn!(error = %e, "registry requests pass failed");
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(self.poll) => {},
            }
        }
    }

    /// Settles every received request; returns how many this worker settled.
    pub async fn tick(&self) -> Result<usize, StoreError> {
        let mut settled = 0;
        for r in self.sync.store.received_registry_requests(100).await? {
            let outcome = self.decide(&r).await?;
            if self.settle(&r, outcome).await? {
                settled += 1;
            }
        }
        if settled > 0 {
            self.outbox_wakeup.notify_one();
        }
        Ok(settled)
    }

    async fn decide(&self, r: &RegistryRequestRow) -> Result<Outcome, StoreError> {
        match r.kind.as_str() {
            kind::ALTA => self.alta(r).await,
            kind::INVITE_CODE => self.invite_code(r).await,
            kind::INVITE_JOIN => self.invite_join(r).await,
            kind::BAJA => self.baja(r).await,
            kind::NUMBER_CHANGE => self.number_change(r).await,
            _ => Ok(Outcome::refused("unknown_kind", None)),
        }
    }

    async fn settle(&self, r: &RegistryRequestRow, o: Outcome) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let answer = |purpose: &str, params: &Value| NewOutbox {
            purpose: purpose.to_owned(),
            priority: 2,
            recipient_key: r.sender_key.clone(),
            recipient: r.recipient.clone(),
            reply_to: None,
            params: params.to_string(),
            use_template: false,
            not_before: now,
        };
        let outbox = o.reply.iter().map(|(p, v)| answer(p, v)).collect();
        let privacy_notice = o.welcome.then(|| {
            answer(
                "privacy_notice",
                &json!({ "aviso": self.settings.notice_url }),
            )
        });
        let settlement = RequestSettlement {
            id: r.id,
            from: "received",
            to: o.to,
            at: now,
            by: WHATSAPP.to_owned(),
            reason: o.reason,
            member_id: o.member_id,
            group_id: o.group_id,
            audit: o.audit,
            outbox,
            privacy_notice,
        };
        self.sync.store.settle_registry_request(&settlement).await
    }

    /// An alta waits for a coordinator, unless the sender has one waiting already.
    async fn alta(&self, r: &RegistryRequestRow) -> Result<Outcome, StoreError> {
        if self
            .sync
            .store
            .alta_pending_for(&r.sender_key, r.id)
            .await?
        {
            return Ok(Outcome {
                reply: Some(("join_received", json!({ "variant": "duplicate" }))),
                ..Outcome::new("duplicate")
            });
        }
        Ok(Outcome {
            audit: Some((
                "registry.join_requested",
                json!({ "region": r.region, "group": r.group_id }),
            )),
            reply: Some(("join_received", json!({}))),
            ..Outcome::new("pending")
        })
    }

    /// An enlace's `ALTA`: a fresh code for their group.
    async fn invite_code(&self, r: &RegistryRequestRow) -> Result<Outcome, StoreError> {
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
    async fn invite_join(&self, r: &RegistryRequestRow) -> Result<Outcome, StoreError> {
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

    /// A member's `BAJA`: their membership ends (ARCO cancellation).
    async fn baja(&self, r: &RegistryRequestRow) -> Result<Outcome, StoreError> {
        let Some(m) = self.member_of(r).await? else {
            return Ok(Outcome::refused("not_member", None));
        };
        let change = RegistryChange::CancelMembership { id: m.id };
        let actor = format!("{WHATSAPP}:baja");
        let name = self
            .sync
            .shared
            .current()
            .group(&m.group_id)
            .map_or(m.group_id.clone(), |g| g.name.clone());
        match self.sync.change(change, &actor, self.clock.now()).await {
            Ok(_) => Ok(Outcome {
                member_id: Some(m.id),
                group_id: Some(m.group_id.clone()),
                reply: Some(("member_left", json!({ "grupo": name }))),
                ..Outcome::new("done")
            }),
            Err(RegistryWriteError::Store(e)) => Err(e),
            Err(e) => Ok(Outcome::refused(&e.to_string(), None)),
        }
    }

    /// `user_changed_number`: the member or coordinator moves to the new number.
    async fn number_change(&self, r: &RegistryRequestRow) -> Result<Outcome, StoreError> {
        let new_phone = r
            .new_phone
            .as_deref()
            .and_then(|p| Phone::from_wa_id(p).ok())
            .map(|p| p.as_str().to_owned());
        let now = self.clock.now();
        let actor = format!("{WHATSAPP}:cambio_de_número");
        let change = if let Some(m) = self.member_of(r).await? {
            RegistryChange::ChangeMemberNumber {
                id: m.id,
                phone: new_phone,
                bsuid: r.new_bsuid.clone(),
            }
        } else {
            let registry = self.sync.shared.current();
            let found = r
                .bsuid
                .as_deref()
                .and_then(|b| registry.coordinator_by_bsuid(b))
                .or_else(|| {
                    r.phone
                        .as_deref()
                        .and_then(|p| registry.coordinator_by_phone(p))
                });
            let Some((region, c)) = found else {
                return Ok(Outcome::refused("unknown_sender", None));
            };
            let mut coordinator = c.clone();
            if let Some(p) = new_phone.as_deref().and_then(|p| Phone::parse(p).ok()) {
                coordinator.phone = Some(p);
            }
            coordinator.bsuid = r.new_bsuid.clone();
            RegistryChange::PutCoordinator {
                region: region.id.clone(),
                coordinator,
            }
        };
        match self.sync.change(change, &actor, now).await {
            Ok(_) => Ok(Outcome::new("done")),
            Err(RegistryWriteError::Store(e)) => Err(e),
            Err(e) => Ok(Outcome::refused(&e.to_string(), None)),
        }
    }

    /// The sender's active member row (BSUID first, then phone, as attribution looks).
    async fn member_of(
        &self,
        r: &RegistryRequestRow,
    ) -> Result<Option<RegistryMemberRow>, StoreError> {
        let rows = self.sync.store.registry_snapshot().await?;
        let phone = r
            .phone
            .as_deref()
            .and_then(|p| Phone::from_wa_id(p).ok())
            .map(|p| p.as_str().to_owned());
        let active = |m: &&RegistryMemberRow| {
            m.active && rows.groups.iter().any(|g| g.id == m.group_id && g.active)
        };
        let by_bsuid = r.bsuid.as_deref().and_then(|b| {
            rows.members
                .iter()
                .filter(active)
                .find(|m| m.bsuid.as_deref() == Some(b))
        });
        let by_phone = || {
            phone.as_deref().and_then(|p| {
                rows.members
                    .iter()
                    .filter(active)
                    .find(|m| m.phone.as_deref() == Some(p))
            })
        };
        Ok(by_bsuid.or_else(by_phone).cloned())
    }

    fn welcome_params(&self, group: &str) -> Value {
        let name = self
            .sync
            .shared
            .current()
            .group(group)
            .map_or(group.to_owned(), |g| g.name.clone());
        welcome_params(&name, &self.settings.notice_url)
    }
}

/// The person a request came from, as a member: their WhatsApp profile name unless a
/// coordinator typed one.
pub fn person(r: &RegistryRequestRow, role: MemberRole, name: Option<&str>) -> Member {
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .or(r
            .profile_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty()))
        .unwrap_or("Sin nombre (WhatsApp)");
    Member {
        name: name.to_owned(),
        phone: r.phone.as_deref().and_then(|p| Phone::from_wa_id(p).ok()),
        bsuid: r.bsuid.clone(),
        role,
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

/// The welcome's markers: the group's name and the privacy notice's address (the same for
/// an invite code and a coordinator's approval).
pub fn welcome_params(group_name: &str, notice_url: &str) -> Value {
    json!({ "grupo": group_name, "aviso": notice_url })
}
