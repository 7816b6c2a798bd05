//! (being filled: see issue 26)
