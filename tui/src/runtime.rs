//! The event loop: draws, reads keys, runs effects in the background and
//! feeds their results back. The terminal is restored on quit, on error and
//! on panic (`ratatui::init` installs the panic hook).

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

use crate::action::{Action, Outcome};
use crate::api::{ApiClient, ListParams};
use crate::app::{App, Effect, Session};
use crate::cast::{CastRequest, PICKER_ROWS};
use crate::config::{self, now};

pub async fn run(server: String, config_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let mut terminal = ratatui::init();
    let result = event_loop(&mut terminal, server, config_dir).await;
    ratatui::restore();
    result
}

struct Runner {
    api: ApiClient,
    events: UnboundedSender<Action>,
    config_dir: Option<PathBuf>,
    device: Option<JoinHandle<()>>,
    /// The token of the session, for requests.
    token: Option<String>,
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    server: String,
    config_dir: Option<PathBuf>,
) -> anyhow::Result<()> {
    let (events, mut results) = unbounded_channel::<Action>();
    let mut app = App::new(server.clone());
    app.color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let size = terminal.size()?;
    app.update(Action::Resize(size.width, size.height));
    let saved = config_dir
        .as_deref()
        .and_then(|d| config::load_token(d, &server));
    let mut runner = Runner {
        api: ApiClient::new(&server),
        events,
        config_dir,
        device: None,
        token: None,
    };
    let first = app.start(saved);
    runner.run_all(&app, first);

    let mut keys = EventStream::new();
    let mut ticker = tokio::time::interval(Duration::from_millis(120));
    while !app.quitting {
        terminal.draw(|frame| frame.render_widget(&app, frame.area()))?;
        let effects = tokio::select! {
            event = keys.next() => match event {
                Some(Ok(Event::Key(key))) => app.handle_key(key),
                Some(Ok(Event::Resize(width, height))) => app.update(Action::Resize(width, height)),
                Some(Ok(_)) => Vec::new(),
                Some(Err(error)) => return Err(error.into()),
                None => break,
            },
            Some(action) = results.recv() => app.update(action),
            _ = ticker.tick(), if app.loading() => app.update(Action::Tick),
        };
        runner.token = app.session.as_ref().map(|s| s.token.clone());
        runner.run_all(&app, effects);
    }
    if let Some(device) = runner.device.take() {
        device.abort();
    }
    Ok(())
}

impl Runner {
    fn run_all(&mut self, app: &App, effects: Vec<Effect>) {
        self.token = app.session.as_ref().map(|s| s.token.clone());
        for effect in effects {
            self.run(effect);
        }
    }

    fn spawn<F>(&self, work: impl FnOnce(ApiClient, String) -> F)
    where
        F: Future<Output = Outcome> + Send + 'static,
    {
        let events = self.events.clone();
        let future = work(self.api.clone(), self.token.clone().unwrap_or_default());
        tokio::spawn(async move {
            let _ = events.send(Action::Done(future.await));
        });
    }

