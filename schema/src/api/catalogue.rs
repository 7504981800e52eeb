//! Bodies of the catalogue routes (`/api/v1/admin/catalogue`, `docs/api.md` §3.11): the areas and needs
//! in force as admins see and edit them. The catalogue itself travels to tablets in the `directory`
//! document; these types are only the admin's view of it.

use serde::{Deserialize, Serialize};

use crate::catalogue::{AreaCode, NeedCode};

/// A catalogue label: one line of 1 to 200 characters once trimmed ([`crate::validate::LABEL_MAX_CHARS`]).
pub const CATALOGUE_LABEL_MAX_CHARS: usize = crate::validate::LABEL_MAX_CHARS;

/// The catalogue in force (`GET /api/v1/admin/catalogue`), in the directory's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogueView {
    pub areas: Vec<CatalogueAreaView>,
    pub needs: Vec<CatalogueNeedView>,
    /// When the directory was last changed (RFC 3339 UTC).
    pub updated_at: String,
}

/// One service area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogueAreaView {
    pub code: AreaCode,
    pub label_it: String,
    /// Null where no English label was given (readers show the Italian one).
    pub label_en: Option<String>,
    /// Inactive areas are offered for no new referral; existing referrals to them stay valid.
    pub active: bool,
    /// False for areas without user accounts (the territorial network): the desk records and closes
    /// referrals there.
    pub has_staff: bool,
}

/// One need code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogueNeedView {
    pub code: NeedCode,
    pub label_it: String,
    pub label_en: Option<String>,
    /// Inactive needs are offered for no new case; cases that carry them stay valid.
    pub active: bool,
}

/// `PUT /api/v1/admin/catalogue/areas/{code}`: creates or replaces an area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PutCatalogueArea {
    #[cfg_attr(feature = "openapi", schema(schema_with = schemas::label_it))]
    pub label_it: String,
    /// Absent, null or blank: none.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = schemas::label_en))]
    pub label_en: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default = "yes")]
    pub has_staff: bool,
}

/// `PUT /api/v1/admin/catalogue/needs/{code}`: creates or replaces a need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PutCatalogueNeed {
    #[cfg_attr(feature = "openapi", schema(schema_with = schemas::label_it))]
    pub label_it: String,
    /// Absent, null or blank: none.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = schemas::label_en))]
    pub label_en: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[cfg(feature = "openapi")]
mod schemas {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};

    use super::CATALOGUE_LABEL_MAX_CHARS;
    use crate::api::contract::label_pattern;

    fn label(optional: bool, description: &str) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(label_pattern(CATALOGUE_LABEL_MAX_CHARS, optional)))
            .description(Some(description))
    }

    pub fn label_it() -> RefOr<Schema> {
        label(
            false,
            "1 to 200 characters once trimmed, one line, no control characters",
        )
        .examples(["Difficoltà economiche"])
        .into()
    }

    pub fn label_en() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(label(
                true,
                "At most 200 characters once trimmed, one line, no control characters; blank is taken as absent",
            ))
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_put_takes_defaults_and_refuses_unknown_fields() {
        let area: PutCatalogueArea = serde_json::from_str(r#"{"label_it": "Casa"}"#).unwrap();
        assert!(area.active && area.has_staff && area.label_en.is_none());
        let need: PutCatalogueNeed =
            serde_json::from_str(r#"{"label_it": "Casa", "label_en": null, "active": false}"#)
                .unwrap();
        assert!(!need.active);
        assert!(
            serde_json::from_str::<PutCatalogueNeed>(r#"{"label_it": "Casa", "has_staff": true}"#)
                .is_err()
        );
    }
}
