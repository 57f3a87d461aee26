//! Raising colonia trend alerts: the region's coordinators get one WhatsApp notice per
//! colonia and category that exceeded its baseline (`reports::trends`), through the outbox
//! like every other message. Runs with the Monday digest, on the week the digest reports.
//! The store decides, in the transaction that queues the notices, whether the cool-down
//! holds an alert back and whether another replica already sent it.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::trends::{mean_es, Trend, BASELINE_WEEKS, COOL_DOWN_WEEKS};
use super::{IsoWeek, Reports};
use crate::error::AppError;
use crate::store::{NewTrendAlert, TrendAlertOutcome};
use crate::vocab::labels::category_es;

/// Queues the notices for `trends` (the region's, for `week`); returns how many alerts were
/// recorded now (cooled-down and already-recorded ones are not).
pub async fn raise(
    state: &Reports,
    region: &str,
    week: IsoWeek,
    trends: &[Trend],
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let coordinators = state
        .registry
        .current()
        .region(region)
        .map(|r| r.coordinators.clone())
        .unwrap_or_default();
    let cool_down_from = (0..COOL_DOWN_WEEKS).fold(week, |w, _| w.previous());
    let mut recorded = 0;
    for t in trends.iter().filter(|t| t.region == region) {
        let params = params(state, week, t);
        let outbox: Vec<_> = coordinators
            .iter()
            .filter_map(|c| crate::routing::to_coordinator(c, "trend_alert", 3, &params, now))
            .collect();
        let alert = NewTrendAlert {
            region: t.region.clone(),
            municipality: t.municipality.clone(),
            colonia: t.colonia.clone(),
            category: t.category.clone(),
            week: week.to_string(),
            cool_down_from: cool_down_from.to_string(),
            count: i64::try_from(t.count).unwrap_or(i64::MAX),
            baseline_mean: t.baseline_mean,
            at: now,
        };
        match state.store.record_trend_alert(&alert, &outbox).await? {
            TrendAlertOutcome::Recorded => {
                recorded += 1;
                // Names a place and a category, never a person: fine for the log.
                tracing::info!(
                    region,
                    %week,
                    category = %t.category,
                    count = t.count,
                    recipients = outbox.len(),
                    "colonia trend alert queued"
                );
            }
            TrendAlertOutcome::CooledDown | TrendAlertOutcome::AlreadyRecorded => {}
        }
    }
    Ok(recorded)
}

fn params(state: &Reports, week: IsoWeek, t: &Trend) -> serde_json::Value {
    let link = format!(
        "{}/resumen?week={week}&region={}",
        state.config.web.public_url.trim_end_matches('/'),
        t.region
    );
    json!({
        "categoria": category_es(&t.category),
        "colonia": t.colonia,
        "municipio": t.municipality,
        "total": t.count,
        "promedio": mean_es(t.baseline_mean),
        "semanas": BASELINE_WEEKS,
        "semana": week.label_es(),
        "enlace": link,
    })
}

/// The digest's `{tendencias}` line: "Tendencias: ninguna" or each trend's sentence.
pub fn digest_line(trends: &[Trend]) -> String {
    if trends.is_empty() {
        return "Tendencias por colonia: ninguna".to_owned();
    }
    let listed: Vec<String> = trends.iter().map(Trend::sentence_es).collect();
    format!("Tendencias por colonia: {}", listed.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_line_names_each_trend() {
        assert_eq!(digest_line(&[]), "Tendencias por colonia: ninguna");
        let t = Trend {
            region: "son-centro".into(),
            municipality: "Hermosillo".into(),
            colonia: "Modelo".into(),
            category: "emergency_911".into(),
            count: 5,
            baseline_mean: 0.25,
            baseline: vec![0, 0, 1, 0, 0, 0, 1, 0],
            p_value: 0.003,
        };
        let mut u = t.clone();
        u.colonia = "Pitic".into();
        u.category = "patrol".into();
        assert_eq!(
            digest_line(&[t, u]),
            "Tendencias por colonia: Emergencia (911) en Col. Modelo (Hermosillo): 5 esta \
             semana, promedio 0.3 en las 8 anteriores; Solicitud de patrullaje en Col. Pitic \
             (Hermosillo): 5 esta semana, promedio 0.3 en las 8 anteriores"
        );
    }
}
