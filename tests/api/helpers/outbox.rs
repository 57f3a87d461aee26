//! Driving the outbox sender by hand.

use alerta::vocab::Clock;

use super::TestApp;

/// Ticks the sender until nothing is left to do, moving the clock past pacing and backoff.
/// The incident worker runs first on every round, as it does beside the sender in
/// `alerta serve`: coordinators' notices are its to queue.
pub async fn drain(app: &TestApp, sender: &alerta::notify::Sender, clock: &Clock) {
    let incidents = app.state.incidents(clock.clone());
    for _ in 0..300 {
        incidents.tick().await.unwrap();
        sender.tick().await.unwrap();
        let open = app
            .state
            .store
            .outbox()
            .await
            .unwrap()
            .iter()
            .any(|r| r.state == "pending" || r.state == "sending");
        if !open {
            return;
        }
        clock.advance(chrono::Duration::seconds(30));
    }
    panic!("the outbox did not drain");
}
