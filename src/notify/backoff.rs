//! Retry spacing and the per-number throughput cap.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Exponential backoff with ±25 % jitter, so retries from many rows do not arrive together.
/// `attempt` counts from 1. Rate-limit errors back off on Meta's 4^x schedule.
pub fn backoff(
    attempt: i32,
    rate_limited: bool,
    base: Duration,
    max: Duration,
    seed: u64,
) -> Duration {
    let exp = attempt.saturating_sub(1).clamp(0, 20) as u32;
    let factor: u64 = if rate_limited {
        4u64.saturating_pow(exp)
    } else {
        2u64.saturating_pow(exp)
    };
    let raw = base
        .saturating_mul(u32::try_from(factor).unwrap_or(u32::MAX))
        .min(max);
    let jitter = (splitmix(seed) % 51) as f64 / 100.0 - 0.25;
    raw.mul_f64(1.0 + jitter).min(max)
}

/// A small deterministic mixer (no RNG dependency; the seed varies per row and attempt).
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Spaces sends to at most `per_second` per business number (Meta's default is 80/s).
#[derive(Debug)]
pub struct Throughput {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Throughput {
    pub fn new(per_second: u32) -> Throughput {
        Throughput {
            interval: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::new(Instant::now()),
        }
    }

    /// Waits for the next free slot.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let base = Duration::from_secs(2);
        let max = Duration::from_secs(600);
        let d1 = backoff(1, false, base, max, 1);
        let d5 = backoff(5, false, base, max, 1);
        assert!(d1 >= Duration::from_millis(1500) && d1 <= Duration::from_millis(2500));
        assert!(d5 >= Duration::from_secs(24) && d5 <= Duration::from_secs(40));
        assert!(backoff(40, false, base, max, 1) <= max);
        assert!(backoff(3, true, base, max, 1) >= Duration::from_secs(24));
        let spread: std::collections::HashSet<_> =
            (0..20).map(|s| backoff(3, false, base, max, s)).collect();
        assert!(spread.len() > 5, "jitter varies with the seed");
    }

    #[tokio::test(start_paused = true)]
    async fn throughput_spaces_sends() {
        let t = Throughput::new(80);
        let start = Instant::now();
        for _ in 0..81 {
            t.acquire().await;
        }
        assert!(Instant::now() - start >= Duration::from_millis(990));
    }
}
