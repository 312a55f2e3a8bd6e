//! The request bodies of the casting pipeline, parsed at the edge (422 with
//! the fields), and how its times travel.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::*;
use crate::declare::request_body;
use crate::domain::{FieldErrors, ObjectParser, expect_str, parse_age_value, parse_text};
use crate::limits::{
    AUDITION_MAX_SECONDS, DESCRIPTION_MAX, LOCATION_MAX, NOTE_MAX, ROLE_GENDER_MAX, ROLE_NAME_MAX,
};

/// Times travel as RFC 3339 in UTC, whole seconds: `2027-03-01T14:30:00Z`.
pub mod utc_seconds {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::OffsetDateTime;

    pub fn serialize<S: Serializer>(at: &OffsetDateTime, serializer: S) -> Result<S::Ok, S::Error> {
        match super::utc_bytes(*at) {
            // ASCII digits and separators only.
            Some(bytes) => {
                serializer.serialize_str(std::str::from_utf8(&bytes).unwrap_or_default())
            }
            None => serializer.serialize_str(&super::format_utc(*at)),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::parse_timestamp(&text).map_err(D::Error::custom)
    }
}

/// `2027-03-01T14:30:00Z`: the time in UTC, whole seconds.
pub fn format_utc(at: OffsetDateTime) -> String {
    match utc_bytes(at) {
        Some(bytes) => bytes.iter().map(|&b| char::from(b)).collect(),
        None => {
            let at = at.to_offset(time::UtcOffset::UTC);
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                at.year(),
                u8::from(at.month()),
                at.day(),
                at.hour(),
                at.minute(),
                at.second()
            )
        }
    }
}

/// [`format_utc`]'s text for the years 0 to 9999, written without the
/// formatting machinery (a schedule's page formats two times an audition:
/// through `format!` they were 3.5 % of a role pipeline's server time).
fn utc_bytes(at: OffsetDateTime) -> Option<[u8; 20]> {
    let at = at.to_offset(time::UtcOffset::UTC);
    let year = u32::try_from(at.year()).ok().filter(|year| *year <= 9999)?;
    let mut text = *b"0000-00-00T00:00:00Z";
    let fields = [
        (0, 4, year),
        (5, 2, u32::from(u8::from(at.month()))),
        (8, 2, u32::from(at.day())),
        (11, 2, u32::from(at.hour())),
        (14, 2, u32::from(at.minute())),
        (17, 2, u32::from(at.second())),
    ];
    for (start, width, mut value) in fields {
        for digit in text[start..start + width].iter_mut().rev() {
            *digit = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }
    Some(text)
}

/// An RFC 3339 time with any offset, in whole seconds (a fraction is
/// accepted only when it is zero).
pub fn parse_timestamp(raw: &str) -> Result<OffsetDateTime, String> {
    let at = OffsetDateTime::parse(raw.trim(), &Rfc3339)
        .map_err(|_| "must be an RFC 3339 time such as 2027-03-01T14:30:00Z".to_owned())?;
    if at.nanosecond() != 0 {
        return Err("must be in whole seconds".into());
    }
    Ok(at)
}

/// An audition's interval: `ends_at` after `starts_at`, at most 12 h later.
/// The error is about `ends_at`.
pub fn check_interval(starts_at: OffsetDateTime, ends_at: OffsetDateTime) -> Result<(), String> {
    let length = (ends_at - starts_at).whole_seconds();
    if length <= 0 {
        Err("must be after starts_at".into())
    } else if length > AUDITION_MAX_SECONDS {
        Err("must be at most 12 hours after starts_at".into())
    } else {
        Ok(())
    }
}

/// A role's age range: `age_min` ≤ `age_max` when both are set. The error is
/// about `age_max`.
pub fn check_age_range(age_min: Option<i32>, age_max: Option<i32>) -> Result<(), String> {
    match (age_min, age_max) {
        (Some(min), Some(max)) if min > max => Err("must be at least age_min".into()),
        _ => Ok(()),
    }
}

/// Optional text: `null` and blank mean none.
fn optional_text(value: &Value, max: usize) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => {
            let text = parse_text(s, 0, max)?;
            Ok((!text.is_empty()).then_some(text))
        }
        _ => Err("must be a string or null".into()),
    }
}

