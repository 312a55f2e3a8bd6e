//! Snapshots of every screen, rendered into ratatui's TestBackend.

use std::collections::BTreeMap;

use casting_shared::Role;
use casting_shared::api::{AuthConfig, BuiltinLogin, ExternalLogin};
use casting_tui::action::{Action, DeviceEvent, Outcome, Related};
use casting_tui::api::ApiError;
use casting_tui::app::App;
use casting_tui::collection::Collection;
use crossterm::event::KeyCode;

use crate::support::*;

fn login_app() -> App {
    let mut app = App::new("https://casting.example.com".into());
    app.color = false;
    app
}

#[test]
fn login_screen() {
    let mut app = login_app();
    app.handle_key(char_key('a'));
    app.handle_key(char_key('n'));
    app.handle_key(code(KeyCode::Tab));
    for c in "secret".chars() {
        app.handle_key(char_key(c));
    }
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn login_screen_wrong_credentials() {
    let mut app = login_app();
    app.update(Action::Done(Outcome::LoggedIn {
        result: Err(ApiError::Status {
            status: 401,
            message: "unauthorized".into(),
            detail: Some("wrong username or password".into()),
            fields: BTreeMap::new(),
            retry_after: None,
        }),
        remember: false,
    }));
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn login_screen_with_browser_sign_in_in_progress() {
    let mut app = login_app();
    app.update(Action::Done(Outcome::AuthConfig(Ok(AuthConfig {
        success: true,
        builtin: BuiltinLogin {
            enabled: true,
            issuer: "https://casting.example.com".into(),
            audience: "casting-agency".into(),
            login_path: "/auth/login".into(),
        },
        external: Some(ExternalLogin {
            issuer: "https://tenant.auth0.com/".into(),
            audience: "casting-agency".into(),
            client_id: Some("tui".into()),
            device_authorization_endpoint: Some(
                "https://tenant.auth0.com/oauth/device/code".into(),
            ),
            token_endpoint: Some("https://tenant.auth0.com/oauth/token".into()),
        }),
    }))));
    app.update(Action::Done(Outcome::Device(DeviceEvent::Started {
        verification_uri: "https://tenant.auth0.com/activate".into(),
        verification_uri_complete: None,
        user_code: "WDJB-MJHT".into(),
        browser_opened: false,
    })));
    insta::assert_snapshot!(screen(&app, 80, 26));
}

#[test]
fn actors_tab() {
    let mut driven = Driven::new(Role::ExecutiveProducer, actors(64), movies(3));
    driven.press("jjj");
    insta::assert_snapshot!(screen(&driven.app, 80, 24));
}

#[test]
fn actors_tab_at_a_large_size() {
    let mut driven = Driven::new(Role::ExecutiveProducer, actors(500), movies(3));
    driven.act(Action::Resize(140, 45));
    driven.press("G");
    insta::assert_snapshot!(screen(&driven.app, 140, 45));
}

#[test]
fn actors_tab_for_an_assistant_offers_only_what_the_role_allows() {
    let mut driven = Driven::new(Role::CastingAssistant, actors(5), movies(3));
    driven.press("n");
    insta::assert_snapshot!(screen(&driven.app, 80, 24));
}

#[test]
fn actors_tab_filtered() {
    let mut driven = Driven::new(Role::ExecutiveProducer, actors(64), movies(3));
    driven.press("/dev");
    insta::assert_snapshot!(screen(&driven.app, 80, 24));
}

#[test]
fn movies_tab() {
    let mut driven = Driven::new(Role::CastingDirector, actors(3), movies(30));
    driven.press("2");
    insta::assert_snapshot!(screen(&driven.app, 80, 24));
}

#[test]
fn edit_dialog_with_field_errors() {
    let mut driven = Driven::new(Role::ExecutiveProducer, actors(10), movies(3));
    driven.press("n");
    driven.key(code(KeyCode::Tab));
    driven.press("151");
    driven.key(ctrl('s'));
    insta::assert_snapshot!(screen(&driven.app, 80, 24));
}

#[test]
fn edit_dialog_with_the_servers_field_errors() {
    let mut driven = Driven::new(Role::ExecutiveProducer, actors(10), movies(3));
    driven.press("2e");
    driven.act(Action::Done(Outcome::Saved {
        collection: Collection::Movies,
        created: false,
        result: Err(ApiError::Status {
            status: 422,
            message: "unprocessable".into(),
            detail: None,
            fields: BTreeMap::from([("title".to_owned(), "is taken on the server".to_owned())]),
            retry_after: None,
        }),
    }));
    insta::assert_snapshot!(screen(&driven.app, 80, 24));
}

#[test]
fn delete_confirmation() {
    let mut driven = Driven::new(Role::ExecutiveProducer, actors(10), movies(3));
    driven.press("jd");
    insta::assert_snapshot!(screen(&driven.app, 80, 24));
}

#[test]
fn help_overlay() {
    let mut driven = Driven::new(Role::ExecutiveProducer, actors(10), movies(3));
    driven.press("?");
    insta::assert_snapshot!(screen(&driven.app, 80, 24));
}

#[test]
fn command_palette_over_the_table() {
    let mut driven = Driven::new(Role::ExecutiveProducer, actors(10), movies(3));
    driven.press(":e");
    insta::assert_snapshot!(screen(&driven.app, 80, 24));
}

#[test]
fn help_filtered_for_an_assistant() {
    let mut driven = Driven::new(Role::CastingAssistant, actors(10), movies(3));
    driven.press("?/filter");
    insta::assert_snapshot!(screen(&driven.app, 80, 24));
}

#[test]
fn error_when_the_server_cannot_be_reached() {
    let mut app = App::new("http://127.0.0.1:9".into());
    app.color = false;
    app.update(Action::Resize(80, 24));
    let effects = app.update(Action::Done(Outcome::LoggedIn {
        result: Ok(session(Role::CastingDirector)),
        remember: false,
    }));
    for effect in effects {
        if let casting_tui::app::Effect::FetchPage { request, .. } = effect {
            app.update(Action::Done(Outcome::Page {
                collection: Collection::Actors,
                request: Box::new(request),
                result: Err(ApiError::Unreachable("connection refused".into())),
            }));
        }
    }
    insta::assert_snapshot!(screen(&app, 80, 24));
}

fn cast_entries() -> Vec<casting_shared::api::CastEntry> {
    actors(4)
        .into_iter()
        .zip([
            Some("Captain Mara Voss"),
            None,
            Some("The Ferryman"),
            Some("Young Elias"),
        ])
        .map(|(actor, character)| casting_shared::api::CastEntry {
            actor,
            character: character.map(str::to_owned),
        })
        .collect()
}

fn cast_view(role: Role) -> Driven {
    let mut driven = Driven::new(role, actors(30), movies(5));
    driven.press("2c");
    driven.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Movies,
        id: 1,
        result: Ok(Related::Cast(cast_entries())),
    }));
    driven
}

