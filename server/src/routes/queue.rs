//! `/api/v1/queue/*`: tickets, calls, the board and its event stream, leases, statistics; the queue's admin
//! routes under `/api/v1/admin/queue/*`; and the public status page `GET /t/{token}`. Who may call which is
//! decided by the route table (`schema::policy::routes`), through `crate::access`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::Deserialize;
use sportello_schema::TicketId;
use sportello_schema::api::ErrorBody;
use sportello_schema::api::queue::{
    Board, CallNextRequest, DeskOpening, DisplaySettings, ImportRequest, ImportResult,
    IssueTicketRequest, IssuedTicket, Lease, LeaseRequest, PutServiceLine, QueueSchedule,
    QueueStats, ServiceLine, Ticket, TransferRequest,
};
use sportello_schema::queue::{LineCode, TicketAction, TicketStatus};

use crate::access::{
    AdminUser, BoardViewer, LinesReader, Principal, QueueOperator, StatsReader, TicketIssuer,
    TotemDevice,
};
use crate::error::{ApiError, ApiResult};
use crate::queue::stream::{EventStream, LivenessCheck};
use crate::queue::{self, pages};
use crate::routes::period::{PeriodQuery, figures_response};
use crate::state::AppState;
use crate::telemetry::RequestId;

/// The base of status links: the configured public address; else the address this request came to —
/// from `Forwarded`/`X-Forwarded-*` only behind a trusted proxy (`--trust-forwarded-for`), since anyone
/// else could otherwise make the printed QR codes point at another site.
fn base_url(request: &HttpRequest, state: &AppState) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.clone();
    }
    if state.settings.trust_forwarded_for {
        let info = request.connection_info();
        return format!("{}://{}", info.scheme(), info.host());
    }
    let config = request.app_config();
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_else(|| config.host());
    let scheme = if config.secure() { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// The stream's check at each keep-alive: the principal's session has not run out, and it (or its device)
/// is still live.
fn liveness(state: AppState, principal: Principal) -> LivenessCheck {
    Box::new(move || {
        let (state, principal) = (state.clone(), principal.clone());
        Box::pin(async move {
            state.now() < principal.session_expires_at()
                && crate::access::still_live(&state.storage, state.now(), &principal)
                    .await
                    .unwrap_or(false)
        })
    })
}

fn ticket_id(raw: &str) -> ApiResult<TicketId> {
    // A malformed id is answered like an unknown one: nothing to learn by guessing.
    raw.parse().map_err(|_| ApiError::NotFound)
}

#[utoipa::path(
    tag = "queue",
    security(("bearer" = [])),
    request_body = IssueTicketRequest,
    responses(
        (status = 201, description = "Issued", body = IssuedTicket),
        (status = 200, description = "A retry of the same `client_op_id`: the ticket issued the first time", body = IssuedTicket),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not a totem or an operator", body = ErrorBody),
        (status = 404, description = "`unknown_line`: no such line", body = ErrorBody),
        (status = 409, description = "`desk_closed` (totem, outside opening hours), `line_inactive`, `line_full`, `client_op_id_reused`", body = ErrorBody),
        (status = 422, description = "`validation_failed`: a malformed `client_op_id`", body = ErrorBody),
    )
)]
#[post("/tickets")]
pub async fn issue(
    request: HttpRequest,
    state: web::Data<AppState>,
    TicketIssuer(principal): TicketIssuer,
    body: web::Json<IssueTicketRequest>,
) -> ApiResult<HttpResponse> {
    let base = base_url(&request, &state);
    let ctx = state.context(principal.audit_actor(), RequestId::of(&request));
    let (ticket, created) = state.queue.issue(&ctx, body.into_inner(), base).await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(ticket))
}

