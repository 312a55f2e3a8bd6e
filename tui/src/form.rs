//! The edit dialog's form: labelled fields checked with the server's own
//! rules before sending, and the server's 422 field errors shown beside them.

use std::collections::BTreeMap;

use casting_shared::domain::{
    format_date, parse_actor_name, parse_age_text, parse_gender, parse_movie_title,
    parse_release_date,
};
use casting_shared::{Actor, Movie};
use serde_json::{Map, Value, json};
use tui_input::Input;

use crate::collection::Collection;
use crate::record::Record;

pub struct Field {
    /// The JSON key.
    pub key: &'static str,
    pub label: &'static str,
    pub input: Input,
    pub error: Option<String>,
    /// Shown when empty.
    pub hint: &'static str,
    original: String,
}

impl Field {
    fn new(key: &'static str, label: &'static str, value: String, hint: &'static str) -> Self {
        Self {
            key,
            label,
            input: Input::new(value.clone()),
            error: None,
            hint,
            original: value,
        }
    }

    pub fn value(&self) -> &str {
        self.input.value()
    }

    pub fn changed(&self) -> bool {
        self.input.value() != self.original
    }
}

pub struct Form {
    pub collection: Collection,
    /// `None` when creating.
    pub id: Option<i64>,
    /// The version the edit started from, sent as `If-Match`.
    pub etag: Option<String>,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub saving: bool,
    /// A problem that is not about one field.
    pub message: Option<String>,
    /// The server answered 412: the row changed since the dialog opened.
    pub conflict: Option<String>,
    /// The server's current version after a 412, and its ETag.
    pub theirs: Option<(Vec<String>, Option<String>)>,
    /// Who changed the record meanwhile, when the live feed said so.
    pub changed_by: Option<String>,
    /// The last save was refused (412) because of that change.
    pub refused: bool,
    /// A save asked for before the version it names was read: it goes
    /// once the row is (`true`: overwriting theirs).
    pub pending: Option<bool>,
    /// A colleague deleted the record being edited (who): it can be saved
    /// as a new one.
    pub deleted_by: Option<String>,
}

/// How a conflict's text starts when the save was refused.
const NOT_SAVED: &str = "Not saved. ";

/// What a save from the edit dialog names as `If-Match`.
#[derive(Debug, PartialEq, Eq)]
pub enum Precondition {
    /// Send with this `If-Match` (none: a new row, or a server that gives
    /// no ETags).
    Send(Option<String>),
    /// The version to name is not read yet: read the row first.
    Read,
    /// The row was read and holds a colleague's version: the one the user
    /// started from is gone without its ETag ever read. The server would
    /// refuse the save (412), so it is refused here, with the same choices.
    Stale,
}

/// Moving between a dialog's fields (Tab, Shift-Tab, Enter), the same in
/// every dialog: round from the last to the first.
pub trait FieldFocus {
    /// The focused field's index, and how many fields there are.
    fn focus_of(&self) -> (usize, usize);
    fn set_focus(&mut self, index: usize);

    fn is_last_field(&self) -> bool {
        let (focus, count) = self.focus_of();
        focus + 1 == count
    }

    fn next_field(&mut self) {
        let (focus, count) = self.focus_of();
        self.set_focus((focus + 1) % count.max(1));
    }

    fn previous_field(&mut self) {
        let (focus, count) = self.focus_of();
        self.set_focus((focus + count.max(1) - 1) % count.max(1));
    }
}

/// [`FieldFocus`] for a form with `focus` and `fields`.
macro_rules! field_focus {
    ($form:ty) => {
        impl $crate::form::FieldFocus for $form {
            fn focus_of(&self) -> (usize, usize) {
                (self.focus, self.fields.len())
            }

            fn set_focus(&mut self, index: usize) {
                self.focus = index;
            }
        }
    };
}

pub(crate) use field_focus;

field_focus!(Form);

/// What a form turned into when it was checked.
#[derive(Debug, PartialEq)]
pub enum Checked {
    /// Send this body.
    Body(Value),
    /// An edit that changes nothing.
    Unchanged,
    /// Field errors are set on the form.
    Invalid,
}

impl Form {
    fn with_fields(collection: Collection, id: Option<i64>, fields: Vec<Field>) -> Self {
        Self {
            collection,
            id,
            etag: None,
            fields,
            focus: 0,
            saving: false,
            message: None,
            conflict: None,
            theirs: None,
            changed_by: None,
            refused: false,
            pending: None,
            deleted_by: None,
        }
    }

    pub fn new_actor() -> Self {
        Self::with_fields(
            Collection::Actors,
            None,
            vec![
                Field::new("name", "Name", String::new(), "1–200 characters"),
                Field::new("age", "Age", String::new(), "0–150"),
                Field::new(
                    "gender",
                    "Gender",
                    String::new(),
                    "optional; Other if empty",
                ),
            ],
        )
    }

