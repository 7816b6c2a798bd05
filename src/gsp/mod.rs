//! The GST system's encrypted wire protocol: its codec, and nothing else. The rules
//! of the API (OTPs, auth tokens, the access check, the key pair) are the GSP
//! service's, in `services::gsp`.

pub mod wire;
