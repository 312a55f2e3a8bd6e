//! The one yes/no question every destructive step asks (delete, remove
//! from a cast, log out, switch user). Cancel is its default button.

use crate::casting::Asked;
use crate::collection::Collection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Cancel,
    Yes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    Delete {
        collection: Collection,
        id: i64,
        label: String,
        /// The version shown when the question was asked, sent as `If-Match`.
        etag: Option<String>,
        /// Cast entries that go with it; `None` until counted.
        cast_entries: Option<usize>,
    },
    /// The marked rows, each `(id, label)`.
    DeleteMany {
        collection: Collection,
        rows: Vec<(i64, String)>,
    },
    RemoveCast {
        movie_id: i64,
        movie: String,
        actor_id: i64,
        name: String,
    },
    DeleteRole {
        role_id: i64,
        label: String,
        movie: String,
    },
    Book {
        role_id: i64,
        actor_id: i64,
        name: String,
        role: String,
        movie: String,
    },
    Logout,
    SwitchUser,
    /// A casting write that cannot be taken back (a candidate removed, an
    /// audition cancelled): what it asks, and the write.
    Casting(Box<Asked>),
    /// Esc in an edit dialog whose fields were changed.
    Discard {
        /// "your changes to actor #3", "the new actor".
        what: String,
    },
}

/// What a delete's question says of undoing it.
const UNDO: &str = "u undoes it.";

/// Marked rows listed in a bulk delete's question (the first few).
const LISTED: usize = 8;

/// "Delete these 3 actors?" and one line for each (the first few).
fn many_text(collection: Collection, rows: &[(i64, String)]) -> String {
    let mut lines = vec![format!(
        "Delete these {} {}?",
        rows.len(),
        collection.path()
    )];
    for (id, label) in rows.iter().take(LISTED) {
        lines.push(format!("  {label} (#{id})"));
    }
    if rows.len() > LISTED {
        lines.push(format!("  …and {} more", rows.len() - LISTED));
    }
    lines.join(
        "
",
    )
}

pub struct Confirm {
    pub question: Question,
    pub selected: Button,
    /// Why it is asked again (the row changed meanwhile).
    pub note: Option<String>,
}

impl Confirm {
    pub fn new(question: Question) -> Self {
        Self {
            question,
            selected: Button::Cancel,
            note: None,
        }
    }

    pub fn title(&self) -> String {
        match &self.question {
            Question::Delete { collection, .. } => format!("Delete {}?", collection.noun()),
            Question::DeleteMany { collection, rows } => {
                format!("Delete {} {}?", rows.len(), collection.path())
            }
            Question::RemoveCast { .. } => "Remove from the cast?".into(),
            Question::DeleteRole { .. } => "Delete role?".into(),
            Question::Book { .. } => "Book?".into(),
            Question::Logout => "Log out?".into(),
            Question::SwitchUser => "Switch user?".into(),
            Question::Discard { .. } => "Discard changes?".into(),
            Question::Casting(asked) => asked.title.clone(),
        }
    }

    pub fn text(&self) -> String {
        match &self.question {
            Question::Delete { label, id, .. } => format!("Delete \"{label}\" (#{id})?"),
            Question::DeleteMany { collection, rows } => many_text(*collection, rows),
            Question::RemoveCast { name, movie, .. } => format!("Take {name} out of {movie}?"),
            Question::DeleteRole { label, movie, .. } => {
                format!("Delete the role {label} of {movie}?")
            }
            Question::Book {
                name, role, movie, ..
            } => format!("Book {name} as {role} in {movie}?"),
            Question::Logout => "Log out and forget the remembered token?".into(),
            Question::SwitchUser => "Log out and log in as someone else?".into(),
            Question::Discard { what } => format!("Discard {what}?"),
            Question::Casting(asked) => asked.text.clone(),
        }
    }

    /// The line under the question.
    pub fn detail(&self) -> String {
        if let Some(note) = &self.note {
            return note.clone();
        }
        match &self.question {
            Question::Delete {
                collection,
                cast_entries,
                ..
            } => {
                let other = match collection {
                    Collection::Actors => "movie",
                    Collection::Movies => "actor",
                };
                match cast_entries {
                    None => format!("Counting its cast entries… {UNDO}"),
                    Some(0) => format!("It is in no cast. {UNDO}"),
                    Some(1) => format!("Its 1 cast entry ({other}) goes with it. {UNDO}"),
                    Some(n) => format!("Its {n} cast entries ({other}s) go with it. {UNDO}"),
                }
            }
            Question::DeleteMany { .. } => {
                "Their cast entries go with them. u right after brings them all back.".into()
            }
            Question::RemoveCast { .. } => "The actor stays; only this role goes.".into(),
            Question::DeleteRole { .. } => {
                "Its candidates and auditions go with it. This cannot be undone.".into()
            }
            Question::Book { .. } => {
                "The role is cast and the actor joins the movie's cast.".into()
            }
            Question::Logout | Question::SwitchUser => {
                "Unsaved changes in open dialogs are lost.".into()
            }
            Question::Discard { .. } => "Keep editing to save them with Ctrl-S.".into(),
            Question::Casting(asked) => asked.detail.clone(),
        }
    }

    /// The label of the button that does it.
    pub fn yes_label(&self) -> &'static str {
        match &self.question {
            Question::Delete { .. } | Question::DeleteMany { .. } => "Delete",
            Question::RemoveCast { .. } => "Remove",
            Question::DeleteRole { .. } => "Delete",
            Question::Book { .. } => "Book",
            Question::Logout => "Log out",
            Question::SwitchUser => "Switch",
            Question::Discard { .. } => "Discard",
            Question::Casting(asked) => asked.yes,
        }
    }

    pub fn toggle(&mut self) {
        self.selected = match self.selected {
            Button::Cancel => Button::Yes,
            Button::Yes => Button::Cancel,
        };
    }
}
