use chrono::Duration;
use chrono_tz::America::Hermosillo;

use super::*;
use crate::reports::test_support::row;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= b.abs() * 1e-9
}

#[test]
fn poisson_tail_matches_the_textbook_values() {
    // 1 − Σ_{i<k} e^{−λ} λ^i / i!, computed independently.
    assert!(close(
        poisson_upper_tail(9, 3.0),
        0.003_802_992_061_675_891_7
    ));
    assert!(close(poisson_upper_tail(8, 3.0), 0.011_904_503_856_357_329));
    assert!(close(poisson_upper_tail(5, 1.0), 0.003_659_846_827_343_66));
    assert!(close(poisson_upper_tail(4, 1.0), 0.018_988_156_876_153_74));
    // Large counts neither overflow a factorial nor lose the tail.
    assert!(close(
        poisson_upper_tail(150, 100.0),
        1.884_210_466_038_67e-6
    ));
    assert_eq!(poisson_upper_tail(0, 3.0), 1.0);
    assert_eq!(poisson_upper_tail(2, 3.0), 1.0, "below the mean");
}

#[test]
fn nine_against_a_usual_three_is_a_trend_eight_is_not() {
    let usual = [3, 2, 4, 3, 3, 2, 4, 3];
    let v = judge(9, &usual);
    assert!(v.exceeded, "{v:?}");
    assert_eq!(mean_es(v.mean), "3");
    assert!(!judge(8, &usual).exceeded, "P(X ≥ 8 | 3) ≈ 0.012 > α");
}

#[test]
fn sparse_colonias_need_a_real_jump() {
    // A usually silent colonia is judged against one a week, not against 0.25.
    assert!(
        !judge(2, &[0, 0, 0, 0, 0, 0, 1, 0]).exceeded,
        "1 → 2 is never news"
    );
    assert!(!judge(3, &[0; 8]).exceeded, "below the minimum count");
    assert!(!judge(4, &[0; 8]).exceeded, "P(X ≥ 4 | 1) ≈ 0.019");
    assert!(judge(5, &[0; 8]).exceeded, "P(X ≥ 5 | 1) ≈ 0.0037");
}

#[test]
fn a_colonia_that_always_swings_is_judged_by_its_swings() {
    // Poisson alone would call 14 against a mean of 5 unusual (p ≈ 0.0007), but this
    // colonia's weeks differ by 10 all the time.
    let swinging = [0, 10, 0, 10, 0, 10, 0, 10];
    let v = judge(14, &swinging);
    assert!(v.p_value < ALPHA && !v.exceeded, "{v:?}");
    assert!(judge(22, &swinging).exceeded);
}

#[test]
fn means_in_spanish() {
    assert_eq!(mean_es(3.0), "3");
    assert_eq!(mean_es(2.375), "2.4");
    assert_eq!(mean_es(0.0), "0");
}

/// `counts[i]` patrol requests in Villa Bonita in the i-th of the weeks ending with W10.
fn weekly(counts: &[u64], colonia: Option<&str>) -> Vec<RequestRow> {
    let week = IsoWeek::new(2026, 10).unwrap();
    let weeks = week.last_n(counts.len());
    let mut rows = Vec::new();
    for (w, &n) in weeks.iter().zip(counts) {
        let (start, _) = w.bounds(Hermosillo);
        for i in 0..n {
            let mut r = row(&format!("F-{w}-{i}"), "2026-01-01T00:00:00Z");
            r.received_at = start + Duration::hours(30 + i as i64);
            r.colonia = colonia.map(str::to_owned);
            rows.push(r);
        }
    }
    rows
}

fn long_ago() -> Option<DateTime<Utc>> {
    Some("2025-01-01T00:00:00Z".parse().unwrap())
}

#[test]
fn a_spike_is_found_with_its_numbers() {
    let week = IsoWeek::new(2026, 10).unwrap();
    let rows = weekly(&[3, 2, 4, 3, 3, 2, 4, 3, 9], Some("Villa Bonita"));
    let found = detect(week, Hermosillo, &rows, long_ago());
    assert_eq!(found.len(), 1, "{found:?}");
    let t = &found[0];
    assert_eq!(t.baseline, [3, 2, 4, 3, 3, 2, 4, 3]);
    assert_eq!(
        t.sentence_es(),
        "Solicitud de patrullaje en Col. Villa Bonita (Hermosillo): 9 esta semana, \
         promedio 3 en las 8 anteriores"
    );
    // Without a colonia there is no place to speak of.
    assert!(detect(
        week,
        Hermosillo,
        &weekly(&[3, 2, 4, 3, 3, 2, 4, 3, 9], None),
        long_ago()
    )
    .is_empty());
}

#[test]
fn normal_weeks_with_noise_fire_nothing() {
    let noisy = [3, 5, 2, 4, 1, 3, 6, 2, 4, 3, 5, 2, 3, 4, 6, 3];
    let rows = weekly(&noisy, Some("Villa Bonita"));
    let last = IsoWeek::new(2026, 10).unwrap();
    for back in 0..(noisy.len() - BASELINE_WEEKS) {
        let week = (0..back).fold(last, |w, _| w.previous());
        let found = detect(week, Hermosillo, &rows, long_ago());
        assert!(found.is_empty(), "{week}: {found:?}");
    }
}

#[test]
fn a_sparse_colonia_going_one_two_is_quiet() {
    let rows = weekly(&[0, 0, 0, 0, 0, 0, 1, 0, 2], Some("Villa Bonita"));
    let week = IsoWeek::new(2026, 10).unwrap();
    assert!(detect(week, Hermosillo, &rows, long_ago()).is_empty());
}

#[test]
fn nothing_is_tested_without_a_whole_baseline() {
    let week = IsoWeek::new(2026, 10).unwrap();
    let rows = weekly(&[0, 0, 0, 0, 0, 0, 0, 0, 9], Some("Villa Bonita"));
    assert_eq!(detect(week, Hermosillo, &rows, long_ago()).len(), 1);
    // The installation's first report came three weeks ago: the "rise from nothing" is
    // only the installation starting.
    let (recent, _) = week.previous().previous().previous().bounds(Hermosillo);
    assert!(detect(week, Hermosillo, &rows, Some(recent)).is_empty());
    assert!(detect(week, Hermosillo, &rows, None).is_empty());
}

#[test]
fn follow_ups_are_not_new_events() {
    let week = IsoWeek::new(2026, 10).unwrap();
    let mut rows = weekly(&[0, 0, 0, 0, 0, 0, 0, 0, 9], Some("Villa Bonita"));
    for r in &mut rows {
        r.category = "follow_up".into();
    }
    assert!(detect(week, Hermosillo, &rows, long_ago()).is_empty());
}
