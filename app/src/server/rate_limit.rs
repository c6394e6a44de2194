//! Fixed-window request limits, per client address and overall (for anonymous endpoints
//! such as webhook subscriptions, so a flood cannot fill the database or turn Klaxon into
//! a request amplifier).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Per address and overall: how many requests since when.
type Counts = (HashMap<IpAddr, (u32, Instant)>, (u32, Instant));

#[derive(Clone)]
pub struct RateLimit {
    per_client: u32,
    overall: u32,
    window: Duration,
    counts: Arc<Mutex<Counts>>,
}

impl RateLimit {
    /// At most `per_client` requests per address and `overall` in all, per `window`.
    pub fn new(per_client: u32, overall: u32, window: Duration) -> Self {
        RateLimit { per_client, overall, window, counts: Arc::new(Mutex::new((HashMap::new(), (0, Instant::now())))) }
    }

    /// Counts a request from `client` at `now`; false when it is over a limit (and then it
    /// does not count).
    pub fn allow(&self, client: IpAddr, now: Instant) -> bool {
        let mut guard = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let (clients, all) = &mut *guard;
        let window = self.window;
        let fresh = |slot: &mut (u32, Instant)| {
            if now.duration_since(slot.1) >= window {
                *slot = (0, now);
            }
        };
        if clients.len() > 100_000 {
            clients.retain(|_, (_, since)| now.duration_since(*since) < window);
        }
        fresh(all);
        let mine = clients.entry(client).or_insert((0, now));
        fresh(mine);
        if mine.0 >= self.per_client || all.0 >= self.overall {
            return false;
        }
        mine.0 += 1;
        all.0 += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_each_client_and_everyone_until_the_window_passes() {
        let limit = RateLimit::new(2, 3, Duration::from_secs(60));
        let (a, b, c): (IpAddr, IpAddr, IpAddr) = ("1.1.1.1".parse().unwrap(), "2.2.2.2".parse().unwrap(), "3.3.3.3".parse().unwrap());
        let t = Instant::now();
        assert!(limit.allow(a, t) && limit.allow(a, t));
        assert!(!limit.allow(a, t), "a third from one client");
        assert!(limit.allow(b, t));
        assert!(!limit.allow(c, t), "over the overall limit");
        let later = t + Duration::from_secs(61);
        assert!(limit.allow(a, later) && limit.allow(c, later));
    }
}
