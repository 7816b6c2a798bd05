//! What every page shows around its content: the header, the user menu, the notice.

use crate::auth::guard::CurrentTaxpayer;
use crate::auth::session::{Flash, TypedSession};
use crate::auth::visitor::Visitor;
use crate::domain::time::ist_datetime_24h;
use crate::error::AppError;

/// The parts of `base.html` that depend on who is looking.
pub struct Chrome {
    pub user: Option<UserMenu>,
    /// The anti-forgery token for the Logout form in the menu.
    pub csrf_token: String,
    pub flash: Option<Flash>,
}

/// The menu under the username.
pub struct UserMenu {
    pub name: String,
    pub last_logged_in: Option<String>,
}

/// A link of the top navigation bar; all but Dashboard lead to a "not offered" page.
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
}

/// The portal's navigation bar, in the real portal's order.
pub const NAV: [NavItem; 7] = [
    NavItem {
        label: "Dashboard",
        href: "/dashboard",
    },
    NavItem {
        label: "Services",
        href: "/unavailable/services",
    },
    NavItem {
        label: "GST Law",
        href: "/unavailable/gst-law",
    },
    NavItem {
        label: "Downloads",
        href: "/unavailable/downloads",
    },
    NavItem {
        label: "Search Taxpayer",
        href: "/unavailable/search-taxpayer",
    },
    NavItem {
        label: "Help and Taxpayer Facilities",
        href: "/unavailable/help",
    },
    NavItem {
        label: "My Profile",
        href: "/profile",
    },
];

impl Chrome {
    /// For pages seen before login, and error pages.
    pub fn anonymous() -> Self {
        Chrome {
            user: None,
            csrf_token: String::new(),
            flash: None,
        }
    }

    /// For pages of a logged-in taxpayer; takes the pending notice.
    pub fn for_taxpayer(current: &CurrentTaxpayer) -> Result<Self, AppError> {
        let t = &current.taxpayer;
        Ok(Chrome {
            user: Some(UserMenu {
                name: t.trade_name.clone().unwrap_or_else(|| t.legal_name.clone()),
                last_logged_in: t.last_logged_in().map(ist_datetime_24h),
            }),
            csrf_token: current.session.csrf_token()?,
            flash: current.session.take_flash(),
        })
    }

    /// For the trainer console: no taxpayer menu, but a token for its forms.
    pub fn for_trainer(session: &TypedSession) -> Result<Self, AppError> {
        Ok(Chrome {
            user: None,
            csrf_token: session.csrf_token()?,
            flash: session.take_flash(),
        })
    }

    /// For the login pages, whose forms need a token before anyone is logged in; it
    /// is bound to the visitor cookie, so showing them stores nothing.
    pub fn for_visitor(visitor: &Visitor) -> Self {
        Chrome {
            user: None,
            csrf_token: visitor.csrf_token(),
            flash: None,
        }
    }

    pub fn nav(&self) -> &'static [NavItem] {
        &NAV
    }
}
