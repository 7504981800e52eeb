//! The shared validation corpus: valid and invalid case documents and changes, each with the verdict of
//! `sportello_schema::validate`, written to `tests/fixtures/validation-corpus.json`. The tablet app runs the
//! same file through its own rules (`web/src/rules/corpus.test.ts`) and must reach the same verdicts: this
//! is how the app's local checks and the server's are proved to agree.
//!
//! Each entry is checked as the server checks a write: the document is built in Automerge (free text as
//! Text objects, every other string a scalar, as the app writes them), its shape is checked
//! (`validate::shape`), it is hydrated into a `CaseDoc`, then `validate::case` and
//! `validate::case_change` run for the entry's actor. The verdict is the first stage that fails (`shape`,
//! `hydrate`, `invalid`) or `ok`, with the sorted, distinct paths of the errors (none for `hydrate`, whose
//! errors name keys in their own words).
//!
//! The test fails when the file is stale; `SPORTELLO_REGENERATE_CORPUS=1 cargo test -p sportello-schema
//! --test validation_corpus` rewrites it.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed: the panic is the report

use std::collections::BTreeSet;
use std::path::PathBuf;

use automerge::{AutoCommit, ObjId, ObjType, ROOT, ScalarValue, transaction::Transactable};
use serde_json::{Value, json};
use sportello_schema::catalogue::{Catalogue, DEFAULT_AREAS, DEFAULT_NEEDS};
use sportello_schema::documents::{CaseDoc, DocKind};
use sportello_schema::policy::ActorCtx;
use sportello_schema::validate;
use sportello_schema::values::Date;
use sportello_schema::{AreaCode, Role, UserId};

const TODAY: &str = "2026-12-01";
const OPERATOR: &str = "7b0e8a52-3f1c-4d7e-9a6b-2c5d8e1f4a90";
const OTHER_OPERATOR: &str = "1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5";
const WORKER: &str = "9c8b7a60-5e4d-4c3b-8a29-18f7e6d5c4b3";
/// Free text: written as Text objects, as the app does.
const TEXT_KEYS: [&str; 3] = ["summary", "note", "reason"];

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validation-corpus.json")
}

// ---------------------------------------------------------------------------------------------------------
// JSON into Automerge

fn put(doc: &mut AutoCommit, obj: &ObjId, key: &str, value: &Value) {
    match value {
        Value::Object(map) => {
            let id = doc.put_object(obj, key, ObjType::Map).unwrap();
            fill_map(doc, &id, map);
        }
        Value::Array(items) => {
            let id = doc.put_object(obj, key, ObjType::List).unwrap();
            for (i, item) in items.iter().enumerate() {
                insert(doc, &id, i, item);
            }
        }
        Value::String(s) if TEXT_KEYS.contains(&key) => {
            let id = doc.put_object(obj, key, ObjType::Text).unwrap();
            doc.splice_text(&id, 0, 0, s).unwrap();
        }
        scalar => doc.put(obj, key, scalar_of(scalar)).unwrap(),
    }
}

fn insert(doc: &mut AutoCommit, list: &ObjId, index: usize, value: &Value) {
    match value {
        Value::Object(map) => {
            let id = doc.insert_object(list, index, ObjType::Map).unwrap();
            fill_map(doc, &id, map);
        }
        Value::Array(_) => panic!("the corpus has no list of lists"),
        scalar => doc.insert(list, index, scalar_of(scalar)).unwrap(),
    }
}

fn fill_map(doc: &mut AutoCommit, obj: &ObjId, map: &serde_json::Map<String, Value>) {
    for (key, value) in map {
        put(doc, obj, key, value);
    }
}

fn scalar_of(value: &Value) -> ScalarValue {
    match value {
        Value::Null => ScalarValue::Null,
        Value::Bool(b) => ScalarValue::Boolean(*b),
        Value::Number(n) => n
            .as_i64()
            .map(ScalarValue::Int)
            .unwrap_or_else(|| ScalarValue::F64(n.as_f64().unwrap())),
        Value::String(s) => ScalarValue::Str(s.as_str().into()),
        _ => unreachable!(),
    }
}

fn automerge_of(value: &Value) -> AutoCommit {
    let mut doc = AutoCommit::new();
    fill_map(&mut doc, &ROOT, value.as_object().expect("a case is a map"));
    doc
}

// ---------------------------------------------------------------------------------------------------------
// The verdict, as the server reaches it

