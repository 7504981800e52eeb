//! The `directory` document (`sportello/directory@1`): the catalogue of service areas and need codes in
//! force, with Italian labels and optional English ones (`label_en`, added later: a directory without them
//! is still valid, and readers fall back to `label_it`), carried to every tablet.
//!
//! Only the server writes it, from admin actions (`PUT /api/v1/admin/catalogue/…`); all staff read it. Codes are never removed, only
//! deactivated (`active: false`), because cases keep the codes they were recorded with: see
//! [`crate::catalogue::Catalogue`]. [`DirectoryDoc::catalogue`] is what validation consumes.

use autosurgeon::{Hydrate, Reconcile};

use super::hydration;
use crate::{
    AreaCode,
    catalogue::{Catalogue, CatalogueArea, CatalogueNeed, DEFAULT_AREAS, DEFAULT_NEEDS, NeedCode},
    values::Rfc3339Utc,
};

/// The root of a `directory` document.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct DirectoryDoc {
    /// Always [`DirectoryDoc::SCHEMA`].
    #[autosurgeon(hydrate = "hydration::string")]
    pub schema: String,
    #[autosurgeon(missing = "Vec::new")]
    pub areas: Vec<DirectoryArea>,
    #[autosurgeon(missing = "Vec::new")]
    pub needs: Vec<DirectoryNeed>,
    /// RFC 3339 UTC.
    #[autosurgeon(hydrate = "hydration::string")]
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct DirectoryArea {
    #[key]
    pub code: AreaCode,
    #[autosurgeon(hydrate = "hydration::string")]
    pub label_it: String,
    /// Absent (or null) in directories written before English labels existed.
    #[autosurgeon(hydrate = "hydration::optional_string")]
    pub label_en: Option<String>,
    /// False for areas without user accounts (the territorial network): the desk records and closes
    /// referrals there.
    pub has_staff: bool,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate)]
pub struct DirectoryNeed {
    #[key]
    pub code: NeedCode,
    #[autosurgeon(hydrate = "hydration::string")]
    pub label_it: String,
    #[autosurgeon(hydrate = "hydration::optional_string")]
    pub label_en: Option<String>,
    pub active: bool,
}

impl DirectoryDoc {
    pub const SCHEMA: &'static str = "sportello/directory@1";
    pub const KIND: super::DocKind = super::DocKind::Directory;

    /// The default catalogue (DESIGN.md §3), everything active.
    pub fn with_defaults(updated_at: &Rfc3339Utc) -> Self {
        let areas = DEFAULT_AREAS
            .iter()
            .filter_map(|a| {
                Some(DirectoryArea {
                    code: AreaCode::parse(a.code).ok()?,
                    label_it: a.label_it.to_owned(),
                    label_en: Some(a.label_en.to_owned()),
                    has_staff: a.has_staff,
                    active: true,
                })
            })
            .collect();
        let needs = DEFAULT_NEEDS
            .iter()
            .filter_map(|n| {
                Some(DirectoryNeed {
                    code: NeedCode::parse(n.code).ok()?,
                    label_it: n.label_it.to_owned(),
                    label_en: Some(n.label_en.to_owned()),
                    active: true,
                })
            })
            .collect();
        Self {
            schema: Self::SCHEMA.to_owned(),
            areas,
            needs,
            updated_at: updated_at.as_str().to_owned(),
        }
    }

    /// The catalogue this directory puts in force.
    pub fn catalogue(&self) -> Catalogue {
        Catalogue::new(
            self.areas
                .iter()
                .map(|a| CatalogueArea {
                    code: a.code.clone(),
                    has_staff: a.has_staff,
                    active: a.active,
                })
                .collect(),
            self.needs
                .iter()
                .map(|n| CatalogueNeed {
                    code: n.code.clone(),
                    active: n.active,
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use automerge::{AutoCommit, transaction::Transactable};
    use autosurgeon::{hydrate, reconcile};

    use super::*;
    use crate::documents::test_support::as_javascript_writes_it;

    #[test]
    fn the_default_directory_puts_the_default_catalogue_in_force() {
        let directory =
            DirectoryDoc::with_defaults(&Rfc3339Utc::parse("2026-11-01T08:00:00Z").unwrap());
        assert_eq!(directory.catalogue(), Catalogue::defaults());
        assert_eq!(directory.areas.len(), DEFAULT_AREAS.len());
        assert_eq!(directory.needs[0].label_it, DEFAULT_NEEDS[0].label_it);
    }

    #[test]
    fn a_directory_survives_a_round_trip_in_either_string_form() {
        let mut directory =
            DirectoryDoc::with_defaults(&Rfc3339Utc::parse("2026-11-01T08:00:00Z").unwrap());
        directory.needs[3].active = false;
        let mut doc = AutoCommit::new();
        reconcile(&mut doc, &directory).unwrap();
        assert_eq!(hydrate::<_, DirectoryDoc>(&doc).unwrap(), directory);
        assert_eq!(
            hydrate::<_, DirectoryDoc>(&as_javascript_writes_it(&doc)).unwrap(),
            directory
        );
        let catalogue = directory.catalogue();
        assert!(!catalogue.need(&directory.needs[3].code).unwrap().active);
    }

    #[test]
    fn a_directory_written_before_english_labels_still_reads() {
        let mut doc = AutoCommit::new();
        let areas = doc
            .put_object(automerge::ROOT, "areas", automerge::ObjType::List)
            .unwrap();
        let area = doc
            .insert_object(&areas, 0, automerge::ObjType::Map)
            .unwrap();
        doc.put(&area, "code", "elderly").unwrap();
        doc.put(&area, "label_it", "Anziani").unwrap();
        doc.put(&area, "has_staff", true).unwrap();
        doc.put(&area, "active", true).unwrap();
        doc.put(automerge::ROOT, "schema", DirectoryDoc::SCHEMA)
            .unwrap();
        doc.put(automerge::ROOT, "updated_at", "2026-11-01T08:00:00Z")
            .unwrap();
        let directory = hydrate::<_, DirectoryDoc>(&doc).unwrap();
        assert_eq!(directory.areas[0].label_en, None);
        assert!(directory.needs.is_empty());
    }
}
