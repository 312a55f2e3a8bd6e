//! Login throttling, kept in memory per server instance. An attempt is
//! counted *before* its password is checked (a reservation, handed back only
//! when the password was right), so a burst of concurrent guesses can never
//! evaluate more passwords than the limits allow.
//!
//! The policy (the book's Security chapter, docs/src/security.md), with `max` = `CASTING_LOGIN_MAX_FAILURES`
//! and `window` = `CASTING_LOGIN_WINDOW`:
//! - one username from one address: `max` failures per window (tight: one
//!   guesser is stopped quickly);
//! - one address, any usernames: `4 × max` failures per window (spraying);
//! - one username from addresses it has never logged in from: beyond
//!   `4 × max` failures per window, one attempt per growing delay (1 s, 2 s,
//!   4 s … up to the window), so many guessers together get very few guesses
//!   while the owner, from an address they logged in from before, is not
//!   held up by them at all.
//!
//! IPv6 clients are counted per /64, the block one subscriber usually has.
//! Every table is bounded, so a flood of new names or addresses cannot grow
//! memory without limit.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::usernames::UsernameKey;

/// Entries each table holds at most; beyond that the stalest are dropped.
const MAX_ENTRIES: usize = 20_000;
/// Addresses remembered per user as ones it logged in from.
const TRUSTED_PER_USER: usize = 8;
/// How long a successful login makes its address trusted for that user.
const TRUST_FOR: Duration = Duration::from_secs(30 * 24 * 3600);

/// Where a login comes from, as counted: an IPv4 address or an IPv6 /64.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AddressKey(IpAddr);

