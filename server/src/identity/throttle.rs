//! Throttles repeated login failures per username and per client address:
//! after `max_failures` within `window`, further attempts get 429 until the
//! window has passed. Kept in memory, per server instance.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginThrottle {
    max_failures: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

/// Entries kept before expired ones are swept.
const SWEEP_AT: usize = 10_000;

impl LoginThrottle {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures: max_failures.max(1),
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, Instant)>> {
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Err(retry_after)` while any of `keys` has too many recent failures.
    /// Addresses get four times the allowance of one username, since many
    /// people may share one.
    pub fn check(&self, username: &str, address: &str) -> Result<(), Duration> {
        let failures = self.lock();
        let mut wait = Duration::ZERO;
        for (key, allowed) in [
            (user_key(username), self.max_failures),
            (address_key(address), self.max_failures * 4),
        ] {
            if let Some((count, since)) = failures.get(&key) {
                let elapsed = since.elapsed();
                if *count >= allowed && elapsed < self.window {
                    wait = wait.max(self.window - elapsed);
                }
            }
        }
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    pub fn fail(&self, username: &str, address: &str) {
        let mut failures = self.lock();
        if failures.len() > SWEEP_AT {
            let window = self.window;
            failures.retain(|_, (_, since)| since.elapsed() < window);
        }
        for key in [user_key(username), address_key(address)] {
            let entry = failures.entry(key).or_insert((0, Instant::now()));
            if entry.1.elapsed() >= self.window {
                *entry = (0, Instant::now());
            }
            entry.0 += 1;
        }
    }

    /// A successful login clears the username's failures.
    pub fn succeed(&self, username: &str) {
        self.lock().remove(&user_key(username));
    }
}

fn user_key(username: &str) -> String {
    format!("user:{}", username.trim().to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("addr:{address}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_failures_and_success_clears() {
        let throttle = LoginThrottle::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(throttle.check("Ann", "1.2.3.4").is_ok());
            throttle.fail("Ann", "1.2.3.4");
        }
        let wait = throttle.check("ann", "5.6.7.8").unwrap_err();
        assert!(wait > Duration::from_secs(50));
        assert!(
            throttle.check("bob", "1.2.3.4").is_ok(),
            "the address has more allowance"
        );
        throttle.succeed("ANN");
        assert!(throttle.check("ann", "1.2.3.4").is_ok());
    }
}
