//! Slows down repeated failed sign-ins for one email: after a few failures each further
//! attempt waits longer (up to a cap), and after many the email is locked for a while.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failures allowed before attempts are slowed down.
pub const FREE_FAILURES: u32 = 3;
/// Failures after which the email is refused until the window passes.
pub const LOCK_AFTER: u32 = 10;
/// How long failures are remembered.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_DELAY: Duration = Duration::from_secs(8);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead, after waiting this long.
    Proceed(Duration),
    /// Too many failures: refuse without checking the password.
    Locked,
}

#[derive(Clone, Default)]
pub struct LoginLimiter {
    failures: Arc<Mutex<HashMap<String, (u32, Instant)>>>,
}

impl LoginLimiter {
    fn key(email: &str) -> String {
        email.trim().to_lowercase()
    }

    pub fn check(&self, email: &str, now: Instant) -> Verdict {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(&Self::key(email)) {
            Some((n, last)) if now.duration_since(*last) < WINDOW => delay_for(*n),
            _ => Verdict::Proceed(Duration::ZERO),
        }
    }

    pub fn failed(&self, email: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (_, last)| now.duration_since(*last) < WINDOW);
        }
        let entry = map.entry(Self::key(email)).or_insert((0, now));
        if now.duration_since(entry.1) >= WINDOW {
            entry.0 = 0;
        }
        entry.0 += 1;
        entry.1 = now;
    }

    pub fn succeeded(&self, email: &str) {
        self.failures.lock().unwrap_or_else(|e| e.into_inner()).remove(&Self::key(email));
    }
}

fn delay_for(failures: u32) -> Verdict {
    if failures >= LOCK_AFTER {
        return Verdict::Locked;
    }
    if failures < FREE_FAILURES {
        return Verdict::Proceed(Duration::ZERO);
    }
    let exp = (failures - FREE_FAILURES).min(4);
    Verdict::Proceed((Duration::from_millis(500) * 2u32.pow(exp)).min(MAX_DELAY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slows_down_then_locks() {
        let l = LoginLimiter::default();
        let t = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert_eq!(l.check("A@x.io", t), Verdict::Proceed(Duration::ZERO));
            l.failed("a@x.io ", t);
        }
        assert_eq!(l.check("a@x.io", t), Verdict::Proceed(Duration::from_millis(500)));
        l.failed("a@x.io", t);
        assert_eq!(l.check("a@x.io", t), Verdict::Proceed(Duration::from_millis(1000)));
        for _ in 0..10 {
            l.failed("a@x.io", t);
        }
        assert_eq!(l.check("a@x.io", t), Verdict::Locked);
        // other emails are unaffected; the window passes
        assert_eq!(l.check("b@x.io", t), Verdict::Proceed(Duration::ZERO));
        assert_eq!(l.check("a@x.io", t + WINDOW), Verdict::Proceed(Duration::ZERO));
        l.succeeded("a@x.io");
        assert_eq!(l.check("a@x.io", t), Verdict::Proceed(Duration::ZERO));
    }
}