#[utoipa::path(
    tag = "queue",
    security(("bearer" = [])),
    request_body = CallNextRequest,
    responses(
        (status = 200, description = "The ticket now called to this desk", body = Ticket),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an operator", body = ErrorBody),
        (status = 404, description = "`queue_empty`: nobody waiting on these lines; `unknown_line`: no such line", body = ErrorBody),
        (status = 422, description = "`validation_failed`: a blank, overlong or unprintable desk, more than 26 lines", body = ErrorBody),
    )
)]
#[post("/call-next")]
pub async fn call_next(
    request: HttpRequest,
    state: web::Data<AppState>,
    QueueOperator(actor): QueueOperator,
    body: web::Json<CallNextRequest>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let ticket = state
        .queue
        .call_next(&ctx, actor.user_id, body.into_inner())
        .await?;
    Ok(HttpResponse::Ok().json(ticket))
}

/// One handler per operator move, so each is its own documented route.
macro_rules! ticket_move {
    ($name:ident, $path:literal, $action:expr, $summary:literal) => {
        #[utoipa::path(
            description = $summary,
            tag = "queue",
            security(("bearer" = [])),
            params(("id" = String, Path, description = "Ticket id")),
            responses(
                (status = 200, body = Ticket),
                (status = 401, body = ErrorBody), (status = 403, description = "Not an operator", body = ErrorBody),
                (status = 404, body = ErrorBody),
                (status = 409, description = "`invalid_transition`", body = ErrorBody),
            )
        )]
        #[post($path)]
        pub async fn $name(
            request: HttpRequest,
            state: web::Data<AppState>,
            QueueOperator(actor): QueueOperator,
            path: web::Path<String>,
        ) -> ApiResult<HttpResponse> {
            let id = ticket_id(&path)?;
            let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
            let ticket = state
                .queue
                .act(&ctx, actor.user_id, id, $action, None)
                .await?;
            Ok(HttpResponse::Ok().json(ticket))
        }
    };
}

pub use moves::{cancel_ticket, finish_ticket, no_show_ticket, recall_ticket, start_ticket};

// actix's generated service structs have no Debug; made by a macro, the lint counts them as ours.
#[allow(missing_debug_implementations)]
mod moves {
    use super::*;

    ticket_move!(
        recall_ticket,
        "/tickets/{id}/recall",
        TicketAction::Recall,
        "Calls a called ticket again."
    );
    ticket_move!(
        start_ticket,
        "/tickets/{id}/start",
        TicketAction::Start,
        "The person came forward: service starts."
    );
    ticket_move!(
        finish_ticket,
        "/tickets/{id}/finish",
        TicketAction::Finish,
        "Service is over."
    );
    ticket_move!(
        no_show_ticket,
        "/tickets/{id}/no-show",
        TicketAction::NoShow,
        "Called, but nobody came."
    );
    ticket_move!(
        cancel_ticket,
        "/tickets/{id}/cancel",
        TicketAction::Cancel,
        "Withdrawn (the person left, or asked to)."
    );
}

#[utoipa::path(
    tag = "queue",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id")),
    request_body = TransferRequest,
    responses(
        (status = 200, description = "Waiting on the new line, with its number and original issue time", body = Ticket),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an operator", body = ErrorBody),
        (status = 404, description = "`not_found` (no such ticket), `unknown_line` (no such line)", body = ErrorBody),
        (status = 409, description = "`invalid_transition`, `line_inactive`, `same_line` (already on that line)", body = ErrorBody),
    )
)]
#[post("/tickets/{id}/transfer")]
pub async fn transfer_ticket(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    QueueOperator(actor): QueueOperator,
    body: web::Json<TransferRequest>,
) -> ApiResult<HttpResponse> {
    let id = ticket_id(&path)?;
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let ticket = state
        .queue
        .act(
            &ctx,
            actor.user_id,
            id,
            TicketAction::Transfer,
            Some(body.line),
        )
        .await?;
    Ok(HttpResponse::Ok().json(ticket))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TicketFilter {
    /// One line's tickets only.
    #[param(inline)]
    line: Option<LineCode>,
    /// One status only (`waiting`, `called`, …).
    #[param(inline)]
    status: Option<TicketStatus>,
}

#[utoipa::path(
    tag = "queue",
    security(("bearer" = [])),
    params(TicketFilter),
    responses(
        (status = 200, description = "Today's tickets in call order (at most 2,000)", body = Vec<Ticket>),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an operator", body = ErrorBody),
    )
)]
#[get("/tickets")]
pub async fn list(
    state: web::Data<AppState>,
    QueueOperator(_operator): QueueOperator,
    query: web::Query<TicketFilter>,
) -> ApiResult<HttpResponse> {
    let TicketFilter { line, status } = query.into_inner();
    Ok(HttpResponse::Ok().json(state.queue.list(state.now(), line, status).await?))
}

