//! A training copy of the GST Portal's "Manage API Access" feature: a server-rendered
//! portal where a taxpayer switches API access for GSP/ASP software on for 6 hours to
//! 30 days, or off at once.

pub mod admin;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod gsp;
pub mod gsp_demo;
pub mod gsp_request;
pub mod housekeeping;
pub mod net;
pub mod routes;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod workers;
