//! The open-file limit: every connection is a file descriptor, so the soft limit (often
//! 1,024) is raised to the hard one at start-up, and the connection cap is derived from what
//! is left after a reserve for the database pool, files and media.

/// The soft and hard `RLIMIT_NOFILE` after trying to raise the soft one to the hard one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdLimit {
    pub soft: u64,
    pub hard: Option<u64>,
    /// What the soft limit was before, when it was raised.
    pub raised_from: Option<u64>,
}

/// Raises the soft open-file limit to the hard limit (the most an unprivileged process may
/// ask for) and reports both. Failing to raise it is not fatal: the derived connection cap
/// then simply follows the lower limit.
#[cfg(unix)]
pub fn raise_nofile() -> FdLimit {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let before = getrlimit(Resource::Nofile);
    let soft = before.current.unwrap_or(u64::MAX);
    // An unlimited hard limit is refused by Linux for RLIMIT_NOFILE (it is capped by
    // fs.nr_open); 1 Mi descriptors is the kernel's default ceiling.
    let target = before.maximum.unwrap_or(1 << 20);
    if soft >= target {
        return FdLimit {
            soft,
            hard: before.maximum,
            raised_from: None,
        };
    }
    let wanted = Rlimit {
        current: Some(target),
        maximum: before.maximum,
    };
    match setrlimit(Resource::Nofile, wanted) {
        Ok(()) => FdLimit {
            soft: target,
            hard: before.maximum,
            raised_from: Some(soft),
        },
        Err(e) => {
            tracing::warn!(error = %e, soft, "could not raise the open-file limit");
            FdLimit {
                soft,
                hard: before.maximum,
                raised_from: None,
            }
        }
    }
}

#[cfg(not(unix))]
pub fn raise_nofile() -> FdLimit {
    FdLimit {
        soft: 8192,
        hard: None,
        raised_from: None,
    }
}

/// The current soft open-file limit, without changing it.
#[cfg(unix)]
pub fn current_soft() -> u64 {
    rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(u64::MAX)
}

#[cfg(not(unix))]
pub fn current_soft() -> u64 {
    8192
}

/// Connections served at once when the configuration leaves it to the open-file limit:
/// the limit minus the reserve, never below a handful so that a tiny limit still serves
/// health checks and webhooks.
pub fn derived_connection_limit(soft_limit: u64, reserve: usize) -> usize {
    let reserve = u64::try_from(reserve).unwrap_or(u64::MAX);
    let usable = soft_limit.saturating_sub(reserve).max(16);
    usize::try_from(usable).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_derived_cap_leaves_the_reserve() {
        assert_eq!(derived_connection_limit(1024, 256), 768);
        assert_eq!(derived_connection_limit(20_000, 256), 19_744);
        assert_eq!(derived_connection_limit(100, 256), 16);
    }

    #[cfg(unix)]
    #[test]
    fn raising_ends_at_the_hard_limit() {
        let limit = raise_nofile();
        if let Some(hard) = limit.hard {
            assert_eq!(limit.soft, hard);
        }
        assert_eq!(current_soft(), limit.soft);
    }
}
