//! The registry-requests worker: settles what intake recorded (see the module's doc). A
//! request is claimed by its status (`received` → the next), so two replicas never settle
//! one twice; a store error leaves it `received` for the next pass.

use std::sync::Arc;
use std::time::Duration;

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
use crate::vocab::Clock;

/// The actor of changes people make themselves over WhatsApp.
pub(super) const WHATSAPP: &str = "whatsapp";

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
pub(super) struct Outcome {
    pub(super) to: &'static str,
    pub(super) reason: Option<String>,
    pub(super) member_id: Option<i64>,
    pub(super) group_id: Option<String>,
    pub(super) audit: Option<(&'static str, Value)>,
    pub(super) reply: Option<(&'static str, Value)>,
    pub(super) welcome: bool,
}

impl Outcome {
    pub(super) fn new(to: &'static str) -> Outcome {
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

    pub(super) fn refused(reason: &str, reply: Option<(&'static str, Value)>) -> Outcome {
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
    pub(super) async fn member_of(
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

    pub(super) fn welcome_params(&self, group: &str) -> Value {
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

/// The welcome's markers: the group's name and the privacy notice's address (the same for
/// an invite code and a coordinator's approval).
pub fn welcome_params(group_name: &str, notice_url: &str) -> Value {
    json!({ "grupo": group_name, "aviso": notice_url })
}
