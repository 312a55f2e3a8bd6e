//! The casting pipeline driven by keys: roles of a movie, a role's
//! pipeline (stages, booking, the picker, auditions and their clashes),
//! the Auditions tab, a colleague's changes, and an assistant's refusals.

use casting_shared::Role as UserRole;
use casting_shared::casting::{Audition, CandidateSet, Stage};
use casting_tui::action::{Action, Outcome};
use casting_tui::api::{ApiError, Refusal, ScheduleQuery};
use casting_tui::app::Dialog;
use casting_tui::bindings::Context;
use casting_tui::casting::pipeline::PipelineMode;
use casting_tui::casting::{Reply, Request};
use casting_tui::keymap::context;
use casting_tui::live::LiveEvent;
use crossterm::event::KeyCode;
use serde_json::json;

use crate::support::*;

fn producer() -> Driven {
    Driven::new(UserRole::ExecutiveProducer, actors(8), movies(3))
}

fn pipeline_view(d: &Driven) -> &casting_tui::casting::pipeline::PipelineView {
    match &d.app.dialog {
        Some(Dialog::Roles(view)) => view.pipeline.as_ref().expect("a pipeline is open"),
        _ => panic!("no roles open"),
    }
}

fn conflict(detail: &str) -> ApiError {
    let mut refusal = error(409);
    if let ApiError::Status { detail: d, .. } = &mut refusal {
        *d = Some(detail.into());
    }
    refusal
}

#[test]
fn casting_r_on_a_movie_opens_its_roles_and_enter_a_roles_pipeline() {
    let mut d = producer();
    let effects = d.press("2r");
    assert_eq!(requests(&effects), vec![Request::Roles { movie_id: 1 }]);
    assert_eq!(context(&d.app).0, Context::Roles);
    d.key(code(KeyCode::Esc));
    pipeline(&mut d);
    assert_eq!(context(&d.app).0, Context::Pipeline);
    let screen = d.screen_at(100, 30);
    for text in [
        "Guard — open",
        "▸ Considered (2)",
        "▸ Shortlisted (1)",
        "Next audition",
    ] {
        assert!(screen.contains(text), "{text}:\n{screen}");
    }
    assert!(screen.contains("Tue 2027-03-02 14:00–15:00"), "{screen}");
    // Esc: back to the roles (read again), Esc again: the table.
    let effects = d.key(code(KeyCode::Esc));
    assert_eq!(requests(&effects), vec![Request::Roles { movie_id: 1 }]);
    assert_eq!(context(&d.app).0, Context::Roles);
    d.key(code(KeyCode::Esc));
    assert!(d.app.dialog.is_none());
    // On an actor, r says where roles are.
    let effects = d.press("1r");
    assert!(requests(&effects).is_empty());
    assert!(
        status(&d.app).contains("Roles belong to movies"),
        "{}",
        status(&d.app)
    );
}

#[test]
fn casting_stage_keys_move_the_candidate_and_booking_asks_first() {
    let mut d = producer();
    pipeline(&mut d);
    let first = d.actors[0].clone();
    let effects = d.press(">");
    assert_eq!(
        requests(&effects),
        vec![Request::SetCandidate {
            role_id: 7,
            actor_id: first.id,
            name: first.name.clone(),
            stage: Some(Stage::Shortlisted),
        }]
    );
    // Considered has no stage before it.
    assert!(requests(&d.press("<")).is_empty());
    let effects = d.press("p");
    assert!(matches!(
        requests(&effects)[..],
        [Request::SetCandidate {
            stage: Some(Stage::Passed),
            ..
        }]
    ));
    // b asks first; Cancel is the default.
    assert!(requests(&d.press("b")).is_empty());
    assert!(d.app.confirm.is_some());
    d.key(code(KeyCode::Enter));
    assert_eq!(status(&d.app), "Nobody booked");
    d.press("b");
    let effects = d.press("y");
    assert!(matches!(
        requests(&effects)[..],
        [Request::SetCandidate {
            stage: Some(Stage::Booked),
            ..
        }]
    ));
    // The server refuses (another actor is booked): said, nothing changes.
    let before = pipeline_view(&d).candidates().to_vec();
    let effects = reply(
        &mut d,
        Reply::CandidateSet {
            role_id: 7,
            name: first.name.clone(),
            stage: Some(Stage::Booked),
            result: Err(conflict("the role already has a booked actor")),
        },
    );
    assert!(requests(&effects).is_empty(), "{effects:?}");
    assert!(
        status(&d.app).contains("409") && status(&d.app).contains("already has a booked actor"),
        "{}",
        status(&d.app)
    );
    assert_eq!(pipeline_view(&d).candidates(), &before[..]);
    // `>` on an offered candidate is a booking too: it asks.
    d.press("jjj");
    assert_eq!(
        pipeline_view(&d).selected_candidate().map(|c| c.stage),
        Some(Stage::Offered)
    );
    d.press(">");
    assert!(d.app.confirm.is_some());
    d.press("n");
    // A booking that goes through: said, and the role and roles read again.
    let mut body = guard_body(&d.actors.clone());
    body.candidates[0].stage = Stage::Booked;
    let effects = reply(
        &mut d,
        Reply::CandidateSet {
            role_id: 7,
            name: first.name.clone(),
            stage: Some(Stage::Booked),
            result: Ok(CandidateSet {
                success: true,
                candidate: body.candidates[0].clone(),
                role: body.role.clone(),
            }),
        },
    );
    assert_eq!(
        requests(&effects),
        vec![Request::Role { role_id: 7 }, Request::Roles { movie_id: 1 }]
    );
    assert_eq!(status(&d.app), format!("Booked {} as Guard", first.name));
}

