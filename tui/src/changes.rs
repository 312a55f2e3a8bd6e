//! What a change says, in words: the status line's sentence when a
//! colleague changes something ("director changed Ann Lee's age to 32"),
//! and the history view's line for it (which fields, from what to what).

use casting_shared::changes::{Change, ChangeAction, ChangeResource, ChangedRecord};

use crate::collection::Collection;

/// The names the client knows of records a change only names by id (a
/// cast entry's actor and movie): an actor's name, a movie's title.
pub type Names<'a> = dyn Fn(Collection, i64) -> Option<String> + 'a;

/// Who made it: their username (or the token's name), else "someone".
pub fn author(change: &Change) -> &str {
    change.by.name.as_deref().unwrap_or("someone")
}

/// One field a change touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

/// A record's fields as people read them.
fn fields(record: &ChangedRecord) -> Vec<(&'static str, String)> {
    match record {
        ChangedRecord::Actor(actor) => vec![
            ("name", actor.name.clone()),
            ("age", actor.age.to_string()),
            ("gender", actor.gender.clone()),
        ],
        ChangedRecord::Movie(movie) => vec![
            ("title", movie.title.clone()),
            (
                "release date",
                casting_shared::domain::format_date(movie.release_date),
            ),
        ],
        ChangedRecord::Cast(entry) => vec![(
            "character",
            entry.character.clone().unwrap_or_else(|| "none".into()),
        )],
        // The casting pipeline's records are the casting worker's to show.
        ChangedRecord::Role(_) | ChangedRecord::Candidate(_) | ChangedRecord::Audition(_) => {
            Vec::new()
        }
    }
}

/// The fields an update changed, each from what to what.
pub fn field_changes(change: &Change) -> Vec<FieldChange> {
    let (Some(before), Some(after)) = (&change.before, &change.after) else {
        return Vec::new();
    };
    fields(before)
        .into_iter()
        .zip(fields(after))
        .filter(|(old, new)| old.1 != new.1)
        .map(|((field, before), (_, after))| FieldChange {
            field,
            before,
            after,
        })
        .collect()
}

/// An actor's name or a movie's title, as the change recorded it.
fn label(change: &Change) -> Option<&str> {
    match change.before.as_ref().or(change.after.as_ref())? {
        ChangedRecord::Actor(actor) => Some(&actor.name),
        ChangedRecord::Movie(movie) => Some(&movie.title),
        ChangedRecord::Cast(_)
        | ChangedRecord::Role(_)
        | ChangedRecord::Candidate(_)
        | ChangedRecord::Audition(_) => None,
    }
}

/// The actor and the movie of a cast entry's change, by name when known.
fn cast_parties(change: &Change, names: &Names) -> (String, String) {
    let entry = match change.after.as_ref().or(change.before.as_ref()) {
        Some(ChangedRecord::Cast(entry)) => Some(entry),
        _ => None,
    };
    let actor_id = entry.map_or(0, |e| e.actor_id);
    let actor = names(Collection::Actors, actor_id).unwrap_or_else(|| format!("actor #{actor_id}"));
    let movie =
        names(Collection::Movies, change.id).unwrap_or_else(|| format!("movie #{}", change.id));
    (actor, movie)
}

fn character(record: Option<&ChangedRecord>) -> Option<&str> {
    match record {
        Some(ChangedRecord::Cast(entry)) => entry.character.as_deref(),
        _ => None,
    }
}

/// The collection an actor or movie change is about (`None` for a cast entry).
pub fn collection_of(change: &Change) -> Option<Collection> {
    match change.resource {
        ChangeResource::Actor => Some(Collection::Actors),
        ChangeResource::Movie => Some(Collection::Movies),
        ChangeResource::Cast
        | ChangeResource::Role
        | ChangeResource::Candidate
        | ChangeResource::Audition => None,
    }
}

