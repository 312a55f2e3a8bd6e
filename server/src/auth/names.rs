//! How the change log names a caller of an external issuer, so that none
//! can pass for someone else there. The built-in users' subjects
//! (`casting|ID`) and what the stores record for a write made straight in
//! the database (subject `database` or `database:ROLE`) are reserved: an
//! external token claiming one, or a subject with characters that do not
//! show, is refused (401). An external caller's name is
//! the token's claim marked with its issuer (`ann (tenant.auth0.com)`),
//! which no built-in username can be (they have no spaces), stripped of
//! characters that would not show (a right-to-left override could turn
//! the mark around).

use casting_shared::credentials::is_hidden_character;

/// Why an external token's `subject` cannot be recorded as it is: it has
/// characters that do not show, or it is one the server records on its
/// own behalf — a built-in user's (`casting|…`) or a direct database
/// write's (`database`, `database:…`, or with `|` as Auth0 writes
/// subjects), whatever the case.
pub fn check_external_subject(subject: &str) -> Result<(), &'static str> {
    if subject.chars().any(is_hidden_character) {
        return Err("the token's subject has invisible or control characters");
    }
    let lower = subject.trim().to_ascii_lowercase();
    let reserved = lower == "database"
        || ["casting|", "database:", "database|"]
            .iter()
            .any(|prefix| lower.starts_with(prefix));
    if reserved {
        return Err("the token's subject is one this server reserves for its own records");
    }
    Ok(())
}

/// An external caller's name in the change log: the first of `claims`
/// that has something to show once hidden characters are removed, with
/// the issuer's host (or the issuer itself, if it is no URL) after it.
pub fn external_name<'a>(
    claims: impl IntoIterator<Item = Option<&'a str>>,
    issuer: &str,
) -> Option<String> {
    let shown = claims.into_iter().flatten().find_map(|claim| {
        let visible: String = claim.chars().filter(|c| !is_hidden_character(*c)).collect();
        let visible = visible.trim();
        (!visible.is_empty()).then(|| visible.to_owned())
    })?;
    Some(format!("{shown} ({})", issuer_host(issuer)))
}

/// `tenant.auth0.com` of `https://tenant.auth0.com/`.
fn issuer_host(issuer: &str) -> &str {
    let rest = issuer.split_once("://").map_or(issuer, |(_, rest)| rest);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    if host.is_empty() { issuer } else { host }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTH0: &str = "https://tenant.auth0.com/";

    #[test]
    fn the_servers_own_subjects_are_reserved() {
        for refused in [
            "casting|1",
            "Casting|7",
            "database",
            "DATABASE",
            "database:postgres",
            "database|psql",
            " database ",
            "data\u{200B}base",
            "auth0|\u{202E}abc",
        ] {
            assert!(check_external_subject(refused).is_err(), "{refused:?}");
        }
        for free in ["auth0|abc", "google-oauth2|1", "databases", "casting-1", ""] {
            assert_eq!(check_external_subject(free), Ok(()), "{free:?}");
        }
    }

    #[test]
    fn an_external_name_is_marked_with_its_issuer_and_shows_as_it_is() {
        assert_eq!(
            external_name([None, Some("producer"), Some("p@x.org")], AUTH0).as_deref(),
            Some("producer (tenant.auth0.com)")
        );
        assert_eq!(
            external_name([Some("\u{202E}recudorp")], AUTH0).as_deref(),
            Some("recudorp (tenant.auth0.com)")
        );
        assert_eq!(
            external_name([Some("\u{200B}"), Some("ann")], AUTH0).as_deref(),
            Some("ann (tenant.auth0.com)"),
            "a claim with nothing to show is skipped"
        );
        assert_eq!(external_name([None, None], AUTH0), None);
        assert_eq!(
            external_name([Some("ann")], "issuer-without-scheme").as_deref(),
            Some("ann (issuer-without-scheme)")
        );
    }
}
