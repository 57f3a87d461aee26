//! The Monday digest: at 08:00 in each region's time zone, the region's coordinators get
//! last week's figures, its colonia trends (each also raised as its own alert,
//! `reports::trend_notice`) and a link to the summary page. The `weekly_digests` primary key
//! makes it go out once per region and week, whichever replica gets there first.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::export::{summary, Scope};
use super::IsoWeek;
use crate::access::Principal;
use crate::error::AppError;
use crate::reports::Reports;
use crate::vocab::Clock;

/// Local time on Monday when the digest is due.
const DUE_AT: NaiveTime = match NaiveTime::from_hms_opt(8, 0, 0) {
    Some(t) => t,
    None => panic!("08:00 is a valid time"),
};

pub struct Digester {
    pub state: Reports,
    pub clock: Clock,
    pub poll: Duration,
    /// (region, week) this process already settled, so it does not recompute every poll.
    done: Mutex<HashSet<(String, IsoWeek)>>,
}

impl Digester {
    pub fn new(state: Reports, clock: Clock, poll: Duration) -> Digester {
        Digester {
            state,
            clock,
            poll,
            done: Mutex::new(HashSet::new()),
        }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            if let Err(e) = self.tick().await {
                tracing::warn!(error = %e, "weekly digest failed; will retry");
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(self.poll) => {}
            }
        }
    }

    /// Settles every digest that is due (queued, or skipped when the week brought nothing
    /// new); returns how many regions this call settled. Whether a coordinator gets it as
    /// text or as the `alerta_resumen_semanal` template is the sender's decision, taken
    /// before sending from the 24-hour window like for every other message.
    pub async fn tick(&self) -> Result<usize, AppError> {
        let now = self.clock.now();
        let mut queued = 0;
        // Weeks that ended before the installation's first report are nobody's news: a
        // fresh install sends no all-zero digest, and records none.
        let first_report = self.state.store.first_report_at().await?;
        for region in self.state.registry.current().regions() {
            let Some(week) = due_week(now, region.time_zone) else {
                continue;
            };
            let (_, week_end) = week.bounds(region.time_zone);
            if first_report.is_none_or(|first| first >= week_end) {
                continue;
            }
            let key = (region.id.clone(), week);
            if self
                .done
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(&key)
            {
                continue;
            }
            if self.queue_region(&region.id, week, now).await? {
                queued += 1;
            }
            self.done
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(key);
        }
        if queued > 0 {
            self.state.outbox_wakeup.notify_one();
        }
        Ok(queued)
    }

    async fn queue_region(
        &self,
        region: &str,
        week: IsoWeek,
        now: DateTime<Utc>,
    ) -> Result<bool, AppError> {
        let system = Principal::system("digest");
        let scope = Scope::new(&self.state, &system, &week.to_string(), Some(region))?;
        let (s, _) = summary(&self.state, &system, &scope).await?;
        // Trend alerts first: each is settled on its own key, so a digest another replica
        // already recorded does not keep them from going out, and none goes out twice.
        if super::trend_notice::raise(&self.state, region, week, &s.trends, now).await? > 0 {
            self.state.outbox_wakeup.notify_one();
        }
        let link = format!(
            "{}/resumen?week={week}&region={region}",
            self.state.config.web.public_url.trim_end_matches('/')
        );
        let params = json!({
            "semana": s.label,
            "region": scope.title,
            "total": s.total,
            "en_plazo": s.ack_within_deadline.share.map_or("sin plazos".to_owned(), |x| format!("{:.0} %", x * 100.0)),
            "abiertas": s.open_at_week_end,
            "mensajes": s.messages.messages_es(),
            "costo": s.messages.cost_es(),
            "enlace": link,
            "tendencias": super::trend_notice::digest_line(&s.trends),
        });
        // A week without a single request carries nothing new: every message is billed
        // (reference §9.1a), so none is sent. The week is still recorded, so it is settled
        // once for every replica.
        let outbox: Vec<_> = if s.total == 0 {
            Vec::new()
        } else {
            self.state
                .registry
                .current()
                .region(region)
                .map(|r| r.coordinators.clone())
                .unwrap_or_default()
                .iter()
                .filter_map(|c| crate::routing::to_coordinator(c, "weekly_digest", 3, &params, now))
                .collect()
        };
        let recorded = self
            .state
            .store
            .record_digest(region, &week.to_string(), now, &outbox)
            .await?;
        if recorded {
            tracing::info!(region, %week, recipients = outbox.len(), "weekly digest settled");
        }
        Ok(recorded)
    }
}

/// The finished week whose digest is due at `now` in `tz`: the previous ISO week once this
/// week's Monday 08:00 local has passed.
pub fn due_week(now: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<IsoWeek> {
    let week = IsoWeek::of(now, tz);
    let due = tz
        .from_local_datetime(&week.monday().and_time(DUE_AT))
        .earliest()?
        .with_timezone(&Utc);
    (now >= due).then(|| week.previous())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_at_monday_eight_local() {
        let tz = chrono_tz::America::Hermosillo; // UTC-7
        let before: DateTime<Utc> = "2026-11-23T14:59:00Z".parse().unwrap();
        let after: DateTime<Utc> = "2026-11-23T15:00:00Z".parse().unwrap();
        // Before 08:00 on Monday nothing is due (the week before last went out a week ago).
        assert_eq!(due_week(before, tz), None);
        assert_eq!(due_week(after, tz).unwrap().to_string(), "2026-W47");
        let new_year: DateTime<Utc> = "2027-01-04T15:30:00Z".parse().unwrap();
        assert_eq!(due_week(new_year, tz).unwrap().to_string(), "2026-W53");
    }
}
