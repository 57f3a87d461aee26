//! Warnings that anyone on the internet can trigger (a refused webhook signature, a
//! connection over the limit) are summarised: the first one is written at once, the rest
//! are counted and written as one line per interval, so a flood cannot fill the disk with
//! logs. Metrics still count every event.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a summary line may be written.
pub const EVERY: Duration = Duration::from_secs(60);

/// A count of one kind of warning since its last line.
pub struct WarnSummary {
    what: &'static str,
    every: Duration,
    state: Mutex<State>,
}

struct State {
    counts: BTreeMap<&'static str, u64>,
    last_line: Option<Instant>,
}

/// What one line says: how many events of which kinds.
#[derive(Debug, PartialEq, Eq)]
pub struct Summary {
    pub count: u64,
    /// `kind=n` pairs, e.g. `mismatch=598 missing=2`.
    pub kinds: String,
}

impl WarnSummary {
    pub const fn new(what: &'static str) -> WarnSummary {
        WarnSummary::every(what, EVERY)
    }

    pub const fn every(what: &'static str, every: Duration) -> WarnSummary {
        WarnSummary {
            what,
            every,
            state: Mutex::new(State {
                counts: BTreeMap::new(),
                last_line: None,
            }),
        }
    }

    /// Counts one event of `kind`; writes the line when none was written this interval.
    pub fn record(&self, kind: &'static str) {
        if let Some(summary) = self.record_at(kind, Instant::now()) {
            self.write(&summary);
        }
    }

    /// Writes what was counted since the last line, if anything.
    pub fn flush(&self) {
        if let Some(summary) = self.take(Instant::now()) {
            self.write(&summary);
        }
    }

    /// Flushes every interval until `stop` fires, then once more.
    pub async fn run(&self, stop: tokio_util::sync::CancellationToken) {
        let mut tick = tokio::time::interval(self.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stop.cancelled() => break,
                _ = tick.tick() => self.flush(),
            }
        }
        self.flush();
    }

    fn write(&self, s: &Summary) {
        tracing::warn!(
            count = s.count,
            kinds = %s.kinds,
            interval_secs = self.every.as_secs(),
            "{}",
            self.what
        );
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record_at(&self, kind: &'static str, now: Instant) -> Option<Summary> {
        let mut st = self.lock();
        *st.counts.entry(kind).or_default() += 1;
        let due = st
            .last_line
            .is_none_or(|t| now.saturating_duration_since(t) >= self.every);
        if due {
            drop(st);
            self.take(now)
        } else {
            None
        }
    }

    fn take(&self, now: Instant) -> Option<Summary> {
        let mut st = self.lock();
        if st.counts.is_empty() {
            return None;
        }
        let counts = std::mem::take(&mut st.counts);
        st.last_line = Some(now);
        let kinds = counts
            .iter()
            .map(|(k, n)| format!("{k}={n}"))
            .collect::<Vec<_>>()
            .join(" ");
        Some(Summary {
            count: counts.values().sum(),
            kinds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_one_line_at_once_and_one_per_interval() {
        let s = WarnSummary::every("refused", Duration::from_secs(60));
        let t0 = Instant::now();
        assert_eq!(
            s.record_at("mismatch", t0),
            Some(Summary {
                count: 1,
                kinds: "mismatch=1".into()
            })
        );
        for i in 0..598 {
            let kind = if i % 299 == 0 { "missing" } else { "mismatch" };
            assert_eq!(s.record_at(kind, t0 + Duration::from_millis(i)), None);
        }
        // The interval's flush writes the rest as one line.
        assert_eq!(
            s.take(t0 + Duration::from_secs(60)),
            Some(Summary {
                count: 598,
                kinds: "mismatch=596 missing=2".into()
            })
        );
        assert_eq!(s.take(t0 + Duration::from_secs(61)), None);
        // After a quiet interval the next event is written at once again.
        assert!(s
            .record_at("missing", t0 + Duration::from_secs(121))
            .is_some());
    }
}
