//! Budgets of authenticate calls per network address and per GSP client.
//!
//! Each budget is a bucket of `per_minute` calls that refills evenly over a minute,
//! so a whole classroom may call at once and then goes on at the steady rate. The
//! counts live in this process's memory, not in the database: they protect this
//! process's CPU (the RSA work behind an app key), so portals sharing a database
//! each keep their own, and a refusal costs no write. It is decided before the body
//! is read and before any RSA work.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::gsp::{ApiFailure, CallBudget};

/// Buckets kept before the full ones (nobody called for a minute) are dropped.
const PRUNE_FLOOR: usize = 1024;

/// The calls of one address or one client.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Calls left, in fractions as it refills.
    left: f64,
    at: Instant,
}

/// One kind of budget: a bucket per key.
#[derive(Debug)]
struct Buckets {
    by: CallBudget,
    per_minute: u32,
    state: Mutex<(HashMap<String, Bucket>, usize)>,
}

impl Buckets {
    fn new(by: CallBudget, per_minute: u32) -> Self {
        Buckets {
            by,
            per_minute: per_minute.max(1),
            state: Mutex::new((HashMap::new(), PRUNE_FLOOR)),
        }
    }

    fn refilled(&self, bucket: Bucket, now: Instant) -> f64 {
        let per_second = f64::from(self.per_minute) / 60.0;
        let gained = now.saturating_duration_since(bucket.at).as_secs_f64() * per_second;
        (bucket.left + gained).min(f64::from(self.per_minute))
    }

    /// Takes one call from `key`'s bucket, or refuses with the seconds until one
    /// is back.
    fn take(&self, key: &str, now: Instant) -> Result<(), ApiFailure> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (buckets, prune_at) = &mut *state;
        if buckets.len() >= *prune_at {
            let full = f64::from(self.per_minute);
            buckets.retain(|_, b| self.refilled(*b, now) < full);
            *prune_at = (buckets.len() * 2).max(PRUNE_FLOOR);
        }
        let full = Bucket {
            left: f64::from(self.per_minute),
            at: now,
        };
        let bucket = buckets.entry(key.to_string()).or_insert(full);
        let left = self.refilled(*bucket, now);
        if left >= 1.0 {
            *bucket = Bucket {
                left: left - 1.0,
                at: now,
            };
            return Ok(());
        }
        let per_second = f64::from(self.per_minute) / 60.0;
        let wait = Duration::from_secs_f64((1.0 - left) / per_second);
        Err(ApiFailure::TooManyCalls {
            by: self.by,
            per_minute: self.per_minute,
            retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        })
    }
}

/// The budgets of authenticate calls of one portal process.
#[derive(Debug)]
pub struct CallBudgets {
    per_address: Buckets,
    per_client: Buckets,
}

impl CallBudgets {
    pub fn new(per_address_per_minute: u32, per_client_per_minute: u32) -> Self {
        CallBudgets {
            per_address: Buckets::new(CallBudget::Address, per_address_per_minute),
            per_client: Buckets::new(CallBudget::Client, per_client_per_minute),
        }
    }

    /// One call from `address` (a [`crate::net::client_limit_key`]).
    pub fn take_for_address(&self, address: &str) -> Result<(), ApiFailure> {
        self.per_address.take(address, Instant::now())
    }

    /// One call of the client whose `clientid` is `client_id`.
    pub fn take_for_client(&self, client_id: &str) -> Result<(), ApiFailure> {
        self.per_client.take(client_id, Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_allows_its_burst_then_refills_evenly() {
        let buckets = Buckets::new(CallBudget::Address, 60);
        let t0 = Instant::now();
        for _ in 0..60 {
            buckets.take("10.0.0.1", t0).unwrap();
        }
        let refused = buckets.take("10.0.0.1", t0).unwrap_err();
        assert_eq!(
            refused,
            ApiFailure::TooManyCalls {
                by: CallBudget::Address,
                per_minute: 60,
                retry_after: 1
            }
        );
        assert_eq!(refused.code(), "SIM4291");
        assert_eq!(refused.http_status(), 429);
        // Another address has its own.
        buckets.take("10.0.0.2", t0).unwrap();
        // One a second comes back.
        buckets
            .take("10.0.0.1", t0 + Duration::from_secs(1))
            .unwrap();
        assert!(buckets
            .take("10.0.0.1", t0 + Duration::from_secs(1))
            .is_err());
    }

    #[test]
    fn full_buckets_are_dropped_so_many_addresses_take_bounded_memory() {
        let buckets = Buckets::new(CallBudget::Client, 60);
        let t0 = Instant::now();
        for n in 0..PRUNE_FLOOR * 4 {
            buckets.take(&format!("client-{n}"), t0).unwrap();
        }
        let later = t0 + Duration::from_secs(61);
        buckets.take("late", later).unwrap();
        let kept = buckets.state.lock().unwrap().0.len();
        assert!(kept < PRUNE_FLOOR, "{kept} buckets kept");
    }
}