#[test]
fn casting_the_picker_offers_first_who_fits_the_role() {
    let mut d = producer();
    pipeline(&mut d);
    let effects = d.press("a");
    let [
        Request::Matches {
            fit, generation, ..
        },
    ] = &requests(&effects)[..]
    else {
        panic!("{effects:?}");
    };
    assert_eq!(
        fit,
        &vec![
            ("gender", "Female".to_owned()),
            ("min_age", "25".to_owned()),
            ("max_age", "40".to_owned())
        ]
    );
    assert_eq!(context(&d.app), (Context::Picker, true));
    let fitting = vec![d.actors[6].clone()];
    let others = vec![d.actors[5].clone(), d.actors[0].clone()];
    reply(
        &mut d,
        Reply::Matches {
            role_id: 7,
            generation: *generation,
            result: Ok((fitting.clone(), others)),
        },
    );
    let screen = d.screen_at(100, 30);
    let line = screen
        .lines()
        .find(|l| l.contains(&fitting[0].name))
        .unwrap();
    assert!(line.contains("fits"), "{screen}");
    // Typing searches again (a newer generation).
    let effects = d.press("x");
    assert!(matches!(
        requests(&effects)[..],
        [Request::Matches { generation: 2, ref q, .. }] if q == "x"
    ));
    d.key(code(KeyCode::Backspace));
    reply(
        &mut d,
        Reply::Matches {
            role_id: 7,
            generation: 3,
            result: Ok((fitting.clone(), Vec::new())),
        },
    );
    let effects = d.key(code(KeyCode::Enter));
    assert_eq!(
        requests(&effects),
        vec![Request::SetCandidate {
            role_id: 7,
            actor_id: fitting[0].id,
            name: fitting[0].name.clone(),
            stage: None,
        }]
    );
    assert_eq!(context(&d.app).0, Context::Pipeline);
}

#[test]
fn casting_an_audition_clash_keeps_the_dialog_open_and_names_the_clash() {
    let mut d = producer();
    pipeline(&mut d);
    d.press("A");
    assert_eq!(context(&d.app), (Context::Form, true));
    // A bad time is caught before sending.
    for text in ["2027-03-02", "\t", "2pm", "\t", "15:00", "\t", "Room A"] {
        match text {
            "\t" => d.key(code(KeyCode::Tab)),
            text => d.press(text),
        };
    }
    let effects = d.key(ctrl('s'));
    assert!(requests(&effects).is_empty());
    let screen = d.screen_at(100, 30);
    assert!(screen.contains("must be a time as HH:MM"), "{screen}");
    // Fixed: sent.
    d.key(code(KeyCode::BackTab));
    d.key(code(KeyCode::BackTab));
    for _ in 0..3 {
        d.key(code(KeyCode::Backspace));
    }
    d.press("14:30");
    let effects = d.key(ctrl('s'));
    let first = d.actors[0].id;
    assert_eq!(
        requests(&effects),
        vec![Request::ScheduleAudition {
            role_id: 7,
            body: json!({
                "actor_id": first,
                "starts_at": "2027-03-02T14:30:00Z",
                "ends_at": "2027-03-02T15:00:00Z",
                "location": "Room A",
            }),
        }]
    );
    // It clashes with the audition at 14:00: the dialog stays, naming it.
    let clash: Audition = audition(3, 7, first, "2027-03-02T14:00:00Z", "2027-03-02T15:00:00Z");
    reply(
        &mut d,
        Reply::AuditionScheduled {
            role_id: 7,
            result: Err(Refusal {
                error: conflict("the actor has another audition then"),
                conflicts: vec![clash],
            }),
        },
    );
    assert!(matches!(
        pipeline_view(&d).mode,
        PipelineMode::Audition(ref form) if !form.saving && form.clashes.len() == 1
    ));
    let screen = d.screen_at(100, 30);
    assert!(
        screen.contains("the actor has another audition then")
            && screen.contains("✗ Tue 2027-03-02 14:00–15:00 at Room A"),
        "{screen}"
    );
    // Moved later: scheduled, the dialog closes, the role is read again.
    let effects = reply(
        &mut d,
        Reply::AuditionScheduled {
            role_id: 7,
            result: Ok(audition(
                4,
                7,
                first,
                "2027-03-02T15:00:00Z",
                "2027-03-02T15:30:00Z",
            )),
        },
    );
    // The roles too: the candidate's stage (and so the role's counts) may move.
    assert_eq!(
        requests(&effects),
        vec![Request::Role { role_id: 7 }, Request::Roles { movie_id: 1 }]
    );
    assert!(matches!(pipeline_view(&d).mode, PipelineMode::Browse));
    assert!(status(&d.app).starts_with("Audition scheduled: Tue 2027-03-02 15:00–15:30"));
}