    fn run(&mut self, effect: Effect) {
        match effect {
            Effect::Quit => {}
            Effect::LoadAuthConfig => {
                self.spawn(|api, _| async move { Outcome::AuthConfig(api.auth_config().await) })
            }
            Effect::Login {
                username,
                password,
                remember,
            } => self.spawn(|api, _| async move {
                let result = api.login(&username, &password).await.map(|r| Session {
                    token: r.access_token,
                    username: Some(username),
                    role: Some(r.role),
                    permissions: r.permissions,
                    expires_at: now() + r.expires_in as i64,
                });
                Outcome::LoggedIn { result, remember }
            }),
            Effect::Restore { token, expires_at } => self.spawn(|api, _| async move {
                let result = api.me(&token).await.map(|me| Session {
                    token: token.clone(),
                    username: me.username.or(Some(me.subject)),
                    role: me.role,
                    permissions: me.permissions,
                    expires_at,
                });
                Outcome::Restored(result)
            }),
            Effect::FetchActors(request) => self.spawn(|api, token| async move {
                let result = api
                    .list_actors(&token, &request.params)
                    .await
                    .map(|l| (l.actors, l.total.max(0) as usize));
                Outcome::ActorsPage {
                    generation: request.generation,
                    page: request.page,
                    result,
                }
            }),
            Effect::FetchMovies(request) => self.spawn(|api, token| async move {
                let result = api
                    .list_movies(&token, &request.params)
                    .await
                    .map(|l| (l.movies, l.total.max(0) as usize));
                Outcome::MoviesPage {
                    generation: request.generation,
                    page: request.page,
                    result,
                }
            }),
            Effect::FetchActor(id) => self.spawn(|api, token| async move {
                Outcome::ActorFetched(api.get_actor(&token, id).await)
            }),
            Effect::FetchMovie(id) => self.spawn(|api, token| async move {
                Outcome::MovieFetched(api.get_movie(&token, id).await)
            }),
            Effect::Create { collection, body } => self.spawn(|api, token| async move {
                Outcome::Saved {
                    collection,
                    created: true,
                    result: api.create(&token, collection, &body).await,
                }
            }),
            Effect::Update {
                collection,
                id,
                body,
                etag,
            } => self.spawn(|api, token| async move {
                let result = api
                    .update(&token, collection, id, &body, etag.as_deref())
                    .await
                    .map(|()| id);
                Outcome::Saved {
                    collection,
                    created: false,
                    result,
                }
            }),
            Effect::Delete {
                collection,
                id,
                label,
                etag,
            } => self.spawn(|api, token| async move {
                Outcome::Deleted {
                    collection,
                    id,
                    label,
                    result: api.delete(&token, collection, id, etag.as_deref()).await,
                }
            }),
            Effect::SaveToken(saved) => {
                if let Some(dir) = &self.config_dir
                    && let Err(error) = config::save_token(dir, &saved)
                {
                    let _ = error; // Remembering is a convenience; the session goes on.
                }
            }
            Effect::ForgetToken => {
                if let Some(dir) = &self.config_dir {
                    config::forget_token(dir);
                }
            }
            Effect::StartDeviceFlow(external) => {
                if let Some(previous) = self.device.take() {
                    previous.abort();
                }
                let (api, events) = (self.api.clone(), self.events.clone());
                self.device = Some(tokio::spawn(crate::device::sign_in(api, external, events)));
            }
            Effect::Cast { movie_id, request } => self.spawn(move |api, token| async move {
                match request {
                    CastRequest::Load => Outcome::CastLoaded {
                        movie_id,
                        result: api.cast(&token, movie_id).await,
                    },
                    CastRequest::Search { generation, q } => {
                        let params = ListParams {
                            page: 1,
                            per_page: PICKER_ROWS,
                            sort: "name".into(),
                            q,
                        };
                        let result = api
                            .list_actors(&token, &params)
                            .await
                            .map(|l| (l.actors, l.total.max(0) as usize));
                        Outcome::CastSearch {
                            movie_id,
                            generation,
                            result,
                        }
                    }
                    CastRequest::Assign {
                        actor_id,
                        name,
                        character,
                    } => {
                        let result = api
                            .assign(&token, movie_id, actor_id, character.as_deref())
                            .await;
                        Outcome::CastAssigned {
                            movie_id,
                            actor: name,
                            character,
                            result,
                        }
                    }
                    CastRequest::Remove { actor_id, name } => Outcome::CastRemoved {
                        movie_id,
                        actor: name,
                        result: api.unassign(&token, movie_id, actor_id).await,
                    },
                }
            }),
            Effect::FetchFilmography(actor_id) => self.spawn(move |api, token| async move {
                Outcome::FilmographyLoaded {
                    actor_id,
                    result: api.filmography(&token, actor_id).await,
                }
            }),
            Effect::CancelDeviceFlow => {
                if let Some(device) = self.device.take() {
                    device.abort();
                }
            }
        }
    }
}
