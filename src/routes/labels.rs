//! The visible labels of the controls the manual's steps name. The templates render
//! them from here, and the QA test cases (`routes::qa`) quote them from here, so a
//! case can never name a label the screen does not show.

pub const USERNAME: &str = "Username";
pub const PASSWORD: &str = "Password";
pub const LOGIN: &str = "LOGIN";
pub const VIEW_PROFILE: &str = "View Profile";
pub const ENABLE_API_REQUEST: &str = "Enable API Request";
pub const YES: &str = "Yes";
pub const NO: &str = "No";
pub const DURATION: &str = "Duration";
pub const CONFIRM: &str = "CONFIRM";
