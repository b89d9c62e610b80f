//! When to try a call again, and how long to wait first.
//!
//! # What is retried
//!
//! | outcome | GET, PUT, PATCH, DELETE | POST |
//! |---|---|---|
//! | could not connect (refused, DNS, TLS handshake, connect timeout) | yes | yes |
//! | connection lost or timed out after the request was sent | yes | **no** |
//! | 429 Too Many Requests, 503 Service Unavailable | yes | yes |
//! | other 5xx (500, 502, 504, …) | yes | **no** |
//! | 501 Not Implemented, any other 4xx (405, 400…) | no | no |
//!
//! Why POST is special: a POST creates something (a user, an invitation email, a
//! /Bulk batch). When the connection breaks after the request went out, or the
//! server (or a gateway in front of it) answers 500/502/504, the server may well
//! have done the work; sending it again would create a second invitation email, or
//! answer 409 for a user that this very call created. So the client only resends a
//! POST when it knows the server did not act on it: the connection was never
//! established (the request was not sent), or the server said "not now" with 429 or
//! 503, both of which mean the request was not processed (RFC 6585 §4, RFC 9110
//! §15.6.4). Any other failure of a POST is returned as `Offline`/`Server`, and the
//! caller decides: the sync engine replays the create later and, if the first attempt
//! did land, gets `AlreadyExists` (409), which it recognises by userName.
//!
//! GET, PUT, PATCH and DELETE are idempotent (RFC 9110 §9.2.2; SCIM PATCH add/replace
//! /remove of the same values converges), so they are retried after any transient
//! failure. A DELETE whose earlier attempt may have landed and which then gets 404
//! counts as done (see `ApiClient::delete_user`).
//!
//! Waits use exponential backoff with full jitter: a random time between zero and
//! `min(cap, base × 2^(attempt-1))`. A `Retry-After` in seconds on 429/503 is honoured
//! instead, up to [`RetryPolicy::max_retry_after`].

use std::time::Duration;

use rand::Rng;

/// How persistent the client is with transient failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// First backoff bound (the wait before attempt 2 is at most this).
    pub base: Duration,
    /// Largest backoff bound.
    pub cap: Duration,
    /// Attempts in total, the first one included (1 disables retries).
    pub max_attempts: u32,
    /// Longest `Retry-After` the client waits for; longer ones are cut to this.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 100 ms base, 5 s cap, 5 attempts, `Retry-After` up to 10 s.
    fn default() -> Self {
        Self {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(5),
            max_attempts: 5,
            max_retry_after: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait after failed attempt number `attempt` (1-based), given the server's
    /// `Retry-After` if it sent one.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_retry_after);
        }
        let exp = attempt.saturating_sub(1).min(20);
        let bound = self.base.saturating_mul(1u32 << exp).min(self.cap);
        let millis = bound.as_millis() as u64;
        if millis == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(rand::rng().random_range(0..=millis))
    }
}

/// Whether a request may be sent again after it may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Safety {
    /// GET, PUT, PATCH, DELETE: sending twice has the effect of sending once.
    Idempotent,
    /// POST: resent only when the server surely did not act on it.
    Unsafe,
}

/// What an attempt ended with, as far as retrying goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// No connection was made: the request never left.
    NotSent,
    /// The connection failed or timed out after the request may have been sent.
    Unknown,
    /// The server answered with this status.
    Status(u16),
}

/// Whether to try again after `outcome`, for a request of `safety`.
pub(crate) fn should_retry(safety: Safety, outcome: Outcome) -> bool {
    match outcome {
        Outcome::NotSent => true,
        Outcome::Status(429 | 503) => true,
        Outcome::Unknown => safety == Safety::Idempotent,
        // The server does not implement it: asking again gets the same answer.
        Outcome::Status(501) => false,
        Outcome::Status(s) if (500..600).contains(&s) => safety == Safety::Idempotent,
        Outcome::Status(_) => false,
    }
}

/// Whether the server may have acted on a request that ended with `outcome` (the
/// reason a retried DELETE may meet 404, or a retried create 409).
pub(crate) fn may_have_landed(outcome: Outcome) -> bool {
    match outcome {
        Outcome::NotSent | Outcome::Status(429 | 503) => false,
        Outcome::Unknown | Outcome::Status(_) => true,
    }
}

/// Reads `Retry-After` when it is a number of seconds.
pub(crate) fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_within_the_exponential_bound_and_the_cap() {
        let p = RetryPolicy::default();
        for attempt in 1..10 {
            let bound = (100u64 << (attempt - 1)).min(5000);
            for _ in 0..50 {
                let d = p.delay(attempt, None).as_millis() as u64;
                assert!(d <= bound, "attempt {attempt}: {d} > {bound}");
            }
        }
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(60))),
            Duration::from_secs(10)
        );
        assert_eq!(p.delay(3, Some(Duration::ZERO)), Duration::ZERO);
    }

    #[test]
    fn post_is_resent_only_when_it_surely_did_not_land() {
        use Outcome::*;
        use Safety::*;
        for o in [NotSent, Status(429), Status(503)] {
            assert!(should_retry(Unsafe, o), "{o:?}");
            assert!(should_retry(Idempotent, o), "{o:?}");
        }
        for o in [Unknown, Status(500), Status(502), Status(504)] {
            assert!(!should_retry(Unsafe, o), "{o:?}");
            assert!(should_retry(Idempotent, o), "{o:?}");
        }
        for o in [
            Status(501),
            Status(405),
            Status(400),
            Status(401),
            Status(403),
            Status(404),
            Status(409),
        ] {
            assert!(!should_retry(Unsafe, o) && !should_retry(Idempotent, o));
        }
        assert_eq!(parse_retry_after(Some(" 3 ")), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
    }
}