fn html(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.content_type("text/html; charset=utf-8");
    for (name, value) in pages::PAGE_HEADERS {
        response.insert_header((*name, *value));
    }
    response.body(body)
}

#[utoipa::path(
    tag = "queue",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "The ticket as HTML for an 80 mm thermal printer", content_type = "text/html"),
        (status = 401, body = ErrorBody), (status = 403, description = "Not a totem or an operator", body = ErrorBody),
        (status = 404, description = "Unknown, not today's, or (for a totem) issued by another device", body = ErrorBody),
    )
)]
#[get("/tickets/{id}/print")]
pub async fn print(
    request: HttpRequest,
    state: web::Data<AppState>,
    TicketIssuer(principal): TicketIssuer,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = ticket_id(&path)?;
    let base = base_url(&request, &state);
    // A totem prints only the tickets it issued; an operator any of today's.
    let issued_by = match &principal {
        Principal::Device(device) => Some(device.id.to_string()),
        Principal::User(_) => None,
    };
    let page = state
        .queue
        .printable(state.now(), issued_by, id, base)
        .await?;
    Ok(html(actix_web::http::StatusCode::OK, page))
}

#[utoipa::path(
    tag = "queue",
    params(
        ("id" = String, Path, description = "Ticket id"),
        ("link" = String, Path, description = "The link's signature and expiry, as `print_url` gave it"),
    ),
    responses(
        (status = 200, description = "The ticket as HTML for an 80 mm thermal printer", content_type = "text/html"),
        (status = 404, description = "An expired, tampered or another ticket's link; or a ticket no longer of today", body = ErrorBody),
    )
)]
#[get("/tickets/{id}/print/{link}")]
pub async fn print_by_link(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    // No bearer header: the link itself (bound to this ticket, a few minutes long) is the permission.
    let (id, link) = path.into_inner();
    let id = ticket_id(&id)?;
    if !state.queue.print_links.check(id, &link, state.now()) {
        return Err(ApiError::NotFound);
    }
    let base = base_url(&request, &state);
    let page = state.queue.printable(state.now(), None, id, base).await?;
    Ok(html(actix_web::http::StatusCode::OK, page))
}

#[utoipa::path(
    tag = "queue",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Board),
        (status = 401, body = ErrorBody), (status = 403, description = "Not a display or staff", body = ErrorBody),
    )
)]
#[get("/board")]
pub async fn board(
    state: web::Data<AppState>,
    BoardViewer(_viewer): BoardViewer,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(state.queue.board(state.now()).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Resume after this event (when the client cannot send the `Last-Event-ID` header).
    #[serde(
        default,
        deserialize_with = "sportello_schema::api::contract::whole::optional_in_query"
    )]
    last_event_id: Option<i64>,
    /// The access token, for `EventSource`, which cannot set headers. Never logged.
    #[allow(dead_code)]
    access_token: Option<String>,
}

#[utoipa::path(
    tag = "queue",
    security(("bearer" = [])),
    params(EventsQuery),
    responses(
        (status = 200, description = "`text/event-stream` of queue events (`id:` seq, `event:` kind, `data:` QueueEvent JSON); \
            a `reset` event means events were missed: reload the board", content_type = "text/event-stream"),
        (status = 401, body = ErrorBody), (status = 403, description = "Not a display or staff", body = ErrorBody),
        (status = 429, description = "`too_many_streams`: this caller has its quota of streams open", body = ErrorBody),
        (status = 503, description = "`busy`: too many streams open", body = ErrorBody),
    )
)]
#[get("/events")]
pub async fn events(
    request: HttpRequest,
    state: web::Data<AppState>,
    BoardViewer(principal): BoardViewer,
    query: web::Query<EventsQuery>,
) -> ApiResult<HttpResponse> {
    let slot = state.queue.streams.take(principal.id())?;
    let header_id = request
        .headers()
        .get("Last-Event-ID")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<i64>().ok());
    let resume = header_id.or(query.last_event_id);
    // The hub publishes a moment after each commit; an id it has not published yet may still be real
    // (a board read just now): only the database can say it is from the future.
    let stored_latest = match resume {
        Some(id) if id > state.queue.hub.latest() => Some(state.queue.latest_stored_event().await?),
        _ => None,
    };
    let stream = EventStream::open(
        &state.queue,
        state.settings.event_stream_keepalive,
        liveness(state.get_ref().clone(), principal),
        resume,
        stored_latest,
        slot,
    );
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(futures_util::stream::unfold(stream, EventStream::next)))
}

