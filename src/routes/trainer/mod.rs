//! The trainer console (demo mode only): log in with the trainer password, move the
//! portal's clock, watch every demo taxpayer and the GSP calls live, reset the data,
//! run a classroom of trainees, and play the GSP's side of the story.

pub mod classroom;
pub mod console;
pub mod feed;
pub mod gsp;
pub mod login;
pub mod login_as;
