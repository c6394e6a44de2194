//! Slows down repeated sign-in attempts for one email from one client address: each attempt
//! is counted when it starts (so attempts sent in parallel see each other), later ones wait
//! longer (up to a cap), and past a limit that address is refused for the email until the
//! window passes. Keyed by address too, so nobody can lock another person out from afar.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Attempts allowed before the next ones are slowed down.
pub const FREE_ATTEMPTS: u32 = 3;
/// Attempts after which the address is refused for that email until the window passes.
pub const LOCK_AFTER: u32 = 10;
/// How long attempts are remembered.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_DELAY: Duration = Duration::from_secs(8);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead, after waiting this long.
    Proceed(Duration),
    /// Too many attempts: refuse without checking the password.
    Locked,
}

type Key = (String, IpAddr);

#[derive(Clone, Default)]
pub struct LoginLimiter {
    attempts: Arc<Mutex<HashMap<Key, (u32, Instant)>>>,
}

impl LoginLimiter {
    fn key(email: &str, client: IpAddr) -> Key {
        (email.trim().to_lowercase(), client)
    }

    /// Counts an attempt that starts now and says whether, and after how long, it may run.
    pub fn begin(&self, email: &str, client: IpAddr, now: Instant) -> Verdict {
        let mut map = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (_, last)| now.duration_since(*last) < WINDOW);
        }
        let entry = map.entry(Self::key(email, client)).or_insert((0, now));
        if now.duration_since(entry.1) >= WINDOW {
            entry.0 = 0;
        }
        let before = entry.0;
        entry.0 += 1;
        entry.1 = now;
        delay_for(before)
    }

    /// A successful sign-in forgets the attempts.
    pub fn succeeded(&self, email: &str, client: IpAddr) {
        self.attempts.lock().unwrap_or_else(|e| e.into_inner()).remove(&Self::key(email, client));
    }
}

fn delay_for(earlier_attempts: u32) -> Verdict {
    if earlier_attempts >= LOCK_AFTER {
        return Verdict::Locked;
    }
    if earlier_attempts < FREE_ATTEMPTS {
        return Verdict::Proceed(Duration::ZERO);
    }
    let exp = (earlier_attempts - FREE_ATTEMPTS).min(4);
    Verdict::Proceed((Duration::from_millis(500) * 2u32.pow(exp)).min(MAX_DELAY))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn every_attempt_counts_at_once_then_slows_then_locks() {
        let l = LoginLimiter::default();
        let t = Instant::now();
        // attempts in flight at the same time each see the ones before them
        for _ in 0..FREE_ATTEMPTS {
            assert_eq!(l.begin("A@x.io", A, t), Verdict::Proceed(Duration::ZERO));
        }
        assert_eq!(l.begin("a@x.io ", A, t), Verdict::Proceed(Duration::from_millis(500)));
        assert_eq!(l.begin("a@x.io", A, t), Verdict::Proceed(Duration::from_millis(1000)));
        for _ in 0..5 {
            l.begin("a@x.io", A, t);
        }
        assert_eq!(l.begin("a@x.io", A, t), Verdict::Locked);
        // another address, or another email, is not affected
        assert_eq!(l.begin("a@x.io", B, t), Verdict::Proceed(Duration::ZERO));
        assert_eq!(l.begin("b@x.io", A, t), Verdict::Proceed(Duration::ZERO));
        // the window passes
        assert_eq!(l.begin("a@x.io", A, t + WINDOW), Verdict::Proceed(Duration::ZERO));
    }

    #[test]
    fn success_forgets() {
        let l = LoginLimiter::default();
        let t = Instant::now();
        for _ in 0..8 {
            l.begin("a@x.io", A, t);
        }
        l.succeeded("a@x.io", A);
        assert_eq!(l.begin("a@x.io", A, t), Verdict::Proceed(Duration::ZERO));
    }
}
