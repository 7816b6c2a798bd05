//! My Profile and the pages of its Quick Links panel.

pub mod api_access;
pub mod change_password;
pub mod view;

/// A link of the Quick Links panel.
pub struct QuickLink {
    pub label: &'static str,
    pub href: &'static str,
}

/// The Quick Links of the real portal, in its order. Two are built here; the others
/// lead to a page saying this portal does not offer them.
pub const QUICK_LINKS: [QuickLink; 9] = [
    QuickLink {
        label: "History of Amendment",
        href: "/unavailable/amendment-history",
    },
    QuickLink {
        label: "Change Password",
        href: "/profile/change-password",
    },
    QuickLink {
        label: "Manage API Access",
        href: "/profile/api-access",
    },
    QuickLink {
        label: "Register / Update DSC",
        href: "/unavailable/dsc",
    },
    QuickLink {
        label: "Activate/ Deactivate STAK",
        href: "/unavailable/stak",
    },
    QuickLink {
        label: "Aadhaar Authentication Status",
        href: "/unavailable/aadhaar-status",
    },
    QuickLink {
        label: "My Registration Certificate",
        href: "/unavailable/registration-certificate",
    },
    QuickLink {
        label: "Core Business Activity Status",
        href: "/unavailable/core-business-activity",
    },
    QuickLink {
        label: "Bank Account Status",
        href: "/unavailable/bank-account-status",
    },
];
