//! The pure part of editing the catalogue: an admin's `PUT` checked and applied to a [`DirectoryDoc`], with
//! no I/O (the service in `super` loads, writes and audits). Table-tested below.
//!
//! Rules: labels are trimmed, one line of 1 to 200 characters (`label_en` may be absent, null or blank:
//! none); a `PUT` of a code already listed replaces its labels and flags in place (its position, which is
//! the order the forms show, stays); a new code is appended, unless the list already holds
//! [`MAX_CATALOGUE_ENTRIES`] (`409 catalogue_full`). Nothing here removes an entry: codes are never
//! deleted, only deactivated, because cases keep the codes they were recorded with.

use sportello_schema::api::ErrorCode;
use sportello_schema::api::catalogue::{
    CATALOGUE_LABEL_MAX_CHARS, CatalogueAreaView, CatalogueNeedView, CatalogueView,
    PutCatalogueArea, PutCatalogueNeed,
};
use sportello_schema::catalogue::{AreaCode, NeedCode};
use sportello_schema::documents::{DirectoryArea, DirectoryDoc, DirectoryNeed};
use sportello_schema::validate::MAX_CATALOGUE_ENTRIES;

use crate::error::{ApiError, ApiResult};

/// The trimmed Italian label, or `422` naming the field.
fn label_it(raw: &str) -> ApiResult<String> {
    crate::input::label(raw, "label_it", CATALOGUE_LABEL_MAX_CHARS)
}

/// The trimmed English label; blank or absent is none.
fn label_en(raw: Option<&str>) -> ApiResult<Option<String>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(label) => crate::input::label(label, "label_en", CATALOGUE_LABEL_MAX_CHARS).map(Some),
    }
}

fn full(what: &str) -> ApiError {
    ApiError::Conflict(
        ErrorCode::CatalogueFull,
        format!(
            "the catalogue already holds {MAX_CATALOGUE_ENTRIES} {what}, the most it may (codes are \
             never removed)"
        ),
    )
}

/// Replaces the entry `same` finds in place, or appends `item` if there is room: true when appended.
fn upsert<T>(list: &mut Vec<T>, item: T, same: impl Fn(&T) -> bool, what: &str) -> ApiResult<bool> {
    if let Some(existing) = list.iter_mut().find(|entry| same(entry)) {
        *existing = item;
        return Ok(false);
    }
    if list.len() >= MAX_CATALOGUE_ENTRIES {
        return Err(full(what));
    }
    list.push(item);
    Ok(true)
}

/// Applies `PUT …/areas/{code}`: the area as stored, and whether it is new.
pub fn put_area(
    directory: &mut DirectoryDoc,
    code: &AreaCode,
    body: &PutCatalogueArea,
) -> ApiResult<(CatalogueAreaView, bool)> {
    let area = DirectoryArea {
        code: code.clone(),
        label_it: label_it(&body.label_it)?,
        label_en: label_en(body.label_en.as_deref())?,
        has_staff: body.has_staff,
        active: body.active,
    };
    let created = upsert(
        &mut directory.areas,
        area.clone(),
        |a| &a.code == code,
        "areas",
    )?;
    Ok((area_view(&area), created))
}

/// Applies `PUT …/needs/{code}`: the need as stored, and whether it is new.
pub fn put_need(
    directory: &mut DirectoryDoc,
    code: &NeedCode,
    body: &PutCatalogueNeed,
) -> ApiResult<(CatalogueNeedView, bool)> {
    let need = DirectoryNeed {
        code: code.clone(),
        label_it: label_it(&body.label_it)?,
        label_en: label_en(body.label_en.as_deref())?,
        active: body.active,
    };
    let created = upsert(
        &mut directory.needs,
        need.clone(),
        |n| &n.code == code,
        "needs",
    )?;
    Ok((need_view(&need), created))
}

fn area_view(area: &DirectoryArea) -> CatalogueAreaView {
    CatalogueAreaView {
        code: area.code.clone(),
        label_it: area.label_it.clone(),
        label_en: area.label_en.clone(),
        active: area.active,
        has_staff: area.has_staff,
    }
}

fn need_view(need: &DirectoryNeed) -> CatalogueNeedView {
    CatalogueNeedView {
        code: need.code.clone(),
        label_it: need.label_it.clone(),
        label_en: need.label_en.clone(),
        active: need.active,
    }
}

/// The admin's view of a directory, in its order.
pub fn view(directory: &DirectoryDoc) -> CatalogueView {
    CatalogueView {
        areas: directory.areas.iter().map(area_view).collect(),
        needs: directory.needs.iter().map(need_view).collect(),
        updated_at: directory.updated_at.clone(),
    }
}

