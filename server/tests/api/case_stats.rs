//! `GET /api/v1/admin/case-stats`: who may read it, the period, small-count suppression, the CSV form and
//! the absence of any personal value (the arithmetic itself is unit-tested in `case_stats::figures`).

use automerge::Automerge;
use automerge::sync::State as SyncState;
use reqwest::StatusCode;
use serde_json::Value;
use sportello_schema::catalogue::NeedCode;
use sportello_schema::documents::{Need, Referral, ReferralStatus};
use sportello_schema::values::Rfc3339Utc;
use sportello_schema::{AreaCode, UserId};

use crate::helpers::{TestApp, error_code};
use crate::sync::{Desk, create, desk_with};
use crate::sync_client::{Peer, edit_case, new_case};

const NOVEMBER: &str = "/api/v1/admin/case-stats?from=2026-11-01&to=2026-11-30";

fn with_needs(case: &Automerge, codes: &[&str]) -> Automerge {
    edit_case(case, |c| {
        c.consent.privacy_notice = true;
        c.consent.recorded_at = Some("2026-11-27T10:00:00Z".into());
        c.needs = codes
            .iter()
            .map(|code| Need {
                code: NeedCode::parse(code).unwrap(),
                note: format!("nota riservata {code}"),
            })
            .collect();
    })
}

/// Nine cases opened on 27 November 2026: all with `economic`; five also with `housing` and `language`;
/// four with `legal`.
async fn seeded_desk() -> Desk {
    let desk = desk_with(|_| {}).await;
    for i in 0..9 {
        let codes: &[&str] = if i < 5 {
            &["economic", "housing", "language"]
        } else {
            &["economic", "legal"]
        };
        let mut case = with_needs(&new_case(&desk.operator.0, &format!("Riservato{i}")), codes);
        create(&desk.app, &desk.operator.1, &mut case).await;
    }
    desk
}

async fn stats_json(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn row<'a>(table: &'a Value, key: &str) -> &'a Value {
    table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["key"] == key)
        .unwrap_or_else(|| panic!("no row {key} in {table}"))
}

