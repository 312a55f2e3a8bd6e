//! `serve --demo`: a realistic data set and one user per role, seeded once
//! into an empty database.

use casting_shared::Role;
use casting_shared::casting::{Stage, location_key};
use time::OffsetDateTime;

use super::passwords;
use super::usernames::UsernameKey;
use crate::db::{
    DbError, Dump, DumpActor, DumpAudition, DumpCandidate, DumpMovie, DumpRole, DumpUser, NextIds,
    NotEmpty, Store,
};

const FIRST_NAMES: &[(&str, &str)] = &[
    ("Amara", "Female"),
    ("Benedict", "Male"),
    ("Chiara", "Female"),
    ("Dev", "Male"),
    ("Elena", "Female"),
    ("Farid", "Male"),
    ("Greta", "Female"),
    ("Hiro", "Male"),
    ("Ines", "Female"),
    ("Jonah", "Male"),
    ("Kaia", "Female"),
    ("Luca", "Male"),
    ("Maren", "Female"),
    ("Nikolai", "Male"),
    ("Odile", "Female"),
    ("Pablo", "Male"),
    ("Quinn", "Non-binary"),
    ("Rosa", "Female"),
    ("Samir", "Male"),
    ("Tove", "Female"),
    ("Uri", "Male"),
    ("Vera", "Female"),
    ("Wes", "Male"),
    ("Ximena", "Female"),
    ("Yusuf", "Male"),
    ("Zora", "Female"),
    ("Ash", "Non-binary"),
    ("Bea", "Female"),
];

const LAST_NAMES: &[&str] = &[
    "Abara",
    "Blackwood",
    "Castellano",
    "Dubois",
    "Eriksen",
    "Fontaine",
    "Gallagher",
    "Haddad",
    "Ishikawa",
    "Jovanović",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "O'Connell",
    "Petrov",
    "Quintero",
    "Rahman",
    "Sørensen",
    "Takahashi",
    "Ulloa",
    "Valdés",
    "Whitaker",
    "Xu",
    "Yilmaz",
    "Zielinski",
];

const MOVIES: &[(&str, &str)] = &[
    ("The Last Lighthouse", "2019-03-14"),
    ("Paper Moons Over Lisbon", "2020-07-02"),
    ("Quiet Engines", "2021-01-22"),
    ("A Winter in Valparaíso", "2018-11-30"),
    ("The Cartographer's Daughter", "2022-05-06"),
    ("Salt and Static", "2023-09-15"),
    ("Nine Doors Down", "2017-10-27"),
    ("Glass Harvest", "2024-02-09"),
    ("The Long Intermission", "2016-06-17"),
    ("Northbound Sleeper", "2020-12-18"),
    ("Copper Sky", "2021-08-13"),
    ("The Understudy", "2022-11-25"),
    ("Fault Lines", "2019-09-06"),
    ("Orchard of Small Hours", "2023-04-21"),
    ("Echoes in Amber", "2018-02-02"),
    ("Midnight at the Observatory", "2024-10-11"),
    ("The Ferryman's Ledger", "2017-03-31"),
    ("Borrowed Light", "2025-01-17"),
    ("Harbour of Strangers", "2021-05-28"),
    ("Cold Open", "2022-03-04"),
    ("The Tin Violin", "2020-02-14"),
    ("Letters from the Dunes", "2023-12-01"),
    ("Second Unit", "2025-06-20"),
    ("What the River Kept", "2019-07-19"),
    ("The Final Rehearsal", "2024-08-30"),
    ("Kites Above Kraków", "2026-03-13"),
];

const CHARACTER_FIRST_NAMES: &[&str] = &[
    "Margot",
    "Elias",
    "Ruth",
    "Tobias",
    "Clementine",
    "Anselm",
    "Delphine",
    "Cyrus",
    "Wilhelmina",
    "Rafael",
    "Agnes",
    "Lorcan",
    "Ottilie",
    "Mateo",
    "Henrietta",
    "Silas",
    "Imogen",
    "Casimir",
    "Beatrix",
    "Ezra",
    "Philippa",
    "Leopold",
    "Marisol",
    "August",
];

const CHARACTER_LAST_NAMES: &[&str] = &[
    "Wren",
    "Halloran",
    "Vance",
    "Okafor",
    "Beaumont",
    "Krause",
    "Marchetti",
    "Thorne",
    "Adebayo",
    "Lindgren",
    "Castell",
    "Moreno",
    "Pryce",
    "Achterberg",
    "Faulkner",
    "Sato",
    "Delacroix",
    "Ivers",
    "Quist",
    "Ravel",
    "Sinclair",
    "Tamura",
    "Ulrich",
    "Voss",
];

