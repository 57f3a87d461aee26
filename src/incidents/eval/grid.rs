//! How [`Policy::default`]'s weights and thresholds were chosen: a grid over them on the
//! `dev` half of the labelled bursts, keeping the highest recall with precision ≥ 0.97 (a
//! margin over the 0.95 target, since the sealed set is not this one). Not run by
//! `cargo test`; run it with
//! `cargo test --lib incidents::eval::grid -- --ignored --nocapture`.

use super::*;
use crate::incidents::embedding::shipped_vectors;

/// Precision / recall of the dev half, the held-out half and the whole file, on one line.
fn halves(r: &Report) -> String {
    format!(
        "dev {:.3}/{:.3}  held out {:.3}/{:.3}  all {:.3}/{:.3}",
        r.dev.precision(),
        r.dev.recall(),
        r.held_out.precision(),
        r.held_out.recall(),
        r.all.precision(),
        r.all.recall()
    )
}

/// The public labelled bursts (never the sealed file).
fn public_bursts() -> Vec<Labelled> {
    let file = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/incidents/bursts.jsonl"
    ))
    .expect("the labelled bursts");
    parse(&file).expect("valid lines")
}

#[test]
#[ignore = "prints the grid the defaults were chosen from"]
fn grid_on_the_dev_half() {
    let reports = public_bursts();
    let dev: Vec<Labelled> = reports.iter().filter(|r| is_dev(r)).cloned().collect();
    let mut results: Vec<(f64, f64, Policy)> = Vec::new();
    for emergency in [0.0, 0.05, 0.1, 0.15] {
        for request in [0.2, 0.25, 0.3, 0.35] {
            for talk in [0.2, 0.3] {
                for chat in [0.05, 0.1, 0.2] {
                    for shared in [0.05, 0.1, 0.2] {
                        for recency in [0.05, 0.1, 0.2] {
                            for same in [0.0, 0.05] {
                                let p = Policy {
                                    emergency_threshold: emergency,
                                    request_threshold: request,
                                    talk_threshold: talk,
                                    chat_extra: chat,
                                    shared_place: shared,
                                    recency,
                                    same_category: same,
                                    ..Policy::default()
                                };
                                let s = replay(&dev, &p, Some(&shipped_vectors()));
                                results.push((s.precision(), s.recall(), p));
                            }
                        }
                    }
                }
            }
        }
    }
    results.retain(|(p, ..)| *p >= 0.97);
    results.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.total_cmp(&a.0)));
    for (p, r, policy) in results.iter().take(15) {
        println!("dev {p:.3} / {r:.3}  {policy:?}");
    }
}

#[test]
#[ignore = "prints a few candidate policies on both halves and the whole file"]
fn candidates_on_both_halves() {
    let reports = public_bursts();
    let d = Policy::default();
    let candidates = [
        ("default", d.clone()),
        (
            "recency 0.1",
            Policy {
                recency: 0.1,
                ..d.clone()
            },
        ),
        (
            "recency 0.1 chat 0.1",
            Policy {
                recency: 0.1,
                chat_extra: 0.1,
                ..d.clone()
            },
        ),
        (
            "recency 0.15",
            Policy {
                recency: 0.15,
                ..d.clone()
            },
        ),
        (
            "request 0.3",
            Policy {
                request_threshold: 0.3,
                ..d.clone()
            },
        ),
        (
            "emergency 0.15",
            Policy {
                emergency_threshold: 0.15,
                ..d.clone()
            },
        ),
        (
            "chat 0.1",
            Policy {
                chat_extra: 0.1,
                ..d.clone()
            },
        ),
        (
            "shared 0.1",
            Policy {
                shared_place: 0.1,
                ..d.clone()
            },
        ),
    ];
    for (name, p) in candidates {
        let r = evaluate(&reports, &p, Some(&shipped_vectors()));
        println!("{name:24} {}", halves(&r));
    }
}

