//! The registry in the database: seeded from `config/registry/` on first start, changed
//! without a restart, validated like `check-config` on every write, audited, and followed by
//! every replica.

use std::time::Duration;

use alerta::app::state::AppState;
use alerta::registry::{Member, MemberRole, Phone};
use alerta::store::{RegistryChange, RegistryWriteError};
use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::helpers::{backends, text_webhook, TestApp};

/// A number no registry uses (anchors in notes/anchors.md; the stranger is +526629999999).
const NEWCOMER: &str = "5216621777701";
const NEWCOMER_E164: &str = "+526621777701";

fn newcomer() -> Member {
    Member {
        name: "Ana Sofía Moreno Lugo".into(),
        phone: Some(Phone::parse(NEWCOMER_E164).unwrap()),
        bsuid: None,
        role: MemberRole::Miembro,
    }
}

fn add_newcomer() -> RegistryChange {
    RegistryChange::AddMember {
        group: "hmo-villa-de-seris".into(),
        member: newcomer(),
    }
}

#[tokio::test]
async fn a_new_database_is_seeded_from_the_configured_registry_once() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let snapshot = app.state.store.registry_snapshot().await.unwrap();
        assert_eq!(snapshot.version, 1, "{backend:?}");
        assert_eq!(snapshot.groups.len(), 43, "{backend:?}");
        assert!(app
            .state
            .registry
            .current()
            .member_by_phone("5216621000101")
            .is_some());
        // A second start on the same database (another replica) does not seed again.
        let again = AppState::build((*app.state.config).clone()).await.unwrap();
        assert_eq!(again.registry.version(), 1, "{backend:?}");
        assert_eq!(app.state.store.registry_version().await.unwrap(), 1);
    }
}

