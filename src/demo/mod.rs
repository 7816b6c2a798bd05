//! Demo mode for trainers, by job: the demo data (seed and reset), the trainer's
//! password, the demo clock, and the console's overview.

pub mod classroom;
pub mod clock;
pub mod data;
pub mod overview;
pub mod trainer;

pub use clock::{clock_moved_back, save_offset, saved_offset};
pub use data::{
    accounts, encrypted_gsp_client, gsp_client, is_demo_only_client_id, is_public_client_id,
    logins, player_client, reset, seed, Case, DemoAccount, DemoLogin, DemoTaxpayer,
    DEMO_ENCRYPTED_CLIENT_ID, DEMO_ENCRYPTED_CLIENT_NAME, DEMO_ENCRYPTED_CLIENT_SECRET,
    DEMO_GSP_CLIENT_ID, DEMO_GSP_CLIENT_NAME, DEMO_GSP_CLIENT_SECRET, DEMO_LOCK, DEMO_PASSWORD,
    PLAYER_CLIENT_ID, PLAYER_CLIENT_NAME, PUBLIC_CLIENT_IDS, TAXPAYERS,
};
pub use overview::{overview, Overview};
pub use trainer::new_trainer_password;