fn paths(errors: &validate::ValidationErrors) -> Vec<String> {
    let set: BTreeSet<String> = errors.errors().iter().map(|e| e.path.clone()).collect();
    set.into_iter().collect()
}

fn hydrated(value: &Value) -> Result<CaseDoc, Value> {
    let doc = automerge_of(value);
    if let Err(errors) = validate::shape(&doc, DocKind::Case) {
        return Err(json!({"stage": "shape", "paths": paths(&errors)}));
    }
    autosurgeon::hydrate::<_, CaseDoc>(&doc).map_err(|_| json!({"stage": "hydrate", "paths": []}))
}

fn verdict(doc: &Value, old: Option<&Value>, actor: &ActorCtx) -> Value {
    let catalogue = Catalogue::defaults();
    let today = Date::parse(TODAY).unwrap();
    let new = match hydrated(doc) {
        Ok(new) => new,
        Err(verdict) => return verdict,
    };
    if let Err(errors) = validate::case(&new, &catalogue, today) {
        return json!({"stage": "invalid", "paths": paths(&errors)});
    }
    let old = old.map(|old| hydrated(old).expect("the old version of an entry is valid"));
    match validate::case_change(old.as_ref(), &new, actor, &catalogue) {
        Ok(()) => json!({"stage": "ok", "paths": []}),
        Err(errors) => json!({"stage": "invalid", "paths": paths(&errors)}),
    }
}

// ---------------------------------------------------------------------------------------------------------
// The entries

fn base() -> Value {
    json!({
        "schema": "sportello/case@1",
        "created_at": "2026-11-27T09:15:00.250Z",
        "created_by": OPERATOR,
        "channel": "desk",
        "person": {"given_name": "Mario", "family_name": "Rossi", "languages": []},
        "needs": [],
        "summary": "",
        "urgency": "normal",
        "consent": {"privacy_notice": true, "data_sharing": false, "recorded_at": "2026-11-27T09:16:00Z"},
        "referrals": [],
        "status": "open"
    })
}

fn full() -> Value {
    let mut doc = base();
    doc["ticket"] = json!("A023");
    doc["person"] = json!({
        "given_name": "Mario", "family_name": "Rossi", "fiscal_code": "RSSMRA85T10A562S",
        "birth_date": "1985-12-10", "sex": "male", "citizenship": "IT", "languages": ["it", "en"],
        "phone": "+393331234567", "email": "mario.rossi@example.it"
    });
    doc["needs"] =
        json!([{"code": "economic", "note": "Sfratto in corso"}, {"code": "housing", "note": ""}]);
    doc["summary"] = json!("Ha perso il lavoro a settembre.\nVive con due figli.");
    doc["urgency"] = json!("high");
    doc["consent"]["data_sharing"] = json!(true);
    doc
}

fn referral(id: &str, area: &str, status: &str) -> Value {
    let mut r = json!({
        "id": id, "area": area, "reason": "Emergenza abitativa", "status": status,
        "created_by": OPERATOR, "created_at": "2026-11-27T09:30:00Z"
    });
    if status != "proposed" {
        r["decided_by"] = json!(OPERATOR);
        r["decided_at"] = json!("2026-11-27T10:00:00Z");
    }
    r
}

fn with(mut doc: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = doc
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("{pointer}"));
    match target {
        Value::Object(map) => {
            map.insert(key.to_owned(), value);
        }
        Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
        _ => panic!("{pointer}"),
    }
    doc
}

fn without(mut doc: Value, pointer: &str) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    doc.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .unwrap()
        .remove(key);
    doc
}

fn operator() -> Value {
    json!({"user_id": OPERATOR, "role": "operator", "areas": []})
}

fn worker(area: &str) -> Value {
    json!({"user_id": WORKER, "role": "social_worker", "areas": [area]})
}

