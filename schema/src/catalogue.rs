//! The catalogue of service areas and need codes, with Italian and English labels (DESIGN.md §3).
//!
//! Codes are stable identifiers stored in documents and accounts; labels are what people read. Admins extend
//! the catalogue and deactivate entries (`PUT /api/v1/admin/catalogue/…`; the `directory` document carries
//! it to tablets), so an [`AreaCode`] is any well-formed code, and whether it exists is a question for the
//! catalogue in force, not for the type. [`NeedCode`] follows the same rule for needs. [`Catalogue`] is the
//! catalogue in force (the defaults, or the `directory` document's), which validation checks document codes
//! against.
//!
//! A code that is in it, active or not, is accepted, and that holds for a *new* use too: deactivating a code
//! must never lock the cases that already carry it, and a tablet that was offline when the code was
//! deactivated must not have the case it recorded meanwhile refused. Codes are never removed. Offering only
//! active codes for new entries is the forms' job.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid code {0:?}: use 2 to 40 lowercase letters, digits or '_', starting with a letter")]
pub struct InvalidCode(pub String);

fn is_well_formed_code(raw: &str) -> bool {
    (2..=40).contains(&raw.len())
        && raw.starts_with(|c: char| c.is_ascii_lowercase())
        && raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A catalogue code newtype: one well-formedness rule, a distinct type per kind of code.
macro_rules! catalogue_code {
    ($(#[$doc:meta])* $name:ident, $example:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(
            feature = "openapi",
            schema(value_type = String, pattern = "^[a-z][a-z0-9_]{1,39}$", example = $example)
        )]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, InvalidCode> {
                if is_well_formed_code(raw) {
                    Ok(Self(raw.to_owned()))
                } else {
                    Err(InvalidCode(raw.chars().take(48).collect()))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidCode;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

catalogue_code!(
    /// A catalogue code: 2 to 40 characters of lowercase ASCII letters, digits and `_`, starting with a
    /// letter.
    AreaCode,
    "minors_families"
);

catalogue_code!(
    /// A need code from the catalogue (`economic`, `housing`, …): the same well-formedness rule as
    /// [`AreaCode`], a separate type so that a need can never be passed where an area is meant.
    NeedCode,
    "economic"
);

/// One service area a case can be referred to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AreaEntry {
    pub code: &'static str,
    pub label_it: &'static str,
    pub label_en: &'static str,
    /// False for areas with no user accounts behind them (the territorial network): referrals there are
    /// recorded and closed by the desk, and no social worker can be assigned to them.
    pub has_staff: bool,
}

/// One need code for the first needs analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeedEntry {
    pub code: &'static str,
    pub label_it: &'static str,
    pub label_en: &'static str,
}

pub const DEFAULT_AREAS: &[AreaEntry] = &[
    AreaEntry {
        code: "minors_families",
        label_it: "Minori e famiglie",
        label_en: "Minors and families",
        has_staff: true,
    },
    AreaEntry {
        code: "elderly",
        label_it: "Anziani",
        label_en: "Older people",
        has_staff: true,
    },
    AreaEntry {
        code: "disability",
        label_it: "Disabilità",
        label_en: "Disability",
        has_staff: true,
    },
    AreaEntry {
        code: "adults_inclusion",
        label_it: "Adulti e inclusione sociale",
        label_en: "Adults and social inclusion",
        has_staff: true,
    },
    AreaEntry {
        code: "housing",
        label_it: "Casa e politiche abitative",
        label_en: "Housing and housing policy",
        has_staff: true,
    },
    AreaEntry {
        code: "migrants",
        label_it: "Sportello Migranti e Interculturalità",
        label_en: "Migrants and Intercultural Desk",
        has_staff: true,
    },
    AreaEntry {
        code: "services_company",
        label_it: "Azienda speciale dei servizi alla persona",
        label_en: "Municipal personal services company",
        has_staff: true,
    },
    AreaEntry {
        code: "territorial_network",
        label_it: "Rete territoriale (ATS/ASST, consultorio, centro per l'impiego, terzo settore)",
        label_en: "Local network (health agency, family clinic, job centre, third sector)",
        has_staff: false,
    },
];

pub const DEFAULT_NEEDS: &[NeedEntry] = &[
    NeedEntry {
        code: "economic",
        label_it: "Difficoltà economiche",
        label_en: "Financial hardship",
    },
    NeedEntry {
        code: "housing",
        label_it: "Casa e abitazione",
        label_en: "Housing",
    },
    NeedEntry {
        code: "employment",
        label_it: "Lavoro e occupazione",
        label_en: "Work and employment",
    },
    NeedEntry {
        code: "family_minors",
        label_it: "Famiglia e minori",
        label_en: "Family and children",
    },
    NeedEntry {
        code: "elderly_care",
        label_it: "Assistenza agli anziani",
        label_en: "Care of older people",
    },
    NeedEntry {
        code: "disability",
        label_it: "Disabilità",
        label_en: "Disability",
    },
    NeedEntry {
        code: "health",
        label_it: "Salute",
        label_en: "Health",
    },
    NeedEntry {
        code: "migration_documents",
        label_it: "Migrazione e documenti",
        label_en: "Migration and documents",
    },
    NeedEntry {
        code: "language",
        label_it: "Lingua e mediazione linguistica",
        label_en: "Language and interpreting",
    },
    NeedEntry {
        code: "violence_abuse",
        label_it: "Violenza e maltrattamento",
        label_en: "Violence and abuse",
    },
    NeedEntry {
        code: "addiction",
        label_it: "Dipendenze",
        label_en: "Addiction",
    },
    NeedEntry {
        code: "legal",
        label_it: "Questioni legali",
        label_en: "Legal matters",
    },
    NeedEntry {
        code: "other",
        label_it: "Altro",
        label_en: "Other",
    },
];

/// The default area with this code, if any.
pub fn default_area(code: &AreaCode) -> Option<&'static AreaEntry> {
    DEFAULT_AREAS.iter().find(|area| area.code == code.as_str())
}

/// An area of the catalogue in force, as validation and the referral rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueArea {
    pub code: AreaCode,
    pub has_staff: bool,
    /// Inactive areas are offered for no new referral, but existing referrals to them stay valid.
    pub active: bool,
}

