//! Driving the outbox sender by hand.

use alerta::vocab::Clock;

use super::TestApp;

/// Ticks the sender until nothing is left to do, moving the clock past pacing and backoff.
pub async fn drain(app: &TestApp, sender: &alerta::notify::Sender, clock: &Clock) {
    for _ in 0..300 {
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
