//! The HTTP client: every call the terminal client makes to the API.

use std::time::Duration;

use casting_shared::api::{
    ActorList, AuthConfig, CastEntry, CastList, Filmography, FilmographyEntry, LoginResponse, Me,
    MovieList,
};
use casting_shared::changes::{Change, History};
use casting_shared::{Actor, Movie};

mod casting;
mod changes;
mod error;
mod position;
mod revalidation;

pub use casting::{Refusal, RoleSave, ScheduleQuery};
pub use changes::FEED_PAGE;
pub use error::ApiError;
pub use position::{POSITION_HEADER, WritePosition};
pub use revalidation::Revalidation;

use crate::collection::Collection;
use crate::record::{Record, Related, Rows};
use error::error_from;
use reqwest::{Method, header};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// A list request: where it starts (a page number, or `after` a cursor),
/// size, sort, the `q` filter and the others (`gender`, `min_age`,
/// `max_age`, `released_from`, `released_to`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListParams {
    /// From 1; not sent when `after` is.
    pub page: u32,
    /// The `next` cursor of the page before: the page after it, as cheap
    /// deep in the list as at its top.
    pub after: Option<String>,
    pub per_page: u32,
    pub sort: String,
    pub q: String,
    pub filters: Vec<(&'static str, String)>,
}

/// One page of a list answer: its rows, how many match (a lower bound
/// unless `total_exact`), and the cursor of the page after it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage<T> {
    pub rows: T,
    pub total: usize,
    pub total_exact: bool,
    /// `None` on the last page.
    pub next: Option<String>,
}

impl<T> ListPage<T> {
    /// The same page with its rows made into something else.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ListPage<U> {
        ListPage {
            rows: f(self.rows),
            total: self.total,
            total_exact: self.total_exact,
            next: self.next,
        }
    }
}

#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    /// For `GET /events`, which never ends by itself: no overall timeout,
    /// but a stream silent for longer than [`STREAM_SILENCE`] is dead.
    streams: reqwest::Client,
    base: String,
    /// The read replica's position of this user's writes, shared by every
    /// clone of the client.
    position: WritePosition,
    /// The last answer to each `GET`, revalidated rather than reloaded.
    revalidation: Revalidation,
}

/// The server sends at least a comment line every 15 s on an event stream;
/// silence for this long means the connection is gone.
pub const STREAM_SILENCE: Duration = Duration::from_secs(45);

/// A row and the ETag naming its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagged<T> {
    pub value: T,
    pub etag: Option<String>,
}

