//! The login captcha, like the real portal's: six digits drawn as an image on the
//! server. Each digit is one pen stroke (an SVG path, never text), turned, scaled and
//! shaken a little, over a few faint noise lines; the shapes are kept far enough apart
//! that a person reads all six at a glance (see the test on glyph distances). It adds realism for trainees;
//! it is not a defence against bots, which the lockout and rate limit are.

use std::fmt::Write;

use rand::Rng;

/// How many digits a captcha has.
pub const LENGTH: usize = 6;

/// Each digit as one pen stroke in a 12 x 20 cell (SVG path commands). The shapes
/// are chosen to stay apart after the jitter: 0 is an open oval and 8 has a waist; 5
/// has a flat top and an open bowl below, 9 a closed loop above a tail.
const GLYPHS: [&str; 10] = [
    "M6 0 C0 0 0 6 0 10 C0 14 0 20 6 20 C12 20 12 14 12 10 C12 6 12 0 6 0 Z",
    "M2 5 L7 0 L7 20 M2 20 L12 20",
    "M0 5 C0 0 12 -1 12 5 C12 10 2 13 0 20 L12 20",
    "M0 2 C4 -1 11 0 11 5 C11 9 7 10 4 10 C8 10 12 11 12 15 C12 21 3 21 0 18",
    "M9 20 L9 0 L0 14 L12 14",
    "M11 0 L2 0 L1 9 C4 6 12 7 12 13 C12 20 3 21 0 18",
    "M10 0 C4 0 0 4 0 12 C0 18 3 20 6 20 C10 20 12 17 12 14 C12 10 9 8 6 8 C3 8 0 10 0 13",
    "M0 0 L12 0 L4 20",
    "M6 10 C1 10 1 0 6 0 C11 0 11 10 6 10 C0 10 0 20 6 20 C12 20 12 10 6 10 Z",
    "M12 6 C12 10 9 12 6 12 C2 12 0 9 0 6 C0 2 2 0 6 0 C10 0 12 2 12 6 C12 14 9 20 2 20",
];

/// `path` with every number moved by up to `by` (letters kept), so no two images of
/// a digit are the same path.
fn jittered(path: &str, by: f32, rng: &mut impl Rng) -> String {
    let mut out = String::with_capacity(path.len() + 32);
    for token in path.split(' ') {
        if !out.is_empty() {
            out.push(' ');
        }
        let (command, number) = token.split_at(
            token
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(token.len()),
        );
        out.push_str(command);
        if let Ok(n) = number.parse::<f32>() {
            let _ = write!(out, "{:.1}", n + rng.random_range(-by..by));
        }
    }
    out
}

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
    for _ in 0..4 {
        let _ = write!(
            out,
            r##"<path d="M{} {} Q{} {} {} {}" stroke="#b4b4b4" stroke-width="1" fill="none"/>"##,
            rng.random_range(0..40),
            rng.random_range(0..height),
            rng.random_range(40..140),
            rng.random_range(0..height),
            rng.random_range(140..width),
            rng.random_range(0..height),
        );
    }
    for (i, digit) in text.bytes().filter(u8::is_ascii_digit).enumerate() {
        let x = 14.0 + i as f32 * 26.0 + rng.random_range(-2.0..2.0f32);
        let y = 13.0 + rng.random_range(-3.0..3.0f32);
        let _ = write!(
            out,
            r##"<path transform="translate({x:.1} {y:.1}) rotate({:.1} 6 10) scale({:.2})" d="{}" stroke="#1a2f5a" stroke-width="{:.1}" stroke-linecap="round" stroke-linejoin="round" fill="none"/>"##,
            rng.random_range(-12.0..12.0f32),
            rng.random_range(1.3..1.45f32),
            jittered(GLYPHS[usize::from(digit - b'0')], 0.5, &mut rng),
            rng.random_range(1.6..2.0f32),
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

    /// The cells of a 2 x 2 grid (over the 12 x 20 glyph cell) that `path` passes
    /// through, sampling its lines and cubic curves.
    fn cells(path: &str) -> std::collections::BTreeSet<(i32, i32)> {
        let mut seen = std::collections::BTreeSet::new();
        let mut mark = |(x, y): (f32, f32)| {
            seen.insert((
                (x.clamp(0.0, 11.9) / 2.0) as i32,
                (y.clamp(0.0, 19.9) / 2.0) as i32,
            ));
        };
        let (mut at, mut start) = ((0.0, 0.0), (0.0, 0.0));
        let mut tokens = path.split(' ').peekable();
        while let Some(token) = tokens.next() {
            let command = &token[..1];
            let mut numbers = vec![token[1..].parse::<f32>().unwrap_or(0.0)];
            while tokens
                .peek()
                .is_some_and(|t| !t.starts_with(char::is_alphabetic))
            {
                numbers.push(tokens.next().unwrap().parse().unwrap());
            }
            let point = |i: usize| (numbers[2 * i], numbers[2 * i + 1]);
            let steps = (0..=40).map(|s| s as f32 / 40.0);
            match command {
                "M" => (at, start) = (point(0), point(0)),
                "L" | "Z" => {
                    let to = if command == "Z" { start } else { point(0) };
                    steps.for_each(|t| mark((at.0 + (to.0 - at.0) * t, at.1 + (to.1 - at.1) * t)));
                    at = to;
                }
                "C" => {
                    let (a, b, c) = (point(0), point(1), point(2));
                    for t in steps {
                        let u = 1.0 - t;
                        let w = [u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t];
                        mark((
                            w[0] * at.0 + w[1] * a.0 + w[2] * b.0 + w[3] * c.0,
                            w[0] * at.1 + w[1] * a.1 + w[2] * b.1 + w[3] * c.1,
                        ));
                    }
                    at = c;
                }
                other => panic!("unexpected path command {other}"),
            }
        }
        seen
    }

    #[test]
    fn every_two_digits_differ_in_many_places() {
        // Seven-segment digits failed this: 0 and 8, or 5 and 9, differed in three
        // or four cells, and testers misread them under the noise lines.
        let shapes: Vec<_> = GLYPHS.iter().map(|g| cells(g)).collect();
        for (a, first) in shapes.iter().enumerate() {
            for (b, second) in shapes.iter().enumerate().skip(a + 1) {
                let apart = first.symmetric_difference(second).count();
                assert!(apart >= 8, "{a} and {b} differ in only {apart} cells");
            }
        }
    }

    #[test]
    fn jitter_moves_numbers_and_keeps_commands() {
        let moved = jittered("M6 0 C0 0 0 6 0 10 Z", 0.5, &mut rand::rng());
        let commands: String = moved.chars().filter(char::is_ascii_alphabetic).collect();
        assert_eq!(commands, "MCZ");
        assert_eq!(moved.split(' ').count(), 9);
    }
}
