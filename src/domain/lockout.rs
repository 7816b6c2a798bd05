//! How the trainer login answers failures from many addresses: each address that fails
//! `threshold` times is locked alone, and failures from all addresses together only
//! slow every attempt down, so nobody elsewhere can lock the trainer out.

use std::time::Duration;

/// The delay added per failure beyond the threshold.
pub const SLOWDOWN_STEP: Duration = Duration::from_millis(250);
/// The longest delay: the trainer at a good address waits at most this long.
pub const MAX_SLOWDOWN: Duration = Duration::from_secs(3);

/// How long a trainer login waits before its password is checked, when `failures`
/// trainer failures (from any address) are recent: nothing up to `threshold`, then
/// [`SLOWDOWN_STEP`] more per failure, at most [`MAX_SLOWDOWN`].
pub fn trainer_slowdown(failures: i64, threshold: u32) -> Duration {
    let beyond = failures.saturating_sub(i64::from(threshold)).max(0);
    let steps = u32::try_from(beyond).unwrap_or(u32::MAX);
    SLOWDOWN_STEP.saturating_mul(steps).min(MAX_SLOWDOWN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_up_to_the_threshold_cost_no_delay() {
        assert_eq!(trainer_slowdown(0, 5), Duration::ZERO);
        assert_eq!(trainer_slowdown(5, 5), Duration::ZERO);
    }

    #[test]
    fn each_failure_beyond_adds_a_step_up_to_the_bound() {
        assert_eq!(trainer_slowdown(6, 5), SLOWDOWN_STEP);
        assert_eq!(trainer_slowdown(8, 5), SLOWDOWN_STEP * 3);
        assert_eq!(trainer_slowdown(1_000_000, 5), MAX_SLOWDOWN);
    }
}