impl ApiClient {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        let streams = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .read_timeout(STREAM_SILENCE)
            .build()
            .unwrap_or_default();
        Self {
            http,
            streams,
            base: base.trim_end_matches('/').to_owned(),
            position: WritePosition::default(),
            revalidation: Revalidation::default(),
        }
    }

    /// The furthest position a write was answered with, if a server sent one.
    pub fn position(&self) -> Option<header::HeaderValue> {
        self.position.get()
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<(Value, Option<String>), ApiError> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(etag) = if_match {
            request = request.header(header::IF_MATCH, etag);
        }
        self.send(request).await
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(Value, Option<String>), ApiError> {
        let request = self.position.sent_with(request);
        let mut request = request
            .build()
            .map_err(|e| ApiError::Unexpected(e.to_string()))?;
        // A GET revalidates the copy it has, if any: a 304 answers that copy.
        let revalidated = (request.method() == Method::GET).then(|| request.url().to_string());
        let sent_tag = revalidated.as_deref().and_then(|url| {
            let tag = self.revalidation.tag(url)?;
            let value = header::HeaderValue::from_str(&tag).ok()?;
            request.headers_mut().insert(header::IF_NONE_MATCH, value);
            Some(tag)
        });
        let response = self.http.execute(request).await.map_err(|e| {
            ApiError::Unreachable(if e.is_timeout() {
                "the request timed out".into()
            } else if e.is_connect() {
                "connection refused".into()
            } else {
                e.to_string()
            })
        })?;
        let status = response.status();
        self.position.advance(response.headers());
        let etag = response
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ApiError::Unreachable(e.to_string()))?;
        if let (reqwest::StatusCode::NOT_MODIFIED, Some(url), Some(sent)) =
            (status, &revalidated, &sent_tag)
        {
            let tag = etag.as_deref().unwrap_or(sent);
            return match self.revalidation.current(url, tag) {
                Some(value) => Ok((value, Some(tag.to_owned()))),
                None => Err(ApiError::Unexpected(
                    "304 for a copy this client does not have".into(),
                )),
            };
        }
        if status.is_success() {
            let value: Value =
                serde_json::from_slice(&bytes).map_err(|e| ApiError::Unexpected(e.to_string()))?;
            if let (Some(url), Some(tag)) = (&revalidated, &etag) {
                self.revalidation.keep(url, tag, &value);
            }
            return Ok((value, etag));
        }
        if let Some(url) = &revalidated {
            self.revalidation.forget(url);
        }
        Err(error_from(status, &bytes, retry_after))
    }

    async fn typed<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<T, ApiError> {
        let (value, _) = self.call(method, path, token, body, None).await?;
        serde_json::from_value(value).map_err(|e| ApiError::Unexpected(e.to_string()))
    }

    pub async fn auth_config(&self) -> Result<AuthConfig, ApiError> {
        self.typed(Method::GET, "/auth/config", None, None).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Result<LoginResponse, ApiError> {
        let body = json!({"username": username, "password": password});
        self.typed(Method::POST, "/auth/login", None, Some(&body))
            .await
    }

    /// `POST /auth/refresh`: a fresh token for the same user, current role.
    pub async fn refresh(&self, token: &str) -> Result<LoginResponse, ApiError> {
        self.typed(Method::POST, "/auth/refresh", Some(token), None)
            .await
    }

    pub async fn me(&self, token: &str) -> Result<Me, ApiError> {
        self.typed(Method::GET, "/auth/me", Some(token), None).await
    }

    async fn list<T: DeserializeOwned>(
        &self,
        token: &str,
        collection: Collection,
        params: &ListParams,
    ) -> Result<T, ApiError> {
        let mut query = vec![
            match &params.after {
                Some(cursor) => ("after", cursor.clone()),
                None => ("page", params.page.to_string()),
            },
            ("per_page", params.per_page.to_string()),
            ("sort", params.sort.clone()),
        ];
        if !params.q.trim().is_empty() {
            query.push(("q", params.q.clone()));
        }
        query.extend(params.filters.iter().cloned());
        let request = self
            .http
            .get(format!("{}/{collection}", self.base))
            .query(&query)
            .bearer_auth(token);
        let (value, _) = self.send(request).await?;
        serde_json::from_value(value).map_err(|e| ApiError::Unexpected(e.to_string()))
    }

    pub async fn list_actors(
        &self,
        token: &str,
        params: &ListParams,
    ) -> Result<ActorList, ApiError> {
        self.list(token, Collection::Actors, params).await
    }

    pub async fn list_movies(
        &self,
        token: &str,
        params: &ListParams,
    ) -> Result<MovieList, ApiError> {
        self.list(token, Collection::Movies, params).await
    }

    pub async fn get_actor(&self, token: &str, id: i64) -> Result<Tagged<Actor>, ApiError> {
        let (value, etag) = self
            .call(
                Method::GET,
                &format!("/actors/{id}"),
                Some(token),
                None,
                None,
            )
            .await?;
        Ok(Tagged {
            value: field(value, "actor")?,
            etag,
        })
    }

    pub async fn get_movie(&self, token: &str, id: i64) -> Result<Tagged<Movie>, ApiError> {
        let (value, etag) = self
            .call(
                Method::GET,
                &format!("/movies/{id}"),
                Some(token),
                None,
                None,
            )
            .await?;
        Ok(Tagged {
            value: field(value, "movie")?,
            etag,
        })
    }

    /// `POST /{collection}`: the created row's id.
    pub async fn create(
        &self,
        token: &str,
        collection: Collection,
        body: &Value,
    ) -> Result<i64, ApiError> {
        let (value, _) = self
            .call(
                Method::POST,
                &format!("/{collection}"),
                Some(token),
                Some(body),
                None,
            )
            .await?;
        value["created"]
            .as_i64()
            .ok_or_else(|| ApiError::Unexpected("no created id".into()))
    }

    /// `PATCH /{collection}/{id}`, with `If-Match` when the version is known.
    pub async fn update(
        &self,
        token: &str,
        collection: Collection,
        id: i64,
        body: &Value,
        etag: Option<&str>,
    ) -> Result<(), ApiError> {
        self.call(
            Method::PATCH,
            &format!("/{collection}/{id}"),
            Some(token),
            Some(body),
            etag,
        )
        .await
        .map(|_| ())
    }

    pub async fn delete(
        &self,
        token: &str,
        collection: Collection,
        id: i64,
        etag: Option<&str>,
    ) -> Result<(), ApiError> {
        self.call(
            Method::DELETE,
            &format!("/{collection}/{id}"),
            Some(token),
            None,
            etag,
        )
        .await
        .map(|_| ())
    }
}