/// A need of the catalogue in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueNeed {
    pub code: NeedCode,
    /// Inactive needs are offered for no new case, but cases that carry them stay valid.
    pub active: bool,
}

/// The catalogue in force: the areas and needs that documents may name. Built from the defaults or from
/// the `directory` document (`DirectoryDoc::catalogue`).
///
/// A code that is in the catalogue, active or not, is accepted in a document: deactivating a code must not
/// make every case that already carries it impossible to edit. Offering only active codes for new entries
/// is the forms' job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    areas: Vec<CatalogueArea>,
    needs: Vec<CatalogueNeed>,
}

impl Catalogue {
    pub fn new(areas: Vec<CatalogueArea>, needs: Vec<CatalogueNeed>) -> Self {
        Self { areas, needs }
    }

    /// [`DEFAULT_AREAS`] and [`DEFAULT_NEEDS`], all active.
    pub fn defaults() -> Self {
        let areas = DEFAULT_AREAS
            .iter()
            .filter_map(|a| {
                let code = AreaCode::parse(a.code).ok()?;
                Some(CatalogueArea {
                    code,
                    has_staff: a.has_staff,
                    active: true,
                })
            })
            .collect();
        let needs = DEFAULT_NEEDS
            .iter()
            .filter_map(|n| {
                Some(CatalogueNeed {
                    code: NeedCode::parse(n.code).ok()?,
                    active: true,
                })
            })
            .collect();
        Self { areas, needs }
    }

    pub fn area(&self, code: &AreaCode) -> Option<&CatalogueArea> {
        self.areas.iter().find(|a| &a.code == code)
    }

    pub fn need(&self, code: &NeedCode) -> Option<&CatalogueNeed> {
        self.needs.iter().find(|n| &n.code == code)
    }

    pub fn areas(&self) -> &[CatalogueArea] {
        &self.areas
    }

    pub fn needs(&self) -> &[CatalogueNeed] {
        &self.needs
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_default_code_is_well_formed_and_unique() {
        let areas: HashSet<_> = DEFAULT_AREAS.iter().map(|a| a.code).collect();
        let needs: HashSet<_> = DEFAULT_NEEDS.iter().map(|n| n.code).collect();
        assert_eq!(areas.len(), DEFAULT_AREAS.len());
        assert_eq!(needs.len(), DEFAULT_NEEDS.len());
        for code in areas.iter().chain(needs.iter()) {
            assert!(AreaCode::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn the_defaults_are_the_ones_design_names() {
        assert_eq!(DEFAULT_AREAS.len(), 8);
        assert_eq!(DEFAULT_NEEDS.len(), 13);
        let network = default_area(&AreaCode::parse("territorial_network").unwrap()).unwrap();
        assert!(!network.has_staff);
        assert!(
            default_area(&AreaCode::parse("migrants").unwrap())
                .unwrap()
                .has_staff
        );
    }

    #[test]
    fn malformed_codes_are_refused() {
        for raw in [
            "",
            "a",
            "Minors",
            "minors families",
            "9lives",
            "x-y",
            &"a".repeat(41),
        ] {
            assert!(AreaCode::parse(raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn need_codes_follow_the_same_rule_as_area_codes() {
        assert_eq!(
            NeedCode::parse("violence_abuse").unwrap().as_str(),
            "violence_abuse"
        );
        for raw in ["", "x", "Economic", "two words", &"n".repeat(41)] {
            assert!(NeedCode::parse(raw).is_err(), "{raw:?}");
        }
        assert!(serde_json::from_str::<NeedCode>("\"Other\"").is_err());
    }

    #[test]
    fn the_default_catalogue_holds_every_default_code_as_active() {
        let catalogue = Catalogue::defaults();
        assert_eq!(catalogue.areas().len(), DEFAULT_AREAS.len());
        assert_eq!(catalogue.needs().len(), DEFAULT_NEEDS.len());
        let network = catalogue
            .area(&AreaCode::parse("territorial_network").unwrap())
            .unwrap();
        assert!(!network.has_staff && network.active);
        assert!(
            catalogue
                .need(&NeedCode::parse("language").unwrap())
                .unwrap()
                .active
        );
        assert!(
            catalogue
                .area(&AreaCode::parse("language").unwrap())
                .is_none()
        );
        assert!(
            catalogue
                .need(&NeedCode::parse("migrants").unwrap())
                .is_none()
        );
    }
}
