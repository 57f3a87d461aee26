//! Failed logins, counted so that guessing is slow and cannot be turned into a lock-out.
//!
//! - An address that fails `per_account` times on one name is locked out of that name (and
//!   only that name) for `window`. The operator at her own desk still gets in.
//! - An address that fails `per_address` times across any names is refused for every name
//!   for `window`: spraying thirty names from one address stops after the first few.
//! - A name that fails ten times `per_account` from anywhere is being guessed at from many
//!   places: from then on an address that has failed on it even once is locked out of it.
//!   Addresses that have never failed are never refused, so the right password still works
//!   from any desk that has not been guessing.
//!
//! An attempt is counted as a failure when it is admitted, before the password is checked,
//! and given back when it succeeds: two hundred concurrent attempts cannot all slip past the
//! limit while their hashes run. Counts are per process; each replica keeps its own.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Tracked keys per map before new ones stop being added (about 100 bytes each). Past it an
/// attacker with many addresses is still slowed by the hashing budget, and memory stays put.
const MAX_KEYS: usize = 100_000;
/// How long an account or address name may be in a key.
const MAX_NAME: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockScope {
    /// This name, from this address.
    Account,
    /// Every name, from this address.
    Address,
}

impl LockScope {
    pub fn as_str(self) -> &'static str {
        match self {
            LockScope::Account => "account",
            LockScope::Address => "address",
        }
    }
}

/// Why an attempt is refused without checking the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locked {
    pub scope: LockScope,
    pub wait: Duration,
}

/// What a failure led to: `Some` when this failure started a lock (audited once; the
/// refusals that follow are only counted).
pub type NewLock = Option<Locked>;

#[derive(Debug, Clone, Copy)]
struct Window {
    count: u32,
    since: Instant,
    /// The lock this window reached has been reported (so it is audited once, however many
    /// concurrent failures reach the limit together).
    announced: bool,
}

impl Window {
    fn live(&self, window: Duration) -> u32 {
        if self.since.elapsed() < window {
            self.count
        } else {
            0
        }
    }
}

#[derive(Default)]
struct Counts {
    pairs: HashMap<(String, Option<IpAddr>), Window>,
    addresses: HashMap<Option<IpAddr>, Window>,
    names: HashMap<String, Window>,
}

pub struct LoginThrottle {
    per_account: u32,
    per_address: u32,
    window: Duration,
    counts: Mutex<Counts>,
}

fn name_key(name: &str) -> String {
    name.trim().to_lowercase().chars().take(MAX_NAME).collect()
}

/// Adds one to a key's window, starting a new window when the old one has passed.
fn bump<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Window>, key: K, window: Duration) -> u32 {
    if map.len() >= MAX_KEYS && !map.contains_key(&key) {
        map.retain(|_, w| w.since.elapsed() < window);
        if map.len() >= MAX_KEYS {
            return 0;
        }
    }
    let fresh = Window {
        count: 0,
        since: Instant::now(),
        announced: false,
    };
    let w = map.entry(key).or_insert(fresh);
    if w.since.elapsed() >= window {
        *w = fresh;
    }
    w.count += 1;
    w.count
}

/// The time left on a window that has just reached `limit`, the first time it is asked.
fn announce(w: Option<&mut Window>, limit: u32, window: Duration) -> Option<Duration> {
    let w = w?;
    if w.live(window) < limit || w.announced {
        return None;
    }
    w.announced = true;
    Some(window.saturating_sub(w.since.elapsed()))
}

fn remaining(w: Option<&Window>, window: Duration) -> Duration {
    w.map_or(window, |w| window.saturating_sub(w.since.elapsed()))
}

impl LoginThrottle {
    pub fn new(per_account: u32, per_address: u32, window: Duration) -> LoginThrottle {
        LoginThrottle {
            per_account: per_account.max(1),
            per_address: per_address.max(1),
            window,
            counts: Mutex::new(Counts::default()),
        }
    }

    /// Admits an attempt (counting it as failed until [`succeeded`](Self::succeeded)), or
    /// says why not.
    pub fn admit(&self, name: &str, from: Option<IpAddr>) -> Result<(), Locked> {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let pair = (name_key(name), from);
        let w = self.window;
        let at_address = c.addresses.get(&from).map_or(0, |x| x.live(w));
        if at_address >= self.per_address {
            return Err(Locked {
                scope: LockScope::Address,
                wait: remaining(c.addresses.get(&from), w),
            });
        }
        let on_pair = c.pairs.get(&pair).map_or(0, |x| x.live(w));
        let guessed = c.names.get(&pair.0).map_or(0, |x| x.live(w));
        let under_attack = guessed >= self.per_account.saturating_mul(10);
        if on_pair >= self.per_account || (under_attack && on_pair > 0) {
            return Err(Locked {
                scope: LockScope::Account,
                wait: remaining(c.pairs.get(&pair), w),
            });
        }
        bump(&mut c.addresses, from, w);
        bump(&mut c.pairs, pair, w);
        Ok(())
    }

