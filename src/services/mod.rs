//! The portal's capabilities, one module each: the rules' order of work and the
//! transactions, between the routes (which parse and render) and `db::models`
//! (which only query). Pure rules live in `domain`.

pub mod access;
pub mod account;
pub mod classroom;
pub mod gsp;
pub mod player;