impl AddressKey {
    pub fn of(address: IpAddr) -> Self {
        Self(match address {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let s = v6.segments();
                    IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
                }
            },
            v4 => v4,
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct Count {
    /// Failures in the window, counting attempts still being checked.
    failures: u32,
    /// Of those, the attempts still being checked (pairs only).
    checking: u32,
    since: Instant,
    /// The next attempt may not start before this (growing delays).
    not_before: Option<Instant>,
}

/// Failure counts per key within a window, bounded in size.
struct Counts<K> {
    entries: HashMap<K, Count>,
}

impl<K: Eq + Hash + Clone> Counts<K> {
    fn new() -> Self {
        Self {
            entries: HashMap::new(),
        }
    }

    /// The live count of `key` (an expired one counts as none).
    fn get(&self, key: &K, window: Duration, now: Instant) -> Option<Count> {
        self.entries
            .get(key)
            .filter(|c| {
                now.duration_since(c.since) < window || c.not_before.is_some_and(|t| t > now)
            })
            .copied()
    }

    fn entry(&mut self, key: &K, window: Duration, now: Instant) -> &mut Count {
        if !self.entries.contains_key(key) && self.entries.len() >= MAX_ENTRIES {
            self.make_room(window, now);
        }
        let count = self.entries.entry(key.clone()).or_insert(Count {
            failures: 0,
            checking: 0,
            since: now,
            not_before: None,
        });
        let expired =
            now.duration_since(count.since) >= window && count.not_before.is_none_or(|t| t <= now);
        if expired {
            *count = Count {
                failures: 0,
                checking: 0,
                since: now,
                not_before: None,
            };
        }
        count
    }

    fn make_room(&mut self, window: Duration, now: Instant) {
        self.entries.retain(|_, c| {
            now.duration_since(c.since) < window || c.not_before.is_some_and(|t| t > now)
        });
        if self.entries.len() >= MAX_ENTRIES {
            // Still full of live entries: forget the oldest tenth.
            let mut ages: Vec<Instant> = self.entries.values().map(|c| c.since).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 10];
            self.entries.retain(|_, c| c.since > cut);
        }
    }

    fn release(&mut self, key: &K) {
        if let Some(count) = self.entries.get_mut(key) {
            count.failures = count.failures.saturating_sub(1);
        }
    }

    /// One of `key`'s attempts is no longer being checked.
    fn checked(&mut self, key: &K) {
        if let Some(count) = self.entries.get_mut(key) {
            count.checking = count.checking.saturating_sub(1);
        }
    }
}

struct Tables {
    pairs: Counts<(UsernameKey, AddressKey)>,
    addresses: Counts<AddressKey>,
    users: Counts<UsernameKey>,
    /// Addresses each user logged in from, and when.
    trusted: HashMap<UsernameKey, Vec<(AddressKey, Instant)>>,
}

pub struct LoginThrottle {
    max_failures: u32,
    window: Duration,
    tables: Mutex<Tables>,
}

/// An attempt counted as a failure until [`LoginThrottle::succeed`] or
/// [`LoginThrottle::release`] hands it back; [`LoginThrottle::fail`] says
/// its check is over (dropped without any of them, it stays counted).
#[derive(Debug)]
#[must_use]
pub struct Reservation {
    user: UsernameKey,
    address: AddressKey,
    counted_for_user: bool,
}

impl LoginThrottle {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures: max_failures.max(1),
            window,
            tables: Mutex::new(Tables {
                pairs: Counts::new(),
                addresses: Counts::new(),
                users: Counts::new(),
                trusted: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts an attempt for `user` from `address`, or `Err(retry_after)`
    /// when a limit is reached.
    pub fn reserve(&self, user: &UsernameKey, address: IpAddr) -> Result<Reservation, Duration> {
        let now = Instant::now();
        let window = self.window;
        let address = AddressKey::of(address);
        let pair = (user.clone(), address.clone());
        let loose = self.max_failures.saturating_mul(4);
        let mut tables = self.lock();
        let trusted = tables.trusted.get(user).is_some_and(|list| {
            list.iter()
                .any(|(a, at)| *a == address && now.duration_since(*at) < TRUST_FOR)
        });

        let mut wait = Duration::ZERO;
        let mut limit = |count: Option<Count>, allowed: u32| {
            if let Some(c) = count
                && c.failures >= allowed
            {
                wait = wait.max((c.since + window).saturating_duration_since(now));
            }
        };
        limit(tables.pairs.get(&pair, window, now), self.max_failures);
        limit(tables.addresses.get(&address, window, now), loose);
        if !trusted
            && let Some(c) = tables.users.get(user, window, now)
            && c.failures >= loose
            && let Some(at) = c.not_before
            && at > now
        {
            wait = wait.max(at - now);
        }
        if !wait.is_zero() {
            return Err(wait);
        }

        let count = tables.pairs.entry(&pair, window, now);
        count.failures += 1;
        count.checking += 1;
        tables.addresses.entry(&address, window, now).failures += 1;
        if !trusted {
            let count = tables.users.entry(user, window, now);
            count.failures += 1;
            if count.failures > loose {
                let doublings = (count.failures - loose - 1).min(20);
                let delay = Duration::from_secs(1 << doublings).min(window);
                count.not_before = Some(now + delay);
            }
        }
        Ok(Reservation {
            user: user.clone(),
            address,
            counted_for_user: !trusted,
        })
    }

    /// The password was wrong: the failure stays counted; its check is over.
    pub fn fail(&self, reservation: Reservation) {
        let mut tables = self.lock();
        tables
            .pairs
            .checked(&(reservation.user, reservation.address));
    }

    /// The password was right: the attempt is not a failure, the user's
    /// failures from this address are forgotten and the address is trusted.
    /// Attempts still being checked stay counted: a right password in the
    /// middle of a burst of guesses does not let more guesses in.
    pub fn succeed(&self, reservation: Reservation) {
        let now = Instant::now();
        let mut tables = self.lock();
        let pair = (reservation.user.clone(), reservation.address.clone());
        if let Some(count) = tables.pairs.entries.get_mut(&pair) {
            count.checking = count.checking.saturating_sub(1);
            count.failures = count.checking;
            if count.checking == 0 {
                tables.pairs.entries.remove(&pair);
            }
        }
        tables.addresses.release(&reservation.address);
        if reservation.counted_for_user {
            tables.users.release(&reservation.user);
        }
        if !tables.trusted.contains_key(&reservation.user) && tables.trusted.len() >= MAX_ENTRIES {
            tables.trusted.retain(|_, list| {
                list.iter()
                    .any(|(_, at)| now.duration_since(*at) < TRUST_FOR)
            });
            if tables.trusted.len() >= MAX_ENTRIES {
                return;
            }
        }
        let list = tables.trusted.entry(reservation.user).or_default();
        list.retain(|(a, at)| *a != reservation.address && now.duration_since(*at) < TRUST_FOR);
        if list.len() >= TRUSTED_PER_USER {
            list.remove(0);
        }
        list.push((reservation.address, now));
    }

    /// The password was never checked (the server was too busy, the database
    /// did not answer): the attempt does not count.
    pub fn release(&self, reservation: Reservation) {
        let mut tables = self.lock();
        let pair = (reservation.user.clone(), reservation.address.clone());
        tables.pairs.release(&pair);
        tables.pairs.checked(&pair);
        tables.addresses.release(&reservation.address);
        if reservation.counted_for_user {
            tables.users.release(&reservation.user);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_guesser_is_stopped_and_the_owner_on_a_known_address_is_not() {
        let throttle = LoginThrottle::new(3, Duration::from_secs(60));
        let ann = UsernameKey::of("Ann");
        let owner = throttle.reserve(&ann, ip("10.0.0.1")).unwrap();
        throttle.succeed(owner);
        for _ in 0..3 {
            let _failed = throttle.reserve(&ann, ip("10.0.0.2")).unwrap();
        }
        let wait = throttle
            .reserve(&UsernameKey::of("ANN"), ip("10.0.0.2"))
            .unwrap_err();
        assert!(wait > Duration::from_secs(50));
        // Many guessers together exhaust the loose allowance of the username...
        for i in 3..15 {
            let _ = throttle.reserve(&ann, ip(&format!("10.0.1.{i}")));
        }
        assert!(throttle.reserve(&ann, ip("10.0.2.1")).is_err());
        // ...but the owner's known address still gets in.
        let owner = throttle.reserve(&ann, ip("10.0.0.1")).unwrap();
        throttle.succeed(owner);
    }

    #[test]
    fn a_right_password_keeps_the_guesses_still_being_checked_counted() {
        let throttle = LoginThrottle::new(5, Duration::from_secs(60));
        let ann = UsernameKey::of("ann");
        let address = ip("10.2.0.1");
        // A typo checked and over, then three guesses still being checked
        // when the right password's check ends.
        let typo = throttle.reserve(&ann, address).unwrap();
        throttle.fail(typo);
        let guesses: Vec<_> = (0..3)
            .map(|_| throttle.reserve(&ann, address).unwrap())
            .collect();
        let right = throttle.reserve(&ann, address).unwrap();
        throttle.succeed(right);
        // The typo is forgotten; the three in flight still count.
        assert!(throttle.reserve(&ann, address).is_ok());
        assert!(throttle.reserve(&ann, address).is_ok());
        assert!(throttle.reserve(&ann, address).is_err());
        for guess in guesses {
            throttle.fail(guess);
        }
        assert!(throttle.reserve(&ann, address).is_err());
    }

    #[test]
    fn growing_delays_after_the_loose_limit() {
        let throttle = LoginThrottle::new(1, Duration::from_secs(600));
        let bob = UsernameKey::of("bob");
        for i in 0..4 {
            let _ = throttle.reserve(&bob, ip(&format!("10.1.0.{i}"))).unwrap();
        }
        // The fifth attempt passes and sets a delay of 1 s, the sixth 2 s...
        let _ = throttle.reserve(&bob, ip("10.1.1.1")).unwrap();
        let first = throttle.reserve(&bob, ip("10.1.1.2")).unwrap_err();
        assert!(first <= Duration::from_secs(1), "{first:?}");
    }

    #[test]
    fn released_attempts_do_not_count_and_ipv6_counts_per_64() {
        let throttle = LoginThrottle::new(1, Duration::from_secs(60));
        let ann = UsernameKey::of("ann");
        let attempt = throttle.reserve(&ann, ip("2001:db8::1")).unwrap();
        assert!(
            throttle.reserve(&ann, ip("2001:db8::2")).is_err(),
            "same /64"
        );
        throttle.release(attempt);
        assert!(throttle.reserve(&ann, ip("2001:db8::3")).is_ok());
    }

    #[test]
    fn tables_stay_bounded() {
        let throttle = LoginThrottle::new(1000, Duration::from_secs(60));
        for i in 0..(MAX_ENTRIES as u32 + 500) {
            let user = UsernameKey::of(&format!("user{i}"));
            let _ = throttle.reserve(&user, IpAddr::from(i.to_be_bytes()));
        }
        let tables = throttle.lock();
        assert!(tables.pairs.entries.len() <= MAX_ENTRIES);
        assert!(tables.users.entries.len() <= MAX_ENTRIES);
        assert!(tables.addresses.entries.len() <= MAX_ENTRIES);
    }
}