/// (name, document, previous version, actor)
fn entries() -> Vec<(&'static str, Value, Option<Value>, Value)> {
    let names_only = with(
        with(base(), "/consent/privacy_notice", json!(false)),
        "/consent/recorded_at",
        Value::Null,
    );
    let with_proposed = with(
        full(),
        "/referrals",
        json!([referral("r-1", "housing", "proposed")]),
    );
    let decided = |status: &str, by: &str| {
        let mut r = referral("r-1", "housing", status);
        r["decided_by"] = json!(by);
        with(full(), "/referrals", json!([r]))
    };
    let territorial_proposed = with(
        full(),
        "/referrals",
        json!([referral("t-1", "territorial_network", "proposed")]),
    );
    let mut territorial_closed_ref = referral("t-1", "territorial_network", "closed");
    territorial_closed_ref["decided_by"] = json!(OPERATOR);
    let op = operator;
    let mut entries = vec![
        // Valid documents, new cases by their creator.
        (
            "a case with names only and no privacy notice is valid",
            names_only.clone(),
            None,
            op(),
        ),
        (
            "a case with the notice given and nothing else is valid",
            base(),
            None,
            op(),
        ),
        ("a full case is valid", full(), None, op()),
        (
            "empty optional strings count as not set",
            with(
                with(base(), "/person/phone", json!("")),
                "/person/email",
                json!(""),
            ),
            None,
            op(),
        ),
        (
            "null optional strings count as not set",
            with(base(), "/person/fiscal_code", Value::Null),
            None,
            op(),
        ),
        (
            "an omocode fiscal code is valid",
            with(full(), "/person/fiscal_code", json!("RSSMRA8RT10A56NT")),
            None,
            op(),
        ),
        (
            "a birth date that disagrees with the fiscal code is not an error",
            with(full(), "/person/birth_date", json!("1986-01-01")),
            None,
            op(),
        ),
        (
            "XX is a valid citizenship (stateless or unknown)",
            with(full(), "/person/citizenship", json!("XX")),
            None,
            op(),
        ),
        (
            "a blank summary needs no privacy notice",
            with(names_only.clone(), "/summary", json!("   ")),
            None,
            op(),
        ),
        (
            "a ticket of letters, digits and a dash is valid",
            with(base(), "/ticket", json!("A-023")),
            None,
            op(),
        ),
        (
            "a new case with a proposed referral by its creator is valid",
            with_proposed.clone(),
            None,
            op(),
        ),
        // validate::case
        (
            "a phone number without the privacy notice is refused",
            with(names_only.clone(), "/person/phone", json!("3331234567")),
            None,
            op(),
        ),
        (
            "a need without the privacy notice is refused",
            with(
                names_only.clone(),
                "/needs",
                json!([{"code": "health", "note": ""}]),
            ),
            None,
            op(),
        ),
        (
            "a summary without the privacy notice is refused",
            with(names_only.clone(), "/summary", json!("Racconta")),
            None,
            op(),
        ),
        (
            "data sharing without the privacy notice is refused",
            with(
                with(names_only.clone(), "/consent/data_sharing", json!(true)),
                "/consent/recorded_at",
                json!("2026-11-27T09:16:00Z"),
            ),
            None,
            op(),
        ),
        (
            "a consent without its time is refused",
            with(base(), "/consent/recorded_at", Value::Null),
            None,
            op(),
        ),
        (
            "a consent time that is not RFC 3339 UTC is refused",
            with(base(), "/consent/recorded_at", json!("2026-11-27 09:16")),
            None,
            op(),
        ),
        (
            "a fiscal code with a wrong check character is refused",
            with(full(), "/person/fiscal_code", json!("RSSMRA85T10A562T")),
            None,
            op(),
        ),
        (
            "a fiscal code in lower case is refused (store it normalised)",
            with(full(), "/person/fiscal_code", json!("rssmra85t10a562s")),
            None,
            op(),
        ),
        (
            "a fiscal code with spaces around is refused (store it normalised)",
            with(full(), "/person/fiscal_code", json!(" RSSMRA85T10A562S")),
            None,
            op(),
        ),
        (
            "an eleven-digit number is not a person's fiscal code",
            with(full(), "/person/fiscal_code", json!("12345678903")),
            None,
            op(),
        ),
        (
            "a fiscal code with a bad month is refused",
            with(full(), "/person/fiscal_code", json!("RSSMRA85F10A562S")),
            None,
            op(),
        ),
        (
            "a fiscal code with a bad day is refused",
            with(full(), "/person/fiscal_code", json!("RSSMRA85B30A562S")),
            None,
            op(),
        ),
        (
            "a birth date in the future is refused",
            with(full(), "/person/birth_date", json!("2026-12-02")),
            None,
            op(),
        ),
        (
            "a birth date before 1900 is refused",
            with(full(), "/person/birth_date", json!("1899-12-31")),
            None,
            op(),
        ),
        (
            "a birth date that does not exist is refused",
            with(full(), "/person/birth_date", json!("1985-02-29")),
            None,
            op(),
        ),
        (
            "a birth date in another format is refused",
            with(full(), "/person/birth_date", json!("10/12/1985")),
            None,
            op(),
        ),
        (
            "a citizenship in lower case is refused",
            with(full(), "/person/citizenship", json!("it")),
            None,
            op(),
        ),
        (
            "a citizenship of three letters is refused",
            with(full(), "/person/citizenship", json!("ITA")),
            None,
            op(),
        ),
        (
            "a language of four letters is refused",
            with(full(), "/person/languages", json!(["it", "ital"])),
            None,
            op(),
        ),
        (
            "a language listed twice is refused",
            with(full(), "/person/languages", json!(["it", "it"])),
            None,
            op(),
        ),
        (
            "a phone number with spaces is refused (store it normalised)",
            with(full(), "/person/phone", json!("333 123 4567")),
            None,
            op(),
        ),
        (
            "a phone number too short is refused",
            with(full(), "/person/phone", json!("12345")),
            None,
            op(),
        ),
        (
            "a phone number with letters is refused",
            with(full(), "/person/phone", json!("333-CALL-ME")),
            None,
            op(),
        ),
        (
            "an e-mail address without @ is refused",
            with(full(), "/person/email", json!("mario.example.it")),
            None,
            op(),
        ),
        (
            "an e-mail address without a dot in the domain is refused",
            with(full(), "/person/email", json!("mario@localhost")),
            None,
            op(),
        ),
        (
            "an e-mail address with spaces around is refused (store it trimmed)",
            with(full(), "/person/email", json!("mario@example.it ")),
            None,
            op(),
        ),
        (
            "a name with a line break is refused",
            with(full(), "/person/given_name", json!("Ma\nrio")),
            None,
            op(),
        ),
        (
            "a name of 101 characters is refused by shape",
            with(full(), "/person/family_name", json!("R".repeat(101))),
            None,
            op(),
        ),
        (
            "a need not in the catalogue is refused",
            with(full(), "/needs", json!([{"code": "astrology", "note": ""}])),
            None,
            op(),
        ),
        (
            "a need named twice is refused",
            with(
                full(),
                "/needs",
                json!([{"code": "health", "note": ""}, {"code": "health", "note": "x"}]),
            ),
            None,
            op(),
        ),
        (
            "a need note with a control character is refused",
            with(
                full(),
                "/needs",
                json!([{"code": "health", "note": "a\u{7}b"}]),
            ),
            None,
            op(),
        ),
        (
            "a summary with tabs and line breaks is valid",
            with(full(), "/summary", json!("a\tb\r\nc")),
            None,
            op(),
        ),
        (
            "a ticket with a space is refused",
            with(full(), "/ticket", json!("A 23")),
            None,
            op(),
        ),
        (
            "a ticket of 17 characters is refused",
            with(full(), "/ticket", json!("A".repeat(17))),
            None,
            op(),
        ),
        (
            "a creation time that is not UTC is refused",
            with(full(), "/created_at", json!("2026-11-27T09:15:00+01:00")),
            None,
            op(),
        ),
        (
            "a creation time with a 25th hour is refused",
            with(full(), "/created_at", json!("2026-11-27T25:15:00Z")),
            None,
            op(),
        ),
        (
            "another schema version is refused",
            with(full(), "/schema", json!("sportello/case@2")),
            None,
            op(),
        ),
        (
            "a referral to an area not in the catalogue is refused",
            with(
                full(),
                "/referrals",
                json!([referral("r-1", "astrology", "proposed")]),
            ),
            None,
            op(),
        ),
        (
            "two referrals with the same id are refused",
            with(
                full(),
                "/referrals",
                json!([
                    referral("r-1", "housing", "proposed"),
                    referral("r-1", "elderly", "proposed")
                ]),
            ),
            None,
            op(),
        ),
        (
            "a referral id with a space is refused",
            with(
                full(),
                "/referrals",
                json!([referral("r 1", "housing", "proposed")]),
            ),
            None,
            op(),
        ),
        (
            "a proposed referral with a decision is refused",
            with(
                full(),
                "/referrals",
                json!([with(
                    referral("r-1", "housing", "proposed"),
                    "/decided_by",
                    json!(OPERATOR)
                )]),
            ),
            None,
            op(),
        ),
        (
            "a decided referral without its decision time is refused",
            with(
                full(),
                "/referrals",
                json!([without(
                    referral("r-1", "housing", "accepted"),
                    "/decided_at"
                )]),
            ),
            Some(with_proposed.clone()),
            worker("housing"),
        ),
        // shape
        (
            "an unknown key in person is refused",
            with(full(), "/person/health", json!("diabete")),
            None,
            op(),
        ),
        (
            "an unknown key at the root is refused",
            with(full(), "/notes", json!("x")),
            None,
            op(),
        ),
        (
            "a number where a string belongs is refused",
            with(full(), "/person/phone", json!(3331234567_i64)),
            None,
            op(),
        ),
        (
            "a string where a flag belongs is refused",
            with(full(), "/consent/privacy_notice", json!("yes")),
            None,
            op(),
        ),
        (
            "eleven languages are refused",
            with(
                full(),
                "/person/languages",
                json!([
                    "aa", "ab", "ac", "ad", "ae", "af", "ag", "ah", "ai", "aj", "ak"
                ]),
            ),
            None,
            op(),
        ),
        (
            "a summary of 20 001 characters is refused",
            with(full(), "/summary", json!("é".repeat(20_001))),
            None,
            op(),
        ),
        (
            "a summary of 20 000 characters is valid",
            with(full(), "/summary", json!("é".repeat(20_000))),
            None,
            op(),
        ),
        (
            "a referral reason of 2 001 characters is refused",
            with(
                full(),
                "/referrals",
                json!([with(
                    referral("r-1", "housing", "proposed"),
                    "/reason",
                    json!("x".repeat(2001))
                )]),
            ),
            None,
            op(),
        ),
        (
            "a list where a map belongs is refused",
            with(full(), "/consent", json!([])),
            None,
            op(),
        ),
        // hydration
        (
            "a case without a given name is refused",
            without(full(), "/person/given_name"),
            None,
            op(),
        ),
        (
            "an unknown urgency is refused",
            with(full(), "/urgency", json!("urgent")),
            None,
            op(),
        ),
        (
            "an unknown channel is refused",
            with(full(), "/channel", json!("fax")),
            None,
            op(),
        ),
        (
            "an unknown sex is refused",
            with(full(), "/person/sex", json!("x")),
            None,
            op(),
        ),
        (
            "a creator that is not a user id is refused",
            with(full(), "/created_by", json!("mario")),
            None,
            op(),
        ),
        (
            "a need code that is not a code is refused",
            with(full(), "/needs", json!([{"code": "Bad Code", "note": ""}])),
            None,
            op(),
        ),
        (
            "a case without consent is refused",
            without(full(), "/consent"),
            None,
            op(),
        ),
        (
            "a referral without a status is refused",
            with(
                full(),
                "/referrals",
                json!([without(referral("r-1", "housing", "proposed"), "/status")]),
            ),
            None,
            op(),
        ),
        // validate::case_change
        (
            "a new case must name its creator",
            full(),
            None,
            json!({"user_id": OTHER_OPERATOR, "role": "operator", "areas": []}),
        ),
        (
            "the creator never changes",
            with(full(), "/created_by", json!(OTHER_OPERATOR)),
            Some(full()),
            op(),
        ),
        (
            "the creation time never changes",
            with(full(), "/created_at", json!("2026-11-27T09:15:01Z")),
            Some(full()),
            op(),
        ),
        (
            "an operator edits a field of a case",
            with(full(), "/person/phone", json!("+390212345678")),
            Some(full()),
            json!({"user_id": OTHER_OPERATOR, "role": "operator", "areas": []}),
        ),
        (
            "an operator adds a referral to an existing case",
            with_proposed.clone(),
            Some(full()),
            op(),
        ),
        (
            "a referral made by someone else is refused",
            with_proposed.clone(),
            Some(full()),
            json!({"user_id": OTHER_OPERATOR, "role": "operator", "areas": []}),
        ),
        (
            "a referral is never removed",
            full(),
            Some(with_proposed.clone()),
            op(),
        ),
        (
            "an operator cancels a proposed referral",
            decided("cancelled", OPERATOR),
            Some(with_proposed.clone()),
            op(),
        ),
        (
            "an operator creates and cancels a referral between two syncs",
            decided("cancelled", OPERATOR),
            Some(full()),
            op(),
        ),
        (
            "an operator may not accept a referral",
            decided("accepted", OPERATOR),
            Some(with_proposed.clone()),
            op(),
        ),
        (
            "an operator may not close a referral to a staffed area",
            decided("closed", OPERATOR),
            Some(with_proposed.clone()),
            op(),
        ),
        (
            "an operator closes a referral to the territorial network",
            with(full(), "/referrals", json!([territorial_closed_ref])),
            Some(territorial_proposed.clone()),
            op(),
        ),
        (
            "a social worker of the area accepts a referral",
            decided("accepted", WORKER),
            Some(with_proposed.clone()),
            worker("housing"),
        ),
        (
            "a social worker of the area accepts and closes a referral between two syncs",
            decided("closed", WORKER),
            Some(with_proposed.clone()),
            worker("housing"),
        ),
        (
            "a social worker of another area may not accept",
            decided("accepted", WORKER),
            Some(with_proposed.clone()),
            worker("elderly"),
        ),
        (
            "a social worker may not cancel a referral",
            decided("cancelled", WORKER),
            Some(with_proposed.clone()),
            worker("housing"),
        ),
        (
            "a cancelled referral cannot be proposed again",
            with_proposed.clone(),
            Some(decided("cancelled", OPERATOR)),
            op(),
        ),
        (
            "a status change must name the actor as decider",
            decided("cancelled", OTHER_OPERATOR),
            Some(with_proposed.clone()),
            op(),
        ),
        (
            "who decided cannot change without a status change",
            decided("cancelled", OTHER_OPERATOR),
            Some(decided("cancelled", OPERATOR)),
            op(),
        ),
        (
            "a referral's area never changes",
            with(
                full(),
                "/referrals",
                json!([referral("r-1", "elderly", "proposed")]),
            ),
            Some(with_proposed.clone()),
            op(),
        ),
        (
            "a referral's reason may be edited by anyone who may write",
            with(
                full(),
                "/referrals",
                json!([with(
                    referral("r-1", "housing", "proposed"),
                    "/reason",
                    json!("Altro motivo")
                )]),
            ),
            Some(with_proposed.clone()),
            json!({"user_id": OTHER_OPERATOR, "role": "operator", "areas": []}),
        ),
    ];
    // An admin moves nothing.
    entries.push((
        "an admin may not cancel a referral",
        decided("cancelled", OPERATOR),
        Some(with_proposed),
        json!({"user_id": OPERATOR, "role": "admin", "areas": []}),
    ));
    entries
}