#[cfg(test)]
mod tests {
    use sportello_schema::values::Rfc3339Utc;

    use super::*;

    fn directory() -> DirectoryDoc {
        DirectoryDoc::with_defaults(&Rfc3339Utc::parse("2026-11-01T08:00:00Z").unwrap())
    }

    fn need(label_it: &str, label_en: Option<&str>, active: bool) -> PutCatalogueNeed {
        PutCatalogueNeed {
            label_it: label_it.into(),
            label_en: label_en.map(Into::into),
            active,
        }
    }

    #[test]
    fn a_new_need_is_appended_with_trimmed_labels() {
        let mut doc = directory();
        let code = NeedCode::parse("energy_poverty").unwrap();
        let (view, created) = put_need(
            &mut doc,
            &code,
            &need("  Povertà energetica ", Some(" Energy poverty"), true),
        )
        .unwrap();
        assert!(created);
        assert_eq!(view.label_it, "Povertà energetica");
        assert_eq!(view.label_en.as_deref(), Some("Energy poverty"));
        assert_eq!(doc.needs.last().unwrap().code, code);
        assert!(doc.catalogue().need(&code).unwrap().active);
    }

    #[test]
    fn a_known_need_is_replaced_in_place_and_never_removed() {
        let mut doc = directory();
        let before = doc.needs.len();
        let code = NeedCode::parse("legal").unwrap();
        let (view, created) =
            put_need(&mut doc, &code, &need("Questioni legali", None, false)).unwrap();
        assert!(!created && !view.active && view.label_en.is_none());
        assert_eq!(doc.needs.len(), before);
        assert_eq!(doc.needs[11].code, code, "its place in the list stays");
        assert!(
            !doc.catalogue().need(&code).unwrap().active,
            "deactivated, still in the catalogue in force"
        );
    }

    #[test]
    fn bad_labels_are_refused_naming_the_field() {
        let code = NeedCode::parse("other").unwrap();
        for (body, field) in [
            (need("   ", None, true), "label_it"),
            (need("Due\nrighe", None, true), "label_it"),
            (need(&"x".repeat(201), None, true), "label_it"),
            (need("Altro", Some("tab\there"), true), "label_en"),
            (need("Altro", Some(&"y".repeat(201)), true), "label_en"),
        ] {
            let mut doc = directory();
            let error = put_need(&mut doc, &code, &body).unwrap_err();
            assert_eq!(error.code(), ErrorCode::ValidationFailed);
            assert!(error.to_string().starts_with(field), "{error}");
            assert_eq!(doc, directory(), "nothing changed");
        }
        let mut doc = directory();
        let (view, _) = put_need(&mut doc, &code, &need("Altro", Some("  "), true)).unwrap();
        assert_eq!(view.label_en, None, "a blank English label is none");
        assert!(put_need(&mut doc, &code, &need(&"x".repeat(200), None, true)).is_ok());
    }

    #[test]
    fn a_full_catalogue_takes_no_new_code_but_still_takes_changes() {
        let mut doc = directory();
        for i in doc.areas.len()..MAX_CATALOGUE_ENTRIES {
            let code = AreaCode::parse(&format!("area_{i}")).unwrap();
            let body = PutCatalogueArea {
                label_it: format!("Area {i}"),
                label_en: None,
                active: true,
                has_staff: true,
            };
            put_area(&mut doc, &code, &body).unwrap();
        }
        assert_eq!(doc.areas.len(), MAX_CATALOGUE_ENTRIES);
        let body = PutCatalogueArea {
            label_it: "Una in più".into(),
            label_en: None,
            active: true,
            has_staff: false,
        };
        let error = put_area(&mut doc, &AreaCode::parse("one_more").unwrap(), &body).unwrap_err();
        assert_eq!(error.code(), ErrorCode::CatalogueFull);
        let (view, created) =
            put_area(&mut doc, &AreaCode::parse("elderly").unwrap(), &body).unwrap();
        assert!(!created && !view.has_staff);
        assert_eq!(doc.areas.len(), MAX_CATALOGUE_ENTRIES);
    }

    #[test]
    fn the_view_lists_the_directory_in_order() {
        let doc = directory();
        let view = view(&doc);
        assert_eq!(view.areas.len(), doc.areas.len());
        assert_eq!(view.needs[0].code.as_str(), "economic");
        assert_eq!(view.areas[7].code.as_str(), "territorial_network");
        assert!(!view.areas[7].has_staff);
        assert_eq!(view.updated_at, "2026-11-01T08:00:00Z");
    }
}
