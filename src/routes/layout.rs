//! What every page shows around its content: the header with the session's menu, the
//! demo banner, the one-time notice. Built from the request (`Chrome` is an
//! extractor), so a handler's page and an error page of the same request show the
//! same header.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};

use crate::auth::guard::{viewer, Viewer};
use crate::auth::session::{Flash, TypedSession};
use crate::auth::visitor::Visitor;
use crate::clock::{describe_offset, Clock};
use crate::config::Settings;
use crate::domain::time::ist_datetime;
use crate::error::AppError;

/// The parts of `base.html` that depend on who is looking.
pub struct Chrome {
    pub user: Option<UserMenu>,
    /// The anti-forgery token for the page's forms (and the menu's Logout).
    pub csrf_token: String,
    pub flash: Option<Flash>,
    /// In demo mode, what the banner says of the demo clock.
    pub demo: Option<DemoBanner>,
    /// The trainer's session (the trainer's pages), which gets the console's menu.
    pub trainer: bool,
}

/// The demo banner's clock: how far it is from real time, and the portal's time now
/// (the time every page, period, OTP and token follows).
pub struct DemoBanner {
    pub offset: String,
    pub now: String,
}

/// An error of a form as its summary lists it: the message and the id of the field
/// it is about (the summary links there). The summary comes first on the page and
/// takes the focus, so a person using a screen reader hears every error at once.
pub struct SummaryItem {
    pub field: &'static str,
    pub message: String,
}

/// The summary's items of `(field id, message)` pairs that are set.
pub fn summary<const N: usize>(fields: [(&'static str, Option<&str>); N]) -> Vec<SummaryItem> {
    fields
        .into_iter()
        .filter_map(|(field, message)| {
            message.map(|m| SummaryItem {
                field,
                message: m.to_string(),
            })
        })
        .collect()
}

/// The menu under the username.
pub struct UserMenu {
    pub name: String,
    pub last_logged_in: Option<String>,
    /// Messages not yet seen on the Messages page (an OTP that just arrived).
    pub unread_messages: i64,
}

/// A link of the portal's menus. Those this copy does not build lead to a page at
/// `/unavailable/<slug>` that says so.
pub struct MenuItem {
    pub label: &'static str,
    pub href: &'static str,
}

const fn item(label: &'static str, href: &'static str) -> MenuItem {
    MenuItem { label, href }
}

/// The navigation bar, in the real portal's order.
pub const NAV: [MenuItem; 7] = [
    item("Dashboard", "/dashboard"),
    item("Services", "/unavailable/services"),
    item("GST Law", "/unavailable/gst-law"),
    item("Downloads", "/unavailable/downloads"),
    item("Search Taxpayer", "/unavailable/search-taxpayer"),
    item("Help and Taxpayer Facilities", "/unavailable/help"),
    item("My Profile", "/profile"),
];

/// The navigation bar of the trainer's pages.
pub const TRAINER_NAV: [MenuItem; 5] = [
    item("Console", "/trainer"),
    item("Classroom", "/trainer/classroom"),
    item("Progress board", "/trainer/classroom/board"),
    item("GSP player", "/trainer/gsp"),
    item("API simulator", "/taxpayerapi"),
];

/// My Profile's Quick Links, in the real portal's order.
pub const QUICK_LINKS: [MenuItem; 9] = [
    item("History of Amendment", "/unavailable/amendment-history"),
    item("Change Password", "/profile/change-password"),
    item("Manage API Access", "/profile/api-access"),
    item("Register / Update DSC", "/unavailable/dsc"),
    item("Activate/ Deactivate STAK", "/unavailable/stak"),
    item(
        "Aadhaar Authentication Status",
        "/unavailable/aadhaar-status",
    ),
    item(
        "My Registration Certificate",
        "/unavailable/registration-certificate",
    ),
    item(
        "Core Business Activity Status",
        "/unavailable/core-business-activity",
    ),
    item("Bank Account Status", "/unavailable/bank-account-status"),
];

/// The login page's links besides the form, as on the real portal.
pub const LOGIN_LINKS: [MenuItem; 3] = [
    item("Forgot Username", "/unavailable/forgot-username"),
    item("Forgot Password", "/unavailable/forgot-password"),
    item("First time login", "/unavailable/first-time-login"),
];

/// Which of the portal's menus an item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Menu {
    QuickLinks,
    Nav,
    /// The login page: these pages are for visitors, no login needed.
    Login,
}

/// An item this copy does not offer, by the last part of its path, and its menu
/// (for the breadcrumb and whether a login is needed).
pub fn unavailable_item(slug: &str) -> Option<(&'static MenuItem, Menu)> {
    let is = |i: &&MenuItem| i.href.strip_prefix("/unavailable/") == Some(slug);
    [
        (&QUICK_LINKS[..], Menu::QuickLinks),
        (&NAV[..], Menu::Nav),
        (&LOGIN_LINKS[..], Menu::Login),
    ]
    .into_iter()
    .find_map(|(items, menu)| items.iter().find(is).map(|i| (i, menu)))
}

fn app_data<T: 'static>(req: &HttpRequest) -> Result<web::Data<T>, AppError> {
    req.app_data::<web::Data<T>>().cloned().ok_or_else(|| {
        AppError::Unexpected(anyhow::anyhow!(
            "{} is missing from the app data",
            std::any::type_name::<T>()
        ))
    })
}