/// `age to 32 and gender to Female`.
fn changed_to(changes: &[FieldChange]) -> String {
    let parts: Vec<String> = changes
        .iter()
        .map(|c| format!("{} to {}", c.field, c.after))
        .collect();
    match parts.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// The status line's sentence: who did what to which record.
pub fn sentence(change: &Change, names: &Names) -> String {
    let who = author(change);
    if let Some(collection) = collection_of(change) {
        let noun = collection.noun();
        let name = label(change).unwrap_or("a record");
        return match change.action {
            ChangeAction::Created => format!("{who} added {noun} {name}"),
            ChangeAction::Deleted => format!("{who} deleted {noun} {name}"),
            ChangeAction::Updated => match field_changes(change).as_slice() {
                [] => format!("{who} saved {name} unchanged"),
                changes => format!("{who} changed {name}'s {}", changed_to(changes)),
            },
        };
    }
    if let Some(what) = casting_event(change, names) {
        return format!("{who} {what}");
    }
    let (actor, movie) = cast_parties(change, names);
    match change.action {
        ChangeAction::Created => match character(change.after.as_ref()) {
            Some(role) => format!("{who} cast {actor} in {movie} as {role}"),
            None => format!("{who} cast {actor} in {movie}"),
        },
        ChangeAction::Updated => format!(
            "{who} changed {actor}'s character in {movie} to {}",
            character(change.after.as_ref()).unwrap_or("none")
        ),
        ChangeAction::Deleted => format!("{who} removed {actor} from the cast of {movie}"),
    }
}

/// The history view's line for a change of a record of `of`: what
/// happened to it, field by field.
pub fn summary(change: &Change, of: Collection, names: &Names) -> String {
    if collection_of(change).is_some() {
        return match change.action {
            ChangeAction::Created => {
                let values: Vec<String> = change
                    .after
                    .as_ref()
                    .map(fields)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(field, value)| format!("{field} {value}"))
                    .collect();
                format!("created: {}", values.join(", "))
            }
            ChangeAction::Updated => match field_changes(change).as_slice() {
                [] => "saved, nothing changed".into(),
                changes => changes
                    .iter()
                    .map(|c| format!("{} {} → {}", c.field, c.before, c.after))
                    .collect::<Vec<_>>()
                    .join(", "),
            },
            ChangeAction::Deleted => "deleted".into(),
        };
    }
    if let Some(what) = casting_event(change, names) {
        return what;
    }
    let (actor, movie) = cast_parties(change, names);
    let whom = match of {
        Collection::Actors => format!("in {movie}"),
        Collection::Movies => actor,
    };
    let role = |record| character(record).unwrap_or("none").to_owned();
    match change.action {
        ChangeAction::Created => match character(change.after.as_ref()) {
            Some(character) => format!("cast {whom} as {character}"),
            None => format!("cast {whom}"),
        },
        ChangeAction::Updated => format!(
            "character {whom}: {} → {}",
            role(change.before.as_ref()),
            role(change.after.as_ref())
        ),
        ChangeAction::Deleted => match of {
            Collection::Actors => format!("removed from the cast of {movie}"),
            Collection::Movies => format!("removed {whom} from the cast"),
        },
    }
}

/// A booking or unbooking as the role and the candidate record it: the
/// cast entry's change that comes with it says it (once).
pub fn told_by_cast(change: &Change) -> bool {
    let booked = |record: Option<&ChangedRecord>| match record {
        Some(ChangedRecord::Role(role)) => role.actor_id,
        Some(ChangedRecord::Candidate(c)) if c.stage == casting_shared::casting::Stage::Booked => {
            Some(c.actor_id)
        }
        _ => None,
    };
    matches!(
        change.resource,
        ChangeResource::Role | ChangeResource::Candidate
    ) && booked(change.before.as_ref()) != booked(change.after.as_ref())
}

