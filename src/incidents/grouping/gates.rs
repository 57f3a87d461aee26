//! The gates a report must pass against an incident before its evidence is weighed: the
//! same photo or forwarded text (which join at once), a comment that is about something
//! else, the same place, and nothing that contradicts the incident (another street or
//! shop, "otra vez" after the calm, "otro incendio", "acaba de" long after it began,
//! another age, another colour). [`super`] says why each exists.

use super::{metres, Incident, Member, Signal};
use crate::incidents::details::Details;
use crate::incidents::places::{Kind, Places};
use crate::incidents::policy::{Family, Policy};
use crate::incidents::problems::Problems;

/// Whether the report tells something the incident cannot be, and which: another street
/// or shop, "otra vez" after the emergency went quiet, "otro incendio" or "acaba de" long
/// after it began, another age, or the same thing in another colour.
pub(super) fn contradicts(
    policy: &Policy,
    me: &Member,
    incident: &Incident,
    places: &[&Places],
    details: &[&Details],
    (since_first, since_last): (chrono::Duration, chrono::Duration),
) -> Option<&'static str> {
    let emergency = Family::of(&incident.category) == Family::Emergency;
    let mine_emergency = Family::of(&me.category) == Family::Emergency;
    if let Some(kind) = me.places.conflict(places) {
        // An emergency happens at one shop on one street. A standing problem is a street's
        // shops ("los de la papelería nos sumamos"), and a report that says it adds to it
        // ("en la Morelos también") may name the next street.
        let widens = !emergency && (kind == Kind::Shop || me.details.echoes);
        if !widens {
            return Some("nombra otro lugar");
        }
    }
    // "otra vez balazos" once the burst has gone quiet: a new emergency, however alike it
    // reads (while reports still come minutes apart it may be the same one going on).
    if me.details.again && mine_emergency && since_last >= policy.again_quiet {
        return Some("otra vez, tras la calma");
    }
    // "otro incendio" about an emergency that began a while ago is the second one, even
    // while the first is still being told (comments on it included); one that began just
    // now may be the one it names.
    if me.details.another && emergency && since_first >= policy.again_quiet {
        return Some("dice que es otro");
    }
    // "acaban de asaltar a una señora", half an hour into a robbery, naming none of its
    // places or things: what just happened is a second event, not more of the first.
    if emergency
        && mine_emergency
        && me.details.just_now
        && since_first >= policy.again_quiet
        && me.places.shared(places).is_none()
        && me.details.shared(details).is_none()
    {
        return Some("acaba de pasar otra cosa");
    }
    // Two requests of one colonia about different problems (drinking in the garden, stereo
    // thefts on the same street) are two, however near their streets and hours, and even
    // when one says it supports "lo del jardín"; unless it describes one of the incident's
    // things (the red Versa stripped, of the red Versa left abandoned).
    let same_thing = me.details.shared(details).is_some();
    if !emergency && !same_thing && Family::of(&me.category) == Family::Request {
        let theirs = incident
            .members
            .iter()
            .fold(Problems::default(), |all, m| all.with(m.problems));
        if me.problems.differ(theirs) {
            return Some("otro problema");
        }
    }
    // A missing child or someone hurt of another age: someone else.
    let ages: Vec<&[u8]> = details.iter().map(|d| d.ages.as_slice()).collect();
    if crate::incidents::ages::conflict(&me.details.ages, &ages) {
        return Some("otra edad");
    }
    // The same thing in another colour: another vehicle, another man.
    me.details
        .conflict(details)
        .map(|_| "otro color del mismo objeto")
}

/// Whether a comment or follow-up is about something other than any incident it could
/// join on its colonia and its minute: the group's everyday business ("¿alguien tiene
/// cambio?" in the minutes of a robbery), a folio's report, or another kind of request
/// than the incident ("¿ya hay fecha para la plática?").
pub(super) fn about_something_else(me: &Member, incident: &Incident) -> Option<&'static str> {
    if Family::of(&me.category) != Family::Chat {
        return None;
    }
    if me.errand {
        return Some("habla de otra cosa");
    }
    if me.follows.folio {
        return Some("nombra su folio");
    }
    let other_kind = me
        .follows
        .kind
        .is_some_and(|kind| kind != Family::of(&incident.category));
    (me.category == "follow_up" && other_kind).then_some("sigue otra clase de solicitud")
}

/// The same photo, or the same text where one of the two was forwarded.
pub(super) fn same_content(me: &Member, other: &Member) -> Option<&'static str> {
    if me.photo.is_some() && me.photo == other.photo {
        return Some("misma foto");
    }
    if (me.forwarded || other.forwarded)
        && me.text_hash.is_some()
        && me.text_hash == other.text_hash
    {
        return Some("mismo texto reenviado");
    }
    None
}

/// Whether the two reports are in one place, the signal saying how, and what is added to
/// the threshold (weak evidence asks for more).
pub(super) fn same_place(policy: &Policy, me: &Member, other: &Member) -> Option<(Signal, f64)> {
    if let (Some(a), Some(b)) = (me.pin, other.pin) {
        let d = metres(a, b);
        if d <= policy.radius_m {
            return Some((
                Signal::new("distancia", 1.0 - d / policy.radius_m, format!("{d:.0} m")),
                0.0,
            ));
        }
    }
    match (&me.colonia, &other.colonia) {
        (Some(a), Some(b)) if a == b => Some((Signal::new("colonia", 1.0, a.clone()), 0.0)),
        (Some(_), Some(_)) => None,
        _ => match (&me.municipality, &other.municipality) {
            (Some(a), Some(b)) if a == b => Some((
                Signal::new("municipio", 1.0, a.clone()),
                policy.municipality_only,
            )),
            _ => None,
        },
    }
}
