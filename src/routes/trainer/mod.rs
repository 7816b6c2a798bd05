//! The trainer console (demo mode only): log in with the trainer password, move the
//! portal's clock, watch every demo taxpayer and the GSP calls live, reset the data.

pub mod console;
pub mod login;