#[test]
fn casting_roles_are_created_edited_and_deleted_from_their_list() {
    let mut d = producer();
    pipeline(&mut d);
    d.key(code(KeyCode::Esc));
    d.press("n");
    assert_eq!(context(&d.app), (Context::Form, true));
    d.press("Witch");
    d.key(code(KeyCode::Tab));
    d.key(code(KeyCode::Tab));
    d.press("50");
    d.key(code(KeyCode::Tab));
    d.press("40");
    let effects = d.key(ctrl('s'));
    assert!(
        requests(&effects).is_empty(),
        "age from above age to is refused"
    );
    d.key(code(KeyCode::Backspace));
    d.key(code(KeyCode::Backspace));
    d.press("60");
    let effects = d.key(ctrl('s'));
    assert_eq!(
        requests(&effects),
        vec![Request::CreateRole {
            movie_id: 1,
            body: json!({"name": "Witch", "description": null, "age_min": 50,
                         "age_max": 60, "gender": null}),
        }]
    );
    let effects = reply(
        &mut d,
        Reply::RoleSaved {
            movie_id: 1,
            created: true,
            result: Ok(role(9, 1, "Witch")),
        },
    );
    assert_eq!(requests(&effects), vec![Request::Roles { movie_id: 1 }]);
    assert_eq!(status(&d.app), "Created role Witch");
    reply(
        &mut d,
        Reply::Roles {
            movie_id: 1,
            result: Ok(vec![
                role(7, 1, "Guard"),
                role(8, 1, "Queen"),
                role(9, 1, "Witch"),
            ]),
        },
    );
    assert_eq!(
        d.app.dialog.as_ref().map(|dialog| match dialog {
            Dialog::Roles(view) => view.selected_role().map(|r| r.id),
            _ => None,
        }),
        Some(Some(9)),
        "the new role is selected"
    );
    // e edits the selected role, its values filled in.
    d.press("ge");
    let effects = d.key(ctrl('s'));
    assert!(matches!(
        requests(&effects)[..],
        [Request::UpdateRole { role_id: 7, .. }]
    ));
    reply(
        &mut d,
        Reply::RoleSaved {
            movie_id: 1,
            created: false,
            result: Ok(role(7, 1, "Guard")),
        },
    );
    // d asks first.
    assert!(requests(&d.press("d")).is_empty());
    let effects = d.press("y");
    assert_eq!(
        requests(&effects),
        vec![Request::DeleteRole {
            role_id: 7,
            label: "Guard".into()
        }]
    );
}

#[test]
fn casting_an_assistant_is_told_why_not_and_offered_only_what_the_role_allows() {
    let mut d = Driven::new(UserRole::CastingAssistant, actors(8), movies(3));
    pipeline(&mut d);
    for key in ["a", ">", "<", "p", "b", "A"] {
        let effects = d.press(key);
        assert!(requests(&effects).is_empty(), "{key}");
        assert!(d.app.confirm.is_none());
        assert_eq!(
            status(&d.app),
            "Casting Assistant cannot change roles or candidates (patch:movies)",
            "{key}"
        );
    }
    let screen = d.screen_at(100, 30);
    let footer = screen.lines().next_back().unwrap();
    assert!(
        !footer.contains("book") && footer.contains("back"),
        "{footer}"
    );
    d.key(code(KeyCode::Esc));
    d.press("n");
    assert!(d.app.dialog.as_ref().is_some_and(|dialog| matches!(
        dialog,
        Dialog::Roles(view) if view.form.is_none()
    )));
}

