//! The casting pipeline's calls: a movie's roles, a role with its
//! candidates and auditions, a candidate's stage or removal, scheduling,
//! moving and cancelling an audition, the schedule and its iCalendar file.

use casting_shared::Actor;
use casting_shared::casting::{
    Audition, AuditionBody, AuditionCreated, AuditionList, CandidateSet, Role, RoleBody,
    RoleCreated, RoleList, RoleUpdated,
};
use reqwest::Method;
use serde_json::Value;

use super::{ApiClient, ApiError, ListParams, error::error_from};

/// What the schedule asks for: from a day on, at a location, of an actor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScheduleQuery {
    /// `YYYY-MM-DD`: auditions that end after its start.
    pub from: Option<String>,
    pub location: Option<String>,
    pub actor_id: Option<i64>,
}

impl ScheduleQuery {
    /// The query string's pairs (without paging).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(from) = &self.from {
            pairs.push(("from", from.clone()));
        }
        if let Some(location) = &self.location {
            pairs.push(("location", location.clone()));
        }
        if let Some(actor) = self.actor_id {
            pairs.push(("actor_id", actor.to_string()));
        }
        pairs
    }
}

/// Where a role dialog's save goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleSave {
    New { movie_id: i64 },
    Change { role_id: i64 },
}

/// A refused audition: why, and the auditions it would overlap (a 409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub error: ApiError,
    pub conflicts: Vec<Audition>,
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Self {
            error,
            conflicts: Vec::new(),
        }
    }
}

impl ApiClient {
    pub async fn roles(&self, token: &str, movie_id: i64) -> Result<Vec<Role>, ApiError> {
        let path = format!("/movies/{movie_id}/roles");
        let list: RoleList = self.typed(Method::GET, &path, Some(token), None).await?;
        Ok(list.roles)
    }

    pub async fn role(&self, token: &str, role_id: i64) -> Result<RoleBody, ApiError> {
        let path = format!("/roles/{role_id}");
        self.typed(Method::GET, &path, Some(token), None).await
    }

    /// A role dialog's save: `POST /movies/{id}/roles` for a new role,
    /// `PATCH /roles/{id}` for a change; the role as saved.
    pub async fn save_role(
        &self,
        token: &str,
        to: RoleSave,
        body: &Value,
    ) -> Result<Role, ApiError> {
        let body = Some(body);
        match to {
            RoleSave::New { movie_id } => {
                let path = format!("/movies/{movie_id}/roles");
                let created: RoleCreated =
                    self.typed(Method::POST, &path, Some(token), body).await?;
                Ok(created.role)
            }
            RoleSave::Change { role_id } => {
                let path = format!("/roles/{role_id}");
                let updated: RoleUpdated =
                    self.typed(Method::PATCH, &path, Some(token), body).await?;
                Ok(updated.role)
            }
        }
    }

    pub async fn delete_role(&self, token: &str, role_id: i64) -> Result<(), ApiError> {
        let path = format!("/roles/{role_id}");
        self.call(Method::DELETE, &path, Some(token), None, None)
            .await
            .map(|_| ())
    }

    /// `PUT /roles/{id}/candidates/{actor_id}`: adds the candidate or
    /// changes their stage or note.
    pub async fn set_candidate(
        &self,
        token: &str,
        role_id: i64,
        actor_id: i64,
        body: &Value,
    ) -> Result<CandidateSet, ApiError> {
        let path = format!("/roles/{role_id}/candidates/{actor_id}");
        self.typed(Method::PUT, &path, Some(token), Some(body))
            .await
    }

    /// `DELETE /roles/{id}/candidates/{actor_id}`: the candidate goes, with
    /// their auditions for the role (and the booking, if booked).
    pub async fn remove_candidate(
        &self,
        token: &str,
        role_id: i64,
        actor_id: i64,
    ) -> Result<(), ApiError> {
        let path = format!("/roles/{role_id}/candidates/{actor_id}");
        self.call(Method::DELETE, &path, Some(token), None, None)
            .await
            .map(|_| ())
    }

    /// `POST /roles/{id}/auditions`; a 409 names the auditions it would
    /// overlap.
    pub async fn schedule_audition(
        &self,
        token: &str,
        role_id: i64,
        body: &Value,
    ) -> Result<Audition, Refusal> {
        let path = format!("/roles/{role_id}/auditions");
        let created: AuditionCreated = self
            .audition_write(Method::POST, &path, token, body)
            .await?;
        Ok(created.audition)
    }