    /// The admitted attempt failed. Returns the lock it started, if any.
    pub fn failed(&self, name: &str, from: Option<IpAddr>) -> NewLock {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let key = name_key(name);
        let w = self.window;
        bump(&mut c.names, key.clone(), w);
        if let Some(wait) = announce(c.addresses.get_mut(&from), self.per_address, w) {
            return Some(Locked {
                scope: LockScope::Address,
                wait,
            });
        }
        announce(c.pairs.get_mut(&(key, from)), self.per_account, w).map(|wait| Locked {
            scope: LockScope::Account,
            wait,
        })
    }

    /// The admitted attempt succeeded: it was not a failure after all, and this name starts
    /// afresh from this address.
    pub fn succeeded(&self, name: &str, from: Option<IpAddr>) {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        c.pairs.remove(&(name_key(name), from));
        if let Some(a) = c.addresses.get_mut(&from) {
            a.count = a.count.saturating_sub(1);
        }
    }

    /// An admitted attempt that ended without a verdict (the hashing budget was full): it
    /// counts for nothing.
    pub fn abandoned(&self, name: &str, from: Option<IpAddr>) {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = c.pairs.get_mut(&(name_key(name), from)) {
            p.count = p.count.saturating_sub(1);
        }
        if let Some(a) = c.addresses.get_mut(&from) {
            a.count = a.count.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    fn fail(t: &LoginThrottle, name: &str, from: Option<IpAddr>) -> NewLock {
        t.admit(name, from).expect("admitted");
        t.failed(name, from)
    }

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn a_stranger_locks_only_themselves_out() {
        let t = LoginThrottle::new(3, 20, HOUR);
        let (desk, stranger) = (ip("10.0.0.5"), ip("10.0.0.9"));
        assert_eq!(fail(&t, "Ana", stranger), None);
        assert_eq!(fail(&t, "ana", stranger), None);
        let lock = fail(&t, "ANA", stranger).expect("the third failure locks");
        assert_eq!(lock.scope, LockScope::Account);
        let refused = t.admit("ana", stranger).unwrap_err();
        assert_eq!(refused.scope, LockScope::Account);
        assert!(refused.wait <= HOUR && refused.wait > HOUR - Duration::from_secs(60));
        assert!(t.admit("beto", stranger).is_ok(), "other names still work");
        t.admit("ana", desk).expect("her own desk still gets in");
        t.succeeded("ana", desk);
    }

    #[test]
    fn spraying_names_from_one_address_is_stopped() {
        let t = LoginThrottle::new(5, 20, HOUR);
        let sprayer = ip("203.0.113.7");
        let locks: Vec<_> = (0..20)
            .filter_map(|i| fail(&t, &format!("usuario{i}"), sprayer))
            .collect();
        assert_eq!(locks.len(), 1, "one lock, announced once");
        assert_eq!(locks[0].scope, LockScope::Address);
        let refused = t.admit("ana", sprayer).unwrap_err();
        assert_eq!(refused.scope, LockScope::Address);
        assert!(t.admit("ana", ip("203.0.113.8")).is_ok());
    }

    #[test]
    fn concurrent_attempts_are_counted_before_they_finish() {
        let t = LoginThrottle::new(5, 20, HOUR);
        let from = ip("198.51.100.1");
        let admitted = (0..200)
            .filter(|i| t.admit(&format!("n{i}"), from).is_ok())
            .count();
        assert_eq!(admitted, 20, "only the address's budget reaches the hasher");
    }

    #[test]
    fn distributed_guessing_never_locks_out_a_clean_address() {
        let t = LoginThrottle::new(5, 20, HOUR);
        for i in 0..60 {
            let bot = ip(&format!("192.0.2.{i}"));
            fail(&t, "jefa", bot);
        }
        assert_eq!(
            t.admit("jefa", ip("192.0.2.3")).unwrap_err().scope,
            LockScope::Account,
            "an address that guessed once is out while the name is under attack"
        );
        t.admit("jefa", ip("10.1.1.1"))
            .expect("the supervisor's desk never failed, so it is never refused");
        t.succeeded("jefa", ip("10.1.1.1"));
    }

    #[test]
    fn success_gives_the_attempt_back_and_abandoned_ones_count_nothing() {
        let t = LoginThrottle::new(2, 3, HOUR);
        let from = ip("10.0.0.1");
        fail(&t, "ana", from);
        t.admit("ana", from).unwrap();
        t.succeeded("ana", from);
        for _ in 0..5 {
            t.admit("ana", from).unwrap();
            t.abandoned("ana", from);
        }
        fail(&t, "ana", from);
        assert!(
            t.admit("ana", from).is_ok(),
            "one failure since the success"
        );
    }

    #[test]
    fn windows_end() {
        let t = LoginThrottle::new(1, 1, Duration::from_millis(1));
        let from = ip("10.0.0.1");
        fail(&t, "ana", from);
        std::thread::sleep(Duration::from_millis(5));
        assert!(t.admit("ana", from).is_ok());
    }
}
