//! The 9-1-1 safety net end to end: a message whose category is not `emergency_911` but
//! whose emergency probability passes the shipped threshold gets the emergency reply and a
//! critical report, and the classifier's stored rules say why.

use alerta::triage::{Category, Classifier, Input, SAFETY_NET_RULE};

use crate::helpers::{Backend, TestApp, MARIA};
use crate::outbox::{post_text, rows_for};

/// An armed robbery in progress written the way a phone and a hurry write it ("wyes con
/// fusca", "esk"): the shipped model picks `other` but gives an emergency a probability
/// above the net's threshold, which is what the net is for.
const POSSIBLE: &str = "aki en la esk d la 5 d mayo andan 2 wyes con fusca asaltando a la raza \
                        q sale del oxxo";

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
