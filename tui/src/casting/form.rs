//! The casting dialogs: a role's fields, and an audition's (date, start,
//! end, location, note). Checked with the server's own rules before
//! sending; the server's 422 fields and an audition's clashes are shown in
//! the dialog, which stays open.

use std::collections::BTreeMap;

use casting_shared::casting::{Audition, NewAudition, NewRole, Role};
use crossterm::event::{Event, KeyEvent};
use serde_json::{Map, Value, json};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::zone;

pub struct TextField {
    pub label: &'static str,
    pub input: Input,
    pub hint: &'static str,
    pub error: Option<String>,
}

impl TextField {
    fn new(label: &'static str, value: String, hint: &'static str) -> Self {
        Self {
            label,
            input: Input::new(value),
            hint,
            error: None,
        }
    }

    pub fn value(&self) -> &str {
        self.input.value().trim()
    }
}

/// What a dialog writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    /// A new role (`None`) or a role's changes.
    Role(Option<i64>),
    /// An audition for an actor.
    Audition { actor_id: i64 },
    /// An audition moved (its times, location and note changed).
    MoveAudition { audition_id: i64, actor_id: i64 },
}

pub struct TextForm {
    pub kind: FormKind,
    pub title: String,
    pub fields: Vec<TextField>,
    pub focus: usize,
    pub saving: bool,
    /// A problem that is not about one field.
    pub message: Option<String>,
    /// The auditions a refused one clashes with, one line each.
    pub clashes: Vec<String>,
}

crate::form::field_focus!(TextForm);

impl TextForm {
    fn with(kind: FormKind, title: String, fields: Vec<TextField>) -> Self {
        Self {
            kind,
            title,
            fields,
            focus: 0,
            saving: false,
            message: None,
            clashes: Vec::new(),
        }
    }

    pub fn new_role(movie: &str) -> Self {
        Self::role(None, format!("New role in {movie}"), None)
    }

    pub fn edit_role(role: &Role) -> Self {
        let title = format!("Edit {}", super::role_label(role));
        Self::role(Some(role.id), title, Some(role))
    }

    fn role(id: Option<i64>, title: String, role: Option<&Role>) -> Self {
        let text = |f: fn(&Role) -> Option<String>| role.and_then(f).unwrap_or_default();
        Self::with(
            FormKind::Role(id),
            title,
            vec![
                TextField::new("Name", text(|r| r.name.clone()), "the character"),
                TextField::new(
                    "Description",
                    text(|r| r.description.clone()),
                    "the breakdown",
                ),
                TextField::new(
                    "Age from",
                    text(|r| r.age_min.map(|a| a.to_string())),
                    "0–150, optional",
                ),
                TextField::new(
                    "Age to",
                    text(|r| r.age_max.map(|a| a.to_string())),
                    "0–150, optional",
                ),
                TextField::new("Gender", text(|r| r.gender.clone()), "optional"),
            ],
        )
    }

    /// An audition for `actor` in `role`: date, start, end (in the zone
    /// shown: local time, or UTC), location, note.
    pub fn audition(actor_id: i64, actor: &str, role: &str) -> Self {
        Self::audition_fields(
            FormKind::Audition { actor_id },
            format!("Audition {actor} for {role}"),
            [
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ],
        )
    }

    /// `m`: the audition's date, times, location and note, to change.
    pub fn move_audition(audition: &Audition, actor: &str, role: &str) -> Self {
        let start = zone::shown(audition.starts_at);
        Self::audition_fields(
            FormKind::MoveAudition {
                audition_id: audition.id,
                actor_id: audition.actor_id,
            },
            format!("Move the audition of {actor} for {role}"),
            [
                super::day_text(start.date()),
                super::clock(audition.starts_at),
                super::clock(audition.ends_at),
                audition.location.clone(),
                audition.note.clone().unwrap_or_default(),
            ],
        )
    }

    fn audition_fields(kind: FormKind, title: String, values: [String; 5]) -> Self {
        let clock = if zone::is_utc() {
            "HH:MM, UTC"
        } else {
            "HH:MM, local time"
        };
        let [date, start, end, location, note] = values;
        Self::with(
            kind,
            title,
            vec![
                TextField::new("Date", date, "YYYY-MM-DD"),
                TextField::new("Start", start, clock),
                TextField::new("End", end, clock),
                TextField::new("Location", location, "a room or an address"),
                TextField::new("Note", note, "optional"),
            ],
        )
    }

    pub fn edit(&mut self, key: KeyEvent) {
        if let Some(field) = self.fields.get_mut(self.focus) {
            field.input.handle_event(&Event::Key(key));
            field.error = None;
        }
    }

