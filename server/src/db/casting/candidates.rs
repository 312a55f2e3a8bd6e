//! A candidate's writes and the booking rules (`candidate_queries!`): a
//! role has at most one booked actor; an actor is booked in at most one
//! role of a movie (`roles_actor_once_per_movie` backs it);
//! `roles.actor_id = X` exactly when the candidate (role, X) is at
//! `booked`. The seed-era cast endpoints write through the same rules.

/// Expands, in a backend's `queries` module after [`role_queries!`] (whose
/// locks and reads it uses), the candidates' queries over its connection type.
///
/// [`role_queries!`]: crate::db::casting::roles::role_queries
macro_rules! candidate_queries {
    ($conn:ty) => {
        use casting_shared::casting::{Candidate, CandidateInput, Stage};
        use $crate::db::casting::Casting;
        use $crate::db::casting::rows::CandidateRow;

        /// One candidate as the API shows it.
        async fn candidate(
            c: &mut $conn,
            role_id: i64,
            actor_id: i64,
        ) -> sqlx::Result<Option<Candidate>> {
            let sql = format!(
                "SELECT c.role_id, c.stage, c.note, {UPDATED_AT} AS updated_at, \
                        a.id AS actor_id, a.name, a.age, a.gender \
                 FROM candidates c JOIN actors a ON a.id = c.actor_id \
                 WHERE c.role_id = $1 AND c.actor_id = $2"
            );
            let row: Option<CandidateRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(role_id)
                .bind(actor_id)
                .fetch_optional(&mut *c)
                .await?;
            row.map(CandidateRow::into_candidate).transpose()
        }

        /// Books or unbooks the role for `actor_id` as the role's own
        /// column says (the candidate's stage is the caller's).
        async fn set_booking(
            c: &mut $conn,
            role_id: i64,
            actor_id: Option<i64>,
        ) -> sqlx::Result<()> {
            sqlx::query("UPDATE roles SET actor_id = $2, version = version + 1 WHERE id = $1")
                .bind(role_id)
                .bind(actor_id)
                .execute(&mut *c)
                .await
                .map(drop)
        }

        /// The role of the movie the actor is booked in, other than `except`.
        async fn booked_role(
            c: &mut $conn,
            movie_id: i64,
            actor_id: i64,
            except: i64,
        ) -> sqlx::Result<Option<i64>> {
            sqlx::query_scalar(
                "SELECT id FROM roles WHERE movie_id = $1 AND actor_id = $2 AND id <> $3",
            )
            .bind(movie_id)
            .bind(actor_id)
            .bind(except)
            .fetch_optional(&mut *c)
            .await
        }

        async fn upsert_candidate(
            c: &mut $conn,
            role_id: i64,
            actor_id: i64,
            stage: Stage,
            note: Option<&str>,
        ) -> sqlx::Result<()> {
            let sql = format!(
                "INSERT INTO candidates (role_id, actor_id, stage, note) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (role_id, actor_id) DO UPDATE SET stage = excluded.stage, \
                 note = excluded.note, updated_at = {NOW}"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(role_id)
                .bind(actor_id)
                .bind(stage.as_str())
                .bind(note)
                .execute(&mut *c)
                .await
                .map(drop)
        }

        /// `PUT /roles/{id}/candidates/{actor_id}`: the candidate as it now
        /// is, and the role.
        pub(crate) async fn set_candidate(
            c: &mut $conn,
            role_id: i64,
            actor_id: i64,
            input: &CandidateInput,
        ) -> sqlx::Result<Casting<(Candidate, Versioned<Role>)>> {
            let Some(locked) = lock_role(c, role_id).await? else {
                return Ok(Err(Refusal::NotFound(format!(
                    "there is no role {role_id}"
                ))));
            };
            let movie_id = locked.movie_id();
            if input.stage == Some(Stage::Booked) {
                // Bookings in one movie one at a time: the second of two
                // racing bookings of an actor sees the first.
                lock_movie(c, movie_id, LOCK_UPDATE).await?;
            }
            if !lock_actor(c, actor_id).await? {
                return Ok(Err(Refusal::NotFound(format!(
                    "there is no actor {actor_id}"
                ))));
            }
            let existing = candidate(c, role_id, actor_id).await?;
            let was = existing.as_ref().map(|k| k.stage);
            let stage = input.stage.or(was).unwrap_or(Stage::Considered);
            let note = match &input.note {
                Some(note) => note.clone(),
                None => existing.and_then(|k| k.note),
            };
            if stage == Stage::Booked {
                if let Some(other) = locked.actor_id().filter(|&other| other != actor_id) {
                    return Ok(Err(Refusal::Conflict(format!(
                        "role {role_id} is already booked for actor {other}; move them to \
                         another stage first"
                    ))));
                }
                if let Some(other) = booked_role(c, movie_id, actor_id, role_id).await? {
                    return Ok(Err(Refusal::Conflict(format!(
                        "actor {actor_id} is already booked in role {other} of movie {movie_id}"
                    ))));
                }
            }
            upsert_candidate(c, role_id, actor_id, stage, note.as_deref()).await?;
            if stage == Stage::Booked && locked.actor_id() != Some(actor_id) {
                set_booking(c, role_id, Some(actor_id)).await?;
            } else if stage != Stage::Booked && locked.actor_id() == Some(actor_id) {
                set_booking(c, role_id, None).await?;
            }
            let (Some(candidate), Some(role)) = (
                candidate(c, role_id, actor_id).await?,
                role(c, role_id).await?,
            ) else {
                return Err(sqlx::Error::RowNotFound);
            };
            Ok(Ok((candidate, role)))
        }

        /// `DELETE /roles/{id}/candidates/{actor_id}`: their auditions for
        /// the role go too, and a booking with them.
        pub(crate) async fn remove_candidate(
            c: &mut $conn,
            role_id: i64,
            actor_id: i64,
        ) -> sqlx::Result<Casting<()>> {
            let Some(locked) = lock_role(c, role_id).await? else {
                return Ok(Err(Refusal::NotFound(format!(
                    "there is no role {role_id}"
                ))));
            };
            if locked.actor_id() == Some(actor_id) {
                set_booking(c, role_id, None).await?;
            }
            let removed =
                sqlx::query("DELETE FROM candidates WHERE role_id = $1 AND actor_id = $2")
                    .bind(role_id)
                    .bind(actor_id)
                    .execute(&mut *c)
                    .await?
                    .rows_affected();
            if removed == 0 {
                let detail = if exists(c, "actors", actor_id).await? {
                    format!("actor {actor_id} is not a candidate for role {role_id}")
                } else {
                    format!("there is no actor {actor_id}")
                };
                return Ok(Err(Refusal::NotFound(detail)));
            }
            Ok(Ok(()))
        }

        /// `PUT /movies/{id}/cast/{actor_id}`: books the actor; the role
        /// they are booked in is renamed `character`, or a new one made.
        pub(crate) async fn assign_cast(
            c: &mut $conn,
            movie_id: i64,
            actor_id: i64,
            character: Option<&str>,
        ) -> sqlx::Result<Result<Option<String>, $crate::db::Missing>> {
            let movie = lock_movie(c, movie_id, LOCK_UPDATE).await?;
            let actor = lock_actor(c, actor_id).await?;
            if !(movie && actor) {
                return Ok(Err($crate::db::Missing::from_found(movie, actor)));
            }
            let booked: Option<(i64, Option<String>)> =
                sqlx::query_as("SELECT id, name FROM roles WHERE movie_id = $1 AND actor_id = $2")
                    .bind(movie_id)
                    .bind(actor_id)
                    .fetch_optional(&mut *c)
                    .await?;
            match booked {
                Some((_, name)) if name.as_deref() == character => {}
                Some((id, _)) => {
                    sqlx::query("UPDATE roles SET name = $2, version = version + 1 WHERE id = $1")
                        .bind(id)
                        .bind(character)
                        .execute(&mut *c)
                        .await?;
                }
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO roles (movie_id, name, actor_id) VALUES ($1, $2, $3) \
                         RETURNING id",
                    )
                    .bind(movie_id)
                    .bind(character)
                    .bind(actor_id)
                    .fetch_one(&mut *c)
                    .await?;
                    upsert_candidate(c, id, actor_id, Stage::Booked, None).await?;
                }
            }
            Ok(Ok(character.map(str::to_owned)))
        }

        /// `DELETE /movies/{id}/cast/{actor_id}`: unbooks the actor; the role
        /// stays, open, and their candidacy goes back to `offered`.
        pub(crate) async fn remove_cast(
            c: &mut $conn,
            movie_id: i64,
            actor_id: i64,
        ) -> sqlx::Result<Result<(), $crate::db::Missing>> {
            let movie = lock_movie(c, movie_id, LOCK_UPDATE).await?;
            let actor = exists(c, "actors", actor_id).await?;
            if !(movie && actor) {
                return Ok(Err($crate::db::Missing::from_found(movie, actor)));
            }
            let sql =
                format!("SELECT id FROM roles WHERE movie_id = $1 AND actor_id = $2{LOCK_UPDATE}");
            let booked: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(movie_id)
                .bind(actor_id)
                .fetch_optional(&mut *c)
                .await?;
            let Some(role_id) = booked else {
                return Ok(Err($crate::db::Missing::Entry));
            };
            let note: Option<Option<String>> = sqlx::query_scalar(
                "SELECT note FROM candidates WHERE role_id = $1 AND actor_id = $2",
            )
            .bind(role_id)
            .bind(actor_id)
            .fetch_optional(&mut *c)
            .await?;
            upsert_candidate(
                c,
                role_id,
                actor_id,
                Stage::Offered,
                note.flatten().as_deref(),
            )
            .await?;
            set_booking(c, role_id, None).await?;
            Ok(Ok(()))
        }
    };
}
pub(crate) use candidate_queries;
