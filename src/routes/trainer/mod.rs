//! The trainer console (demo mode only): log in with the trainer password, move the
//! portal's clock, watch every demo taxpayer and the GSP calls live, reset the data.

pub mod console;
pub mod login;

use actix_web::web;

/// The console's routes but its login post, which `startup` registers behind the
/// per-address login limit.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/trainer", web::get().to(console::show))
        .route("/trainer/login", web::get().to(login::show))
        .route("/trainer/logout", web::post().to(login::log_out))
        .route("/trainer/clock", web::post().to(console::move_clock))
        .route("/trainer/reset", web::get().to(console::confirm_reset))
        .route("/trainer/reset", web::post().to(console::reset))
        .route("/trainer/feed.json", web::get().to(console::feed));
}