    /// The body to send, or `None` with the field errors set.
    pub fn check(&mut self) -> Option<Value> {
        for field in &mut self.fields {
            field.error = None;
        }
        self.message = None;
        self.clashes.clear();
        let (body, errors) = match self.kind {
            FormKind::Role(_) => self.role_body(),
            FormKind::Audition { actor_id } => self.audition_body(actor_id, false),
            FormKind::MoveAudition { actor_id, .. } => self.audition_body(actor_id, true),
        };
        if errors.is_empty() {
            return Some(body);
        }
        self.apply_errors(&errors);
        None
    }

    fn role_body(&self) -> (Value, BTreeMap<String, String>) {
        let mut body = Map::new();
        let mut errors = BTreeMap::new();
        let keys = ["name", "description", "age_min", "age_max", "gender"];
        for (field, key) in self.fields.iter().zip(keys) {
            let value = field.value();
            let json = if value.is_empty() {
                Value::Null
            } else if key.starts_with("age") {
                match value.parse::<i64>() {
                    Ok(n) => json!(n),
                    Err(_) => {
                        errors.insert(key.to_owned(), "must be a whole number".to_owned());
                        continue;
                    }
                }
            } else {
                json!(value)
            };
            body.insert(key.to_owned(), json);
        }
        let body = Value::Object(body);
        if errors.is_empty()
            && let Err(found) = NewRole::parse(&body)
        {
            errors = found;
        }
        (body, errors)
    }

    /// A new audition's body, or (`moved`) a change's: the times in the
    /// zone shown, sent with their offset.
    fn audition_body(&self, actor_id: i64, moved: bool) -> (Value, BTreeMap<String, String>) {
        let [date, start, end, location, note] = [0, 1, 2, 3, 4].map(|i| self.fields[i].value());
        let mut errors = BTreeMap::new();
        let day = casting_shared::domain::parse_release_date(date).ok();
        if day.is_none() {
            errors.insert("date".to_owned(), "must be a date as YYYY-MM-DD".to_owned());
        }
        let mut moments = [String::new(), String::new()];
        for ((key, text), moment) in [("start", start), ("end", end)]
            .into_iter()
            .zip(&mut moments)
        {
            match (day, clock_time(text)) {
                (_, None) => {
                    errors.insert(key.to_owned(), "must be a time as HH:MM".to_owned());
                }
                (Some(day), Some(at)) => match zone::moment(day, at) {
                    Some(at) => *moment = zone::rfc3339(at),
                    None => {
                        errors.insert(key.to_owned(), "is skipped by a clock change".to_owned());
                    }
                },
                (None, Some(_)) => {}
            }
        }
        let [starts_at, ends_at] = moments;
        let mut body = json!({
            "actor_id": actor_id,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "location": location,
        });
        if !note.is_empty() {
            body["note"] = json!(note);
        }
        if errors.is_empty()
            && let Err(found) = NewAudition::parse(&body)
        {
            errors = found;
        }
        if moved && let Some(fields) = body.as_object_mut() {
            fields.remove("actor_id");
            fields.insert(
                "note".into(),
                if note.is_empty() {
                    Value::Null
                } else {
                    json!(note)
                },
            );
        }
        (body, errors)
    }

    /// Field errors (the server's names) beside their fields; others in
    /// the message.
    pub fn apply_errors(&mut self, errors: &BTreeMap<String, String>) {
        let mut rest = Vec::new();
        for (key, why) in errors {
            let label = match (self.kind, key.as_str()) {
                (FormKind::Role(_), "name") => "Name",
                (FormKind::Role(_), "description") => "Description",
                (FormKind::Role(_), "age_min") => "Age from",
                (FormKind::Role(_), "age_max") => "Age to",
                (FormKind::Role(_), "gender") => "Gender",
                (FormKind::Audition { .. } | FormKind::MoveAudition { .. }, key) => match key {
                    "date" => "Date",
                    "start" | "starts_at" => "Start",
                    "end" | "ends_at" => "End",
                    "location" => "Location",
                    "note" => "Note",
                    _ => "",
                },
                _ => "",
            };
            match self.fields.iter_mut().find(|f| f.label == label) {
                Some(field) => field.error = Some(why.clone()),
                None => rest.push(format!("{key} {why}")),
            }
        }
        self.message = Some(if rest.is_empty() {
            "Fix the fields marked with !".into()
        } else {
            rest.join("; ")
        });
    }
}

/// `HH:MM` with a real hour and minute.
fn clock_time(text: &str) -> Option<time::Time> {
    let (hour, minute) = text.split_once(':')?;
    let two = |s: &str| s.len() == 2 && s.chars().all(|c| c.is_ascii_digit());
    if !(two(hour) && two(minute)) {
        return None;
    }
    time::Time::from_hms(hour.parse().ok()?, minute.parse().ok()?, 0).ok()
}