#[test]
#[ignore = "prints the dev half's wrong joins and missed joins, to read what tells events apart"]
fn errors_on_the_dev_half() {
    let reports = public_bursts();
    let dev: Vec<Labelled> = reports.iter().filter(|r| is_dev(r)).cloned().collect();
    let run = decisions(&dev, &Policy::default(), Some(&shipped_vectors()));
    for (r, _, d) in &run {
        let Some(m) = d.matched_report else { continue };
        let (matched, ..) = &run[m as usize];
        if r.event.is_none() || r.event != matched.event {
            println!(
                "WRONG {} ({:?}) -> {} ({:?})\n  {}\n  {}\n  {:?}",
                r.id, r.event, matched.id, matched.event, r.text, matched.text, d.signals
            );
        }
    }
    for (i, (r, incident, _)) in run.iter().enumerate() {
        let Some(e) = r.event.as_deref() else {
            continue;
        };
        let first = run[..i]
            .iter()
            .find(|(o, ..)| o.event.as_deref() == Some(e));
        if let Some((o, inc, _)) = first {
            if inc != incident {
                println!(
                    "MISSED {} -> {} ({e})\n  {}\n  {}",
                    r.id, o.id, r.text, o.text
                );
            }
        }
    }
}

/// How the weights added for issue 20 were chosen: the dev half's pairs scored inside the
/// whole file's replay ([`dev_in_context`]), where the other half's reports are there to be
/// confused with, as in a coordinator's colonia. Keep the highest recall there with
/// precision ≥ 0.88 there (the floor's 0.90 less a margin: this is half the pairs), then the
/// highest precision; ties keep the weight as it was.
#[test]
#[ignore = "prints the dev half scored in context, and both halves, around the defaults"]
fn dev_half_in_context() {
    let reports = public_bursts();
    let d = Policy::default();
    let mut rows: Vec<(f64, f64, String)> = Vec::new();
    for unnamed in [0.0, 0.05, 0.1] {
        for echo in [0.05, 0.15] {
            for follow_up in [0.0, 0.1] {
                for chat_extra in [0.0, 0.05] {
                    for recency in [0.2, 0.3] {
                        let p = Policy {
                            unnamed,
                            echo,
                            follow_up,
                            chat_extra,
                            recency,
                            ..d.clone()
                        };
                        let (cp, cr) = dev_in_context(&reports, &p);
                        let r = evaluate(&reports, &p, Some(&shipped_vectors()));
                        rows.push((
                            cr,
                            cp,
                            format!(
                                "unnamed {unnamed} echo {echo} follow_up {follow_up} chat {chat_extra} \
                                 recency {recency}: dev in context {cp:.3}/{cr:.3}; {}",
                                halves(&r)
                            ),
                        ));
                    }
                }
            }
        }
    }
    rows.retain(|(_, precision, _)| *precision >= 0.88);
    rows.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.total_cmp(&a.1)));
    for (.., line) in rows.iter().take(15) {
        println!("{line}");
    }
}

/// The dev half's pairs scored in the whole file's replay: a pair with a dev report is
/// right only when both are of one dev event (the halves never share an event).
fn dev_in_context(reports: &[Labelled], policy: &Policy) -> (f64, f64) {
    let run = decisions(reports, policy, Some(&shipped_vectors()));
    let (mut predicted, mut truth, mut both) = (0u64, 0u64, 0u64);
    for i in 0..run.len() {
        for j in i + 1..run.len() {
            let (a, ia, _) = &run[i];
            let (b, ib, _) = &run[j];
            if !is_dev(a) && !is_dev(b) {
                continue;
            }
            let same = a.event.is_some() && a.event == b.event;
            let together = ia == ib;
            predicted += u64::from(together);
            truth += u64::from(same);
            both += u64::from(same && together);
        }
    }
    (ratio(both, predicted), ratio(both, truth))
}
