//! The filter dialog: the server's filters besides `q` (actors by gender
//! and age range, movies by release-date range), checked before they are
//! sent, and the short summary the table's title shows while they apply.

use casting_shared::domain::{format_date, parse_age_text, parse_gender, parse_release_date};
use tui_input::Input;

use crate::collection::Collection;

pub struct FilterField {
    /// The query parameter.
    pub key: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub input: Input,
    pub error: Option<String>,
}

pub struct FilterDialog {
    pub collection: Collection,
    pub fields: Vec<FilterField>,
    pub focus: usize,
}

impl FilterDialog {
    pub fn new(collection: Collection, current: &[(&'static str, String)]) -> Self {
        let spec: &[(&str, &str, &str)] = match collection {
            Collection::Actors => &[
                ("gender", "Gender", "any"),
                ("min_age", "Age from", "0–150"),
                ("max_age", "Age to", "0–150"),
            ],
            Collection::Movies => &[
                ("released_from", "Released from", "YYYY-MM-DD"),
                ("released_to", "Released to", "YYYY-MM-DD"),
            ],
        };
        let fields = spec
            .iter()
            .map(|(key, label, hint)| FilterField {
                key,
                label,
                hint,
                input: Input::new(
                    current
                        .iter()
                        .find(|(k, _)| k == key)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default(),
                ),
                error: None,
            })
            .collect();
        Self {
            collection,
            fields,
            focus: 0,
        }
    }

    pub fn next_field(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len();
    }

    pub fn previous_field(&mut self) {
        self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
    }

    pub fn clear(&mut self) {
        for field in &mut self.fields {
            field.input.reset();
            field.error = None;
        }
    }

    /// The filters to send, or `None` with the errors set on the fields.
    pub fn check(&mut self) -> Option<Vec<(&'static str, String)>> {
        let mut filters = Vec::new();
        for field in &mut self.fields {
            field.error = None;
            let raw = field.input.value().trim();
            if raw.is_empty() {
                continue;
            }
            let parsed = match field.key {
                "gender" => parse_gender(raw),
                "min_age" | "max_age" => parse_age_text(raw).map(|age| age.to_string()),
                _ => parse_release_date(raw).map(format_date),
            };
            match parsed {
                Ok(value) => filters.push((field.key, value)),
                Err(why) => field.error = Some(why),
            }
        }
        let value = |key: &str| filters.iter().find(|(k, _)| *k == key).map(|(_, v)| v);
        let ages = (value("min_age"), value("max_age"));
        if let (Some(min), Some(max)) = ages
            && min.parse::<i32>().unwrap_or(0) > max.parse::<i32>().unwrap_or(0)
        {
            self.fields[2].error = Some("must not be below \"Age from\"".into());
        }
        // Dates as YYYY-MM-DD compare as text.
        if let (Some(from), Some(to)) = (value("released_from"), value("released_to"))
            && from > to
        {
            self.fields[1].error = Some("must not be before \"Released from\"".into());
        }
        if let Some(first) = self.fields.iter().position(|f| f.error.is_some()) {
            self.focus = first;
            return None;
        }
        Some(filters)
    }
}

/// What the title says while filters apply: `gender Female, age 20–30`.
pub fn summary(filters: &[(&'static str, String)]) -> String {
    let value = |key: &str| {
        filters
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    };
    let range = |name: &str, from: Option<&str>, to: Option<&str>| match (from, to) {
        (Some(from), Some(to)) => Some(format!("{name} {from}–{to}")),
        (Some(from), None) => Some(format!("{name} ≥ {from}")),
        (None, Some(to)) => Some(format!("{name} ≤ {to}")),
        (None, None) => None,
    };
    [
        value("gender").map(|g| format!("gender {g}")),
        range("age", value("min_age"), value("max_age")),
        range("released", value("released_from"), value("released_to")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tui_input::InputRequest;

    fn type_into(dialog: &mut FilterDialog, index: usize, text: &str) {
        for c in text.chars() {
            dialog.fields[index]
                .input
                .handle(InputRequest::InsertChar(c));
        }
    }

    #[test]
    fn filters_are_checked_and_summed_up() {
        let mut dialog = FilterDialog::new(Collection::Actors, &[]);
        type_into(&mut dialog, 0, "female");
        type_into(&mut dialog, 1, "40");
        type_into(&mut dialog, 2, "30");
        assert_eq!(dialog.check(), None);
        assert_eq!(dialog.focus, 2);
        dialog.fields[2].input = Input::new("50".into());
        let filters = dialog.check().unwrap();
        assert_eq!(summary(&filters), "gender female, age 40–50");
        let mut dialog = FilterDialog::new(Collection::Movies, &[]);
        type_into(&mut dialog, 0, "2020-13-01");
        assert_eq!(dialog.check(), None);
        assert!(dialog.fields[0].error.is_some());
    }
}
