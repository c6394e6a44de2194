//! Rate limits (governor's GCRA), keyed by client address, account, or nothing (`()`, one
//! limit for everyone). Memory is bounded: past `MAX_KEYS` keys, the ones whose limit has
//! fully recovered are forgotten.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

/// Keys kept before recovered ones are dropped.
const MAX_KEYS: usize = 100_000;

/// `burst` at once, then one more every `every`.
pub fn quota(burst: u32, every: Duration) -> Quota {
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(every.max(Duration::from_nanos(1))).unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN)).allow_burst(burst)
}

/// One limit per key.
#[derive(Clone)]
pub struct KeyedLimit<K: Hash + Eq + Clone> {
    limiter: Arc<RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>>,
}

impl<K: Hash + Eq + Clone> KeyedLimit<K> {
    pub fn new(quota: Quota) -> Self {
        KeyedLimit { limiter: Arc::new(RateLimiter::dashmap(quota)) }
    }

    fn bound(&self) {
        if self.limiter.len() > MAX_KEYS {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
    }

    /// Counts one request for `key`, or says how long until it may come.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.bound();
        self.limiter.check_key(key).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// Waits for `key`'s turn, then counts it (requests for one key queue up in order).
    pub async fn until_ready(&self, key: &K) {
        self.bound();
        self.limiter.until_key_ready(key).await;
    }

    pub fn keys(&self) -> usize {
        self.limiter.len()
    }
}

/// Requests per client address and in all (anonymous endpoints such as webhook
/// subscriptions, so a flood cannot fill the database or turn Klaxon into an amplifier).
#[derive(Clone)]
pub struct RateLimit {
    per_client: KeyedLimit<IpAddr>,
    overall: KeyedLimit<()>,
}

impl RateLimit {
    /// About `per_client` requests per address and `overall` in all, per `window` (each
    /// allowed at once, then refilled evenly over the window).
    pub fn new(per_client: u32, overall: u32, window: Duration) -> Self {
        let spread = |n: u32| quota(n, window / n.max(1));
        RateLimit { per_client: KeyedLimit::new(spread(per_client)), overall: KeyedLimit::new(spread(overall)) }
    }

    /// Counts a request from `client`; `Err(wait)` when it is over a limit.
    pub fn allow(&self, client: IpAddr) -> Result<(), Duration> {
        self.per_client.check(&client)?;
        self.overall.check(&())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_has_its_own_limit_and_learns_when_to_come_back() {
        let limit = KeyedLimit::new(quota(2, Duration::from_secs(60)));
        assert!(limit.check(&"a").is_ok());
        assert!(limit.check(&"a").is_ok());
        let wait = limit.check(&"a").unwrap_err();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60), "{wait:?}");
        assert!(limit.check(&"b").is_ok(), "another key is not affected");
        assert_eq!(limit.keys(), 2);
    }

    #[test]
    fn a_limit_recovers_with_time() {
        let limit = KeyedLimit::new(quota(1, Duration::from_millis(40)));
        assert!(limit.check(&1).is_ok());
        assert!(limit.check(&1).is_err());
        std::thread::sleep(Duration::from_millis(60));
        assert!(limit.check(&1).is_ok());
    }

    #[test]
    fn per_client_and_overall() {
        let limit = RateLimit::new(2, 3, Duration::from_secs(60));
        let (a, b, c): (IpAddr, IpAddr, IpAddr) = ("1.1.1.1".parse().unwrap(), "2.2.2.2".parse().unwrap(), "3.3.3.3".parse().unwrap());
        assert!(limit.allow(a).is_ok());
        assert!(limit.allow(a).is_ok());
        assert!(limit.allow(a).is_err(), "a third from one address");
        assert!(limit.allow(b).is_ok());
        assert!(limit.allow(c).is_err(), "a fourth in all");
    }

    #[tokio::test]
    async fn waiting_turns_come_in_order() {
        let limit = KeyedLimit::new(quota(1, Duration::from_millis(30)));
        let started = std::time::Instant::now();
        for _ in 0..3 {
            limit.until_ready(&"acct").await;
        }
        assert!(started.elapsed() >= Duration::from_millis(55), "{:?}", started.elapsed());
    }
}
