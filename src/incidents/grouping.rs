//! The decision: does a new report join an open incident, which one, and why.
//!
//! A report may join an incident only when all of these hold (the gates):
//!
//! - **region**: the same (incidents never cross the agency's regions);
//! - **time**: it arrived within the window of the incident's category after the
//!   incident's first report ([`Policy::window`]);
//! - **categories**: the two can be one event ([`Policy::threshold`]): an emergency takes
//!   follow-ups and comments about it, never a patrol request;
//! - **place**: against one of the incident's reports, both location pins within
//!   [`Policy::radius_m`], or the same colonia, or — when a colonia is unknown — the same
//!   municipality;
//! - **no different place**: the report does not name a street (or a shop) of its own
//!   while the incident names others ("ahora por la calle Mina", an hour after shots on
//!   Yáñez; the pharmacy robbed while the Oxxo's robbery is still being told). A standing
//!   problem (patrol, tip, talk) spans a street's shops, and a report that says it adds
//!   to one ("en la Morelos también") may name the next street;
//! - **not again**: an emergency report saying "otra vez", "de nuevo" or "otro asalto"
//!   does not join an emergency that has been quiet for [`Policy::again_quiet`]; and any
//!   report naming another event of a kind ("otro incendio", "otro choque") does not join
//!   an emergency that began that long ago, even while it is still being told; nor does
//!   an emergency report saying it just happened ("acaban de asaltar a una señora") that
//!   names none of the incident's places or things;
//! - **no contradicting detail**: the report does not describe a thing the incident
//!   describes in another colour (a red motorcycle against the blue one; see
//!   [`super::details`]), nor a person of another age (a missing child of 4 against the
//!   one of 7; [`super::ages`]);
//! - **the same problem**: a patrol or 089 request does not name only other kinds of
//!   standing problem than the incident's (stereo thefts against youths drinking in the
//!   garden; `problems`).
//!
//! Then the evidence adds up to a score that must reach the threshold of the incident's
//! category (for an emergency report against an emergency, a little higher the later in the
//! window it comes: [`Policy::late_emergency`]): how alike the texts read (against the
//! closest of the incident's reports: the character n-grams' reading and, against an
//! emergency, the triage model's word vectors' too, each above its own floor;
//! [`super::alike`] says how they are weighed and why), a shared street or shop, a shared
//! coloured thing, the same category (not between two comments: "other" meeting "other"
//! says nothing), how recent the incident's last report is, a report saying it adds to what
//! was told ("también", "apoyamos"), a follow-up meeting a request, less a penalty for a
//! tip meeting a patrol request. Against a standing problem the threshold is higher when
//! the report names none of the incident's places or things: such reports come hours apart
//! whatever they are about, so the colonia and the time between say little. Each reading is
//! listed with its score ("texto", "sentido") and the weighed one with the score and the
//! threshold ("parecido").
//!
//! The same photo (content hash) or the same forwarded text joins within the region and the
//! window whatever else holds. An event that joins an incident a comment opened (on the
//! same photo, or when the comment, written up to half an hour before, reads as a comment
//! on it: `take_over`) takes it over: it becomes the incident's first report, its category
//! the incident's, and coordinators hear of it as of a new incident. Among incidents that
//! qualify the highest margin over its threshold wins, ties to the older incident; a follow-up or comment goes instead to the
//! one neighbours wrote in last, because it answers the conversation it is posted in. Every
//! decision lists the signals it weighed with their scores; nothing here reads a clock or a
//! database, so the same reports in the same order give the same incidents.

use serde::Serialize;

use super::alike::Alike;
use super::details::Details;
use super::places::Places;
use super::policy::{Family, Policy};
use super::reading::Reader;

mod gates;
mod member;
mod take_over;
use gates::{about_something_else, contradicts, same_content, same_place};
pub use member::{Facts, Incident, Member};
use take_over::take_over;

/// One piece of evidence and how strongly it matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    pub name: &'static str,
    pub score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Signal {
    pub(super) fn new(name: &'static str, score: f64, detail: impl Into<String>) -> Signal {
        Signal {
            name,
            score: round3(score),
            detail: Some(detail.into()),
        }
    }
}

/// What was decided for one report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// The incident it joins; `None` opens a new one.
    pub incident: Option<i64>,
    /// The report of the incident it matched best.
    pub matched_report: Option<i64>,
    /// The evidence for the match (empty for a new incident).
    pub signals: Vec<Signal>,
    /// What measured how alike texts read ("ngramas-tfidf+vectores-e5").
    pub meaning: String,
    /// The report takes over a comment's incident and leads it from now on: its
    /// category becomes the incident's ([`take_over`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub takes_lead: bool,
}