/// The audit rows of `action`, newest first.
async fn audit_rows(app: &TestApp, admin: &str, action: &str) -> Vec<Value> {
    let page = stats_json(
        app,
        admin,
        &format!("/api/v1/admin/audit?action={action}&limit=500"),
    )
    .await;
    page["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn only_admins_read_case_statistics_and_every_refusal_is_audited() {
    let desk = desk_with(|_| {}).await;
    let app = &desk.app;
    let (_, totem) = app.device(&desk.admin, "totem", "Totem ingresso").await;

    for (token, expected) in [
        (&desk.operator.1, StatusCode::FORBIDDEN),
        (&desk.elderly_worker.1, StatusCode::FORBIDDEN),
        (&totem, StatusCode::UNAUTHORIZED),
    ] {
        let response = app.get(NOVEMBER, token).await;
        assert_eq!(response.status(), expected);
    }
    assert_eq!(
        app.get(NOVEMBER, &desk.admin).await.status(),
        StatusCode::OK
    );

    let denied = audit_rows(app, &desk.admin, "access.denied").await;
    for (user, _) in [&desk.operator, &desk.elderly_worker] {
        assert!(
            denied.iter().any(|row| row["actor_id"] == user.as_str()
                && row["target"] == "/api/v1/admin/case-stats"),
            "{user}: {denied:#?}"
        );
    }
    let reads = audit_rows(app, &desk.admin, "admin.case_stats_read").await;
    assert_eq!(reads.len(), 1, "{reads:#?}");
    assert_eq!(reads[0]["outcome"], "success");
    assert_eq!(
        reads[0]["target"], "2026-11-01..2026-11-30",
        "the period only"
    );
}

#[tokio::test]
async fn a_bad_period_is_refused_and_no_period_means_this_month() {
    let desk = desk_with(|_| {}).await;
    let (app, admin) = (&desk.app, &desk.admin);
    for bad in [
        "?from=2026-11-30&to=2026-11-01",
        "?from=2025-11-29&to=2026-11-30",
        "?from=2026-02-30",
        "?from=27/11/2026",
        "?format=xml",
        "?area=elderly",
    ] {
        let response = app
            .get(&format!("/api/v1/admin/case-stats{bad}"), admin)
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(error_code(response).await, "invalid_request", "{bad}");
    }
    // 366 days, both ends included, is the longest period.
    let longest = app
        .get(
            "/api/v1/admin/case-stats?from=2025-11-30&to=2026-11-30",
            admin,
        )
        .await;
    assert_eq!(longest.status(), StatusCode::OK);

    // The test clock is 25 November 2026.
    let default = stats_json(app, admin, "/api/v1/admin/case-stats").await;
    assert_eq!(default["from"], "2026-11-01");
    assert_eq!(default["to"], "2026-11-25");
    assert_eq!(default["min_count"], 5);
}

#[tokio::test]
async fn counts_under_five_are_suppressed_and_cannot_be_recovered_from_the_total() {
    let desk = seeded_desk().await;
    let stats = stats_json(&desk.app, &desk.admin, NOVEMBER).await;

    let cell = |table: &str, key: &str| {
        let row = row(&stats[table], key);
        (row["count"].clone(), row["suppressed"].clone())
    };
    assert_eq!(cell("intakes", "2026-11"), (9.into(), false.into()));
    assert_eq!(cell("needs", "economic"), (9.into(), false.into()));
    // Five is shown; four is not.
    assert_eq!(cell("needs", "language"), (5.into(), false.into()));
    assert_eq!(cell("needs", "legal"), (Value::Null, true.into()));
    // The total (23) is shown, so one more cell goes: the first of the smallest, housing (5).
    assert_eq!(cell("needs", "housing"), (Value::Null, true.into()));
    assert_eq!(stats["needs"]["total"]["count"], 23);
    assert_eq!(cell("needs", "health"), (0.into(), false.into()));
    // No referral was made: nothing to time.
    assert_eq!(stats["decision_time"]["count"], 0);
    assert_eq!(stats["decision_time"]["suppressed"], false);

    // A period with none of the cases shows zeros.
    let october = stats_json(
        &desk.app,
        &desk.admin,
        "/api/v1/admin/case-stats?from=2026-10-01&to=2026-10-31",
    )
    .await;
    assert_eq!(october["intakes"]["total"]["count"], 0);
}

#[tokio::test]
async fn the_csv_holds_exactly_the_json_figures() {
    let desk = seeded_desk().await;
    let stats = stats_json(&desk.app, &desk.admin, NOVEMBER).await;
    let response = desk
        .app
        .get(&format!("{NOVEMBER}&format=csv"), &desk.admin)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"sportello-cases-2026-11-01-2026-11-30.csv\""
    );
    let csv = response.text().await.unwrap();

    // The JSON figures as CSV records would write them.
    let value = |count: &Value| count.as_u64().map(|c| c.to_string()).unwrap_or_default();
    let mut expected = vec!["table,group,key,count,suppressed".to_owned()];
    let mut table = |name: &str, group: &str, rows: &Value, total: &Value| {
        for row in rows.as_array().unwrap() {
            expected.push(format!(
                "{name},{group},{},{},{}",
                row["key"].as_str().unwrap(),
                value(&row["count"]),
                row["suppressed"]
            ));
        }
        expected.push(format!(
            "{name},{group},total,{},{}",
            value(&total["count"]),
            total["suppressed"]
        ));
    };
    table(
        "intakes",
        "",
        &stats["intakes"]["rows"],
        &stats["intakes"]["total"],
    );
    table(
        "needs",
        "",
        &stats["needs"]["rows"],
        &stats["needs"]["total"],
    );
    for area in stats["referrals"].as_array().unwrap() {
        table(
            "referrals",
            area["area"].as_str().unwrap(),
            &area["statuses"],
            &area["total"],
        );
    }
    let time = &stats["decision_time"];
    let days = |d: &Value| d.as_f64().map(|d| d.to_string()).unwrap_or_default();
    expected.push(format!(
        "decision_time,,count,{},{}",
        value(&time["count"]),
        time["suppressed"]
    ));
    expected.push(format!(
        "decision_time,,median_days,{},{}",
        days(&time["median_days"]),
        time["suppressed"]
    ));
    expected.push(format!(
        "decision_time,,p90_days,{},{}",
        days(&time["p90_days"]),
        time["suppressed"]
    ));
    let records: Vec<&str> = csv.strip_suffix("\r\n").unwrap().split("\r\n").collect();
    assert_eq!(records, expected);
    assert!(records.contains(&"needs,,legal,,true"));
}

