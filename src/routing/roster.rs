//! Who hears about a report: by category and by escalation level, honouring duty rosters.
//!
//! Each category names the roles it goes to. For each role, the holders on shift are chosen;
//! when none of them is on shift, every holder of the role is (somebody must hear about it,
//! even off shift). When no coordinator of the region holds any of those roles, the duty
//! desk takes it, then the supervisors, and as a last resort everyone in the region. So a
//! reportable category never goes nowhere in a region that has coordinators.

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;

use crate::registry::{Coordinator, CoordinatorRole, Region};
use crate::triage::Category;

/// Whether `c` is on shift at `now` in the region time zone `tz`; coordinators without a
/// roster always are.
pub fn on_duty(c: &Coordinator, now: DateTime<Utc>, tz: Tz) -> bool {
    c.on_shift_at(now.with_timezone(&tz).naive_local())
}

/// The coordinators to notify of a new report of `category`, deduplicated, in registry order:
/// - `emergency_911`: duty and patrol on shift;
/// - `tip_089`: duty on shift;
/// - `patrol`: patrol on shift;
/// - `workshop`: every prevention coordinator, shift or not (a workshop request is planned
///   work that the prevention staff share, not a call to whoever is on duty);
/// - `follow_up`, `other`: nobody (they open no report).
///
/// Falls back as described in the module documentation.
pub fn coordinators_for(
    region: &Region,
    category: Category,
    now: DateTime<Utc>,
) -> Vec<&Coordinator> {
    use CoordinatorRole::{Duty, Patrol, Prevention};
    let (roles, by_shift): (&[CoordinatorRole], bool) = match category {
        Category::Emergency911 => (&[Duty, Patrol], true),
        Category::Tip089 => (&[Duty], true),
        Category::Patrol => (&[Patrol], true),
        Category::Workshop => (&[Prevention], false),
        Category::FollowUp | Category::Other => return Vec::new(),
    };
    route(region, roles, by_shift, local_now(region, now))
}

/// The coordinators to notify when a report reaches escalation `level`: 1 → backups,
/// 2 → supervisors, on shift first and with the same fallbacks as [`coordinators_for`].
/// Other levels have no targets (0 is the first notice, nothing follows the supervisor).
pub fn escalation_targets(region: &Region, level: u8, now: DateTime<Utc>) -> Vec<&Coordinator> {
    let role = match level {
        1 => CoordinatorRole::Backup,
        2 => CoordinatorRole::Supervisor,
        _ => return Vec::new(),
    };
    route(region, &[role], true, local_now(region, now))
}

fn local_now(region: &Region, now: DateTime<Utc>) -> NaiveDateTime {
    now.with_timezone(&region.time_zone).naive_local()
}

fn route<'a>(
    region: &'a Region,
    roles: &[CoordinatorRole],
    by_shift: bool,
    local: NaiveDateTime,
) -> Vec<&'a Coordinator> {
    let coordinators = &region.coordinators;
    let mut chosen = vec![false; coordinators.len()];
    for &role in roles {
        mark(
            &mut chosen,
            coordinators,
            |c| c.has_role(role),
            by_shift,
            local,
        );
    }
    let fallbacks = [CoordinatorRole::Duty, CoordinatorRole::Supervisor];
    for role in fallbacks {
        if chosen.contains(&true) {
            break;
        }
        mark(&mut chosen, coordinators, |c| c.has_role(role), true, local);
    }
    if !chosen.contains(&true) {
        mark(&mut chosen, coordinators, |_| true, true, local);
    }
    coordinators
        .iter()
        .zip(chosen)
        .filter_map(|(c, keep)| keep.then_some(c))
        .collect()
}

/// Marks the coordinators matching `wanted` that are on shift at `local`, or all of them
/// when none is (or when shifts do not matter).
fn mark(
    chosen: &mut [bool],
    coordinators: &[Coordinator],
    wanted: impl Fn(&Coordinator) -> bool,
    by_shift: bool,
    local: NaiveDateTime,
) {
    let holders: Vec<usize> = (0..coordinators.len())
        .filter(|&i| wanted(&coordinators[i]))
        .collect();
    let on_shift: Vec<usize> = holders
        .iter()
        .copied()
        .filter(|&i| coordinators[i].on_shift_at(local))
        .collect();
    let picked = if by_shift && !on_shift.is_empty() {
        on_shift
    } else {
        holders
    };
    for i in picked {
        chosen[i] = true;
    }
}
