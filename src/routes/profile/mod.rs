//! My Profile and the pages of its Quick Links panel (the links themselves are in
//! `routes::layout`, with the portal's other menus).

pub mod api_access;
pub mod change_password;
pub mod view;