/// Why `report` would not join `incident` (the gate or the score that keeps it out), or
/// `None` when it may: for reading a replay's misses (`alerta incidents eval --errores`).
pub fn blocked(
    policy: &Policy,
    reader: &Reader,
    report: &Facts,
    me: &Member,
    incident: &Incident,
) -> Option<&'static str> {
    assess(policy, reader, &report.region, me, incident).err()
}

/// A candidate's outcome: its margin over the threshold, the closest report, the signals.
struct Fit {
    margin: f64,
    matched: i64,
    signals: Vec<Signal>,
}

/// Decides for `report` (its member form `me`) among `open` incidents.
pub fn decide(
    policy: &Policy,
    reader: &Reader,
    report: &Facts,
    me: &Member,
    open: &[&Incident],
) -> Decision {
    // A comment follows the conversation: of the incidents it could be about, the one
    // neighbours wrote in last ("¿son los mismos de la farmacia?", two minutes after "otro
    // asalto, ahora en la de celulares"). Anything else goes where it fits best.
    let by_recency = Family::of(&me.category) == Family::Chat;
    let mut best: Option<(f64, i64, Fit)> = None;
    for incident in open {
        let Ok(fit) = assess(policy, reader, &report.region, me, incident) else {
            continue;
        };
        let key = if by_recency {
            incident
                .last_at()
                .map_or(f64::MIN, |t| t.timestamp() as f64)
        } else {
            fit.margin
        };
        let better = match &best {
            None => true,
            Some((k, id, _)) => key > *k || (key == *k && incident.id < *id),
        };
        if better {
            best = Some((key, incident.id, fit));
        }
    }
    // An event placed in an incident a comment opened leads it from then on: there the
    // same photo or forwarded text brought it, or it took the comment over.
    let event = Family::of(&me.category) != Family::Chat;
    let chosen = best
        .map(|(_, incident, fit)| (incident, fit))
        .or_else(|| take_over(policy, reader, report, me, open));
    let takes_lead = chosen.as_ref().is_some_and(|(id, _)| {
        event
            && open
                .iter()
                .any(|i| i.id == *id && Family::of(&i.category) == Family::Chat)
    });
    Decision {
        incident: chosen.as_ref().map(|(id, _)| *id),
        matched_report: chosen.as_ref().map(|(_, fit)| fit.matched),
        signals: chosen.map(|(_, fit)| fit.signals).unwrap_or_default(),
        meaning: reader.meanings(),
        takes_lead,
    }
}