#[tokio::test]
async fn no_personal_value_appears_in_either_form() {
    let desk = seeded_desk().await;
    let json = desk
        .app
        .get(NOVEMBER, &desk.admin)
        .await
        .text()
        .await
        .unwrap();
    let csv = desk
        .app
        .get(&format!("{NOVEMBER}&format=csv"), &desk.admin)
        .await
        .text()
        .await
        .unwrap();
    for answer in [&json, &csv] {
        for personal in [
            "Riservato",
            "Giulia",
            "nota riservata",
            desk.operator.0.as_str(),
            "2026-11-27T",
        ] {
            assert!(!answer.contains(personal), "{personal} in {answer}");
        }
    }
}

/// A case referred to the elderly area on 2 November, accepted by its social worker `days` later.
async fn accepted_after(desk: &Desk, i: usize, days: i64) {
    let operator: UserId = desk.operator.0.parse().unwrap();
    let made = "2026-11-02T09:00:00Z";
    let mut case = edit_case(&new_case(&desk.operator.0, &format!("Invio{i}")), |c| {
        c.consent.privacy_notice = true;
        c.consent.recorded_at = Some(made.into());
        c.referrals.push(Referral::propose(
            "r1",
            AreaCode::parse("elderly").unwrap(),
            "valutazione",
            operator,
            &Rfc3339Utc::parse(made).unwrap(),
        ));
    });
    let (_, id) = create(&desk.app, &desk.operator.1, &mut case).await;

    let (worker, token) = &desk.elderly_worker;
    let mut peer = Peer::join(&desk.app, token, "worker-tablet").await;
    let mut doc = Automerge::new();
    let mut state = SyncState::new();
    let outcome = peer.sync(id, &mut doc, &mut state, true).await;
    assert!(!outcome.unavailable, "{outcome:?}");
    let decided_at = jiff::Timestamp::from_second(
        made.parse::<jiff::Timestamp>().unwrap().as_second() + days * 86_400,
    )
    .unwrap()
    .to_string();
    let mut decided = edit_case(&doc, |c| {
        let referral = &mut c.referrals[0];
        referral.status = ReferralStatus::Accepted;
        referral.decided_by = Some(worker.parse().unwrap());
        referral.decided_at = Some(decided_at);
    });
    let outcome = peer.sync(id, &mut decided, &mut state, false).await;
    assert!(outcome.ephemeral.is_empty(), "{outcome:?}");
}

#[tokio::test]
async fn decisions_made_by_the_area_give_the_time_from_referral_to_decision_from_five_on() {
    let desk = desk_with(|_| {}).await;
    // Accepted after 1, 2, 3 and 8 days: four decisions, the time is suppressed.
    for (i, days) in [1, 2, 3, 8].into_iter().enumerate() {
        accepted_after(&desk, i, days).await;
    }
    let four = stats_json(&desk.app, &desk.admin, NOVEMBER).await;
    assert_eq!(four["decision_time"]["suppressed"], true);
    assert_eq!(four["decision_time"]["median_days"], Value::Null);

    // A fifth, after 4 days: 1, 2, 3, 4, 8 → median 3, p90 8 (nearest rank).
    accepted_after(&desk, 4, 4).await;
    let five = stats_json(&desk.app, &desk.admin, NOVEMBER).await;
    assert_eq!(five["decision_time"]["suppressed"], false);
    assert_eq!(five["decision_time"]["count"], 5);
    assert_eq!(five["decision_time"]["median_days"], 3.0);
    assert_eq!(five["decision_time"]["p90_days"], 8.0);
    let elderly = five["referrals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|area| area["area"] == "elderly")
        .unwrap();
    let accepted = elderly["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|status| status["key"] == "accepted")
        .unwrap();
    assert_eq!(accepted["count"], 5);
    assert_eq!(elderly["total"]["count"], 5);
}