#[test]
fn cast_view_of_a_movie() {
    let driven = cast_view(Role::CastingDirector);
    insta::assert_snapshot!(screen(&driven.app, 80, 24));
}

#[test]
fn cast_view_for_an_assistant_offers_no_changes() {
    let driven = cast_view(Role::CastingAssistant);
    insta::assert_snapshot!(screen(&driven.app, 80, 24));
}

#[test]
fn actor_picker_filtering_as_you_type() {
    let mut driven = cast_view(Role::ExecutiveProducer);
    driven.press("a");
    driven.press("dev");
    let generation = match &driven.app.dialog {
        Some(casting_tui::app::Dialog::Cast(view)) => match &view.mode {
            casting_tui::cast::CastMode::Picker(picker) => picker.generation,
            _ => panic!("no picker"),
        },
        _ => panic!("no cast view"),
    };
    let found: Vec<_> = actors(30)
        .into_iter()
        .filter(|a| a.name.starts_with("Dev"))
        .collect();
    let total = found.len();
    driven.act(Action::Done(Outcome::CastSearch {
        movie_id: 1,
        generation,
        after: None,
        result: Ok(matches(found, total, None)),
    }));
    driven.key(code(KeyCode::Down));
    insta::assert_snapshot!(screen(&driven.app, 80, 24));
}

#[test]
fn character_dialog() {
    let mut driven = cast_view(Role::ExecutiveProducer);
    driven.press("je");
    driven.press("Old Elias");
    insta::assert_snapshot!(screen(&driven.app, 80, 24));
}

#[test]
fn filmography_of_an_actor() {
    let mut driven = Driven::new(Role::CastingAssistant, actors(30), movies(5));
    driven.press("c");
    let entries = movies(3)
        .into_iter()
        .zip([Some("Mara"), Some("Captain Voss"), None])
        .map(|(movie, character)| casting_shared::api::FilmographyEntry {
            movie,
            character: character.map(str::to_owned),
        })
        .collect();
    driven.act(Action::Done(Outcome::RelatedLoaded {
        collection: Collection::Actors,
        id: 1,
        result: Ok(Related::Filmography(entries)),
    }));
    insta::assert_snapshot!(screen(&driven.app, 80, 24));
}

/// The colour the tab bar's title is drawn in.
fn title_color(d: &mut Driven) -> ratatui::style::Color {
    d.act(Action::Resize(80, 24));
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|frame| frame.render_widget(&d.app, frame.area()))
        .unwrap();
    terminal.backend().buffer()[(1, 0)].fg
}

#[test]
fn themes_dark_light_config_colours_and_no_color() {
    use casting_tui::config::Config;
    use ratatui::style::Color;
    let mut d = Driven::new(Role::ExecutiveProducer, actors(3), movies(1));
    d.app.color = true;
    assert_eq!(title_color(&mut d), Color::Cyan, "dark by default");
    d.app
        .configure(Config::parse("theme = \"light\"").unwrap())
        .unwrap();
    assert_eq!(title_color(&mut d), Color::Blue, "light");
    d.app
        .configure(Config::parse("theme = \"light\"\n[colors]\naccent = \"#ff5555\"").unwrap())
        .unwrap();
    assert_eq!(
        title_color(&mut d),
        Color::Rgb(0xff, 0x55, 0x55),
        "the config's colour wins"
    );
    d.app.color = false;
    assert_eq!(title_color(&mut d), Color::Reset, "NO_COLOR: none at all");
}
