//! How the runtime answers a casting view's [`Request`]: the API calls it
//! makes and the [`Reply`] it sends back. Run in the background, never in
//! `update`.

use time::OffsetDateTime;

use super::picker::MATCHES_PAGE;
use super::schedule::SCHEDULE_PAGE;
use super::{Reply, Request, day_text};
use crate::api::{ApiClient, RoleSave, ScheduleQuery};

/// Makes the request's calls and says what came of them.
pub async fn answer(api: &ApiClient, token: &str, request: Request) -> Reply {
    match request {
        Request::Roles { movie_id } => Reply::Roles {
            movie_id,
            result: api.roles(token, movie_id).await,
        },
        Request::Role { role_id } => Reply::Role {
            role_id,
            at: OffsetDateTime::now_utc(),
            result: api.role(token, role_id).await,
        },
        Request::CreateRole { movie_id, body } => Reply::RoleSaved {
            movie_id,
            created: true,
            result: api
                .save_role(token, RoleSave::New { movie_id }, &body)
                .await,
        },
        Request::UpdateRole { role_id, body } => {
            let result = api
                .save_role(token, RoleSave::Change { role_id }, &body)
                .await;
            Reply::RoleSaved {
                movie_id: result.as_ref().map_or(0, |r| r.movie_id),
                created: false,
                result,
            }
        }
        Request::DeleteRole { role_id, label } => Reply::RoleDeleted {
            role_id,
            label,
            result: api.delete_role(token, role_id).await,
        },
        Request::SetCandidate {
            role_id,
            actor_id,
            name,
            stage,
        } => {
            let body = match stage {
                Some(stage) => serde_json::json!({ "stage": stage }),
                None => serde_json::json!({}),
            };
            Reply::CandidateSet {
                role_id,
                name,
                stage,
                result: api.set_candidate(token, role_id, actor_id, &body).await,
            }
        }
        Request::Matches {
            role_id,
            generation,
            q,
            fit,
        } => Reply::Matches {
            role_id,
            generation,
            result: api.candidates_for(token, &q, &fit, MATCHES_PAGE).await,
        },
        Request::ScheduleAudition { role_id, body } => Reply::AuditionScheduled {
            role_id,
            result: api.schedule_audition(token, role_id, &body).await,
        },
        Request::RemoveCandidate {
            role_id,
            actor_id,
            name,
        } => Reply::CandidateRemoved {
            role_id,
            name,
            result: api.remove_candidate(token, role_id, actor_id).await,
        },
        Request::MoveAudition {
            role_id,
            audition_id,
            body,
        } => Reply::AuditionMoved {
            role_id,
            result: api.move_audition(token, audition_id, &body).await,
        },
        Request::CancelAudition {
            role_id,
            audition_id,
            text,
        } => Reply::AuditionCancelled {
            role_id,
            text,
            result: api.cancel_audition(token, audition_id).await,
        },
        Request::Schedule {
            query,
            generation,
            after,
        } => {
            let (query, today) = from_today(query);
            Reply::Schedule {
                generation,
                today,
                result: api
                    .auditions(token, &query, after.as_deref(), SCHEDULE_PAGE)
                    .await,
                after,
            }
        }
        Request::Calendar { query, path } => {
            let (query, _) = from_today(query);
            let result = match api.calendar(token, &query).await {
                Ok(text) => {
                    let events = text.matches("BEGIN:VEVENT").count();
                    std::fs::write(&path, text)
                        .map(|()| events)
                        .map_err(|e| e.to_string())
                }
                Err(error) => Err(error.describe()),
            };
            Reply::CalendarWritten { path, result }
        }
    }
}

/// The query from its day, or from today (UTC) when it names none.
fn from_today(mut query: ScheduleQuery) -> (ScheduleQuery, time::Date) {
    let today = OffsetDateTime::now_utc().date();
    let day = query
        .from
        .as_deref()
        .and_then(|d| casting_shared::domain::parse_release_date(d).ok())
        .unwrap_or(today);
    query.from = Some(day_text(day));
    (query, day)
}