const CHARACTER_TITLES: &[&str] = &["Inspector", "Dr.", "Captain", "Sister", "Professor"];

/// The demo casts: for movie `m` (an index into [`MOVIES`]), 3–6 distinct
/// actors (indexes into [`actors`]) and the character each one plays.
fn casts(movie_count: usize, actor_count: usize) -> Vec<(usize, usize, String)> {
    let mut casts = Vec::new();
    for m in 0..movie_count {
        let size = 3 + (m * 5) % 4;
        for j in 0..size {
            // 17 is odd, so j * 17 differs for every j below the actor count (a power of two).
            let actor = (m * 11 + j * 17) % actor_count;
            let first = CHARACTER_FIRST_NAMES[(m * 7 + j * 5) % CHARACTER_FIRST_NAMES.len()];
            let last = CHARACTER_LAST_NAMES[(m * 3 + j * 13) % CHARACTER_LAST_NAMES.len()];
            let character = if (m + j) % 4 == 0 {
                let title = CHARACTER_TITLES[(m + j) % CHARACTER_TITLES.len()];
                format!("{title} {first} {last}")
            } else {
                format!("{first} {last}")
            };
            casts.push((m, actor, character));
        }
    }
    casts
}

/// The open roles of movie `m`: their name, breakdown, wanted ages and
/// gender, and candidates (actor indexes, none in the movie's cast) at the
/// stages before a booking, or passed; every stage appears in the set.
type OpenRole = (
    String,
    String,
    (i32, i32),
    Option<&'static str>,
    Vec<(usize, Stage)>,
);

fn open_roles(m: usize, actor_count: usize, cast: &[usize]) -> Vec<OpenRole> {
    const STAGES: [Stage; 5] = [
        Stage::Considered,
        Stage::Shortlisted,
        Stage::Auditioning,
        Stage::Offered,
        Stage::Passed,
    ];
    const WANTED: [(&str, Option<&str>, (i32, i32)); 3] = [
        (
            "the lead's rival, sharp and funny",
            Some("Female"),
            (25, 40),
        ),
        ("a weary mentor with a secret", Some("Male"), (45, 70)),
        ("the stranger who changes everything", None, (18, 35)),
    ];
    (0..2)
        .map(|k| {
            let first = CHARACTER_FIRST_NAMES[(m * 5 + k * 3 + 1) % CHARACTER_FIRST_NAMES.len()];
            let last = CHARACTER_LAST_NAMES[(m * 7 + k * 11 + 2) % CHARACTER_LAST_NAMES.len()];
            let (breakdown, gender, ages) = WANTED[(m + k) % WANTED.len()];
            let mut chosen: Vec<(usize, Stage)> = Vec::new();
            let mut next = m * 13 + k * 29 + 5;
            while chosen.len() < 4 {
                let actor = next % actor_count;
                next += 7;
                if cast.contains(&actor) || chosen.iter().any(|c| c.0 == actor) {
                    continue;
                }
                chosen.push((actor, STAGES[(m + k + chosen.len()) % STAGES.len()]));
            }
            (
                format!("{first} {last}"),
                format!("A supporting part: {breakdown}."),
                ages,
                gender,
                chosen,
            )
        })
        .collect()
}

/// The demo actors: every first name with a few last names (64 in all).
fn actors() -> Vec<(String, i32, &'static str)> {
    (0..64)
        .map(|i| {
            let (first, gender) = FIRST_NAMES[i % FIRST_NAMES.len()];
            let last = LAST_NAMES[(i * 7 + i / FIRST_NAMES.len()) % LAST_NAMES.len()];
            let age = 18 + ((i * 37) % 62) as i32;
            (format!("{first} {last}"), age, gender)
        })
        .collect()
}

