//! Names as people read them: the one folding of a name, title or gender
//! that both stores sort and search by, and that the terminal client uses
//! wherever it compares names itself.
//!
//! [`fold`] is Unicode NFKD (compatibility forms and ligatures split:
//! `ﬁ` → `fi`, full-width letters → ASCII), full case folding (`ß` → `ss`,
//! final `ς` → `σ`), combining marks dropped (`é` → `e`, `ё` → `е`, and as
//! a side effect `й` → `и`, `が` → `か`), then the letters NFKD does not
//! split, written as people spell them without the stroke: `ø` → `o`,
//! `ł` → `l`, `đ`/`ð` → `d`, `ħ` → `h`, `ŧ` → `t`, `æ` → `ae`, `œ` → `oe`,
//! `þ` → `th`, and the Turkish dotless `ı` → `i` (so `I`, `ı`, `İ` and `i`
//! are one letter). Everything else (Greek, Cyrillic, CJK…) keeps its code
//! point order. Leading particles are not special: `de la Cruz` sorts
//! under `d`.
//!
//! The stores keep the folded key beside the text (`name_key`,
//! `title_key`, `gender_key`) and sort by (key, id) compared as bytes, so
//! SQLite and PostgreSQL cannot disagree; [`FOLD_VERSION`] names this
//! folding in the list cursors, so a cursor made under another folding is
//! refused rather than misread.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The version of [`fold`] a cursor was made with; moves whenever the
/// folding changes (the stored keys are then made again).
pub const FOLD_VERSION: u32 = 1;

/// The key a name sorts and is searched by (see the module's note).
pub fn fold(text: &str) -> String {
    let split: String = text.nfkd().collect();
    let folded = caseless::default_case_fold_str(&split);
    let mut key = String::with_capacity(folded.len());
    for c in folded.nfkd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'ø' => key.push('o'),
            'ł' => key.push('l'),
            'đ' | 'ð' => key.push('d'),
            'ħ' => key.push('h'),
            'ŧ' => key.push('t'),
            'ı' => key.push('i'),
            'æ' => key.push_str("ae"),
            'œ' => key.push_str("oe"),
            'þ' => key.push_str("th"),
            other => key.push(other),
        }
    }
    key
}

/// Whether `text` contains `query`, both folded: what the API's `q` does.
pub fn matches(text: &str, query: &str) -> bool {
    fold(text).contains(&fold(query))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cases_people_ask_about() {
        for (text, key) in [
            ("Dev Valdés", "dev valdes"),
            ("VALDÉS", "valdes"),
            ("Café", "cafe"),
            ("Straße", "strasse"),
            ("STRASSE", "strasse"),
            ("Søren Øvergård", "soren overgard"),
            ("Łukasz Żółć", "lukasz zolc"),
            ("Đorđe", "dorde"),
            ("Þórður", "thordur"),
            ("Æsa Œuvre", "aesa oeuvre"),
            ("ﬁnn", "finn"),
            ("Ｆｕｌｌ", "full"),
            ("Yıldız", "yildiz"),
            ("İstanbul", "istanbul"),
            ("ΟΔΥΣΣΕΥΣ", "οδυσσευσ"),
            ("Ὀδυσσεύς", "οδυσσευσ"),
            ("Фёдор", "федор"),
            ("黒澤明", "黒澤明"),
            ("de la Cruz", "de la cruz"),
        ] {
            assert_eq!(fold(text), key, "{text}");
        }
    }

    #[test]
    fn elise_sits_between_elena_and_ellis_and_bob_beside_bob() {
        let mut names = vec![
            "Zora",
            "émile Zola",
            "Ellis",
            "Élise",
            "bob",
            "Elena",
            "Bob",
        ];
        names.sort_by_key(|name| fold(name));
        assert_eq!(
            names,
            [
                "bob",
                "Bob",
                "Elena",
                "Élise",
                "Ellis",
                "émile Zola",
                "Zora"
            ]
        );
    }

    #[test]
    fn search_folds_the_query_the_same_way() {
        for query in ["valdes", "VALDES", "Valdés", "ldé"] {
            assert!(matches("Dev Valdés", query), "{query}");
        }
        assert!(matches("Café Society", "cafe"));
        assert!(matches("Straße", "strasse") && matches("Strasse", "straße"));
        assert!(!matches("Dev Valdés", "valdez"));
    }

    #[test]
    fn folding_is_stable() {
        for text in ["Ǆemal", "ﬃ", "İ", "ẞ", "Ǳ", "ΐ", "ﬅ", "㎏"] {
            let once = fold(text);
            assert_eq!(fold(&once), once, "{text}");
        }
    }
}
