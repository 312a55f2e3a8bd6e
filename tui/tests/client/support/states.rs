//! Building app states for the render and key tests: the app is driven
//! through its own `update`, with page answers made from in-memory rows.

use casting_shared::changes::Change;
use casting_shared::{Actor, Movie, Role};
use casting_tui::action::{Action, Outcome, Record, Rows};
use casting_tui::api::{ApiError, ListPage, ListParams, Tagged};
use casting_tui::app::{App, Dialog, Effect, Session};
use casting_tui::collection::Collection;
use casting_tui::live::LiveEvent;
use serde_json::{Value, json};
use time::macros::date;

pub fn actors(count: usize) -> Vec<Actor> {
    const NAMES: &[&str] = &[
        "Amara Abara",
        "Benedict Haddad",
        "Chiara O'Connell",
        "Dev Valdés",
        "Elena Castellano",
    ];
    (1..=count)
        .map(|i| Actor {
            id: i as i64,
            name: format!("{} {i}", NAMES[i % NAMES.len()]),
            age: 18 + (i % 60) as i32,
            gender: if i % 2 == 0 {
                "Female".into()
            } else {
                "Male".into()
            },
        })
        .collect()
}

pub fn movies(count: usize) -> Vec<Movie> {
    (1..=count)
        .map(|i| Movie {
            id: i as i64,
            title: format!("The Long Intermission {i}"),
            release_date: date!(2020 - 01 - 01)
                .replace_day((i % 28 + 1) as u8)
                .unwrap(),
        })
        .collect()
}

pub fn session(role: Role) -> Session {
    Session {
        token: "token".into(),
        username: Some(role.key().into()),
        role: Some(role),
        permissions: role.permissions().to_vec(),
        expires_at: i64::MAX,
        issued_at: 0,
        remembered: false,
        renewal: casting_tui::session::Renewal::Server,
    }
}

/// A logged-in app of `width`×`height` with page answers from `actors` and `movies`.
pub struct Driven {
    pub app: App,
    pub actors: Vec<Actor>,
    pub movies: Vec<Movie>,
    /// Every effect seen, in order.
    pub effects: Vec<Effect>,
    /// Past this many matches of a filter the count stops (`total_exact`
    /// false), as the server's does past 10 000.
    pub counted: Option<usize>,
}

impl Driven {
    pub fn new(role: Role, actors: Vec<Actor>, movies: Vec<Movie>) -> Self {
        let mut app = App::new("http://127.0.0.1:8080".into());
        app.color = false;
        let mut driven = Self {
            app,
            actors,
            movies,
            effects: Vec::new(),
            counted: None,
        };
        driven.act(Action::Resize(80, 24));
        driven.act(Action::Done(Outcome::LoggedIn {
            result: Ok(session(role)),
            remember: false,
        }));
        driven
    }

    /// Applies an action, then answers every page request it caused.
    pub fn act(&mut self, action: Action) -> Vec<Effect> {
        let effects = self.app.update(action);
        self.answer(effects)
    }

    pub fn key(&mut self, key: crossterm::event::KeyEvent) -> Vec<Effect> {
        let effects = self.app.handle_key(key);
        self.answer(effects)
    }

    pub fn press(&mut self, keys: &str) -> Vec<Effect> {
        let mut all = Vec::new();
        for c in keys.chars() {
            all.extend(self.key(char_key(c)));
        }
        all
    }