#[test]
fn casting_the_auditions_tab_shows_the_schedule_by_day_and_filters_it() {
    let mut d = producer();
    auditions_tab(&mut d);
    assert_eq!(context(&d.app).0, Context::Auditions);
    let screen = d.screen_at(100, 30);
    let today = screen
        .lines()
        .find(|l| l.contains("Mon 2027-03-01"))
        .unwrap();
    assert!(today.contains("today"), "{screen}");
    assert!(screen.contains("Tue 2027-03-02"), "{screen}");
    assert!(screen.contains("3 Auditions"), "{screen}");
    // l: only the selected audition's location; a: only its actor.
    let effects = d.press("l");
    let [Request::Schedule { query, .. }] = &requests(&effects)[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(query.location.as_deref(), Some("Room A"));
    let actor = d.app.schedule.selected_audition().unwrap().actor.clone();
    let effects = d.press("a");
    let [Request::Schedule { query, .. }] = &requests(&effects)[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(query.actor_id, Some(actor.id));
    // x writes what is shown: the same filters, from today.
    d.press("x");
    let effects = d.key(code(KeyCode::Enter));
    assert_eq!(
        requests(&effects),
        vec![Request::Calendar {
            query: ScheduleQuery {
                from: Some("2027-03-01".into()),
                location: Some("Room A".into()),
                actor_id: Some(actor.id),
            },
            path: "auditions.ics".into(),
        }]
    );
    reply(
        &mut d,
        Reply::CalendarWritten {
            path: "auditions.ics".into(),
            result: Ok(2),
        },
    );
    assert_eq!(status(&d.app), "Wrote 2 auditions to auditions.ics");
    // Esc: everyone, everywhere again; 1 back to the actors.
    let effects = d.key(code(KeyCode::Esc));
    assert!(matches!(
        requests(&effects)[..],
        [Request::Schedule { ref query, .. }] if query.location.is_none() && query.actor_id.is_none()
    ));
    d.press("1");
    assert_eq!(context(&d.app).0, Context::Table);
    assert!(!d.app.auditions_tab);
    // Tab goes round: Actors, Movies, Auditions.
    d.key(code(KeyCode::Tab));
    d.key(code(KeyCode::Tab));
    assert!(d.app.auditions_tab);
}

#[test]
fn casting_enter_on_an_audition_opens_its_roles_pipeline() {
    let mut d = producer();
    auditions_tab(&mut d);
    let effects = d.key(code(KeyCode::Enter));
    assert_eq!(
        requests(&effects),
        vec![Request::Roles { movie_id: 1 }, Request::Role { role_id: 7 }]
    );
    assert_eq!(context(&d.app).0, Context::Pipeline);
}

#[test]
fn casting_a_colleagues_changes_reload_the_pipeline_and_the_schedule() {
    let mut d = producer();
    auditions_tab(&mut d);
    d.press("1");
    pipeline(&mut d);
    let actor = d.actors[1].id;
    let moved = change(
        "director",
        "updated",
        "candidate",
        7,
        json!({"role_id": 7, "actor_id": actor, "stage": "considered", "note": null}),
        json!({"role_id": 7, "actor_id": actor, "stage": "shortlisted", "note": null}),
    );
    let effects = d.act(Action::Done(Outcome::Live(LiveEvent::Change(Box::new(
        moved,
    )))));
    let asked = requests(&effects);
    assert!(asked.contains(&Request::Role { role_id: 7 }), "{asked:?}");
    assert!(asked.contains(&Request::Roles { movie_id: 1 }), "{asked:?}");
    assert!(
        status(&d.app).starts_with("director moved "),
        "{}",
        status(&d.app)
    );
    // An audition elsewhere: the schedule (not shown) is read when it is.
    let scheduled = change(
        "director",
        "created",
        "audition",
        12,
        serde_json::Value::Null,
        json!({"id": 12, "role_id": 9, "actor_id": actor, "starts_at": "2027-03-05T10:00:00Z",
               "ends_at": "2027-03-05T11:00:00Z", "location": "Room B", "note": null}),
    );
    let effects = d.act(Action::Done(Outcome::Live(LiveEvent::Change(Box::new(
        scheduled,
    )))));
    assert!(requests(&effects).is_empty(), "{effects:?}");
    assert!(d.app.schedule.stale);
    assert!(status(&d.app).contains("scheduled an audition of"));
}
