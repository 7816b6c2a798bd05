//! Rules of the feature that need no I/O: GSTIN, durations, the access state at an
//! instant, the password rule, the GSP player's story, the trainer login's slowdown
//! and how times are shown.

pub mod access;
pub mod duration;
pub mod gsp;
pub mod gstin;
pub mod lockout;
pub mod password_rule;
pub mod player;
pub mod time;