    fn answer(&mut self, effects: Vec<Effect>) -> Vec<Effect> {
        self.effects.extend(effects.iter().cloned());
        let mut follow = Vec::new();
        for effect in &effects {
            let outcome = match effect {
                Effect::FetchPage {
                    collection: Collection::Actors,
                    request,
                } => {
                    let rows = filter(&self.actors, &request.params.q, |a| &a.name);
                    let rows = actors_matching(rows, &request.params.filters);
                    let rows = sort_actors(rows, &request.params.sort);
                    let page = list_page(&rows, &request.params, |a| a.id);
                    let page = self.count(page, &request.params);
                    Some(Outcome::Page {
                        collection: Collection::Actors,
                        request: Box::new(request.clone()),
                        result: Ok(page.map(Rows::Actors)),
                    })
                }
                Effect::FetchPage {
                    collection: Collection::Movies,
                    request,
                } => {
                    let rows = filter(&self.movies, &request.params.q, |m| &m.title);
                    let rows = movies_matching(rows, &request.params.filters);
                    let rows = sort_movies(rows, &request.params.sort);
                    let page = list_page(&rows, &request.params, |m| m.id);
                    let page = self.count(page, &request.params);
                    Some(Outcome::Page {
                        collection: Collection::Movies,
                        request: Box::new(request.clone()),
                        result: Ok(page.map(Rows::Movies)),
                    })
                }
                _ => None,
            };
            if let Some(outcome) = outcome {
                follow.extend(self.act(Action::Done(outcome)));
            }
        }
        effects.into_iter().chain(follow).collect()
    }
}

impl Driven {
    /// The total as the server counts it: a filtered count stops past
    /// [`Driven::counted`].
    fn count<T>(&self, mut page: ListPage<T>, params: &ListParams) -> ListPage<T> {
        let filtered = !params.q.is_empty() || !params.filters.is_empty();
        if let Some(cap) = self.counted.filter(|cap| filtered && page.total > *cap) {
            page.total = cap + 1;
            page.total_exact = false;
        }
        page
    }
}

fn filter<T: Clone>(rows: &[T], q: &str, text: impl Fn(&T) -> &String) -> Vec<T> {
    let q = q.to_lowercase();
    rows.iter()
        .filter(|r| text(r).to_lowercase().contains(&q))
        .cloned()
        .collect()
}

/// The server's other filters, as it applies them (ranges include their ends).
fn actors_matching(rows: Vec<Actor>, filters: &[(&'static str, String)]) -> Vec<Actor> {
    rows.into_iter()
        .filter(|actor| {
            filters.iter().all(|(key, value)| match *key {
                "gender" => actor.gender.eq_ignore_ascii_case(value),
                "min_age" => value.parse().is_ok_and(|min: i32| actor.age >= min),
                "max_age" => value.parse().is_ok_and(|max: i32| actor.age <= max),
                other => panic!("actors have no filter {other}"),
            })
        })
        .collect()
}

fn movies_matching(rows: Vec<Movie>, filters: &[(&'static str, String)]) -> Vec<Movie> {
    rows.into_iter()
        .filter(|movie| {
            let date = casting_shared::domain::format_date(movie.release_date);
            filters.iter().all(|(key, value)| match *key {
                "released_from" => date.as_str() >= value.as_str(),
                "released_to" => date.as_str() <= value.as_str(),
                other => panic!("movies have no filter {other}"),
            })
        })
        .collect()
}

fn sort_movies(mut rows: Vec<Movie>, sort: &str) -> Vec<Movie> {
    let (descending, field) = match sort.strip_prefix('-') {
        Some(f) => (true, f),
        None => (false, sort),
    };
    match field {
        "title" => rows.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id))),
        "release_date" => {
            rows.sort_by(|a, b| a.release_date.cmp(&b.release_date).then(a.id.cmp(&b.id)))
        }
        _ => rows.sort_by_key(|m| m.id),
    }
    if descending {
        rows.reverse();
    }
    rows
}

fn sort_actors(mut rows: Vec<Actor>, sort: &str) -> Vec<Actor> {
    let (descending, field) = match sort.strip_prefix('-') {
        Some(f) => (true, f),
        None => (false, sort),
    };
    match field {
        "name" => rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id))),
        "age" => rows.sort_by(|a, b| a.age.cmp(&b.age).then(a.id.cmp(&b.id))),
        _ => rows.sort_by_key(|a| a.id),
    }
    if descending {
        rows.reverse();
    }
    rows
}