fn actor_of(value: &Value) -> ActorCtx {
    let role = match value["role"].as_str().unwrap() {
        "operator" => Role::Operator,
        "social_worker" => Role::SocialWorker,
        _ => Role::Admin,
    };
    ActorCtx::new(
        value["user_id"]
            .as_str()
            .unwrap()
            .parse::<UserId>()
            .unwrap(),
        role,
        value["areas"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| AreaCode::parse(a.as_str().unwrap()).unwrap())
            .collect(),
    )
}

fn corpus() -> Value {
    let cases: Vec<Value> = entries()
        .into_iter()
        .map(|(name, doc, old, actor)| {
            let expected = verdict(&doc, old.as_ref(), &actor_of(&actor));
            let mut entry = json!({"name": name, "doc": doc, "actor": actor, "expected": expected});
            if let Some(old) = old {
                entry["old"] = old;
            }
            entry
        })
        .collect();
    json!({
        "about": "Generated by schema/tests/validation_corpus.rs (SPORTELLO_REGENERATE_CORPUS=1 cargo test -p sportello-schema --test validation_corpus); read by web/src/rules/corpus.test.ts. Do not edit by hand.",
        "today": TODAY,
        "catalogue": {
            "areas": DEFAULT_AREAS.iter().map(|a| json!({"code": a.code, "label_it": a.label_it, "has_staff": a.has_staff})).collect::<Vec<_>>(),
            "needs": DEFAULT_NEEDS.iter().map(|n| json!({"code": n.code, "label_it": n.label_it})).collect::<Vec<_>>(),
        },
        "cases": cases,
    })
}

#[test]
fn the_shared_validation_corpus_is_up_to_date() {
    let text = format!("{}\n", serde_json::to_string_pretty(&corpus()).unwrap());
    let path = fixture_path();
    if std::env::var_os("SPORTELLO_REGENERATE_CORPUS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == text,
        "{} is stale: regenerate it with SPORTELLO_REGENERATE_CORPUS=1 cargo test -p sportello-schema --test validation_corpus",
        path.display()
    );
}

#[test]
fn the_corpus_holds_every_verdict() {
    let corpus = corpus();
    let stages: BTreeSet<&str> = corpus["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["expected"]["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        BTreeSet::from(["hydrate", "invalid", "ok", "shape"])
    );
}
