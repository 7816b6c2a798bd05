//! One module per table: its read and write models and the queries on it.

pub mod api_access;
pub mod app_setting;
pub mod login_throttle;
pub mod session;
pub mod taxpayer;