#[utoipa::path(
    tag = "queue",
    security(("bearer" = [])),
    request_body = LeaseRequest,
    responses(
        (status = 201, description = "A block of today's numbers for this totem", body = Lease),
        (status = 401, body = ErrorBody), (status = 403, description = "Not a totem", body = ErrorBody),
        (status = 404, description = "`unknown_line`: no such line", body = ErrorBody),
        (status = 409, description = "`line_full`, `line_inactive`", body = ErrorBody),
        (status = 422, description = "`validation_failed`: a size outside 1–100", body = ErrorBody),
    )
)]
#[post("/leases")]
pub async fn lease(
    request: HttpRequest,
    state: web::Data<AppState>,
    TotemDevice(device): TotemDevice,
    body: web::Json<LeaseRequest>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(device.audit_actor(), RequestId::of(&request));
    let lease = state
        .queue
        .lease(&ctx, device.id, body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(lease))
}

#[utoipa::path(
    tag = "queue",
    security(("bearer" = [])),
    request_body = ImportRequest,
    responses(
        (status = 200, description = "All imported (or already imported by an earlier try)", body = ImportResult),
        (status = 401, body = ErrorBody), (status = 403, description = "Not a totem", body = ErrorBody),
        (status = 404, description = "`unknown_lease`: unknown, or another device's", body = ErrorBody),
        (status = 409, description = "`lease_expired` (another day), `outside_lease` (a number outside the lease, or a time between the lease and now it cannot be), `number_taken`, `client_op_id_reused` (also within the request); nothing is imported", body = ErrorBody),
        (status = 422, description = "`validation_failed`: no tickets or more than 100, a malformed `client_op_id` or `issued_at`; nothing is imported", body = ErrorBody),
    )
)]
#[post("/tickets/import")]
pub async fn import(
    request: HttpRequest,
    state: web::Data<AppState>,
    TotemDevice(device): TotemDevice,
    body: web::Json<ImportRequest>,
) -> ApiResult<HttpResponse> {
    let base = base_url(&request, &state);
    let ctx = state.context(device.audit_actor(), RequestId::of(&request));
    let result = state
        .queue
        .import(&ctx, device.id, body.into_inner(), base)
        .await?;
    Ok(HttpResponse::Ok().json(result))
}

#[utoipa::path(
    tag = "queue",
    security(("bearer" = [])),
    params(PeriodQuery),
    responses(
        (status = 200, description = "Figures per line and per hour (JSON, or CSV with `format=csv`)",
            content((QueueStats = "application/json"), (String = "text/csv"))),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an admin or a social worker", body = ErrorBody),
    )
)]
#[get("/stats")]
pub async fn stats(
    request: HttpRequest,
    state: web::Data<AppState>,
    StatsReader(actor): StatsReader,
    query: web::Query<PeriodQuery>,
) -> ApiResult<HttpResponse> {
    let PeriodQuery { from, to, format } = query.into_inner();
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let figures = state.queue.statistics(&ctx, from, to).await?;
    let file = format!("sportello-queue-{}-{}.csv", figures.from, figures.to);
    Ok(figures_response(
        format,
        &figures,
        &file,
        queue::stats::to_csv,
    ))
}

#[utoipa::path(
    tag = "queue",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every line, in display order", body = Vec<ServiceLine>),
        (status = 401, body = ErrorBody),
    )
)]
#[get("/lines")]
pub async fn lines(
    state: web::Data<AppState>,
    LinesReader(_anyone): LinesReader,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.queue.lines().await?))
}

