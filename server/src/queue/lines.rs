//! The queue's settings, which admins change: the service lines (names, active, daily cap), the opening
//! hours with closed dates, and the waiting-room display's announcement languages. A change is an audited write with a `lines.changed` event (displays redraw); a
//! refused change is audited as a `failure` of the same action.

use sportello_schema::api::queue::{
    DeskOpening, DisplaySettings, PutServiceLine, QueueSchedule, ServiceLine,
};
use sportello_schema::queue::LineCode;

use super::QueueService;
use super::calendar::Schedule;
use super::writing::emit;
use crate::audit::Action;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::storage::StorageError;
use crate::storage::queue as store;

const MAX_LINE_NAME_CHARS: usize = sportello_schema::api::contract::LINE_NAME_MAX_CHARS;

fn check_line(line: PutServiceLine) -> ApiResult<PutServiceLine> {
    let line = PutServiceLine {
        name_it: crate::input::label(&line.name_it, "name_it", MAX_LINE_NAME_CHARS)?,
        name_en: crate::input::label(&line.name_en, "name_en", MAX_LINE_NAME_CHARS)?,
        active: line.active,
        daily_cap: line.daily_cap,
    };
    if line.daily_cap.is_some_and(|cap| !(1..=999).contains(&cap)) {
        return Err(ApiError::Validation("daily_cap must be 1 to 999".into()));
    }
    Ok(line)
}

impl QueueService {
    pub async fn lines(&self) -> ApiResult<Vec<ServiceLine>> {
        Ok(self.storage.read(store::lines).await?)
    }

    /// `PUT /api/v1/admin/queue/lines/{code}`: creates or replaces a line. Returns it and whether it is new.
    pub async fn put_line(
        &self,
        ctx: &RequestContext,
        code: LineCode,
        line: PutServiceLine,
    ) -> ApiResult<(ServiceLine, bool)> {
        let refusals = (Action::QueueLineUpdate, Some(format!("line:{code}")));
        let line = self
            .storage
            .audited(ctx)
            .refusals(refusals.0, refusals.1.clone())
            .check(check_line(line))
            .await?;
        self.write(ctx, Some(refusals), move |change, moment| {
            let conn = change.conn();
            let created = store::put_line(conn, code, &line, moment.now)?;
            change.audit(Action::QueueLineUpdate, format!("line:{code}"))?;
            emit(change, moment, "lines.changed", None)?;
            let saved = store::line(conn, code)?
                .ok_or_else(|| StorageError::Corrupt("line vanished".into()))?;
            Ok((saved, created))
        })
        .await
    }

    /// `GET /api/v1/queue/opening` as of `now`.
    pub async fn opening(&self, now: i64) -> ApiResult<DeskOpening> {
        let schedule = self.storage.read(store::schedule).await?;
        let open = self.calendar.is_open(now, &schedule);
        let next_opening = (!open)
            .then(|| self.calendar.next_opening(now, &schedule))
            .flatten()
            .map(crate::clock::rfc3339_from_unix);
        Ok(DeskOpening { open, next_opening })
    }

    pub async fn schedule(&self) -> ApiResult<QueueSchedule> {
        Ok(self.storage.read(store::schedule).await?.to_api())
    }

    /// `PUT /api/v1/admin/queue/schedule`: replaces the opening hours and closed dates.
    pub async fn put_schedule(
        &self,
        ctx: &RequestContext,
        input: QueueSchedule,
    ) -> ApiResult<QueueSchedule> {
        let refusals = (Action::QueueScheduleUpdate, Some("schedule".to_owned()));
        let schedule = self
            .storage
            .audited(ctx)
            .refusals(refusals.0, refusals.1.clone())
            .check(Schedule::parse(&input).map_err(ApiError::Validation))
            .await?;
        self.write(ctx, Some(refusals), move |change, moment| {
            store::replace_schedule(change.conn(), &schedule)?;
            change.audit(Action::QueueScheduleUpdate, "schedule")?;
            emit(change, moment, "lines.changed", None)?;
            Ok(schedule.to_api())
        })
        .await
    }

    pub async fn display_settings(&self) -> ApiResult<DisplaySettings> {
        let announce_languages = self.storage.read(store::announce_languages).await?;
        Ok(DisplaySettings { announce_languages })
    }

    /// `PUT /api/v1/admin/queue/display`: replaces the languages calls are repeated in (already parsed:
    /// known codes, no repeats, at most six). Displays reload the board on the `lines.changed` it emits.
    pub async fn put_display_settings(
        &self,
        ctx: &RequestContext,
        settings: DisplaySettings,
    ) -> ApiResult<DisplaySettings> {
        let refusals = (Action::QueueDisplayUpdate, Some("display".to_owned()));
        self.write(ctx, Some(refusals), move |change, moment| {
            store::replace_announce_languages(change.conn(), &settings.announce_languages)?;
            change.audit(Action::QueueDisplayUpdate, "display")?;
            emit(change, moment, "lines.changed", None)?;
            Ok(settings)
        })
        .await
    }
}