/// An age bound: a whole number 0–150 or `null`.
fn age_bound(value: &Value) -> Result<Option<i32>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Number(_) => parse_age_value(value).map(Some),
        _ => Err("must be a whole number or null".into()),
    }
}

fn timestamp(value: &Value) -> Result<OffsetDateTime, String> {
    expect_str(value).and_then(parse_timestamp)
}

fn location(value: &Value) -> Result<String, String> {
    expect_str(value).and_then(|s| parse_text(s, 1, LOCATION_MAX))
}

fn id_value(value: &Value) -> Result<i64, String> {
    match value.as_i64() {
        Some(id) if id >= 1 => Ok(id),
        _ => Err("must be a positive whole number".into()),
    }
}

const ROLE_FIELDS: &[&str] = &["name", "description", "age_min", "age_max", "gender"];

request_body! {
    /// What `POST /movies/{id}/roles` sets; every field is optional.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct NewRole {
        name: Option<String> => role_name,
        description: Option<String> => description,
        age_min: Option<i32> => age_bound,
        /// At least `age_min`.
        age_max: Option<i32> => age_bound,
        gender: Option<String> => role_gender,
    }
}

impl NewRole {
    pub fn parse(body: &Value) -> Result<Self, FieldErrors> {
        let mut p = ObjectParser::new(body, ROLE_FIELDS)?;
        let name = p.field("name", false, |v| optional_text(v, ROLE_NAME_MAX));
        let description = p.field("description", false, |v| optional_text(v, DESCRIPTION_MAX));
        let age_min = p.field("age_min", false, age_bound);
        let age_max = p.field("age_max", false, age_bound);
        let gender = p.field("gender", false, |v| optional_text(v, ROLE_GENDER_MAX));
        let role = Self {
            name: name.flatten(),
            description: description.flatten(),
            age_min: age_min.flatten(),
            age_max: age_max.flatten(),
            gender: gender.flatten(),
        };
        if let Err(message) = check_age_range(role.age_min, role.age_max) {
            p.errors.insert("age_max".into(), message);
        }
        p.finish(|| Some(role))
    }
}

request_body! {
    /// What `PATCH /roles/{id}` changes: the fields given; `null` clears one.
    /// An outer `None` leaves the field as it is.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct RoleChanges (at least one field) {
        name: Option<Option<String>> => role_name,
        description: Option<Option<String>> => description,
        age_min: Option<Option<i32>> => age_bound,
        /// At least `age_min` (as given, or as stored).
        age_max: Option<Option<i32>> => age_bound,
        gender: Option<Option<String>> => role_gender,
    }
}

impl RoleChanges {
    /// `Ok(None)` for a body without any field: the caller answers 400.
    pub fn parse(body: &Value) -> Result<Option<Self>, FieldErrors> {
        let mut p = ObjectParser::new(body, ROLE_FIELDS)?;
        if p.object.is_empty() {
            return Ok(None);
        }
        let name = p.field("name", false, |v| optional_text(v, ROLE_NAME_MAX));
        let description = p.field("description", false, |v| optional_text(v, DESCRIPTION_MAX));
        let age_min = p.field("age_min", false, age_bound);
        let age_max = p.field("age_max", false, age_bound);
        let gender = p.field("gender", false, |v| optional_text(v, ROLE_GENDER_MAX));
        if let (Some(min), Some(max)) = (age_min, age_max)
            && let Err(message) = check_age_range(min, max)
        {
            p.errors.insert("age_max".into(), message);
        }
        p.finish(|| {
            Some(Some(Self {
                name,
                description,
                age_min,
                age_max,
                gender,
            }))
        })
    }

    /// The role's fields once these changes are applied, or the age range
    /// they would break (as a 422 on `age_max`).
    pub fn apply(&self, role: &Role) -> Result<NewRole, FieldErrors> {
        let changed = NewRole {
            name: self.name.clone().unwrap_or_else(|| role.name.clone()),
            description: self
                .description
                .clone()
                .unwrap_or_else(|| role.description.clone()),
            age_min: self.age_min.unwrap_or(role.age_min),
            age_max: self.age_max.unwrap_or(role.age_max),
            gender: self.gender.clone().unwrap_or_else(|| role.gender.clone()),
        };
        match check_age_range(changed.age_min, changed.age_max) {
            Ok(()) => Ok(changed),
            Err(message) => Err(FieldErrors::from([("age_max".to_owned(), message)])),
        }
    }
}

