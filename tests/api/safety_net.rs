//! The 9-1-1 safety net end to end: a message whose category is not `emergency_911` but
//! whose emergency probability passes the shipped threshold gets the emergency reply and a
//! critical report, and the classifier's stored rules say why.

use alerta::triage::{Category, Classifier, Input, SAFETY_NET_RULE};

use crate::helpers::{Backend, TestApp, MARIA};
use crate::outbox::{post_text, rows_for};

/// Extortion that turns into a beating as it is written: the shipped model picks the
/// 089 tip (it reads "derecho de piso") but gives an emergency a probability above the
/// net's threshold, which is what the net is for.
const POSSIBLE: &str = "vinieron otra vez a la tienda a pedir derecho de piso y le estan \
                        pegando a mi hermano porque no quiso dar, menchaca calle 5 de mayo";

#[tokio::test]
async fn a_possible_emergency_gets_the_911_reply_and_a_critical_report() {
    let c = Classifier::builtin().classify(&Input::text(POSSIBLE));
    assert!(
        c.emergency_reply && c.category != Category::Emergency911,
        "the shipped model no longer puts this text in the net; pick another: {c:?}"
    );
    let app = TestApp::new(Backend::Sqlite).await;
    post_text(&app, "w.net", MARIA.0, POSSIBLE).await;
    let reports = app.state.store.reports().await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].priority, "critical");
    assert_eq!(reports[0].category, c.category.as_str());
    let rows = app.state.store.outbox().await.unwrap();
    assert_eq!(rows_for(&rows, "reply_emergency").len(), 1);
    assert!(rows_for(&rows, "reply_ack").is_empty());
    let msg = app.message("w.net").await;
    let rules = msg.rules.unwrap_or_default();
    assert!(rules.contains(SAFETY_NET_RULE), "{rules}");
}
