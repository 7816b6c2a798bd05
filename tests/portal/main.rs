//! Integration tests: the real portal on a real port, over HTTP, with a fresh SQLite
//! file per test. One test binary keeps linking time down.

mod api_access;
mod bad_input;
mod classroom;
mod cli;
mod demo;
mod durability;
mod gsp_api;
mod gsp_demo;
mod gsp_player;
mod gsp_wire;
mod helpers;
mod instances;
mod pages;
mod pentest;
mod pentest_api;
mod pentest_room;
mod pentest_trainer;
mod properties;
mod qa;
mod security;
mod sessions;
mod side_by_side;
