//! The one normalisation of usernames: Unicode NFKC, then full case folding
//! (then NFKC again, so the result is stable). Storage, lookup and login
//! throttling all go through [`UsernameKey`], so no two parts of the server
//! can disagree on whether two spellings name the same user (as Rust's
//! `to_lowercase` and PostgreSQL's `lower` once did on `İ`).
//!
//! Look-alikes (`paypal` / `pаypal` with a Cyrillic `а`) are a different
//! matter: they are different users, but a new name whose confusable
//! skeleton (Unicode TS #39) matches an existing user's is refused, and so
//! is one that looks like a name the change log gives writes no user made
//! ([`RESERVED`]).

use unicode_normalization::UnicodeNormalization;
use unicode_security::confusable_detection::skeleton;

/// Names no user may take, nor a look-alike of: what the change log calls
/// a write made straight in the database (the SQLite triggers' `by.name`).
pub const RESERVED: &[&str] = &["database"];

/// A username as the server compares it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UsernameKey(String);

impl UsernameKey {
    /// The key of `raw` (surrounding white space ignored).
    pub fn of(raw: &str) -> Self {
        let composed: String = raw.trim().nfkc().collect();
        let folded = caseless::default_case_fold_str(&composed);
        Self(folded.nfkc().collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is one of the [`RESERVED`] names, or looks like one.
    pub fn is_reserved(&self) -> bool {
        let skeleton = self.skeleton();
        RESERVED
            .iter()
            .any(|reserved| UsernameKey::of(reserved).skeleton() == skeleton)
    }

    /// What look-alike names share: the TS #39 skeleton of the key, without
    /// combining marks (a dot or an accent is easy to miss on screen).
    pub fn skeleton(&self) -> String {
        skeleton(&self.0)
            .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_width_and_compatibility_forms_give_one_key() {
        for same in [
            "Assistant",
            "ASSISTANT",
            " assistant ",
            "ａｓｓｉｓｔａｎｔ",
        ] {
            assert_eq!(
                UsernameKey::of(same),
                UsernameKey::of("assistant"),
                "{same}"
            );
        }
        assert_eq!(UsernameKey::of("Straße"), UsernameKey::of("STRASSE"));
        assert_eq!(UsernameKey::of("ﬁona"), UsernameKey::of("fiona"));
    }

    #[test]
    fn dotted_capital_i_is_not_a_plain_i() {
        // U+0130 folds to "i" + U+0307: another name, never "assistant".
        assert_ne!(UsernameKey::of("assİstant"), UsernameKey::of("assistant"));
        assert_eq!(UsernameKey::of("assİstant"), UsernameKey::of("ASSİSTANT"));
    }

    #[test]
    fn look_alikes_share_a_skeleton() {
        let latin = UsernameKey::of("paypal").skeleton();
        assert_eq!(UsernameKey::of("pаypаl").skeleton(), latin, "Cyrillic а");
        assert_eq!(
            UsernameKey::of("assİstant").skeleton(),
            UsernameKey::of("assistant").skeleton()
        );
        assert_ne!(UsernameKey::of("paypals").skeleton(), latin);
    }

    #[test]
    fn the_change_logs_own_names_are_reserved() {
        for taken in ["database", "DataBase", "dаtabase", "ｄａｔａｂａｓｅ"] {
            assert!(UsernameKey::of(taken).is_reserved(), "{taken}");
        }
        assert!(!UsernameKey::of("databases").is_reserved());
        assert!(!UsernameKey::of("producer").is_reserved());
    }
}