    pub fn edit_actor(actor: &Actor) -> Self {
        Self::with_fields(
            Collection::Actors,
            Some(actor.id),
            vec![
                Field::new("name", "Name", actor.name.clone(), "1–200 characters"),
                Field::new("age", "Age", actor.age.to_string(), "0–150"),
                Field::new("gender", "Gender", actor.gender.clone(), "1–50 characters"),
            ],
        )
    }

    pub fn new_movie() -> Self {
        Self::with_fields(
            Collection::Movies,
            None,
            vec![
                Field::new("title", "Title", String::new(), "1–200 characters"),
                Field::new("release_date", "Release date", String::new(), "YYYY-MM-DD"),
            ],
        )
    }

    pub fn edit_movie(movie: &Movie) -> Self {
        Self::with_fields(
            Collection::Movies,
            Some(movie.id),
            vec![
                Field::new("title", "Title", movie.title.clone(), "1–200 characters"),
                Field::new(
                    "release_date",
                    "Release date",
                    format_date(movie.release_date),
                    "YYYY-MM-DD",
                ),
            ],
        )
    }

    /// The edit dialog of a record as it is now.
    pub fn edit_record(record: &Record) -> Self {
        match record {
            Record::Actor(actor) => Self::edit_actor(actor),
            Record::Movie(movie) => Self::edit_movie(movie),
        }
    }

    /// `fresh` (the same record's dialog) holds another version than the
    /// one this dialog started from.
    pub fn differs_from(&self, fresh: &Form) -> bool {
        self.fields
            .iter()
            .zip(&fresh.fields)
            .any(|(mine, theirs)| mine.original != theirs.original)
    }

    pub fn title(&self) -> String {
        let noun = self.collection.noun();
        match self.id {
            None => format!("New {noun}"),
            Some(id) => format!("Edit {noun} #{id}"),
        }
    }

    pub fn focused(&mut self) -> &mut Field {
        &mut self.fields[self.focus]
    }

    /// After a 412: remembers the server's current row and says what changed
    /// in it since this dialog opened.
    pub fn show_theirs(&mut self, fresh: &Form, etag: Option<String>) {
        let changes: Vec<String> = self
            .fields
            .iter()
            .zip(&fresh.fields)
            .filter(|(mine, theirs)| mine.original != theirs.original)
            .map(|(mine, theirs)| {
                format!(
                    "{} is now \"{}\" (was \"{}\")",
                    mine.label, theirs.original, mine.original
                )
            })
            .collect();
        let noun = self.collection.noun();
        let who = self.changed_by.as_deref().unwrap_or("Someone else");
        let refused = if self.refused { NOT_SAVED } else { "" };
        self.conflict = Some(if changes.is_empty() {
            format!("{refused}{who} saved this {noun} since you opened it.")
        } else {
            format!(
                "{refused}{who} changed this {noun}: {}.",
                changes.join("; ")
            )
        });
        self.theirs = Some((
            fresh.fields.iter().map(|f| f.original.clone()).collect(),
            etag,
        ));
    }

    /// Ctrl-R after a 412: their version, with every change of the user's
    /// that nobody else made kept on top of it.
    pub fn load_theirs(&mut self) -> bool {
        let Some((values, etag)) = self.theirs.take() else {
            return false;
        };
        let mut kept = Vec::new();
        let mut lost = Vec::new();
        for (field, theirs) in self.fields.iter_mut().zip(values) {
            let mine = field.input.value().to_owned();
            let i_changed = mine != field.original;
            let they_changed = theirs != field.original;
            if i_changed && !they_changed {
                kept.push(field.label);
            } else {
                if i_changed && mine != theirs {
                    lost.push(format!("{} (yours was \"{mine}\")", field.label));
                }
                field.input = Input::new(theirs.clone());
            }
            field.original = theirs;
            field.error = None;
        }
        self.etag = etag;
        self.conflict = None;
        self.refused = false;
        let mut message = String::from("Loaded their version");
        if !kept.is_empty() {
            message.push_str(&format!("; kept your change to {}", kept.join(", ")));
        }
        if !lost.is_empty() {
            message.push_str(&format!("; they changed {} too", lost.join(", ")));
        }
        message.push_str(". Ctrl-S saves.");
        self.message = Some(message);
        true
    }

    /// Ctrl-O after a 412: the version to overwrite is the one just shown.
    pub fn overwrite_etag(&self) -> Option<String> {
        self.theirs.as_ref().and_then(|(_, etag)| etag.clone())
    }

    /// The `If-Match` of a save: the version the user started from (or,
    /// overwriting, the one shown as theirs), never nothing while that
    /// version could still be read. `read`: the row was just read for it.
    pub fn precondition(&self, overwrite: bool, read: bool) -> Precondition {
        if self.id.is_none() {
            return Precondition::Send(None);
        }
        let etag = if overwrite {
            self.overwrite_etag()
        } else {
            self.etag.clone()
        };
        match etag {
            Some(etag) => Precondition::Send(Some(etag)),
            None if !read => Precondition::Read,
            // Read, and it was a colleague's version, not the user's.
            None if !overwrite && self.theirs.is_some() => Precondition::Stale,
            // Read, and the server named no version.
            None => Precondition::Send(None),
        }
    }

