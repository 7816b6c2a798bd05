//! The trainer console (demo mode only): log in with the trainer password, move the
//! portal's clock, watch every demo taxpayer and the GSP calls live, reset the data,
//! and run a classroom of trainees.

pub mod classroom;
pub mod console;
pub mod login;
pub mod login_as;