    /// `PATCH /auditions/{id}` (moves it, or changes its location or
    /// note); a 409 names the auditions it would overlap.
    pub async fn move_audition(
        &self,
        token: &str,
        audition_id: i64,
        body: &Value,
    ) -> Result<Audition, Refusal> {
        let path = format!("/auditions/{audition_id}");
        let moved: AuditionBody = self
            .audition_write(Method::PATCH, &path, token, body)
            .await?;
        Ok(moved.audition)
    }

    /// `DELETE /auditions/{id}`: the audition is cancelled.
    pub async fn cancel_audition(&self, token: &str, audition_id: i64) -> Result<(), ApiError> {
        let path = format!("/auditions/{audition_id}");
        self.call(Method::DELETE, &path, Some(token), None, None)
            .await
            .map(|_| ())
    }

    /// An audition's write: its answer, or the refusal with the auditions a
    /// 409 names.
    async fn audition_write<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: &Value,
    ) -> Result<T, Refusal> {
        let request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .json(body)
            .bearer_auth(token);
        let (status, bytes) = self.whole_answer(request).await?;
        if !status.is_success() {
            let conflicts = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|mut v| serde_json::from_value(v["conflicts"].take()).ok())
                .unwrap_or_default();
            return Err(Refusal {
                error: error_from(status, &bytes, None),
                conflicts,
            });
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| Refusal::from(ApiError::Unexpected(e.to_string())))
    }

    /// One page of `GET /auditions`.
    pub async fn auditions(
        &self,
        token: &str,
        query: &ScheduleQuery,
        after: Option<&str>,
        per_page: u32,
    ) -> Result<AuditionList, ApiError> {
        let mut pairs = query.pairs();
        pairs.push(("per_page", per_page.to_string()));
        if let Some(after) = after {
            pairs.push(("after", after.to_owned()));
        }
        let request = self
            .http
            .get(format!("{}/auditions", self.base))
            .query(&pairs)
            .bearer_auth(token);
        let (value, _) = self.send(request).await?;
        serde_json::from_value(value).map_err(|e| ApiError::Unexpected(e.to_string()))
    }

    /// `GET /auditions.ics` with the schedule's filters: the calendar's text.
    pub async fn calendar(&self, token: &str, query: &ScheduleQuery) -> Result<String, ApiError> {
        let request = self
            .http
            .get(format!("{}/auditions.ics", self.base))
            .query(&query.pairs())
            .bearer_auth(token);
        let (status, bytes) = self.whole_answer(request).await?;
        if !status.is_success() {
            return Err(error_from(status, &bytes, None));
        }
        String::from_utf8(bytes).map_err(|e| ApiError::Unexpected(e.to_string()))
    }

    /// Sends `request` with the write position, keeps the answer's, and
    /// reads the whole answer whatever its status (the caller reads an
    /// error its own way).
    async fn whole_answer(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(reqwest::StatusCode, Vec<u8>), ApiError> {
        let response = self
            .position
            .sent_with(request)
            .send()
            .await
            .map_err(|e| ApiError::Unreachable(e.to_string()))?;
        let status = response.status();
        self.position.advance(response.headers());
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ApiError::Unreachable(e.to_string()))?;
        Ok((status, bytes.to_vec()))
    }

    /// The actor picker's two lists for a role: those who fit its age and
    /// gender (`fit`, the actor list's filters), then everyone else
    /// matching `q`.
    pub async fn candidates_for(
        &self,
        token: &str,
        q: &str,
        fit: &[(&'static str, String)],
        per_page: u32,
    ) -> Result<(Vec<Actor>, Vec<Actor>), ApiError> {
        let params = |filters: Vec<(&'static str, String)>| ListParams {
            page: 1,
            after: None,
            per_page,
            sort: "name".into(),
            q: q.to_owned(),
            filters,
        };
        let fitting = if fit.is_empty() {
            Vec::new()
        } else {
            self.list_actors(token, &params(fit.to_vec())).await?.actors
        };
        let others = self
            .list_actors(token, &params(Vec::new()))
            .await?
            .actors
            .into_iter()
            .filter(|a| !fitting.iter().any(|f| f.id == a.id))
            .collect();
        Ok((fitting, others))
    }
}