#[utoipa::path(
    tag = "queue",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Whether the desk is open now, and when it next opens", body = DeskOpening),
        (status = 401, body = ErrorBody),
    )
)]
#[get("/opening")]
pub async fn opening(
    state: web::Data<AppState>,
    LinesReader(_anyone): LinesReader,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(state.queue.opening(state.now()).await?))
}

#[utoipa::path(
    tag = "queue",
    security(("bearer" = [])),
    params(("code" = LineCode, Path, description = "Line code: one capital letter")),
    request_body = PutServiceLine,
    responses(
        (status = 201, description = "Created", body = ServiceLine),
        (status = 200, description = "Replaced", body = ServiceLine),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "`validation_failed` (names, daily cap)", body = ErrorBody),
    )
)]
#[put("/queue/lines/{code}")]
pub async fn put_line(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    path: web::Path<String>,
    body: web::Json<PutServiceLine>,
) -> ApiResult<HttpResponse> {
    let code =
        LineCode::parse(&path).map_err(|error| ApiError::InvalidRequest(error.to_string()))?;
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let (line, created) = state.queue.put_line(&ctx, code, body.into_inner()).await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(line))
}

#[utoipa::path(
    tag = "queue",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Opening hours and closed dates (no hours: always open)", body = QueueSchedule),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
#[get("/queue/schedule")]
pub async fn schedule(
    state: web::Data<AppState>,
    AdminUser(_admin): AdminUser,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.queue.schedule().await?))
}

#[utoipa::path(
    tag = "queue",
    security(("bearer" = [])),
    request_body = QueueSchedule,
    responses(
        (status = 200, description = "Replaced; the answer is the schedule as stored (sorted)", body = QueueSchedule),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "`validation_failed`, naming the wrong entry: an interval that does not close after it opens, or two that overlap on one weekday (rules across fields, which a schema cannot state)", body = ErrorBody),
    )
)]
#[put("/queue/schedule")]
pub async fn put_schedule(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    body: web::Json<QueueSchedule>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let saved = state.queue.put_schedule(&ctx, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(saved))
}

#[utoipa::path(
    tag = "queue",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The waiting-room display's settings (no languages: Italian only)", body = DisplaySettings),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    )
)]
#[get("/queue/display")]
pub async fn display_settings(
    state: web::Data<AppState>,
    AdminUser(_admin): AdminUser,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.queue.display_settings().await?))
}

#[utoipa::path(
    tag = "queue",
    security(("bearer" = [])),
    request_body = DisplaySettings,
    responses(
        (status = 200, description = "Replaced; displays reload the board (`lines.changed`)", body = DisplaySettings),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "`validation_failed`, naming the entry: an unknown language code, a repeated one, more than six", body = ErrorBody),
    )
)]
#[put("/queue/display")]
pub async fn put_display_settings(
    request: HttpRequest,
    state: web::Data<AppState>,
    AdminUser(actor): AdminUser,
    body: web::Json<DisplaySettings>,
) -> ApiResult<HttpResponse> {
    let ctx = state.context(actor.audit_actor(), RequestId::of(&request));
    let saved = state
        .queue
        .put_display_settings(&ctx, body.into_inner())
        .await?;
    Ok(HttpResponse::Ok().json(saved))
}

#[utoipa::path(
    tag = "public",
    params(("token" = String, Path, description = "The token printed (as a QR code) on the ticket")),
    responses(
        (status = 200, description = "A small page: number, status, people ahead, estimated wait", content_type = "text/html"),
        (status = 404, description = "Unknown token", content_type = "text/html"),
    )
)]
#[get("/t/{token}")]
pub async fn status_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    Ok(
        match state
            .queue
            .status_view(state.now(), path.into_inner())
            .await?
        {
            Some((view, line)) => html(
                actix_web::http::StatusCode::OK,
                pages::status_html(&view, &line.name_it, &line.name_en),
            ),
            None => html(
                actix_web::http::StatusCode::NOT_FOUND,
                pages::unknown_ticket_html(),
            ),
        },
    )
}
