//! The built-in users' credentials: what a username may be (it must read
//! on screen as what it is, in the change log as in a user list) and what
//! a new password must be.

use crate::domain::parse_text;
use crate::limits::{PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX};

/// A login name: trimmed, 1–64 characters, no spaces, no control, format
/// or invisible characters (see [`is_hidden_character`]): a name must read
/// on screen as what it is, in the change log as in a user list.
pub fn parse_username(raw: &str) -> Result<String, String> {
    let name = parse_text(raw, 1, USERNAME_MAX)?;
    if name.chars().any(char::is_whitespace) {
        return Err("must not contain spaces".into());
    }
    if let Some(hidden) = name.chars().find(|c| is_hidden_character(*c)) {
        return Err(format!(
            "must not contain invisible or bidirectional control characters (U+{:04X})",
            u32::from(hidden)
        ));
    }
    Ok(name)
}

/// A character that does not show as itself: a control character (Cc),
/// a format character (Cf: the bidirectional controls that reorder what
/// follows, zero-width spaces and joiners, the soft hyphen, tags…), and
/// the invisible fillers and joiners of other categories. With a
/// right-to-left override, `\u{202E}recudorp` shows as "producer".
pub fn is_hidden_character(c: char) -> bool {
    c.is_control()
        || matches!(
            u32::from(c),
            // Format characters (General_Category = Cf, Unicode 15).
            0x00AD
                | 0x0600..=0x0605
                | 0x061C
                | 0x06DD
                | 0x070F
                | 0x0890..=0x0891
                | 0x08E2
                | 0x180E
                | 0x200B..=0x200F
                | 0x202A..=0x202E
                | 0x2060..=0x2064
                | 0x2066..=0x206F
                | 0xFEFF
                | 0xFFF9..=0xFFFB
                | 0x110BD
                | 0x110CD
                | 0x13430..=0x1343F
                | 0x1BCA0..=0x1BCA3
                | 0x1D173..=0x1D17A
                | 0xE0001
                | 0xE0020..=0xE007F
                // Invisible though not Cf: the combining grapheme joiner,
                // Hangul fillers, variation selectors.
                | 0x034F
                | 0x115F..=0x1160
                | 0x3164
                | 0xFFA0
                | 0xFE00..=0xFE0F
                | 0xE0100..=0xE01EF
        )
}

/// A new password: at least 8 characters (and a sane upper bound).
pub fn check_new_password(password: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        return Err(format!("must be at least {PASSWORD_MIN} characters"));
    }
    if len > PASSWORD_MAX {
        return Err(format!("must be at most {PASSWORD_MAX} characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_single_words() {
        assert_eq!(parse_username(" ann "), Ok("ann".into()));
        assert!(parse_username("ann lee").is_err());
        assert!(parse_username("").is_err());
        assert!(parse_username(&"a".repeat(65)).is_err());
    }

    #[test]
    fn usernames_show_as_what_they_are() {
        for hidden in [
            "\u{202E}recudorp",
            "pro\u{200B}ducer",
            "producer\u{2066}",
            "pro\u{AD}ducer",
            "produc\u{200D}er",
            "producer\u{FE0F}",
            "\u{E0070}producer",
        ] {
            let refused = parse_username(hidden).unwrap_err();
            assert!(refused.contains("invisible"), "{hidden:?}: {refused}");
        }
        for shown in ["Zoë", "שלום", "مرحبا", "ann-lee", "o'brien", "ﬁona"] {
            assert_eq!(parse_username(shown).as_deref(), Ok(shown));
        }
    }

    #[test]
    fn passwords_need_eight_characters() {
        assert!(check_new_password("1234567").is_err());
        assert!(check_new_password("12345678").is_ok());
        assert!(check_new_password("").is_err());
    }
}