/// A demo user's name and its freshly generated password.
pub struct DemoUser {
    pub username: &'static str,
    pub role: Role,
    pub password: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the database already has data; demo data is only seeded into an empty database")]
    NotEmpty,
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

fn random_password() -> String {
    // 80 random bits (20 hex digits from two v4 UUIDs' random parts),
    // URL-safe, easy to copy from a terminal.
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("{}-{}-{}", &a[..6], &a[6..12], &b[..8])
}

/// The demo records as a store writes them into an empty database: ids
/// from 1, version 1, all created now.
fn demo_dump(users: &[(&DemoUser, String)]) -> anyhow::Result<Dump> {
    let now = OffsetDateTime::now_utc();
    // Microseconds, as PostgreSQL keeps them, so copies compare equal.
    let now = now.replace_nanosecond(now.nanosecond() / 1000 * 1000)?;
    let actors: Vec<DumpActor> = actors()
        .into_iter()
        .zip(1..)
        .map(|((name, age, gender), id)| DumpActor {
            id,
            name,
            age,
            gender: gender.to_owned(),
            version: 1,
            created_at: now,
            updated_at: now,
        })
        .collect();
    let mut movies = Vec::new();
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    for ((title, date), id) in MOVIES.iter().zip(1..) {
        movies.push(DumpMovie {
            id,
            title: (*title).to_owned(),
            release_date: time::Date::parse(date, &date_format)?,
            version: 1,
            created_at: now,
            updated_at: now,
        });
    }
    // Each cast entry is a booked role; then each movie's open roles.
    let casts = casts(movies.len(), actors.len());
    let mut roles = Vec::new();
    let mut candidates = Vec::new();
    for (movie, actor, character) in &casts {
        let id = roles.len() as i64 + 1;
        roles.push(DumpRole {
            id,
            movie_id: movies[*movie].id,
            name: Some(character.clone()),
            description: None,
            age_min: None,
            age_max: None,
            gender: None,
            actor_id: Some(actors[*actor].id),
            version: 1,
            created_at: now,
        });
        candidates.push(DumpCandidate {
            role_id: id,
            actor_id: actors[*actor].id,
            stage: Stage::Booked.as_str().to_owned(),
            note: None,
            updated_at: now,
        });
    }
    for (movie, movie_row) in movies.iter().enumerate() {
        let cast: Vec<usize> = casts.iter().filter(|c| c.0 == movie).map(|c| c.1).collect();
        for (name, description, (age_min, age_max), gender, chosen) in
            open_roles(movie, actors.len(), &cast)
        {
            let id = roles.len() as i64 + 1;
            roles.push(DumpRole {
                id,
                movie_id: movie_row.id,
                name: Some(name),
                description: Some(description),
                age_min: Some(age_min),
                age_max: Some(age_max),
                gender: gender.map(str::to_owned),
                actor_id: None,
                version: 1,
                created_at: now,
            });
            for (actor, stage) in chosen {
                candidates.push(DumpCandidate {
                    role_id: id,
                    actor_id: actors[actor].id,
                    stage: stage.as_str().to_owned(),
                    note: (stage == Stage::Passed).then(|| "Not available that season".to_owned()),
                    updated_at: now,
                });
            }
        }
    }
    let auditions = week_of_auditions(&candidates, now);
    let users = users
        .iter()
        .zip(1..)
        .map(|((user, hash), id)| DumpUser {
            id,
            username: user.username.to_owned(),
            username_key: Some(UsernameKey::of(user.username).as_str().to_owned()),
            role: user.role.key().to_owned(),
            password_hash: hash.clone(),
            disabled: false,
            token_generation: 0,
            created_at: now,
            updated_at: now,
        })
        .collect::<Vec<_>>();
    let next_ids = NextIds {
        actors: actors.len() as i64 + 1,
        movies: movies.len() as i64 + 1,
        users: users.len() as i64 + 1,
        roles: roles.len() as i64 + 1,
        auditions: auditions.len() as i64 + 1,
    };
    Ok(Dump {
        actors,
        movies,
        roles,
        candidates,
        auditions,
        users,
        signing_keys: Vec::new(),
        next_ids,
        changes: Vec::new(),
        changes_pruned_through: 0,
        // A new database: the stamps the load leaves are its own.
        write_stamps: Vec::new(),
    })
}

/// Where the demo's auditions take place.
const AUDITION_ROOMS: &[&str] = &["Studio 1", "Studio 2", "Rehearsal Room B"];

/// A week of auditions from today (UTC): one for each candidate at
/// `auditioning` or `offered`, 45 minutes each on the hour from 09:00, one
/// at a time, so none overlaps another (of the actor, or at the room).
fn week_of_auditions(candidates: &[DumpCandidate], now: OffsetDateTime) -> Vec<DumpAudition> {
    const PER_DAY: i64 = 8;
    let today = now.date().midnight().assume_utc().unix_timestamp();
    candidates
        .iter()
        .filter(|c| c.stage == Stage::Auditioning.as_str() || c.stage == Stage::Offered.as_str())
        .zip(0..7 * PER_DAY)
        .map(|(candidate, slot): (&DumpCandidate, i64)| {
            let day = slot / PER_DAY;
            let starts_at = today + day * 86_400 + (9 + slot % PER_DAY) * 3_600;
            let location = AUDITION_ROOMS[slot as usize % AUDITION_ROOMS.len()];
            DumpAudition {
                id: slot + 1,
                role_id: candidate.role_id,
                actor_id: candidate.actor_id,
                starts_at,
                ends_at: starts_at + 45 * 60,
                location: location.to_owned(),
                location_key: location_key(location),
                note: (slot % 3 == 0).then(|| "Prepare the sides sent by email".to_owned()),
                version: 1,
                created_at: now,
            }
        })
        .collect()
}

/// Seeds the demo data set (actors, movies, casts) and users into an empty database, once: it
/// refuses a database that has any actor, movie or user.
pub async fn seed(db: &Store) -> Result<Vec<DemoUser>, DemoError> {
    let demo_users: Vec<DemoUser> = [
        ("assistant", Role::CastingAssistant),
        ("director", Role::CastingDirector),
        ("producer", Role::ExecutiveProducer),
    ]
    .into_iter()
    .map(|(username, role)| DemoUser {
        username,
        role,
        password: random_password(),
    })
    .collect();
    let mut hashed = Vec::new();
    for user in &demo_users {
        hashed.push((user, passwords::hash(user.password.clone()).await?));
    }
    let dump = demo_dump(&hashed)?;
    // Two instances started with --demo at once: only one seeds.
    db.import(&dump)
        .await?
        .map_err(|NotEmpty| DemoError::NotEmpty)?;
    Ok(demo_users)
}

/// Whether the demo users exist (the data was seeded by an earlier `--demo`).
pub async fn already_seeded(db: &Store) -> Result<bool, DbError> {
    Ok(super::users::find(db, "producer").await?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_schedules_a_week_of_auditions_none_overlapping() {
        let dump = demo_dump(&[]).unwrap();
        let auditions = &dump.auditions;
        assert!(auditions.len() >= 10, "{}", auditions.len());
        let first = auditions.iter().map(|a| a.starts_at).min().unwrap();
        let last = auditions.iter().map(|a| a.ends_at).max().unwrap();
        assert!(last - first <= 7 * 86_400);
        for (i, a) in auditions.iter().enumerate() {
            assert!(dump.candidates.iter().any(|c| c.role_id == a.role_id
                && c.actor_id == a.actor_id
                && (c.stage == "auditioning" || c.stage == "offered")));
            for b in &auditions[i + 1..] {
                let overlap = a.starts_at < b.ends_at && b.starts_at < a.ends_at;
                assert!(
                    !(overlap && (a.actor_id == b.actor_id || a.location_key == b.location_key)),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn demo_actors_are_many_distinct_and_valid() {
        let actors = actors();
        assert!(actors.len() >= 60);
        let names: std::collections::HashSet<_> = actors.iter().map(|a| &a.0).collect();
        assert_eq!(names.len(), actors.len(), "names are distinct");
        assert!(actors.iter().all(|a| (0..=150).contains(&a.1)));
        assert!(MOVIES.len() >= 25);
    }

    #[test]
    fn every_demo_movie_casts_three_to_six_distinct_actors_as_valid_characters() {
        let actor_count = actors().len();
        let casts = casts(MOVIES.len(), actor_count);
        for movie in 0..MOVIES.len() {
            let cast: Vec<_> = casts.iter().filter(|c| c.0 == movie).collect();
            assert!((3..=6).contains(&cast.len()), "movie {movie}: {cast:?}");
            let actors: std::collections::HashSet<_> = cast.iter().map(|c| c.1).collect();
            assert_eq!(
                actors.len(),
                cast.len(),
                "movie {movie} casts an actor twice"
            );
            let characters: std::collections::HashSet<_> = cast.iter().map(|c| &c.2).collect();
            assert_eq!(
                characters.len(),
                cast.len(),
                "movie {movie} repeats a character"
            );
            for (_, actor, character) in &cast {
                assert!(*actor < actor_count);
                assert_eq!(
                    casting_shared::domain::parse_character(character).as_ref(),
                    Ok(&Some(character.clone()))
                );
            }
        }
        let sizes: std::collections::HashSet<_> = (0..MOVIES.len())
            .map(|m| casts.iter().filter(|c| c.0 == m).count())
            .collect();
        assert!(sizes.len() > 1, "casts vary in size");
    }

    #[test]
    fn demo_roles_have_candidates_at_every_stage_and_none_from_the_cast() {
        let actor_count = actors().len();
        let casts = casts(MOVIES.len(), actor_count);
        let mut stages = std::collections::HashSet::from([Stage::Booked]);
        for movie in 0..MOVIES.len() {
            let cast: Vec<usize> = casts.iter().filter(|c| c.0 == movie).map(|c| c.1).collect();
            for (_, _, (min, max), _, chosen) in open_roles(movie, actor_count, &cast) {
                assert!(min <= max);
                for (actor, stage) in chosen {
                    assert!(!cast.contains(&actor));
                    stages.insert(stage);
                }
            }
        }
        assert_eq!(stages.len(), Stage::ALL.len(), "{stages:?}");
    }
}