/// Whether `me` may join `incident`, and with what margin and evidence.
fn assess(
    policy: &Policy,
    reader: &Reader,
    region: &str,
    me: &Member,
    incident: &Incident,
) -> Result<Fit, &'static str> {
    if incident.region != region {
        return Err("otra región");
    }
    let (Some(first), Some(last)) = (incident.first_at(), incident.last_at()) else {
        return Err("incidente vacío");
    };
    let mut window = policy.window(&incident.category);
    // News of a missing person's search belongs to it for a day ("ya apareció").
    let search_news = me.search.speaks() && incident.is_search();
    if search_news {
        window = window.max(policy.search_window);
    }
    let gap = me.at - first;
    if gap > window || gap < -window {
        return Err("fuera de la ventana");
    }
    // Signals are written only for incidents past the gates: a region holds thousands of
    // open reports, and formatting them all would cost more than deciding.
    let opening = || {
        vec![
            Signal::new("región", 1.0, region),
            Signal::new(
                "tiempo",
                1.0 - gap.num_seconds().max(0) as f64 / window.num_seconds() as f64,
                if gap < chrono::Duration::zero() {
                    format!("{} min antes del reporte", -gap.num_minutes())
                } else {
                    format!("{} min desde el primer reporte", gap.num_minutes())
                },
            ),
        ]
    };
    // Strong signals: the same picture, or the same chain message, is the same event
    // wherever in the region it was sent from.
    for m in &incident.members {
        if let Some(name) = same_content(me, m) {
            let mut signals = opening();
            signals.push(Signal {
                name,
                score: 1.0,
                detail: None,
            });
            return Ok(Fit {
                margin: 10.0,
                matched: m.report_id,
                signals,
            });
        }
    }
    if let Some(why) = about_something_else(me, incident) {
        return Err(why);
    }
    let threshold = policy
        .threshold(&incident.category, &me.category)
        .ok_or("categorías incompatibles")?;
    // The reports in the same place, then the closest of them in meaning.
    let near: Vec<(&Member, Signal, f64)> = incident
        .members
        .iter()
        .filter_map(|m| same_place(policy, me, m).map(|(s, extra)| (m, s, extra)))
        .collect();
    if near.is_empty() {
        return Err("otro lugar (pin, colonia o municipio)");
    }
    // The incident's places are all its reports' places.
    let places: Vec<&Places> = incident.members.iter().map(|m| &m.places).collect();
    let details: Vec<&Details> = incident.members.iter().map(|m| &m.details).collect();
    if let Some(contradiction) = contradicts(
        policy,
        me,
        incident,
        &places,
        &details,
        (me.at - first, me.at - last),
    ) {
        return Err(contradiction);
    }
    let mut closest: Option<(Alike, &Member, Signal, f64)> = None;
    for (m, place, extra) in near {
        let alike = Alike::of(policy, reader, me, m, &incident.category);
        if closest.as_ref().is_none_or(|(a, ..)| alike.score > a.score) {
            closest = Some((alike, m, place, extra));
        }
    }
    let (alike, matched, place, extra) = closest.ok_or("sin reportes cercanos")?;
    let mut needed = threshold + extra;
    // The first minutes of an emergency are its burst; an emergency report that comes
    // when the window is half gone is as often a second event in the colonia, so it must
    // read a little more like the first.
    let both_emergencies = Family::of(&incident.category) == Family::Emergency
        && Family::of(&me.category) == Family::Emergency;
    if both_emergencies {
        let gone = gap.num_seconds().max(0) as f64 / window.num_seconds() as f64;
        needed += policy.late_emergency * gone;
    }
    let mut score = alike.score;
    let mut signals = opening();
    signals.push(place);
    let same_category = incident.members.iter().any(|m| m.category == me.category)
        && Family::of(&me.category) != Family::Chat;
    if same_category {
        score += policy.same_category;
    }
    signals.push(Signal::new(
        "categoría",
        if same_category { 1.0 } else { 0.0 },
        format!("{} → {}", incident.category, me.category),
    ));
    let penalty = policy.category_penalty(&incident.category, &me.category);
    if penalty > 0.0 {
        score -= penalty;
        signals.push(Signal::new("089 y patrullaje", -penalty, "penalización"));
    }
    let shared_place = me.places.shared(&places);
    let shared_detail = me.details.shared(&details);
    let named = shared_place.is_some() || shared_detail.is_some();
    let standing = Family::of(&incident.category) != Family::Emergency;
    // Neighbours about one standing problem name its street, its park or its pick-up;
    // without that, the colonia and the hours between are weak evidence.
    if standing && !named {
        needed += policy.unnamed;
        signals.push(Signal::new(
            "sin lugar ni detalle en común",
            -policy.unnamed,
            "umbral más alto",
        ));
    }
    if let Some(p) = shared_place {
        score += policy.shared_place;
        signals.push(Signal::new(
            "mismo lugar",
            1.0,
            format!("{} {}", p.kind.es(), p.name),
        ));
    }
    // A follow-up asks about a request already made: of the colonia's open requests, the
    // one it is about is usually the one it reads like.
    if standing && me.category == "follow_up" {
        score += policy.follow_up;
        signals.push(Signal::new(
            "seguimiento",
            1.0,
            "pregunta por una solicitud",
        ));
    }
    // "¿Alguna novedad?", "ya apareció": about the search, which nothing else of the
    // colonia is, however few of its words it repeats.
    if search_news {
        score += policy.search_news;
        signals.push(Signal::new(
            "búsqueda",
            1.0,
            "habla de la persona que buscan",
        ));
    }
    if me.details.echoes && !me.details.again {
        score += policy.echo;
        signals.push(Signal::new(
            "se suma",
            1.0,
            "dice que se suma a lo ya reportado",
        ));
    }
    if let Some(d) = shared_detail {
        score += policy.shared_detail;
        signals.push(Signal::new("mismo detalle", 1.0, d.es()));
    }
    // Recency says a report answers a conversation going on; one written before the
    // incident's first report (a comment the event takes over) answers none.
    let since_last = (me.at - last).num_seconds().max(0) as f64;
    let fade = policy.recency_scale(&incident.category).num_seconds() as f64;
    let recency = if gap < chrono::Duration::zero() {
        0.0
    } else {
        (-since_last / fade).exp()
    };
    score += policy.recency * recency;
    signals.push(Signal::new(
        "actividad reciente",
        recency,
        if gap < chrono::Duration::zero() {
            "escrito antes: no responde a nada".to_owned()
        } else {
            format!(
                "{} min desde el último reporte",
                (since_last / 60.0).round()
            )
        },
    ));
    signals.extend(alike.signals(reader, score, needed));
    if score < needed {
        return Err("puntaje bajo el umbral");
    }
    Ok(Fit {
        margin: score - needed,
        matched: matched.report_id,
        signals,
    })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Great-circle distance (haversine) in metres.
pub fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    const R: f64 = 6_371_000.0;
    let (la1, la2) = (a.0.to_radians(), b.0.to_radians());
    let dla = la2 - la1;
    let dlo = (b.1 - a.1).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().asin()
}