const CANDIDATE_FIELDS: &[&str] = &["stage", "note"];

/// What `PUT /roles/{id}/candidates/{actor_id}` sets. A field left out is
/// left as it is (a new candidate starts at `considered`, without a note).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    serde(deny_unknown_fields)
)]
pub struct CandidateInput {
    /// Left out: the stage stays as it is (`null` is not a stage).
    #[cfg_attr(feature = "openapi", schema(required = false, nullable = false))]
    pub stage: Option<Stage>,
    /// `null` or blank clears the note.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::note))]
    pub note: Option<Option<String>>,
}

impl CandidateInput {
    /// No body and a `null` body change nothing.
    pub fn parse(body: Option<&Value>) -> Result<Self, FieldErrors> {
        let Some(body) = body.filter(|b| !b.is_null()) else {
            return Ok(Self::default());
        };
        let mut p = ObjectParser::new(body, CANDIDATE_FIELDS)?;
        let stage = p.field("stage", false, |v| {
            v.as_str().and_then(Stage::parse).ok_or_else(|| {
                let names: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
                format!("must be one of {}", names.join(", "))
            })
        });
        let note = p.field("note", false, |v| optional_text(v, NOTE_MAX));
        p.finish(|| Some(Self { stage, note }))
    }
}

const NEW_AUDITION_FIELDS: &[&str] = &["actor_id", "starts_at", "ends_at", "location", "note"];
const AUDITION_FIELDS: &[&str] = &["starts_at", "ends_at", "location", "note"];

request_body! {
    /// What `POST /roles/{id}/auditions` needs.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct NewAudition {
        actor_id: i64 => id,
        starts_at: OffsetDateTime => timestamp,
        /// After `starts_at`, at most 12 hours later.
        ends_at: OffsetDateTime => timestamp,
        location: String => location,
        note: Option<String> => note(required = false),
    }
}

impl NewAudition {
    pub fn parse(body: &Value) -> Result<Self, FieldErrors> {
        let mut p = ObjectParser::new(body, NEW_AUDITION_FIELDS)?;
        let actor_id = p.field("actor_id", true, id_value);
        let starts_at = p.field("starts_at", true, timestamp);
        let ends_at = p.field("ends_at", true, timestamp);
        let location = p.field("location", true, location);
        let note = p.field("note", false, |v| optional_text(v, NOTE_MAX));
        if let (Some(start), Some(end)) = (starts_at, ends_at)
            && let Err(message) = check_interval(start, end)
        {
            p.errors.insert("ends_at".into(), message);
        }
        p.finish(|| {
            Some(Self {
                actor_id: actor_id?,
                starts_at: starts_at?,
                ends_at: ends_at?,
                location: location?,
                note: note.flatten(),
            })
        })
    }
}

request_body! {
    /// What `PATCH /auditions/{id}` may change: the fields given.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct AuditionChanges (at least one field) {
        starts_at: Option<OffsetDateTime> => timestamp,
        ends_at: Option<OffsetDateTime> => timestamp,
        location: Option<String> => location,
        /// `null` or blank clears the note.
        note: Option<Option<String>> => note,
    }
}

impl AuditionChanges {
    /// `Ok(None)` for a body without any field: the caller answers 400.
    pub fn parse(body: &Value) -> Result<Option<Self>, FieldErrors> {
        let mut p = ObjectParser::new(body, AUDITION_FIELDS)?;
        if p.object.is_empty() {
            return Ok(None);
        }
        let starts_at = p.field("starts_at", false, timestamp);
        let ends_at = p.field("ends_at", false, timestamp);
        let location = p.field("location", false, location);
        let note = p.field("note", false, |v| optional_text(v, NOTE_MAX));
        if let (Some(start), Some(end)) = (starts_at, ends_at)
            && let Err(message) = check_interval(start, end)
        {
            p.errors.insert("ends_at".into(), message);
        }
        p.finish(|| {
            Some(Some(Self {
                starts_at,
                ends_at,
                location,
                note,
            }))
        })
    }