impl Chrome {
    /// The header of a page made without the database (it is away): nobody's menu,
    /// no banner, no forms.
    pub fn bare() -> Self {
        Chrome {
            user: None,
            csrf_token: String::new(),
            flash: None,
            demo: None,
            trainer: false,
        }
    }

    /// The header for whoever sent `req`: a logged-in taxpayer's menu, or none.
    pub async fn of(req: &HttpRequest) -> Result<Self, AppError> {
        let settings = app_data::<Settings>(req)?;
        let clock = app_data::<Clock>(req)?;
        let session = TypedSession::of(req);
        let user = match viewer(req).await? {
            Viewer::Taxpayer {
                taxpayer: t,
                unread_messages,
            } => Some(UserMenu {
                name: t.trade_name.clone().unwrap_or_else(|| t.legal_name.clone()),
                last_logged_in: t.last_logged_in().map(ist_datetime),
                unread_messages,
            }),
            Viewer::Anonymous { .. } => None,
        };
        // A logged-in session (taxpayer or trainer) has its own token; a visitor's
        // forms are bound to the visitor cookie, so showing them stores nothing.
        let trainer = session.trainer()?.is_some();
        let logged_in = user.is_some() || trainer;
        let csrf_token = if logged_in {
            session.csrf_token()?
        } else {
            Visitor::of(req)?.csrf_token()
        };
        Ok(Chrome {
            user,
            csrf_token,
            flash: if logged_in {
                session.take_flash()
            } else {
                None
            },
            demo: settings.demo.then(|| DemoBanner {
                offset: describe_offset(clock.demo_offset()),
                now: ist_datetime(clock.now()),
            }),
            trainer,
        })
    }

    /// This header with the menu's count of unread messages set to `count`.
    pub fn with_unread_messages(mut self, count: i64) -> Self {
        if let Some(user) = self.user.as_mut() {
            user.unread_messages = count;
        }
        self
    }

    pub fn nav(&self) -> &'static [MenuItem] {
        if self.trainer {
            &TRAINER_NAV
        } else {
            &NAV
        }
    }
}

impl FromRequest for Chrome {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Chrome::of(&req).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unavailable_item_is_found_by_its_slug() {
        for i in NAV.iter().chain(&QUICK_LINKS).chain(&LOGIN_LINKS) {
            if let Some(slug) = i.href.strip_prefix("/unavailable/") {
                assert_eq!(unavailable_item(slug).map(|(f, _)| f.label), Some(i.label));
            }
        }
        assert_eq!(
            unavailable_item("dsc").map(|(_, m)| m),
            Some(Menu::QuickLinks)
        );
        assert_eq!(
            unavailable_item("services").map(|(_, m)| m),
            Some(Menu::Nav)
        );
        assert_eq!(
            unavailable_item("forgot-password").map(|(_, m)| m),
            Some(Menu::Login)
        );
        assert!(unavailable_item("nothing").is_none());
    }
}
