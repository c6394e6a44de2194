//! Caps on open live streams, per client address and in all. Past either, a new stream is
//! refused (503 with `Retry-After`; browsers' EventSource tries again by itself), so one
//! client, or a crowd, cannot hold every connection the server can keep.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Open {
    by_client: HashMap<IpAddr, usize>,
    total: usize,
}

#[derive(Clone)]
pub struct LiveSlots {
    per_client: usize,
    total: usize,
    open: Arc<Mutex<Open>>,
}

/// One open stream; dropping it (the stream ends) frees the slot.
pub struct Slot {
    open: Arc<Mutex<Open>>,
    client: IpAddr,
}

/// Streams per client address: generous, since a whole team may share one NAT address, each
/// person with a few tabs.
pub const PER_CLIENT: usize = 500;
/// Streams in all.
pub const TOTAL: usize = 20_000;

impl Default for LiveSlots {
    fn default() -> Self {
        LiveSlots::new(PER_CLIENT, TOTAL)
    }
}

impl LiveSlots {
    pub fn new(per_client: usize, total: usize) -> Self {
        LiveSlots { per_client, total, open: Arc::default() }
    }

    /// A slot for a new stream from `client`, if both caps allow one.
    pub fn take(&self, client: IpAddr) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let mine = open.by_client.get(&client).copied().unwrap_or(0);
        if mine >= self.per_client || open.total >= self.total {
            return None;
        }
        open.by_client.insert(client, mine + 1);
        open.total += 1;
        Some(Slot { open: self.open.clone(), client })
    }

    /// Streams open now.
    pub fn open(&self) -> usize {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).total
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.by_client.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                open.by_client.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_client_and_in_all_and_slots_come_back() {
        let slots = LiveSlots::new(2, 3);
        let (a, b, c): (IpAddr, IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap(), "192.0.2.3".parse().unwrap());
        let a1 = slots.take(a).unwrap();
        let _a2 = slots.take(a).unwrap();
        assert!(slots.take(a).is_none(), "a third from one address");
        let _b1 = slots.take(b).unwrap();
        assert!(slots.take(c).is_none(), "a fourth in all");
        drop(a1);
        assert_eq!(slots.open(), 2);
        assert!(slots.take(c).is_some(), "a stream that ended frees its slot");
        drop(slots.take(a));
        assert_eq!(slots.open(), 2, "the slot of a refused or dropped stream is not kept");
    }
}