    /// A save refused here rather than by the server (see
    /// [`Precondition::Stale`]): said as a 412 is, with the same choices.
    pub fn refuse(&mut self) {
        self.refused = true;
        self.message = None;
        if let Some(conflict) = &mut self.conflict
            && !conflict.starts_with(NOT_SAVED)
        {
            conflict.insert_str(0, NOT_SAVED);
        }
    }

    /// The record was deleted meanwhile: the dialog's values make a new one
    /// (every field is sent, as for a new row).
    pub fn make_new(&mut self) {
        self.id = None;
        self.etag = None;
        self.deleted_by = None;
        self.conflict = None;
        self.theirs = None;
        self.changed_by = None;
        self.refused = false;
        self.message = None;
    }

    /// Checks every field with the server's rules and builds the body: all
    /// fields for a new row, only the changed ones for an edit.
    pub fn check(&mut self) -> Checked {
        let creating = self.id.is_none();
        let mut body = Map::new();
        let mut valid = true;
        for field in &mut self.fields {
            field.error = None;
            let raw = field.input.value();
            if !creating && !field.changed() {
                continue;
            }
            match parse_field(field.key, raw, creating) {
                Ok(Some(value)) => {
                    body.insert(field.key.to_owned(), value);
                }
                Ok(None) => {}
                Err(why) => {
                    field.error = Some(why);
                    valid = false;
                }
            }
        }
        if !valid {
            if let Some(first) = self.fields.iter().position(|f| f.error.is_some()) {
                self.focus = first;
            }
            return Checked::Invalid;
        }
        if body.is_empty() {
            return Checked::Unchanged;
        }
        Checked::Body(Value::Object(body))
    }

    /// Checks the focused field again, so its error goes as it is corrected.
    pub fn recheck_focused(&mut self) {
        let creating = self.id.is_none();
        let field = &mut self.fields[self.focus];
        field.error = parse_field(field.key, field.input.value(), creating).err();
    }

    /// Shows the server's 422 field errors beside their fields.
    pub fn apply_server_errors(&mut self, fields: &BTreeMap<String, String>) {
        let mut unplaced = Vec::new();
        for (key, why) in fields {
            match self.fields.iter_mut().find(|f| f.key == key) {
                Some(field) => field.error = Some(why.clone()),
                None => unplaced.push(format!("{key}: {why}")),
            }
        }
        if let Some(first) = self.fields.iter().position(|f| f.error.is_some()) {
            self.focus = first;
        }
        self.message = (!unplaced.is_empty()).then(|| unplaced.join("; "));
    }
}

/// One field's value for the body (`None`: left out), or why it is wrong.
fn parse_field(key: &str, raw: &str, creating: bool) -> Result<Option<Value>, String> {
    match key {
        "name" => parse_actor_name(raw).map(|v| Some(json!(v))),
        // "-5" is a whole number out of range, not a typo: say the range.
        "age" if raw.trim().parse::<i64>().is_ok_and(|n| n < 0) => {
            Err("must be between 0 and 150".into())
        }
        "age" => parse_age_text(raw).map(|v| Some(json!(v))),
        "gender" if creating && raw.trim().is_empty() => Ok(None),
        "gender" => parse_gender(raw).map(|v| Some(json!(v))),
        "title" => parse_movie_title(raw).map(|v| Some(json!(v))),
        "release_date" => parse_release_date(raw).map(|d| Some(json!(format_date(d)))),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tui_input::InputRequest;

    fn type_into(form: &mut Form, index: usize, text: &str) {
        let input = &mut form.fields[index].input;
        input.reset();
        for c in text.chars() {
            input.handle(InputRequest::InsertChar(c));
        }
    }

    #[test]
    fn a_new_actor_is_checked_with_the_servers_rules() {
        let mut form = Form::new_actor();
        type_into(&mut form, 0, "  ");
        type_into(&mut form, 1, "200");
        assert_eq!(form.check(), Checked::Invalid);
        assert_eq!(form.fields[0].error.as_deref(), Some("must not be empty"));
        assert_eq!(
            form.fields[1].error.as_deref(),
            Some("must be between 0 and 150")
        );
        assert_eq!(form.focus, 0);
        type_into(&mut form, 0, "Ann");
        type_into(&mut form, 1, "40");
        assert_eq!(
            form.check(),
            Checked::Body(json!({"name": "Ann", "age": 40}))
        );
    }

    #[test]
    fn an_edit_sends_only_what_changed() {
        let actor = Actor {
            id: 3,
            name: "Bo".into(),
            age: 20,
            gender: "Male".into(),
        };
        let mut form = Form::edit_actor(&actor);
        assert_eq!(form.check(), Checked::Unchanged);
        type_into(&mut form, 1, "21");
        assert_eq!(form.check(), Checked::Body(json!({"age": 21})));
    }
}
