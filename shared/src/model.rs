//! The resources as the API returns them.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::declare::record;

record! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Actor {
        id: i64 => id,
        name: String => stored_name,
        age: i32 => stored_age,
        gender: String => stored_gender,
    }
}

record! {
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct Movie {
        id: i64 => id,
        title: String => stored_title,
        #[serde(with = "iso_date")]
        release_date: Date => stored_release_date,
    }
}

/// Dates travel as `YYYY-MM-DD`.
pub mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&crate::domain::format_date(*date))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        crate::domain::parse_release_date(&text).map_err(D::Error::custom)
    }
}