/// The page a list request asks for, as the server answers it: by page
/// number, or after a cursor (here the id of the row before).
pub fn list_page<T: Clone>(
    rows: &[T],
    params: &ListParams,
    id: impl Fn(&T) -> i64,
) -> ListPage<Vec<T>> {
    let per_page = params.per_page as usize;
    let start = match &params.after {
        Some(cursor) => {
            let after: i64 = cursor.parse().unwrap();
            rows.iter()
                .position(|r| id(r) == after)
                .map_or(rows.len(), |at| at + 1)
        }
        None => (params.page as usize).saturating_sub(1) * per_page,
    };
    let page: Vec<T> = rows.iter().skip(start).take(per_page).cloned().collect();
    let next = (start + page.len() < rows.len())
        .then(|| page.last().map(|r| id(r).to_string()))
        .flatten();
    ListPage {
        rows: page,
        total: rows.len(),
        total_exact: true,
        next,
    }
}

/// A page of the actor picker's matches.
pub fn matches(actors: Vec<Actor>, total: usize, next: Option<&str>) -> ListPage<Vec<Actor>> {
    ListPage {
        rows: actors,
        total,
        total_exact: true,
        next: next.map(str::to_owned),
    }
}

/// The edit dialog's values, field by field.
pub fn form_values(d: &Driven) -> Vec<String> {
    match &d.app.dialog {
        Some(Dialog::Form(form)) => form.fields.iter().map(|f| f.value().to_owned()).collect(),
        _ => panic!("no edit dialog"),
    }
}

/// The status bar's text.
pub fn status(app: &App) -> String {
    app.status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

/// An error answer of the API with this status.
pub fn error(status: u16) -> ApiError {
    ApiError::Status {
        status,
        message: casting_shared::api::status_message(status).into(),
        detail: None,
        fields: std::collections::BTreeMap::new(),
        retry_after: None,
    }
}

/// The server's answer to `GET /actors/{id}`.
pub fn fetched_actor(actor: Actor, etag: Option<String>) -> Outcome {
    Outcome::Fetched {
        collection: Collection::Actors,
        id: actor.id,
        result: Ok(Tagged {
            value: Record::Actor(actor),
            etag,
        }),
    }
}

pub fn char_key(c: char) -> crossterm::event::KeyEvent {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let modifiers = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    KeyEvent::new(KeyCode::Char(c), modifiers)
}

pub fn code(code: crossterm::event::KeyCode) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE)
}

pub fn alt(c: char) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(c),
        crossterm::event::KeyModifiers::ALT,
    )
}

pub fn ctrl(c: char) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(c),
        crossterm::event::KeyModifiers::CONTROL,
    )
}

impl Driven {
    /// The app at `width`×`height` (as the terminal would tell it), drawn.
    pub fn screen_at(&mut self, width: u16, height: u16) -> String {
        self.act(Action::Resize(width, height));
        screen(&self.app, width, height)
    }
}

/// The app drawn into a `width`×`height` TestBackend, as text (the app's
/// own size is left as it is: see [`Driven::screen_at`]).
pub fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| frame.render_widget(app, frame.area()))
        .unwrap();
    terminal.backend().to_string()
}

/// A change as the feed delivers it, made by `by`.
pub fn change(
    by: &str,
    action: &str,
    resource: &str,
    id: i64,
    before: Value,
    after: Value,
) -> Change {
    serde_json::from_value(json!({
        "seq": 100 + id, "at": "2026-11-30T09:15:02.123Z",
        "by": {"subject": format!("casting|{by}"), "name": by},
        "action": action, "resource": resource, "id": id,
        "before": before, "after": after,
    }))
    .unwrap()
}

pub fn actor_json(actor: &Actor) -> Value {
    serde_json::to_value(actor).unwrap()
}

/// The colleague `by` sets an actor's age on the server, and the feed says so.
pub(crate) fn colleague_sets_age(d: &mut Driven, by: &str, id: i64, age: i32) -> Vec<Effect> {
    let index = d.actors.iter().position(|a| a.id == id).unwrap();
    let before = d.actors[index].clone();
    d.actors[index].age = age;
    let after = d.actors[index].clone();
    let change = change(
        by,
        "updated",
        "actor",
        id,
        actor_json(&before),
        actor_json(&after),
    );
    d.act(Action::Done(Outcome::Live(LiveEvent::Change(Box::new(
        change,
    )))))
}
