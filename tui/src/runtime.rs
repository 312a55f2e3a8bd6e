//! The event loop: draws, reads keys and the mouse, runs effects in the
//! background and feeds their results back, renews the session's token
//! before it expires, and follows the server's live feed of changes with
//! the session's token ([`crate::live::follow`]). The terminal is restored on quit, on error and on
//! panic (`ratatui::init` installs the panic hook).

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event, EventStream, MouseButton, MouseEvent,
    MouseEventKind,
};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::action::{Action, Mouse, Outcome};
use crate::api::{ApiClient, ListPage, ListParams};
use crate::app::{App, Effect};
use crate::cast::{CastRequest, PICKER_PAGE};
use crate::config::{Config, ServerChoice};
use crate::session::{self, Renewal, Session, now};

pub async fn run(
    choice: ServerChoice,
    config: Config,
    config_dir: Option<PathBuf>,
) -> anyhow::Result<()> {
    let mut terminal = ratatui::init();
    let mouse = config.mouse;
    if mouse {
        crossterm::execute!(std::io::stdout(), EnableMouseCapture)?;
    }
    let result = event_loop(&mut terminal, choice, config, config_dir).await;
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
    }
    ratatui::restore();
    result
}

struct Runner {
    api: ApiClient,
    events: UnboundedSender<Action>,
    config_dir: Option<PathBuf>,
    server: String,
    device: Option<JoinHandle<()>>,
    /// The token of the session, for requests.
    token: Option<String>,
    /// The same, for the live feed (which waits while there is none).
    tokens: watch::Sender<Option<String>>,
    live: Option<JoinHandle<()>>,
}

/// The renewal timer's wait when there is no session (it is then disabled).
const IDLE: Duration = Duration::from_secs(3600);

/// Two clicks on one cell within this time are a double click.
const DOUBLE_CLICK: Duration = Duration::from_millis(400);

async fn event_loop(
    terminal: &mut DefaultTerminal,
    choice: ServerChoice,
    config: Config,
    config_dir: Option<PathBuf>,
) -> anyhow::Result<()> {
    let (events, mut results) = unbounded_channel::<Action>();
    let server = match &choice {
        ServerChoice::Url(url) => url.clone(),
        ServerChoice::Pick(_) => String::new(),
    };
    let mut app = App::new(server.clone());
    app.configure(config).map_err(anyhow::Error::msg)?;
    app.color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let size = terminal.size()?;
    app.update(Action::Resize(size.width, size.height));
    let mut runner = Runner {
        api: ApiClient::new(&server),
        events,
        config_dir,
        server: server.clone(),
        device: None,
        token: None,
        tokens: watch::channel(None).0,
        live: None,
    };
    runner.follow_changes();
    match choice {
        ServerChoice::Url(_) => {
            let saved = runner
                .config_dir
                .as_deref()
                .and_then(|d| session::load_token(d, &server));
            let first = app.start(saved);
            runner.run_all(&app, first);
        }
        ServerChoice::Pick(servers) => app.pick_server(servers),
    }

    let mut input = EventStream::new();
    let mut ticker = tokio::time::interval(Duration::from_millis(120));
    // The ticker is not polled while nothing animates or waits to expire;
    // the ticks missed meanwhile must not all arrive at once when it is
    // again (a new status message would be gone at once).
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_click: Option<(tokio::time::Instant, u16, u16)> = None;
    while !app.quitting {
        terminal.draw(|frame| frame.render_widget(&app, frame.area()))?;
        let renew_in = app.session.as_ref().map(|s| {
            let at = s.renew_at().max(app.renew_not_before);
            Duration::from_secs(at.saturating_sub(now()).max(0) as u64)
        });
        let effects = tokio::select! {
            event = input.next() => match event {
                Some(Ok(first)) => {
                    // A paste (or keys typed faster than they are drawn)
                    // arrives as a burst: taken in one go, drawn once, and
                    // the filter asks the server once, for the last text.
                    let mut burst = vec![first];
                    // (Read directly: polling the stream without its task
                    // would leave its wake-up with a waker nobody waits on.)
                    while burst.len() < MAX_BURST && crossterm::event::poll(Duration::ZERO)? {
                        burst.push(crossterm::event::read()?);
                    }
                    let last = burst.len() - 1;
                    let mut effects = Vec::new();
                    for (index, event) in burst.into_iter().enumerate() {
                        app.in_burst = index < last;
                        effects.extend(on_event(&mut app, event, &mut last_click));
                    }
                    app.in_burst = false;
                    if last > 0 {
                        effects.extend(app.fetch_visible());
                    }
                    effects
                }
                Some(Err(error)) => return Err(error.into()),
                None => break,
            },
            Some(action) = results.recv() => app.update(action),
            _ = ticker.tick(), if app.loading() || app.status_until.is_some() || !app.flashes.is_empty() => {
                app.update(Action::Tick)
            }
            _ = tokio::time::sleep(renew_in.unwrap_or(IDLE)), if renew_in.is_some() && !app.renewing => {
                app.update(Action::RenewSession)
            }
        };
        runner.run_all(&app, effects);
    }
    if let Some(device) = runner.device.take() {
        device.abort();
    }
    if let Some(live) = runner.live.take() {
        live.abort();
    }
    Ok(())
}