#[tokio::test]
async fn a_member_added_is_attributed_on_the_next_webhook() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        app.post_signed(&text_webhook(
            "wamid.before",
            Some(NEWCOMER),
            None,
            None,
            "hola",
        ))
        .await;
        assert_eq!(
            app.message("wamid.before").await.group_ref,
            None,
            "{backend:?}"
        );

        let w = app
            .state
            .registry_sync
            .change(add_newcomer(), "test:coordinadora", Utc::now())
            .await
            .unwrap();
        assert_eq!(w.version, 2);
        app.post_signed(&text_webhook(
            "wamid.after",
            Some(NEWCOMER),
            None,
            None,
            "hay un carro sospechoso",
        ))
        .await;
        let m = app.message("wamid.after").await;
        assert_eq!(
            m.group_ref.as_deref(),
            Some("hmo-villa-de-seris"),
            "{backend:?}"
        );

        // Deactivated, the member is no longer attributed; the row stays.
        let id = w.member_id.unwrap();
        let change = RegistryChange::SetMemberActive { id, active: false };
        app.state
            .registry_sync
            .change(change, "test:coordinadora", Utc::now())
            .await
            .unwrap();
        app.post_signed(&text_webhook(
            "wamid.gone",
            Some(NEWCOMER),
            None,
            None,
            "hola",
        ))
        .await;
        assert_eq!(
            app.message("wamid.gone").await.group_ref,
            None,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn a_second_replica_attributes_the_new_member_within_two_seconds() {
    for backend in backends() {
        let a = TestApp::new(backend).await;
        let b = TestApp::from_state(AppState::build((*a.state.config).clone()).await.unwrap());
        let stop = CancellationToken::new();
        let reloader = tokio::spawn(
            b.state
                .registry_sync
                .clone()
                .run(Duration::from_millis(200), stop.clone()),
        );
        a.state
            .registry_sync
            .change(add_newcomer(), "test:coordinadora", Utc::now())
            .await
            .unwrap();
        let started = std::time::Instant::now();
        while b
            .state
            .registry
            .current()
            .member_by_phone(NEWCOMER)
            .is_none()
        {
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "{backend:?}: replica b did not reload"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        b.post_signed(&text_webhook("wamid.b", Some(NEWCOMER), None, None, "hola"))
            .await;
        let m = b.message("wamid.b").await;
        assert_eq!(
            m.group_ref.as_deref(),
            Some("hmo-villa-de-seris"),
            "{backend:?}"
        );
        stop.cancel();
        reloader.await.unwrap();
    }
}

#[tokio::test]
async fn an_invalid_write_changes_nothing_and_says_why() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let audit_before = app.state.store.last_audit_id().await.unwrap();
        // María's number is taken (notes/anchors.md).
        let mut dup = newcomer();
        dup.phone = Some(Phone::parse("+526621000101").unwrap());
        let change = RegistryChange::AddMember {
            group: "cajeme-fovissste".into(),
            member: dup,
        };
        let err = app
            .state
            .registry_sync
            .change(change, "test", Utc::now())
            .await
            .unwrap_err();
        let RegistryWriteError::Invalid(errors) = err else {
            panic!("{backend:?}: {err:?}");
        };
        assert!(
            errors.to_string().contains("duplicado") || errors.to_string().contains("repetido"),
            "{errors}"
        );
        // A group in a region the configuration does not have.
        let mut group = app
            .state
            .registry
            .current()
            .group("canaco-nogales")
            .unwrap()
            .clone();
        group.id = "grupo-sin-region".into();
        group.region = "son-atlantida".into();
        group.members = vec![newcomer()];
        let err = app
            .state
            .registry_sync
            .change(RegistryChange::CreateGroup(group), "test", Utc::now())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("son-atlantida"), "{err}");
        // Removing the only patrol coordinator of a region with groups.
        let current = app.state.registry.current();
        let patrol: Vec<String> = current
            .regions()
            .iter()
            .filter(|r| current.groups_in_region(&r.id).next().is_some())
            .map(|r| {
                r.coordinators_with(alerta::registry::CoordinatorRole::Patrol)
                    .map(|c| c.id.clone())
                    .collect::<Vec<_>>()
            })
            .find(|ids| ids.len() == 1)
            .expect("a region with groups and one patrol coordinator");
        let err = app
            .state
            .registry_sync
            .change(
                RegistryChange::RemoveCoordinator {
                    id: patrol[0].clone(),
                },
                "test",
                Utc::now(),
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("patrol"), "{err}");
        assert_eq!(
            app.state.store.registry_version().await.unwrap(),
            1,
            "{backend:?}"
        );
        assert_eq!(app.state.store.last_audit_id().await.unwrap(), audit_before);
        assert!(app
            .state
            .registry
            .current()
            .member_by_phone(NEWCOMER)
            .is_none());
    }
}

#[tokio::test]
async fn every_change_is_in_the_audit_trail_with_before_and_after() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let w = app
            .state
            .registry_sync
            .change(add_newcomer(), "ana", Utc::now())
            .await
            .unwrap();
        let id = w.member_id.unwrap();
        let mut renamed = newcomer();
        renamed.name = "Ana Sofía Moreno de Lugo".into();
        renamed.role = MemberRole::Enlace;
        let change = RegistryChange::UpdateMember {
            id,
            group: "hmo-villa-de-seris".into(),
            member: renamed,
        };
        app.state
            .registry_sync
            .change(change, "beto", Utc::now())
            .await
            .unwrap();
        let trail = app
            .state
            .store
            .audit_trail("registry_member", &id.to_string())
            .await
            .unwrap();
        assert_eq!(trail.len(), 2, "{backend:?}");
        assert_eq!(trail[0].actor, "ana");
        assert_eq!(trail[0].action, "registry.member_added");
        assert_eq!(trail[1].actor, "beto");
        assert_eq!(trail[1].action, "registry.member_updated");
        let detail: serde_json::Value =
            serde_json::from_str(trail[1].detail.as_deref().unwrap()).unwrap();
        assert_eq!(detail["before"]["name"], "Ana Sofía Moreno Lugo");
        assert_eq!(detail["after"]["name"], "Ana Sofía Moreno de Lugo");
        assert_eq!(detail["after"]["role"], "enlace");
        assert_eq!(detail["version"], 3);
        // The trail says whose number, never the number.
        let details = format!("{:?}", trail.iter().map(|t| &t.detail).collect::<Vec<_>>());
        assert!(!details.contains("6621777701"), "{details}");
    }
}