    /// The audition once these changes are applied, or the interval they
    /// would break (as a 422 on `ends_at`).
    pub fn apply(&self, audition: &Audition) -> Result<Audition, FieldErrors> {
        let changed = Audition {
            starts_at: self.starts_at.unwrap_or(audition.starts_at),
            ends_at: self.ends_at.unwrap_or(audition.ends_at),
            location: self
                .location
                .clone()
                .unwrap_or_else(|| audition.location.clone()),
            note: self.note.clone().unwrap_or_else(|| audition.note.clone()),
            ..audition.clone()
        };
        match check_interval(changed.starts_at, changed.ends_at) {
            Ok(()) => Ok(changed),
            Err(message) => Err(FieldErrors::from([("ends_at".to_owned(), message)])),
        }
    }
}

/// The key two auditions' locations are compared by: trimmed, lower case.
pub fn location_key(location: &str) -> String {
    location.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stages_are_ordered_and_named_in_lower_case() {
        assert!(Stage::Considered < Stage::Shortlisted);
        assert!(Stage::Booked < Stage::Passed);
        assert_eq!(
            serde_json::to_value(Stage::Auditioning).unwrap(),
            json!("auditioning")
        );
        for stage in Stage::ALL {
            assert_eq!(Stage::parse(stage.as_str()), Some(stage));
        }
        assert_eq!(Stage::Offered.next(), Some(Stage::Booked));
        assert_eq!(Stage::Booked.previous(), Some(Stage::Offered));
    }

    #[test]
    fn a_new_role_may_be_empty_and_reports_every_bad_field() {
        assert_eq!(NewRole::parse(&json!({})), Ok(NewRole::default()));
        let role = NewRole::parse(&json!({"name": " Guard ", "gender": "  ", "age_min": 20}))
            .expect("valid");
        assert_eq!(role.name.as_deref(), Some("Guard"));
        assert_eq!(role.gender, None);
        let errors = NewRole::parse(&json!({
            "name": "x".repeat(ROLE_NAME_MAX + 1),
            "description": 5,
            "age_min": "20",
            "age_max": 151,
            "extra": true
        }))
        .unwrap_err();
        for field in ["name", "description", "age_min", "age_max", "extra"] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        let errors = NewRole::parse(&json!({"age_min": 40, "age_max": 30})).unwrap_err();
        assert!(errors.contains_key("age_max"), "{errors:?}");
    }

    #[test]
    fn role_changes_tell_null_from_absent_and_check_the_range_applied() {
        assert_eq!(RoleChanges::parse(&json!({})), Ok(None));
        let changes = RoleChanges::parse(&json!({"name": null, "age_max": 30}))
            .unwrap()
            .unwrap();
        assert_eq!(changes.name, Some(None));
        assert_eq!(changes.gender, None);
        let role = Role {
            id: 1,
            movie_id: 1,
            name: Some("Ada".into()),
            description: None,
            age_min: Some(40),
            age_max: None,
            gender: Some("Female".into()),
            actor: None,
            status: RoleStatus::Open,
            candidates: RoleCandidates::default(),
        };
        assert!(changes.apply(&role).unwrap_err().contains_key("age_max"));
        let fine = RoleChanges::parse(&json!({"age_min": null, "age_max": 30}))
            .unwrap()
            .unwrap()
            .apply(&role)
            .unwrap();
        assert_eq!((fine.age_min, fine.age_max), (None, Some(30)));
        assert_eq!(fine.gender.as_deref(), Some("Female"));
    }

    #[test]
    fn candidate_input_is_optional_and_checks_the_stage() {
        assert_eq!(CandidateInput::parse(None), Ok(CandidateInput::default()));
        let input = CandidateInput::parse(Some(&json!({"stage": "booked", "note": "great"})))
            .expect("valid");
        assert_eq!(input.stage, Some(Stage::Booked));
        assert_eq!(input.note, Some(Some("great".into())));
        for bad in [
            json!({"stage": "hired"}),
            json!({"stage": 1}),
            json!({"x": 1}),
        ] {
            assert!(CandidateInput::parse(Some(&bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn audition_times_are_whole_seconds_answered_in_utc() {
        let at = parse_timestamp("2027-03-01T15:30:00+01:00").unwrap();
        assert_eq!(format_utc(at), "2027-03-01T14:30:00Z");
        assert!(parse_timestamp("2027-03-01T14:30:00.000Z").is_ok());
        assert!(parse_timestamp("2027-03-01T14:30:00.5Z").is_err());
        assert!(parse_timestamp("2027-03-01").is_err());
    }

    #[test]
    fn times_are_written_as_rfc_3339_says_from_year_0_to_9999() {
        let first = time::macros::datetime!(0000-01-01 00:00:00 UTC).unix_timestamp();
        let last = time::macros::datetime!(9999-12-31 23:59:59 UTC).unix_timestamp();
        // A step of no whole minutes, so that every field takes many values.
        for seconds in (first..=last).step_by(7_777_777).chain([first, last, 0]) {
            let at = OffsetDateTime::from_unix_timestamp(seconds).unwrap();
            let shifted = at.to_offset(time::macros::offset!(-09:30));
            assert_eq!(format_utc(shifted), at.format(&Rfc3339).unwrap());
            let json = serde_json::to_string(&Shown { at: shifted }).unwrap();
            assert_eq!(
                json,
                format!("{{\"at\":\"{}\"}}", at.format(&Rfc3339).unwrap())
            );
        }
        // Outside, through the formatting machinery.
        let early = time::macros::datetime!(-0001-06-01 12:00:00 UTC);
        assert_eq!(format_utc(early), "-001-06-01T12:00:00Z");
    }

    #[derive(serde::Serialize)]
    struct Shown {
        #[serde(with = "utc_seconds")]
        at: OffsetDateTime,
    }

    #[test]
    fn a_new_audition_checks_its_interval() {
        let ok = NewAudition::parse(&json!({
            "actor_id": 3, "starts_at": "2027-03-01T14:00:00Z",
            "ends_at": "2027-03-02T02:00:00Z", "location": " Room A "
        }))
        .expect("12 h is allowed");
        assert_eq!(ok.location, "Room A");
        for (body, field) in [
            (
                json!({"actor_id": 3, "starts_at": "2027-03-01T14:00:00Z",
                       "ends_at": "2027-03-01T14:00:00Z", "location": "A"}),
                "ends_at",
            ),
            (
                json!({"actor_id": 3, "starts_at": "2027-03-01T14:00:00Z",
                       "ends_at": "2027-03-02T02:00:01Z", "location": "A"}),
                "ends_at",
            ),
            (
                json!({"actor_id": 0, "starts_at": "2027-03-01T14:00:00Z",
                       "ends_at": "2027-03-01T15:00:00Z", "location": "A"}),
                "actor_id",
            ),
            (
                json!({"actor_id": 3, "starts_at": "2027-03-01T14:00:00Z",
                       "ends_at": "2027-03-01T15:00:00Z", "location": " "}),
                "location",
            ),
        ] {
            let errors = NewAudition::parse(&body).unwrap_err();
            assert!(errors.contains_key(field), "{body}: {errors:?}");
        }
    }

    #[test]
    fn a_scheduled_audition_is_flat() {
        let start = parse_timestamp("2027-03-01T14:00:00Z").unwrap();
        let scheduled = ScheduledAudition {
            audition: Audition {
                id: 1,
                role_id: 2,
                actor_id: 3,
                starts_at: start,
                ends_at: start + time::Duration::hours(1),
                location: "Room A".into(),
                note: None,
            },
            role: RoleRef { id: 2, name: None },
            movie: MovieRef {
                id: 4,
                title: "Up".into(),
            },
            actor: ActorRef {
                id: 3,
                name: "Ann".into(),
            },
        };
        let value = serde_json::to_value(&scheduled).unwrap();
        assert_eq!(value["ends_at"], "2027-03-01T15:00:00Z");
        assert_eq!(value["movie"]["title"], "Up");
        let back: ScheduledAudition = serde_json::from_value(value).unwrap();
        assert_eq!(back, scheduled);
    }
}
