//! Permissions and roles, as the contract's table defines them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One Auth0-style permission string such as `get:actors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Permission {
    #[serde(rename = "get:actors")]
    GetActors,
    #[serde(rename = "post:actors")]
    PostActors,
    #[serde(rename = "patch:actors")]
    PatchActors,
    #[serde(rename = "delete:actors")]
    DeleteActors,
    #[serde(rename = "get:movies")]
    GetMovies,
    #[serde(rename = "post:movies")]
    PostMovies,
    #[serde(rename = "patch:movies")]
    PatchMovies,
    #[serde(rename = "delete:movies")]
    DeleteMovies,
}

impl Permission {
    pub const ALL: [Permission; 8] = [
        Permission::GetActors,
        Permission::PostActors,
        Permission::PatchActors,
        Permission::DeleteActors,
        Permission::GetMovies,
        Permission::PostMovies,
        Permission::PatchMovies,
        Permission::DeleteMovies,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::GetActors => "get:actors",
            Permission::PostActors => "post:actors",
            Permission::PatchActors => "patch:actors",
            Permission::DeleteActors => "delete:actors",
            Permission::GetMovies => "get:movies",
            Permission::PostMovies => "post:movies",
            Permission::PatchMovies => "patch:movies",
            Permission::DeleteMovies => "delete:movies",
        }
    }

    /// Unknown strings (other APIs' permissions) are `None` and ignored.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    #[serde(rename = "Casting Assistant")]
    CastingAssistant,
    #[serde(rename = "Casting Director")]
    CastingDirector,
    #[serde(rename = "Executive Producer")]
    ExecutiveProducer,
}

impl Role {
    pub const ALL: [Role; 3] = [
        Role::CastingAssistant,
        Role::CastingDirector,
        Role::ExecutiveProducer,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::CastingAssistant => "Casting Assistant",
            Role::CastingDirector => "Casting Director",
            Role::ExecutiveProducer => "Executive Producer",
        }
    }

    /// The short name used on the command line and in the database.
    pub fn key(self) -> &'static str {
        match self {
            Role::CastingAssistant => "assistant",
            Role::CastingDirector => "director",
            Role::ExecutiveProducer => "producer",
        }
    }

    /// Accepts the short key or the full name, in any case.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.key().eq_ignore_ascii_case(text) || r.name().eq_ignore_ascii_case(text))
    }

    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::CastingAssistant => &[GetActors, GetMovies],
            Role::CastingDirector => &[
                GetActors,
                GetMovies,
                PostActors,
                PatchActors,
                DeleteActors,
                PatchMovies,
            ],
            Role::ExecutiveProducer => &Permission::ALL,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_have_the_contract_permissions() {
        assert_eq!(Role::CastingAssistant.permissions().len(), 2);
        assert_eq!(Role::CastingDirector.permissions().len(), 6);
        assert!(
            !Role::CastingDirector
                .permissions()
                .contains(&Permission::PostMovies)
        );
        assert!(
            !Role::CastingDirector
                .permissions()
                .contains(&Permission::DeleteMovies)
        );
        assert_eq!(Role::ExecutiveProducer.permissions().len(), 8);
    }

    #[test]
    fn permissions_round_trip_as_strings() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        assert_eq!(Permission::parse("read:stuff"), None);
    }

    #[test]
    fn roles_parse_from_key_or_name() {
        assert_eq!(Role::parse("Producer"), Some(Role::ExecutiveProducer));
        assert_eq!(Role::parse("casting director"), Some(Role::CastingDirector));
        assert_eq!(Role::parse("boss"), None);
    }
}
