//! Password hashing with Argon2id (the argon2 crate's defaults).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 256;

pub fn check_strength(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(format!("The password must have at least {MIN_LEN} characters."));
    }
    if n > MAX_LEN {
        return Err(format!("The password must have at most {MAX_LEN} characters."));
    }
    Ok(())
}

pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| format!("cannot hash the password: {e}"))
}

pub fn verify(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the email is unknown, so both cases take the same time.
/// Computed once, at start-up (`AppState::new`).
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("klaxon-no-such-user").unwrap_or_default())
}

/// Argon2 takes ~19 MiB and tens of milliseconds per check: at most one check per core runs
/// at a time, and at most `MAX_WAITING` more wait their turn; past that the work is refused
/// at once ([`Busy`]), so a flood of sign-ins with made-up emails cannot build a queue that
/// real sign-ins would wait behind, nor exhaust memory.
pub struct Workers {
    permits: tokio::sync::Semaphore,
    waiting: std::sync::atomic::AtomicUsize,
    max_waiting: usize,
}

/// Every password worker is busy and the queue is full: try again in a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

pub const MAX_WAITING: usize = 32;

impl Workers {
    pub fn new(workers: usize, max_waiting: usize) -> Self {
        Workers { permits: tokio::sync::Semaphore::new(workers.max(1)), waiting: std::sync::atomic::AtomicUsize::new(0), max_waiting }
    }

    /// Runs `work` on a blocking thread when a worker is free.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
        use std::sync::atomic::Ordering;
        let permit = match self.permits.try_acquire() {
            Ok(p) => p,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
                    self.waiting.fetch_sub(1, Ordering::AcqRel);
                    return Err(Busy);
                }
                let p = self.permits.acquire().await;
                self.waiting.fetch_sub(1, Ordering::AcqRel);
                p.map_err(|_| Busy)?
            }
        };
        let out = tokio::task::spawn_blocking(work).await.map_err(|_| Busy);
        drop(permit);
        out
    }
}

fn workers() -> &'static Workers {
    static WORKERS: std::sync::OnceLock<Workers> = std::sync::OnceLock::new();
    WORKERS.get_or_init(|| Workers::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2), MAX_WAITING))
}

/// [`verify`] off the async workers, within the bounds.
pub async fn verify_bounded(password: String, hash: String) -> Result<bool, Busy> {
    workers().run(move || verify(&password, &hash)).await
}

/// [`hash`] off the async workers, within the bounds.
pub async fn hash_bounded(password: String) -> Result<String, String> {
    workers().run(move || hash(&password)).await.map_err(|_| "every password worker is busy".to_string())?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse", &h));
        assert!(!verify("wrong horse", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn past_the_queue_work_is_refused_at_once() {
        let w = std::sync::Arc::new(Workers::new(1, 1));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        // one runs (held until released), one waits, the third is refused
        let running = tokio::spawn({
            let w = w.clone();
            async move { w.run(move || hold.recv().is_ok()).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let waiting = tokio::spawn({
            let w = w.clone();
            async move { w.run(|| 2).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert_eq!(w.run(|| 3).await, Err(Busy));
        release.send(()).unwrap();
        assert_eq!(running.await.unwrap(), Ok(true));
        assert_eq!(waiting.await.unwrap(), Ok(2));
        // the queue is free again
        assert_eq!(w.run(|| 4).await, Ok(4));
    }

    #[test]
    fn strength() {
        assert!(check_strength("short").is_err());
        assert!(check_strength("long enough").is_ok());
    }
}