/// What a change of the casting pipeline did, after its author: `added
/// role Guard`, `moved Ann Lee to shortlisted for role #3`, `scheduled an
/// audition of Ann Lee on 2027-03-01 14:00 at Room A`.
fn casting_event(change: &Change, names: &Names) -> Option<String> {
    let record = change.after.as_ref().or(change.before.as_ref());
    let actor = |id: i64| names(Collection::Actors, id).unwrap_or_else(|| format!("actor #{id}"));
    let verb = |created: &str, updated: &str, deleted: &str| -> String {
        match change.action {
            ChangeAction::Created => created.to_owned(),
            ChangeAction::Updated => updated.to_owned(),
            ChangeAction::Deleted => deleted.to_owned(),
        }
    };
    Some(match (change.resource, record) {
        (ChangeResource::Role, Some(ChangedRecord::Role(role))) => {
            let name = role.name.clone().unwrap_or_else(|| format!("#{}", role.id));
            format!("{} role {name}", verb("added", "changed", "deleted"))
        }
        (ChangeResource::Candidate, Some(ChangedRecord::Candidate(candidate))) => {
            let who = actor(candidate.actor_id);
            let role = format!("role #{}", candidate.role_id);
            match change.action {
                ChangeAction::Created => format!(
                    "made {who} a candidate for {role} ({})",
                    candidate.stage.as_str()
                ),
                ChangeAction::Updated => {
                    format!("moved {who} to {} for {role}", candidate.stage.as_str())
                }
                ChangeAction::Deleted => format!("took {who} off the candidates for {role}"),
            }
        }
        (ChangeResource::Audition, Some(ChangedRecord::Audition(audition))) => {
            let start = audition.starts_at.get(..16).unwrap_or(&audition.starts_at);
            format!(
                "{} an audition of {} on {} at {}",
                verb("scheduled", "moved", "cancelled"),
                actor(audition.actor_id),
                start.replace('T', " "),
                audition.location
            )
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(value: serde_json::Value) -> Change {
        let mut base = json!({"seq": 42, "at": "2026-11-30T09:15:02.123Z",
            "by": {"subject": "casting|2", "name": "director"}});
        for (key, value) in value.as_object().unwrap() {
            base[key] = value.clone();
        }
        serde_json::from_value(base).unwrap()
    }

    fn no_names(_: Collection, _: i64) -> Option<String> {
        None
    }

    #[test]
    fn an_update_says_who_changed_which_field_to_what() {
        let c = change(json!({"action": "updated", "resource": "actor", "id": 5,
            "before": {"id": 5, "name": "Ann Lee", "age": 31, "gender": "Female"},
            "after": {"id": 5, "name": "Ann Lee", "age": 32, "gender": "Female"}}));
        assert_eq!(
            sentence(&c, &no_names),
            "director changed Ann Lee's age to 32"
        );
        assert_eq!(summary(&c, Collection::Actors, &no_names), "age 31 → 32");
        assert_eq!(crate::local_time::when(&c.at, true), "2026-11-30 09:15");
        let c = change(json!({"action": "updated", "resource": "movie", "id": 1,
            "before": {"id": 1, "title": "Dune", "release_date": "2021-09-15"},
            "after": {"id": 1, "title": "Dune: Part One", "release_date": "2021-10-22"}}));
        assert_eq!(
            sentence(&c, &no_names),
            "director changed Dune's title to Dune: Part One and release date to 2021-10-22"
        );
    }

    #[test]
    fn creations_deletions_and_cast_entries_read_as_sentences() {
        let c = change(json!({"action": "created", "resource": "actor", "id": 9,
            "before": null, "after": {"id": 9, "name": "Bo", "age": 20, "gender": "Male"},
            "by": {"subject": "x", "name": null}}));
        assert_eq!(sentence(&c, &no_names), "someone added actor Bo");
        assert_eq!(
            summary(&c, Collection::Actors, &no_names),
            "created: name Bo, age 20, gender Male"
        );
        let cast = change(json!({"action": "created", "resource": "cast", "id": 3,
            "before": null, "after": {"movie_id": 3, "actor_id": 9, "character": "Paul"}}));
        let names = |collection: Collection, id: i64| match (collection, id) {
            (Collection::Actors, 9) => Some("Bo".to_owned()),
            _ => None,
        };
        assert_eq!(
            sentence(&cast, &names),
            "director cast Bo in movie #3 as Paul"
        );
        assert_eq!(
            summary(&cast, Collection::Actors, &names),
            "cast in movie #3 as Paul"
        );
        assert_eq!(
            summary(&cast, Collection::Movies, &names),
            "cast Bo as Paul"
        );
        let gone = change(json!({"action": "deleted", "resource": "cast", "id": 3,
            "before": {"movie_id": 3, "actor_id": 9, "character": "Paul"}, "after": null}));
        assert_eq!(
            sentence(&gone, &names),
            "director removed Bo from the cast of movie #3"
        );
    }
}
