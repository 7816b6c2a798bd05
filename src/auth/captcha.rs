//! The login captcha, like the real portal's: six digits drawn as an image on the
//! server. The digits are drawn as seven-segment strokes with jitter, slant and noise
//! lines in SVG paths (there is no text in the image). It adds realism for trainees;
//! it is not a defence against bots, which the lockout and rate limit are.

use std::fmt::Write;

use rand::Rng;

/// How many digits a captcha has.
pub const LENGTH: usize = 6;

/// Segments a-g of a seven-segment digit, lit for each of 0-9.
const SEGMENTS: [u8; 10] = [
    0b0111111, 0b0000110, 0b1011011, 0b1001111, 0b1100110, 0b1101101, 0b1111101, 0b0000111,
    0b1111111, 0b1101111,
];

/// The end points of segments a-g in a 10 x 20 cell.
const LINES: [((f32, f32), (f32, f32)); 7] = [
    ((0.0, 0.0), (10.0, 0.0)),    // a: top
    ((10.0, 0.0), (10.0, 10.0)),  // b: upper right
    ((10.0, 10.0), (10.0, 20.0)), // c: lower right
    ((0.0, 20.0), (10.0, 20.0)),  // d: bottom
    ((0.0, 10.0), (0.0, 20.0)),   // e: lower left
    ((0.0, 0.0), (0.0, 10.0)),    // f: upper left
    ((0.0, 10.0), (10.0, 10.0)),  // g: middle
];

/// A new captcha text.
pub fn new_text() -> String {
    let mut rng = rand::rng();
    (0..LENGTH)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// Whether `typed` matches `shown`, ignoring spaces around and between.
pub fn matches(shown: &str, typed: &str) -> bool {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    !shown.is_empty() && crate::auth::constant_time_eq(shown, &typed)
}

/// The SVG image of `text` (digits only; anything else is skipped).
pub fn svg(text: &str) -> String {
    let mut rng = rand::rng();
    let (width, height) = (180, 60);
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}"><rect width="100%" height="100%" fill="#f3f1e6"/>"##
    );
    for _ in 0..6 {
        let _ = write!(
            out,
            r##"<path d="M{} {} Q{} {} {} {}" stroke="#9a9a9a" stroke-width="1.2" fill="none"/>"##,
            rng.random_range(0..40),
            rng.random_range(0..height),
            rng.random_range(40..140),
            rng.random_range(0..height),
            rng.random_range(140..width),
            rng.random_range(0..height),
        );
    }
    for (i, digit) in text.bytes().filter(u8::is_ascii_digit).enumerate() {
        let lit = SEGMENTS[usize::from(digit - b'0')];
        let x0 = 14.0 + i as f32 * 27.0 + rng.random_range(-2.0..2.0);
        let y0 = 16.0 + rng.random_range(-6.0..6.0);
        let slant: f32 = rng.random_range(-0.25..0.25);
        let scale: f32 = rng.random_range(1.05..1.35);
        let mut d = String::new();
        for (segment, ((x1, y1), (x2, y2))) in LINES.iter().enumerate() {
            if lit & (1 << segment) == 0 {
                continue;
            }
            let jitter = |r: &mut rand::rngs::ThreadRng| r.random_range(-0.8..0.8f32);
            let px = |x: f32, y: f32| x0 + (x + slant * (20.0 - y)) * 1.0;
            let _ = write!(
                d,
                "M{:.1} {:.1}L{:.1} {:.1}",
                px(*x1, *y1) + jitter(&mut rng),
                y0 + y1 * scale + jitter(&mut rng),
                px(*x2, *y2) + jitter(&mut rng),
                y0 + y2 * scale + jitter(&mut rng),
            );
        }
        let _ = write!(
            out,
            r##"<path d="{d}" stroke="#1a2f5a" stroke-width="{:.1}" stroke-linecap="round" fill="none"/>"##,
            rng.random_range(2.2..3.2f32)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_captcha_is_six_digits_and_differs_each_time() {
        let a = new_text();
        assert_eq!(a.len(), LENGTH);
        assert!(a.bytes().all(|b| b.is_ascii_digit()));
        assert!((0..5).any(|_| new_text() != a));
    }

    #[test]
    fn matching_ignores_spaces_but_nothing_else() {
        assert!(matches("123456", "123456"));
        assert!(matches("123456", " 123 456 "));
        assert!(!matches("123456", "123457"));
        assert!(!matches("123456", ""));
        assert!(!matches("", ""));
    }

    #[test]
    fn the_image_has_no_text_of_the_digits() {
        let image = svg("907142");
        assert!(image.starts_with("<svg"));
        assert!(!image.contains("907142") && !image.contains("<text"));
        assert_eq!(image.matches("stroke-linecap").count(), 6);
    }
}