impl ApiClient {
    /// One page of a collection, how many rows match, and the next cursor.
    pub async fn page(
        &self,
        token: &str,
        collection: Collection,
        params: &ListParams,
    ) -> Result<ListPage<Rows>, ApiError> {
        Ok(match collection {
            Collection::Actors => {
                let list = self.list_actors(token, params).await?;
                ListPage {
                    rows: Rows::Actors(list.actors),
                    total: list.total.max(0) as usize,
                    total_exact: list.total_exact,
                    next: list.next,
                }
            }
            Collection::Movies => {
                let list = self.list_movies(token, params).await?;
                ListPage {
                    rows: Rows::Movies(list.movies),
                    total: list.total.max(0) as usize,
                    total_exact: list.total_exact,
                    next: list.next,
                }
            }
        })
    }

    /// One record and its ETag.
    pub async fn record(
        &self,
        token: &str,
        collection: Collection,
        id: i64,
    ) -> Result<Tagged<Record>, ApiError> {
        Ok(match collection {
            Collection::Actors => {
                let t = self.get_actor(token, id).await?;
                Tagged {
                    value: Record::Actor(t.value),
                    etag: t.etag,
                }
            }
            Collection::Movies => {
                let t = self.get_movie(token, id).await?;
                Tagged {
                    value: Record::Movie(t.value),
                    etag: t.etag,
                }
            }
        })
    }

    /// A movie's cast or an actor's movies.
    pub async fn related(
        &self,
        token: &str,
        collection: Collection,
        id: i64,
    ) -> Result<Related, ApiError> {
        Ok(match collection {
            Collection::Actors => Related::Filmography(self.filmography(token, id).await?),
            Collection::Movies => Related::Cast(self.cast(token, id).await?),
        })
    }
}

fn field<T: DeserializeOwned>(mut value: Value, name: &str) -> Result<T, ApiError> {
    serde_json::from_value(value[name].take()).map_err(|e| ApiError::Unexpected(e.to_string()))
}

impl ApiClient {
    pub async fn cast(&self, token: &str, movie_id: i64) -> Result<Vec<CastEntry>, ApiError> {
        let list: CastList = self
            .typed(
                Method::GET,
                &format!("/movies/{movie_id}/cast"),
                Some(token),
                None,
            )
            .await?;
        Ok(list.cast)
    }

    pub async fn filmography(
        &self,
        token: &str,
        actor_id: i64,
    ) -> Result<Vec<FilmographyEntry>, ApiError> {
        let list: Filmography = self
            .typed(
                Method::GET,
                &format!("/actors/{actor_id}/movies"),
                Some(token),
                None,
            )
            .await?;
        Ok(list.movies)
    }

    /// `PUT /movies/{id}/cast/{actor_id}`: casts the actor (idempotent).
    pub async fn assign(
        &self,
        token: &str,
        movie_id: i64,
        actor_id: i64,
        character: Option<&str>,
    ) -> Result<(), ApiError> {
        let body = json!({ "character": character });
        self.call(
            Method::PUT,
            &format!("/movies/{movie_id}/cast/{actor_id}"),
            Some(token),
            Some(&body),
            None,
        )
        .await
        .map(|_| ())
    }

    pub async fn unassign(
        &self,
        token: &str,
        movie_id: i64,
        actor_id: i64,
    ) -> Result<(), ApiError> {
        self.call(
            Method::DELETE,
            &format!("/movies/{movie_id}/cast/{actor_id}"),
            Some(token),
            None,
            None,
        )
        .await
        .map(|_| ())
    }
}

impl ApiClient {
    /// `GET /events`: the open stream of changes, resuming after
    /// `last_seq` (`Last-Event-ID`) when given.
    pub async fn events(
        &self,
        token: &str,
        last_seq: Option<i64>,
    ) -> Result<reqwest::Response, ApiError> {
        let mut request = self
            .streams
            .get(format!("{}/events", self.base))
            .bearer_auth(token)
            .header(header::ACCEPT, "text/event-stream");
        if let Some(seq) = last_seq {
            request = request.header("Last-Event-ID", seq.to_string());
        }
        let response = request
            .send()
            .await
            .map_err(|e| ApiError::Unreachable(e.to_string()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let bytes = response.bytes().await.unwrap_or_default();
        Err(error_from(status, &bytes, None))
    }

    /// `GET /actors/{id}/history` or `GET /movies/{id}/history`: newest first.
    pub async fn history(
        &self,
        token: &str,
        collection: Collection,
        id: i64,
    ) -> Result<Vec<Change>, ApiError> {
        let history: History = self
            .typed(
                Method::GET,
                &format!("/{collection}/{id}/history"),
                Some(token),
                None,
            )
            .await?;
        Ok(history.history)
    }
}
