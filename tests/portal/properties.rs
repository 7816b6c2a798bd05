//! Property tests: the parsers never panic, whatever they are given, and accept only
//! what they should.

use proptest::prelude::*;
use serde::Deserialize;

use gst_portal::domain::access::AccessChoice;
use gst_portal::domain::duration::AccessDuration;
use gst_portal::domain::gstin::Gstin;
use gst_portal::routes::form;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ConfirmShape {
    csrf_token: Option<String>,
    enable_api: Option<String>,
    duration: Option<String>,
}

proptest! {
    #[test]
    fn the_wire_helpers_refuse_any_text_without_panicking(text in any::<String>(), bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        use gst_portal::gsp::wire;
        let key = [3u8; 32];
        let _ = wire::open(&key, &text);
        let _ = wire::open_key(&key, &text);
        // Any ciphertext of whole blocks either opens to something or is refused.
        let _ = wire::aes_decrypt(&key, &bytes);
        prop_assert_eq!(wire::open(&key, &wire::seal(&key, &bytes)).unwrap(), bytes);
    }

    #[test]
    fn the_authenticate_body_parser_never_panics(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = gst_portal::routes::taxpayerapi::authenticate::parse_request(&body);
    }

    #[test]
    fn duration_parsing_accepts_only_the_seven_choices(s in any::<String>()) {
        if let Ok(d) = AccessDuration::parse(&s) {
            prop_assert!([6, 12, 24, 48, 168, 360, 720].contains(&d.hours()));
            prop_assert_eq!(d.value(), s);
        }
    }

    #[test]
    fn duration_parsing_of_numbers_keeps_to_six_hours_to_thirty_days(n in any::<i64>()) {
        let accepted = AccessDuration::parse(&n.to_string()).is_ok();
        prop_assert_eq!(accepted, [6, 12, 24, 48, 168, 360, 720].contains(&n));
    }

    #[test]
    fn gstin_validation_never_panics_and_round_trips(s in any::<String>()) {
        if let Ok(g) = Gstin::parse(&s) {
            prop_assert_eq!(g.as_str().len(), 15);
            prop_assert_eq!(Gstin::parse(g.as_str()), Ok(g.clone()));
        }
    }

    #[test]
    fn gstin_like_text_is_checked_by_its_check_character(body in "[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z", last in "[0-9A-Z]") {
        let text = format!("{body}{last}");
        let right = gst_portal::domain::gstin::check_character(body.as_bytes()) as char;
        if Gstin::parse(&text).is_ok() {
            prop_assert_eq!(last.chars().next().unwrap(), right);
        }
    }

    #[test]
    fn the_confirm_form_never_panics(enable in proptest::option::of(any::<String>()), duration in proptest::option::of(any::<String>())) {
        let _ = AccessChoice::from_form(enable.as_deref(), duration.as_deref());
    }

    #[test]
    fn form_parsing_never_panics_on_any_bytes(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = form::parse::<ConfirmShape>(&body);
    }

    #[test]
    fn form_parsing_never_panics_on_form_like_text(body in "([a-z_]{0,12}(=[%0-9A-Za-z+]{0,20})?&?){0,6}") {
        let _ = form::parse::<ConfirmShape>(body.as_bytes());
    }
}
