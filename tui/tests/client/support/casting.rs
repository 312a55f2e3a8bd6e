//! The casting pipeline for the key and render tests: roles, candidates
//! and auditions made in memory, and the runtime's answers fed back.

use casting_shared::Actor;
use casting_shared::casting::{
    ActorRef, Audition, AuditionList, Candidate, MovieRef, Role, RoleBody, RoleCandidates, RoleRef,
    RoleStatus, ScheduledAudition, Stage, parse_timestamp,
};
use casting_tui::action::{Action, Outcome};
use casting_tui::app::Effect;
use casting_tui::casting::{Reply, Request};
use time::OffsetDateTime;
use time::macros::{date, datetime};

use super::Driven;

/// The clock the pipeline was read at: 2027-03-01 09:00 UTC.
pub const NOW: OffsetDateTime = datetime!(2027-03-01 09:00 UTC);

pub fn role(id: i64, movie_id: i64, name: &str) -> Role {
    Role {
        id,
        movie_id,
        name: Some(name.into()),
        description: Some("A tired guard who has seen everything".into()),
        age_min: Some(25),
        age_max: Some(40),
        gender: Some("Female".into()),
        actor: None,
        status: RoleStatus::Open,
        candidates: RoleCandidates::default(),
    }
}

pub fn at(text: &str) -> OffsetDateTime {
    parse_timestamp(text).unwrap()
}

pub fn audition(id: i64, role_id: i64, actor_id: i64, start: &str, end: &str) -> Audition {
    Audition {
        id,
        role_id,
        actor_id,
        starts_at: at(start),
        ends_at: at(end),
        location: "Room A".into(),
        note: None,
    }
}

/// Role 7 ("Guard" of movie 1) with candidates at several stages and an
/// audition for the first.
pub fn guard_body(actors: &[Actor]) -> RoleBody {
    let stages = [
        Stage::Considered,
        Stage::Considered,
        Stage::Shortlisted,
        Stage::Offered,
        Stage::Passed,
    ];
    let candidates: Vec<Candidate> = actors
        .iter()
        .zip(stages)
        .map(|(actor, stage)| Candidate {
            role_id: 7,
            actor: actor.clone(),
            stage,
            note: Some(format!("note on {}", actor.name)),
            updated_at: "2027-02-01T10:00:00Z".into(),
        })
        .collect();
    let mut role = role(7, 1, "Guard");
    for c in &candidates {
        role.candidates
            .set(c.stage, role.candidates.get(c.stage) + 1);
    }
    RoleBody {
        success: true,
        role,
        candidates,
        auditions: vec![audition(
            3,
            7,
            actors[0].id,
            "2027-03-02T14:00:00Z",
            "2027-03-02T15:00:00Z",
        )],
    }
}

/// Feeds the runtime's answer to a casting request.
pub fn reply(d: &mut Driven, reply: Reply) -> Vec<Effect> {
    d.act(Action::Done(Outcome::Casting(Box::new(reply))))
}

/// The casting requests among effects.
pub fn requests(effects: &[Effect]) -> Vec<Request> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Casting(request) => Some(request.clone()),
            _ => None,
        })
        .collect()
}

/// The Movies tab, `r` on the first movie, its roles read, Enter on Guard,
/// its pipeline read.
pub fn pipeline(d: &mut Driven) {
    d.press("2r");
    let roles = vec![role(7, 1, "Guard"), role(8, 1, "Queen")];
    reply(
        d,
        Reply::Roles {
            movie_id: 1,
            result: Ok(roles),
        },
    );
    d.key(super::code(crossterm::event::KeyCode::Enter));
    let body = guard_body(&d.actors.clone());
    reply(
        d,
        Reply::Role {
            role_id: 7,
            at: NOW,
            result: Ok(body),
        },
    );
}

/// A week of auditions from 2027-03-01 (today), two a day.
pub fn schedule(actors: &[Actor]) -> AuditionList {
    let mut auditions = Vec::new();
    for day in 0..4i64 {
        for slot in 0..2i64 {
            let id = day * 2 + slot + 1;
            let actor = &actors[(id as usize) % actors.len()];
            let start = NOW + time::Duration::days(day) + time::Duration::hours(slot * 2 + 1);
            auditions.push(ScheduledAudition {
                audition: Audition {
                    id,
                    role_id: 7,
                    actor_id: actor.id,
                    starts_at: start,
                    ends_at: start + time::Duration::hours(1),
                    location: if slot == 0 { "Room A" } else { "Studio 2" }.into(),
                    note: None,
                },
                role: RoleRef {
                    id: 7,
                    name: Some("Guard".into()),
                },
                movie: MovieRef {
                    id: 1,
                    title: "The Long Intermission 1".into(),
                },
                actor: ActorRef {
                    id: actor.id,
                    name: actor.name.clone(),
                },
            });
        }
    }
    AuditionList {
        success: true,
        total: auditions.len() as i64,
        auditions,
        total_exact: true,
        page: Some(1),
        per_page: 100,
        next: None,
    }
}

/// `3`, and the schedule's first page read.
pub fn auditions_tab(d: &mut Driven) {
    let effects = d.press("3");
    let generation = requests(&effects)
        .into_iter()
        .find_map(|r| match r {
            Request::Schedule { generation, .. } => Some(generation),
            _ => None,
        })
        .expect("3 reads the schedule");
    let list = schedule(&d.actors.clone());
    reply(
        d,
        Reply::Schedule {
            generation,
            today: date!(2027 - 03 - 01),
            after: None,
            result: Ok(list),
        },
    );
}