/// Events taken in one go before drawing again.
const MAX_BURST: usize = 20_000;

fn on_event(
    app: &mut App,
    event: Event,
    last_click: &mut Option<(tokio::time::Instant, u16, u16)>,
) -> Vec<Effect> {
    match event {
        Event::Key(key) => app.handle_key(key),
        Event::Resize(width, height) => app.update(Action::Resize(width, height)),
        Event::Mouse(event) => match mouse_action(event, last_click) {
            Some(mouse) => app.update(Action::Mouse(mouse)),
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// A mouse event as the app sees it: clicks (double when quick on the same
/// cell) and the wheel.
fn mouse_action(
    event: MouseEvent,
    last_click: &mut Option<(tokio::time::Instant, u16, u16)>,
) -> Option<Mouse> {
    let (column, row) = (event.column, event.row);
    match event.kind {
        MouseEventKind::ScrollUp => Some(Mouse::ScrollUp),
        MouseEventKind::ScrollDown => Some(Mouse::ScrollDown),
        MouseEventKind::Down(MouseButton::Left) => {
            let now = tokio::time::Instant::now();
            let double = last_click.is_some_and(|(at, c, r)| {
                now.duration_since(at) < DOUBLE_CLICK && c == column && r == row
            });
            *last_click = (!double).then_some((now, column, row));
            Some(if double {
                Mouse::DoubleClick { column, row }
            } else {
                Mouse::Click { column, row }
            })
        }
        _ => None,
    }
}

impl Runner {
    /// (Re)starts following the live feed of the server in use.
    fn follow_changes(&mut self) {
        if let Some(previous) = self.live.take() {
            previous.abort();
        }
        let (api, tokens, events) = (
            self.api.clone(),
            self.tokens.subscribe(),
            self.events.clone(),
        );
        let tell = move |event| {
            let _ = events.send(Action::Done(Outcome::Live(event)));
        };
        self.live = Some(tokio::spawn(crate::live::follow::follow(api, tokens, tell)));
    }

    fn run_all(&mut self, app: &App, effects: Vec<Effect>) {
        self.token = app.session.as_ref().map(|s| s.token.clone());
        // Under the login overlay the old token is refused: the feed waits
        // for the new one.
        let token = self.token.clone().filter(|_| !app.relogin);
        self.tokens.send_if_modified(|current| {
            let changed = *current != token;
            *current = token;
            changed
        });
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
                    issued_at: now(),
                    remembered: remember,
                    renewal: Renewal::Server,
                });
                Outcome::LoggedIn { result, remember }
            }),
            Effect::Restore { token, expires_at } => self.spawn(|api, _| async move {
                let result = api.me(&token).await.map(|me| Session {
                    token: token.clone(),
                    renewal: Renewal::for_subject(&me.subject),
                    username: me.username.or(Some(me.subject)),
                    role: me.role,
                    permissions: me.permissions,
                    expires_at,
                    // Unknown: renew with a fifth of a default hour left at most.
                    issued_at: expires_at.min(now() + 3600) - 3600,
                    remembered: true,
                });
                Outcome::Restored(result)
            }),
            Effect::Refresh { token, renewal } => self.spawn(|api, _| async move {
                let result = match renewal {
                    Renewal::Provider {
                        token_endpoint,
                        client_id,
                        refresh_token,
                    } => {
                        crate::device::refresh(&api, &token_endpoint, &client_id, &refresh_token)
                            .await
                    }
                    _ => api.refresh(&token).await.map(|r| Session {
                        token: r.access_token,
                        username: None,
                        role: Some(r.role),
                        permissions: r.permissions,
                        expires_at: now() + r.expires_in as i64,
                        issued_at: now(),
                        remembered: false,
                        renewal: Renewal::Server,
                    }),
                };
                Outcome::Refreshed(result)
            }),
            Effect::FetchPage {
                collection,
                request,
            } => self.spawn(|api, token| async move {
                let result = api.page(&token, collection, &request.params).await;
                Outcome::Page {
                    collection,
                    request: Box::new(request),
                    result,
                }
            }),
            Effect::FetchRow { collection, id } => self.spawn(|api, token| async move {
                Outcome::Fetched {
                    collection,
                    id,
                    result: api.record(&token, collection, id).await,
                }
            }),
            Effect::FetchHistory { collection, id } => self.spawn(|api, token| async move {
                Outcome::History {
                    collection,
                    id,
                    result: api.history(&token, collection, id).await,
                }
            }),
            Effect::FetchRelated { collection, id } => self.spawn(|api, token| async move {
                Outcome::RelatedLoaded {
                    collection,
                    id,
                    result: api.related(&token, collection, id).await,
                }
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
                if let Some(dir) = &self.config_dir {
                    // Remembering is a convenience; the session goes on without it.
                    let _ = session::save_token(dir, &saved);
                }
            }
            Effect::ForgetToken => {
                if let Some(dir) = &self.config_dir {
                    let _ = session::forget_token(dir, &self.server);
                }
            }
            Effect::StartDeviceFlow(external) => {
                if let Some(previous) = self.device.take() {
                    previous.abort();
                }
                let (api, events) = (self.api.clone(), self.events.clone());
                self.device = Some(tokio::spawn(crate::device::sign_in(api, external, events)));
            }
            Effect::CancelDeviceFlow => {
                if let Some(device) = self.device.take() {
                    device.abort();
                }
            }
            Effect::Cast { movie_id, request } => self.spawn(move |api, token| async move {
                match request {
                    CastRequest::Search {
                        generation,
                        q,
                        after,
                    } => {
                        let params = ListParams {
                            page: 1,
                            after: after.clone(),
                            per_page: PICKER_PAGE,
                            sort: "name".into(),
                            q,
                            filters: Vec::new(),
                        };
                        let result = api.list_actors(&token, &params).await.map(|l| ListPage {
                            rows: l.actors,
                            total: l.total.max(0) as usize,
                            total_exact: l.total_exact,
                            next: l.next,
                        });
                        Outcome::CastSearch {
                            movie_id,
                            generation,
                            after,
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
            Effect::Export {
                collection,
                params,
                path,
                overwrite,
            } => self.spawn(|api, token| async move {
                let result = crate::export::export_to_file(
                    &api, &token, collection, &params, &path, overwrite,
                )
                .await;
                Outcome::Exported { path, result }
            }),
            Effect::Casting(request) => self.spawn(|api, token| async move {
                Outcome::Casting(Box::new(
                    crate::casting::requests::answer(&api, &token, request).await,
                ))
            }),
            Effect::Changes(request) => self.spawn(|api, token| async move {
                Outcome::Changes(Box::new(crate::undo::answer(&api, &token, request).await))
            }),
            Effect::Copy(text) => {
                // The clipboard is a convenience: a terminal without it ignores it.
                let _ = crate::clipboard::send(&text);
            }
            Effect::UseServer(url) => {
                self.api = ApiClient::new(&url);
                self.server = url.clone();
                self.follow_changes();
                let saved = self
                    .config_dir
                    .as_deref()
                    .and_then(|d| session::load_token(d, &url));
                let _ = self.events.send(Action::Done(Outcome::ServerChosen(saved)));
            }
        }
    }
}
