//! Failed sign-ins, limited per client address and per account, separately. Only failures
//! count, so a team signing in at once from behind one NAT address is never held up.
//! - An address with too many failures is refused for a while (429 with `Retry-After`),
//!   whatever accounts it tries.
//! - An account with too many failures, from however many addresses, is slowed down, never
//!   locked: attempts for it take turns, one per `turn`, each waiting at most `max_wait`, so
//!   the real person gets in after a short wait.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::Quota;

use crate::server::rate_limit::{quota, KeyedLimit};

/// The longest an attempt waits for its account's turn before it is refused.
pub const MAX_WAIT: Duration = Duration::from_secs(20);
/// Blocked keys kept before the expired ones are dropped.
const MAX_BLOCKED: usize = 10_000;

/// Failures per key: a budget (governor), and the keys over it, until when.
#[derive(Clone)]
struct Failures<K: Hash + Eq + Clone> {
    budget: KeyedLimit<K>,
    blocked: Arc<Mutex<HashMap<K, Instant>>>,
}

impl<K: Hash + Eq + Clone> Failures<K> {
    fn new(q: Quota) -> Self {
        Failures { budget: KeyedLimit::new(q), blocked: Arc::default() }
    }

    /// How much longer `key` is over its budget, if it is.
    fn blocked_for(&self, key: &K, now: Instant) -> Option<Duration> {
        let blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        blocked.get(key).and_then(|until| until.checked_duration_since(now)).filter(|d| !d.is_zero())
    }

    fn record(&self, key: &K, now: Instant) {
        if let Err(wait) = self.budget.check(key) {
            let mut blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
            if blocked.len() >= MAX_BLOCKED {
                blocked.retain(|_, until| *until > now);
            }
            blocked.insert(key.clone(), now + wait);
        }
    }
}

#[derive(Clone)]
pub struct LoginLimiter {
    per_address: Failures<IpAddr>,
    per_account: Failures<String>,
    /// One attempt per turn for an account over its budget.
    turns: KeyedLimit<String>,
    max_wait: Duration,
}

impl Default for LoginLimiter {
    /// 10 failures per address, then one more every 6 s; 5 per account, then one every
    /// 10 s, and attempts for that account take 10 s turns.
    fn default() -> Self {
        LoginLimiter::new(quota(10, Duration::from_secs(6)), quota(5, Duration::from_secs(10)), Duration::from_secs(10), MAX_WAIT)
    }
}

fn account(email: &str) -> String {
    email.trim().to_lowercase()
}

impl LoginLimiter {
    pub fn new(per_address: Quota, per_account: Quota, turn: Duration, max_wait: Duration) -> Self {
        LoginLimiter { per_address: Failures::new(per_address), per_account: Failures::new(per_account), turns: KeyedLimit::new(quota(1, turn)), max_wait }
    }

    /// Lets an attempt for `email` from `client` go ahead (after its account's turn, when
    /// the account is over its budget), or says how long the client should wait.
    pub async fn admit(&self, email: &str, client: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        if let Some(wait) = self.per_address.blocked_for(&client, now) {
            return Err(wait);
        }
        let account = account(email);
        if self.per_account.blocked_for(&account, now).is_some() {
            tokio::time::timeout(self.max_wait, self.turns.until_ready(&account)).await.map_err(|_| self.max_wait)?;
        }
        Ok(())
    }

    /// Counts a failed attempt against the address and the account.
    pub fn failed(&self, email: &str, client: IpAddr) {
        let now = Instant::now();
        self.per_address.record(&client, now);
        self.per_account.record(&account(email), now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    fn limiter() -> LoginLimiter {
        LoginLimiter::new(quota(3, Duration::from_secs(60)), quota(2, Duration::from_secs(60)), Duration::from_millis(100), Duration::from_millis(250))
    }

    #[tokio::test]
    async fn successes_never_count() {
        let l = limiter();
        for _ in 0..50 {
            assert!(l.admit("ada@x.io", A).await.is_ok());
        }
    }

    #[tokio::test]
    async fn an_address_with_too_many_failures_is_refused_others_are_not() {
        let l = limiter();
        for n in 0..4 {
            assert!(l.admit(&format!("user{n}@x.io"), A).await.is_ok());
            l.failed(&format!("user{n}@x.io"), A);
        }
        let wait = l.admit("user9@x.io", A).await.unwrap_err();
        assert!(wait > Duration::from_secs(10), "{wait:?}");
        assert!(l.admit("user9@x.io", B).await.is_ok(), "another address is not affected");
    }

    #[tokio::test]
    async fn an_account_under_attack_is_slowed_not_locked() {
        let l = limiter();
        let from = |n: u8| IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, n));
        for n in 0..3 {
            l.failed("Ada@x.io ", from(n));
        }
        // over its budget: attempts take turns
        let started = Instant::now();
        for n in 10..13 {
            assert!(l.admit("ada@x.io", from(n)).await.is_ok());
        }
        assert!(started.elapsed() >= Duration::from_millis(190), "{:?}", started.elapsed());
        // a crowd at once: those that would wait too long are told when to come back
        let crowd = futures::future::join_all((20..30).map(|n| l.admit("ada@x.io", from(n)))).await;
        assert!(crowd.iter().any(|r| r.is_ok()) && crowd.iter().any(|r| *r == Err(Duration::from_millis(250))), "{crowd:?}");
        // once the crowd is gone, the real person's attempt goes ahead
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(l.admit("ada@x.io", from(99)).await.is_ok());
        // other accounts were never slowed
        let started = Instant::now();
        assert!(l.admit("ben@x.io", from(1)).await.is_ok());
        assert!(started.elapsed() < Duration::from_millis(50));
    }
}
