//! The two plain HTML pages of the queue (issue 4), rendered purely from data; no I/O here.
//!
//! - [`ticket_html`]: the paper ticket the totem prints on its 80 mm thermal printer. The number, the line
//!   (Italian and English), the time, the people ahead and a rough wait, a priority mark, a QR code of the
//!   public status page, and a line asking to keep the ticket in Italian, English, French and Arabic.
//! - [`status_html`]: the public page at `/t/{token}` that the QR code opens on the holder's phone: number,
//!   status, people ahead, estimated wait and, once called, the desk. Nothing else: whoever holds the token
//!   (or a photo of the ticket) sees it, so it shows nothing that would matter to anyone else.
//!   [`unknown_ticket_html`] is what the same address shows, with a 404, for a token that names no ticket.
//!
//! Neither page carries a script, and [`PAGE_HEADERS`] sends a Content-Security-Policy that allows none:
//! the status page refreshes itself with `<meta http-equiv="refresh">` while the ticket can still change,
//! and the totem's browser prints the ticket page itself (kiosk printing), so nothing needs JavaScript. If
//! an admin's line name or an operator's desk ever slipped past escaping, it still could not run. Every
//! interpolated string is HTML-escaped all the same ([`escape`]).
//!
//! Routes serve both pages as `text/html; charset=utf-8` with every header in [`PAGE_HEADERS`].

use std::fmt;

use qrcode::{Color, EcLevel, QrCode};
use sportello_schema::api::queue::TicketStatusView;
use sportello_schema::queue::{TicketNumber, TicketStatus};

/// Headers both pages are served with. The policy allows inline styles and `data:` images and nothing
/// else: no script from anywhere, no fetches, no forms, no `<base>`. `frame-ancestors 'self'` lets the
/// totem's own kiosk app (same origin) load the ticket in a frame to print it; other sites cannot frame
/// either page.
pub const PAGE_HEADERS: &[(&str, &str)] = &[
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'self'",
    ),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Robots-Tag", "noindex, nofollow"),
    ("Cache-Control", "no-store"),
];

/// How often the status page reloads itself while the ticket can still change.
const REFRESH_SECONDS: u32 = 30;

/// Error correction of the printed QR code: M survives the smudges and folds of thermal paper and keeps
/// the code small enough for 0.8–0.9 mm modules on a 36 mm square.
const QR_EC_LEVEL: EcLevel = EcLevel::M;

/// The light margin the QR specification asks for around the code, in modules.
const QR_QUIET_ZONE: usize = 4;

/// Data for the printed ticket (80 mm thermal printer).
pub struct PrintableTicket<'a> {
    pub number: TicketNumber,
    pub line_name_it: &'a str,
    pub line_name_en: &'a str,
    pub priority: bool,
    /// Local (Europe/Rome) date and time as printed, e.g. "27/11/2026 09:41" (the caller formats it).
    pub issued_local: &'a str,
    pub ahead: u32,
    pub estimated_wait_s: u64,
    /// Absolute URL of the public status page; encoded as a QR code.
    pub status_url: &'a str,
}

/// The status URL carries the ticket's token, so `Debug` leaves it out (logs name tickets by id or number).
impl fmt::Debug for PrintableTicket<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrintableTicket")
            .field("number", &self.number)
            .field("line_name_it", &self.line_name_it)
            .field("line_name_en", &self.line_name_en)
            .field("priority", &self.priority)
            .field("issued_local", &self.issued_local)
            .field("ahead", &self.ahead)
            .field("estimated_wait_s", &self.estimated_wait_s)
            .finish_non_exhaustive()
    }
}

const TICKET_CSS: &str = "\
@page { size: 80mm auto; margin: 0 }
* { box-sizing: border-box }
html, body { margin: 0; padding: 0; background: #fff; color: #000 }
body { width: 72mm; margin: 0 auto; padding: 3mm 0 6mm; text-align: center; font-size: 10pt; line-height: 1.25;
  font-family: \"DejaVu Sans\", \"Noto Sans\", \"Noto Sans Arabic\", Arial, sans-serif }
p { margin: 0 }
.line { font-size: 12pt; font-weight: bold }
.sub { display: block; font-size: 9pt; font-weight: normal }
.priority { display: inline-block; margin: 2mm 0 0; padding: 0.5mm 3mm; border: 0.6mm solid #000;
  font-size: 11pt; font-weight: bold; letter-spacing: 0.05em }
.number { margin: 1mm 0; font-size: 44pt; font-weight: bold; line-height: 1.05 }
.facts { margin: 3mm 0 2mm; padding: 1.5mm 0; border-top: 0.3mm dashed #000; border-bottom: 0.3mm dashed #000 }
.facts div { display: flex; justify-content: space-between; align-items: baseline; gap: 2mm; margin: 1mm 0;
  text-align: left }
.facts dt, .facts dd { margin: 0 }
.facts dd { font-size: 12pt; font-weight: bold; text-align: right; white-space: nowrap }
.facts dd .sub { font-size: 8pt }
.qr svg { display: block; width: 36mm; height: 36mm; margin: 1mm auto }
.url { font-size: 7pt; overflow-wrap: anywhere }
.caption { font-size: 8pt }
.keep { margin-top: 3mm; padding-top: 1.5mm; border-top: 0.3mm dashed #000; font-size: 9pt }
.keep p { margin: 1mm 0 }
.keep [dir=rtl] { font-size: 10.5pt }
";

const STATUS_CSS: &str = "\
* { box-sizing: border-box }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100% }
body { margin: 0; background: #fff; color: #111; font-size: 1.25rem; line-height: 1.45;
  font-family: system-ui, -apple-system, \"Segoe UI\", Roboto, \"Noto Sans\", Arial, sans-serif }
main { max-width: 32em; margin: 0 auto; padding: 1.25rem 1rem 2rem; text-align: center; overflow-wrap: anywhere }
p { margin: 0 0 0.75rem }
.en { display: block; font-size: 0.85em; font-weight: normal; color: #444 }
.line { font-weight: 600 }
.number { margin: 0.25rem 0 0.75rem; font-size: min(4em, 24vw); font-weight: 800; line-height: 1.1;
  letter-spacing: 0.02em }
.status { display: inline-block; max-width: 100%; padding: 0.4em 0.9em; border: 0.15em solid currentColor;
  border-radius: 0.5em; font-weight: 700 }
.status .en { color: inherit }
.status-called { background: #0b5d1e; border-color: #0b5d1e; color: #fff }
.status-serving { color: #0b5d1e }
.final { color: #555 }
.facts { display: grid; gap: 0.75rem; margin: 1.25rem 0 }
.facts div { padding: 0.75rem; border: 1px solid #bbb; border-radius: 0.5em }
.facts dt { font-weight: 600 }
.facts dd { margin: 0.25rem 0 0; font-size: 1.5em; font-weight: 800 }
.desk { margin: 1.25rem 0; padding: 0.75rem; border: 0.15em solid #0b5d1e; border-radius: 0.5em }
.desk-name { margin: 0.25rem 0 0; font-size: 2em; font-weight: 800; line-height: 1.2 }
.note { margin-top: 1.5rem; font-size: 0.9em; color: #444 }
@media (prefers-color-scheme: dark) {
  body { background: #111; color: #eee }
  .en, .note, .final { color: #bbb }
  .status-serving { color: #7ddc93 }
  .facts div { border-color: #555 }
  .desk { border-color: #7ddc93 }
}
";

/// The printed ticket, one page of 80 mm thermal paper.
pub fn ticket_html(ticket: &PrintableTicket<'_>) -> String {
    let number = escape(&ticket.number.to_string());
    let (wait_it, wait_en) = wait_text(ticket.estimated_wait_s);
    let priority = if ticket.priority {
        "<p class=\"priority\">PRIORITÀ · <span lang=\"en\">PRIORITY</span></p>\n"
    } else {
        ""
    };
    // A status URL too long for any QR code is a bug upstream; the ticket still prints, with the address
    // as text instead of the code.
    let qr = match qr_svg(ticket.status_url) {
        Some(svg) => format!("<div class=\"qr\">{svg}</div>"),
        None => format!("<p class=\"url\">{}</p>", escape(ticket.status_url)),
    };
    format!(
        "<!doctype html>
<html lang=\"it\">
<head>
<meta charset=\"utf-8\">
<meta name=\"robots\" content=\"noindex, nofollow\">
<meta name=\"referrer\" content=\"no-referrer\">
<title>{number}</title>
<style>
{TICKET_CSS}</style>
</head>
<body>
<main>
<p class=\"line\">{line_it}<span class=\"sub\" lang=\"en\">{line_en}</span></p>
{priority}<p class=\"number\">{number}</p>
<p class=\"time\">{issued}</p>
<dl class=\"facts\">
<div><dt>Persone prima di te<span class=\"sub\" lang=\"en\">People ahead of you</span></dt><dd>{ahead}</dd></div>
<div><dt>Attesa stimata<span class=\"sub\" lang=\"en\">Estimated wait</span></dt><dd>{wait_it}<span class=\"sub\" lang=\"en\">{wait_en}</span></dd></div>
</dl>
{qr}
<p class=\"caption\">Inquadra il codice per seguire il tuo turno dal telefono<span class=\"sub\" lang=\"en\">Scan the code to follow your turn on your phone</span></p>
<div class=\"keep\">
<p lang=\"it\">Conserva questo biglietto e attendi che il tuo numero compaia sullo schermo.</p>
<p lang=\"en\">Please keep this ticket and wait for your number to appear on the screen.</p>
<p lang=\"fr\">Veuillez conserver ce ticket et attendre que votre numéro s’affiche à l’écran.</p>
<p lang=\"ar\" dir=\"rtl\">يُرجى الاحتفاظ بهذه التذكرة وانتظار ظهور رقمك على الشاشة.</p>
</div>
</main>
</body>
</html>
",
        line_it = escape(ticket.line_name_it),
        line_en = escape(ticket.line_name_en),
        issued = escape(ticket.issued_local),
        ahead = ticket.ahead,
        wait_it = escape(&wait_it),
        wait_en = escape(&wait_en),
    )
}

/// The public page at /t/{token}: number, status, people ahead, estimated wait, desk when called — nothing
/// else.
pub fn status_html(view: &TicketStatusView, line_name_it: &str, line_name_en: &str) -> String {
    let number = escape(&view.number.to_string());
    let status = view.status;
    let (label_it, label_en) = status_label(status);
    let mut body = format!(
        "<p class=\"line\">{line_it}<span class=\"en\" lang=\"en\">{line_en}</span></p>
<p class=\"number\">{number}</p>
<p class=\"status status-{class}{final_class}\">{label_it}<span class=\"en\" lang=\"en\">{label_en}</span></p>
",
        line_it = escape(line_name_it),
        line_en = escape(line_name_en),
        class = status.as_str(),
        final_class = if status.is_final() { " final" } else { "" },
    );
    if status == TicketStatus::Waiting {
        let (wait_it, wait_en) = wait_text(view.estimated_wait_s);
        body.push_str(&format!(
            "<dl class=\"facts\">
<div><dt>Persone prima di te<span class=\"en\" lang=\"en\">People ahead of you</span></dt><dd>{ahead}</dd></div>
<div><dt>Attesa stimata<span class=\"en\" lang=\"en\">Estimated wait</span></dt><dd>{wait_it}<span class=\"en\" lang=\"en\">{wait_en}</span></dd></div>
</dl>
",
            ahead = view.ahead,
            wait_it = escape(&wait_it),
            wait_en = escape(&wait_en),
        ));
    }
    if let Some(desk) = view.desk.as_deref().filter(|_| shows_desk(status)) {
        let (go_it, go_en) = if status == TicketStatus::Called {
            ("Vai a", "Please go to")
        } else {
            ("Sportello", "Desk")
        };
        body.push_str(&format!(
            "<div class=\"desk\"><p>{go_it}<span class=\"en\" lang=\"en\">{go_en}</span></p><p class=\"desk-name\">{desk}</p></div>
",
            desk = escape(desk),
        ));
    }
    let (note_it, note_en) = status_note(status);
    body.push_str(&format!(
        "<p class=\"note\">{note_it}<span class=\"en\" lang=\"en\">{note_en}</span></p>\n"
    ));
    let refresh = if status.is_final() {
        String::new()
    } else {
        format!("<meta http-equiv=\"refresh\" content=\"{REFRESH_SECONDS}\">\n")
    };
    public_page(&format!("{number} · Il tuo turno"), &refresh, &body)
}

/// What /t/{token} shows for an unknown or malformed token (served with 404).
pub fn unknown_ticket_html() -> String {
    public_page(
        "Numero non trovato",
        "",
        "<p class=\"status final\">Numero non trovato<span class=\"en\" lang=\"en\">Ticket not found</span></p>
<p class=\"note\">Il link non è valido o il numero non è più disponibile. Per un nuovo numero, ritira un biglietto al totem.<span class=\"en\" lang=\"en\">This link is not valid or the ticket is no longer available. To get a new number, take a ticket at the kiosk.</span></p>
",
    )
}

/// The frame of the public pages: `title` and `body` are HTML already escaped by the caller.
fn public_page(title: &str, extra_head: &str, body: &str) -> String {
    format!(
        "<!doctype html>
<html lang=\"it\">
<head>
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<meta name=\"robots\" content=\"noindex, nofollow\">
<meta name=\"referrer\" content=\"no-referrer\">
{extra_head}<title>{title}</title>
<style>
{STATUS_CSS}</style>
</head>
<body>
<main>
{body}</main>
</body>
</html>
"
    )
}

/// The status's label, Italian then English. Every status has one (the match is exhaustive on purpose).
fn status_label(status: TicketStatus) -> (&'static str, &'static str) {
    match status {
        TicketStatus::Waiting => ("In attesa", "Waiting"),
        TicketStatus::Called => ("È il tuo turno", "It’s your turn"),
        TicketStatus::Serving => ("Servizio in corso", "Being served"),
        TicketStatus::Done => ("Servizio concluso", "Completed"),
        TicketStatus::NoShow => ("Assente alla chiamata", "Missed the call"),
        TicketStatus::Cancelled => ("Annullato", "Cancelled"),
        TicketStatus::Expired => ("Scaduto", "Expired"),
    }
}

/// The line under the status: what happens next, or what to do now that it is over.
fn status_note(status: TicketStatus) -> (&'static str, &'static str) {
    match status {
        TicketStatus::Waiting | TicketStatus::Called | TicketStatus::Serving => (
            "Questa pagina si aggiorna da sola ogni 30 secondi.",
            "This page updates itself every 30 seconds.",
        ),
        TicketStatus::Done => ("Grazie per la visita.", "Thank you for your visit."),
        TicketStatus::NoShow => (
            "Se sei ancora qui, rivolgiti allo sportello.",
            "If you are still here, please ask at the desk.",
        ),
        TicketStatus::Cancelled => (
            "Questo numero non è più valido.",
            "This ticket is no longer valid.",
        ),
        TicketStatus::Expired => (
            "I numeri valgono solo nel giorno in cui sono stati emessi.",
            "Tickets are valid only on the day they are issued.",
        ),
    }
}

/// The desk matters once the ticket is called and while it is served; before, there is none, and after,
/// it no longer tells the holder anything.
fn shows_desk(status: TicketStatus) -> bool {
    matches!(status, TicketStatus::Called | TicketStatus::Serving)
}

/// The estimated wait in whole minutes (rounded to the nearest), Italian then English. The estimate is
/// rough, so it always says so.
fn wait_text(seconds: u64) -> (String, String) {
    if seconds < 60 {
        return ("meno di 1 min".to_owned(), "less than 1 min".to_owned());
    }
    let minutes = seconds / 60 + u64::from(seconds % 60 >= 30);
    (
        format!("circa {minutes} min"),
        format!("about {minutes} min"),
    )
}

/// `raw` made safe as HTML text and as a quoted attribute value.
fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// `data` as a QR code in an inline SVG: one unit per module, the quiet zone included in the view box, the
/// dark modules as one path of horizontal runs (`M{x} {y}h{n}v1h-{n}z`). `None` when `data` does not fit
/// in any QR code.
fn qr_svg(data: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), QR_EC_LEVEL).ok()?;
    let width = code.width();
    let size = width + 2 * QR_QUIET_ZONE;
    let mut path = String::new();
    for (row, modules) in code.to_colors().chunks(width).enumerate() {
        let y = row + QR_QUIET_ZONE;
        let mut x = QR_QUIET_ZONE;
        for run in modules.chunk_by(|a, b| a == b) {
            let n = run.len();
            if run.first() == Some(&Color::Dark) {
                path.push_str(&format!("M{x} {y}h{n}v1h-{n}z"));
            }
            x += n;
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" \
         shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sportello_schema::queue::LineCode;

    const HOSTILE: &str = "<script>alert(\"x\")</script><img src=x onerror='alert(1)'>&amp;";
    const URL: &str = "https://sportello.example.it/t/kQ3v9Zr2mXoP7bWc1sT8yLdE4fHgJ6nA5uR0iVeKqYw";

    fn number() -> TicketNumber {
        TicketNumber::new(LineCode::parse("A").unwrap(), 7).unwrap()
    }

    fn ticket<'a>(line_it: &'a str, line_en: &'a str, priority: bool) -> PrintableTicket<'a> {
        PrintableTicket {
            number: number(),
            line_name_it: line_it,
            line_name_en: line_en,
            priority,
            issued_local: "27/11/2026 09:41",
            ahead: 4,
            estimated_wait_s: 900,
            status_url: URL,
        }
    }

    fn view(status: TicketStatus, ahead: u32, wait_s: u64, desk: Option<&str>) -> TicketStatusView {
        TicketStatusView {
            number: number(),
            status,
            ahead,
            estimated_wait_s: wait_s,
            desk: desk.map(str::to_owned),
        }
    }

    /// Every page this module renders, for checks that hold on all of them.
    fn all_pages(line_it: &str, line_en: &str, desk: &str) -> Vec<String> {
        let mut pages = vec![
            ticket_html(&ticket(line_it, line_en, true)),
            ticket_html(&ticket(line_it, line_en, false)),
            unknown_ticket_html(),
        ];
        for status in TicketStatus::ALL {
            pages.push(status_html(
                &view(status, 3, 600, Some(desk)),
                line_it,
                line_en,
            ));
        }
        pages
    }

    /// The grid of modules an SVG from `qr_svg` draws (quiet zone included), read back from its path.
    fn modules_drawn(svg: &str) -> Vec<Vec<bool>> {
        let view_box = svg.split("viewBox=\"0 0 ").nth(1).unwrap();
        let size: usize = view_box.split(' ').next().unwrap().parse().unwrap();
        let path = svg
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let mut grid = vec![vec![false; size]; size];
        for run in path.split('M').filter(|run| !run.is_empty()) {
            let (xy, rest) = run.split_once('h').unwrap();
            let (x, y) = xy.split_once(' ').unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            let (n, tail) = rest.split_once('v').unwrap();
            let n: usize = n.parse().unwrap();
            assert_eq!(tail, format!("1h-{n}z"), "every run is one module high");
            for cell in &mut grid[y][x..x + n] {
                assert!(!*cell, "runs do not overlap");
                *cell = true;
            }
        }
        grid
    }

    #[test]
    fn escape_neutralises_every_html_special_character() {
        assert_eq!(
            escape(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(
            escape("Migranti e Intercultura — è"),
            "Migranti e Intercultura — è"
        );
        assert_eq!(escape(""), "");
    }

    #[test]
    fn a_hostile_line_name_or_desk_never_appears_raw() {
        for page in all_pages(HOSTILE, HOSTILE, HOSTILE) {
            assert!(!page.contains("<script"), "{page}");
            assert!(!page.contains("<img"), "{page}");
            assert!(!page.contains("onerror='"), "{page}");
            assert!(!page.contains("\"x\")"), "{page}");
        }
        let printed = ticket_html(&ticket(HOSTILE, "Welcome", false));
        assert!(printed.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
        assert!(
            printed.contains("&amp;amp;"),
            "an entity in the name is shown, not decoded"
        );
        let called = status_html(&view(TicketStatus::Called, 0, 0, Some(HOSTILE)), "A", "A");
        assert!(called.contains("&lt;img src=x onerror=&#39;alert(1)&#39;&gt;"));
    }

    #[test]
    fn no_page_contains_a_script_or_an_event_handler() {
        for page in all_pages("Accoglienza", "Welcome", "Sportello 2") {
            let lower = page.to_lowercase();
            assert!(!lower.contains("<script"), "{page}");
            assert!(!lower.contains("javascript:"), "{page}");
            for tag in lower.split('<').skip(1) {
                let tag = tag.split('>').next().unwrap();
                for attribute in tag.split_whitespace().skip(1) {
                    assert!(!attribute.starts_with("on"), "event handler in <{tag}>");
                }
            }
        }
    }

    #[test]
    fn the_ticket_carries_the_status_url_as_a_qr_code_of_the_right_size() {
        let page = ticket_html(&ticket("Accoglienza", "Welcome", false));
        let start = page.find("<svg").unwrap();
        let svg = &page[start..start + page[start..].find("</svg>").unwrap() + 6];
        let code = QrCode::new(URL).unwrap();
        let width = code.width();
        let size = width + 2 * QR_QUIET_ZONE;
        assert!(
            svg.contains(&format!("viewBox=\"0 0 {size} {size}\"")),
            "{svg}"
        );

        let grid = modules_drawn(svg);
        let expected = code.to_colors();
        for (y, row) in grid.iter().enumerate() {
            for (x, &dark) in row.iter().enumerate() {
                let inside = (QR_QUIET_ZONE..QR_QUIET_ZONE + width).contains(&x)
                    && (QR_QUIET_ZONE..QR_QUIET_ZONE + width).contains(&y);
                let want = inside
                    && expected[(y - QR_QUIET_ZONE) * width + (x - QR_QUIET_ZONE)] == Color::Dark;
                assert_eq!(dark, want, "module ({x}, {y})");
            }
        }
        assert!(
            !page.contains(URL),
            "the address is printed only as the code"
        );
    }

    #[test]
    fn a_url_too_long_for_a_qr_code_is_printed_as_text() {
        let long = format!("https://sportello.example.it/t/{}", "x".repeat(4000));
        let page = ticket_html(&PrintableTicket {
            status_url: &long,
            ..ticket("Accoglienza", "Welcome", false)
        });
        assert!(!page.contains("<svg"));
        assert!(page.contains(&long));
    }

    #[test]
    fn the_ticket_is_sized_for_80_mm_paper_and_shows_what_the_holder_needs() {
        let page = ticket_html(&ticket("Accoglienza", "Welcome desk", false));
        assert!(page.contains("@page { size: 80mm auto; margin: 0 }"));
        assert!(page.contains("width: 72mm"));
        assert!(page.contains("<p class=\"number\">A007</p>"));
        assert!(page.contains("Accoglienza") && page.contains("Welcome desk"));
        assert!(page.contains("27/11/2026 09:41"));
        assert!(page.contains("<dd>4</dd>"));
        assert!(page.contains("circa 15 min") && page.contains("about 15 min"));
        assert!(!page.contains("PRIORIT"));

        let priority = ticket_html(&ticket("Accoglienza", "Welcome desk", true));
        assert!(priority.contains("PRIORITÀ") && priority.contains("PRIORITY"));
    }

    #[test]
    fn the_ticket_asks_to_keep_it_in_four_languages_with_arabic_right_to_left() {
        let page = ticket_html(&ticket("Accoglienza", "Welcome", false));
        assert!(page.contains("<p lang=\"it\">Conserva questo biglietto"));
        assert!(page.contains("<p lang=\"en\">Please keep this ticket"));
        assert!(page.contains("<p lang=\"fr\">Veuillez conserver ce ticket"));
        assert!(page.contains("<p lang=\"ar\" dir=\"rtl\">يُرجى الاحتفاظ بهذه التذكرة"));
    }

    #[test]
    fn a_waiting_ticket_shows_people_ahead_and_the_wait_but_no_desk() {
        let page = status_html(
            &view(TicketStatus::Waiting, 7, 14 * 60 + 40, Some("Sportello 2")),
            "Accoglienza",
            "Welcome",
        );
        assert!(page.contains("<html lang=\"it\">"));
        assert!(page.contains("A007"));
        assert!(page.contains("In attesa") && page.contains("Waiting"));
        assert!(page.contains("People ahead of you</span></dt><dd>7</dd>"));
        assert!(page.contains("circa 15 min") && page.contains("about 15 min"));
        assert!(!page.contains("Sportello 2"));
        assert!(!page.contains("class=\"desk\""));
    }

    #[test]
    fn a_called_or_served_ticket_shows_the_desk_and_no_queue_figures() {
        for status in [TicketStatus::Called, TicketStatus::Serving] {
            let page = status_html(
                &view(status, 0, 0, Some("Sportello 2")),
                "Accoglienza",
                "Welcome",
            );
            assert!(
                page.contains("<p class=\"desk-name\">Sportello 2</p>"),
                "{status:?}"
            );
            assert!(!page.contains("People ahead"), "{status:?}");
            assert!(!page.contains("Estimated wait"), "{status:?}");
        }
        let called = status_html(
            &view(TicketStatus::Called, 0, 0, Some("Sportello 2")),
            "A",
            "A",
        );
        assert!(called.contains("Vai a") && called.contains("Please go to"));
    }

    #[test]
    fn a_final_ticket_shows_neither_queue_figures_nor_desk() {
        for status in TicketStatus::ALL.into_iter().filter(|s| s.is_final()) {
            let page = status_html(
                &view(status, 3, 600, Some("Sportello 2")),
                "Accoglienza",
                "Welcome",
            );
            assert!(!page.contains("People ahead"), "{status:?}");
            assert!(!page.contains("Estimated wait"), "{status:?}");
            assert!(!page.contains("Sportello 2"), "{status:?}");
        }
    }

    #[test]
    fn the_page_refreshes_itself_only_while_the_ticket_can_still_change() {
        let refresh = "<meta http-equiv=\"refresh\" content=\"30\">";
        for status in TicketStatus::ALL {
            let page = status_html(
                &view(status, 0, 0, Some("Sportello 2")),
                "Accoglienza",
                "Welcome",
            );
            assert_eq!(page.contains(refresh), !status.is_final(), "{status:?}");
        }
        assert!(
            status_html(&view(TicketStatus::Waiting, 2, 120, None), "A", "A").contains(refresh)
        );
        assert!(status_html(&view(TicketStatus::Called, 0, 0, None), "A", "A").contains(refresh));
        assert!(!unknown_ticket_html().contains("http-equiv"));
    }

    #[test]
    fn every_status_has_its_own_italian_and_english_label_on_the_page() {
        let mut seen = Vec::new();
        for status in TicketStatus::ALL {
            let (it, en) = status_label(status);
            assert!(!it.is_empty() && !en.is_empty() && it != en, "{status:?}");
            assert!(
                !seen.contains(&it) && !seen.contains(&en),
                "{status:?} label reused"
            );
            seen.extend([it, en]);
            let page = status_html(&view(status, 0, 0, None), "Accoglienza", "Welcome");
            assert!(page.contains(&format!(
                "{}<span class=\"en\" lang=\"en\">{}</span>",
                escape(it),
                escape(en)
            )));
        }
    }

    #[test]
    fn the_wait_is_rounded_to_whole_minutes() {
        let it = |s| wait_text(s).0;
        assert_eq!(it(0), "meno di 1 min");
        assert_eq!(it(59), "meno di 1 min");
        assert_eq!(it(60), "circa 1 min");
        assert_eq!(it(89), "circa 1 min");
        assert_eq!(it(90), "circa 2 min");
        assert_eq!(it(15 * 60), "circa 15 min");
        assert_eq!(wait_text(59).1, "less than 1 min");
        assert_eq!(wait_text(15 * 60 + 10).1, "about 15 min");
        // No overflow at the top (u64::MAX is 15 s past a whole minute, so it rounds down).
        assert_eq!(it(u64::MAX), format!("circa {} min", u64::MAX / 60));
    }

    #[test]
    fn the_unknown_ticket_page_says_so_in_both_languages() {
        let page = unknown_ticket_html();
        assert!(page.contains("<html lang=\"it\">"));
        assert!(page.contains("Numero non trovato") && page.contains("Ticket not found"));
    }

    #[test]
    fn the_content_security_policy_allows_no_script() {
        let csp = PAGE_HEADERS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-security-policy"))
            .map(|(_, value)| *value)
            .unwrap();
        let directives: Vec<(&str, Vec<&str>)> = csp
            .split(';')
            .map(|directive| {
                let mut words = directive.split_whitespace();
                (words.next().unwrap(), words.collect())
            })
            .collect();
        let sources = |name: &str| {
            directives
                .iter()
                .find(|(directive, _)| *directive == name)
                .map(|(_, sources)| sources.clone())
        };
        // Scripts fall back to default-src, which allows nothing; no script directive reopens them.
        assert_eq!(sources("default-src"), Some(vec!["'none'"]));
        for (directive, sources) in &directives {
            if directive.starts_with("script-src") || *directive == "worker-src" {
                assert_eq!(sources, &vec!["'none'"], "{directive}");
            }
        }
        assert_eq!(sources("style-src"), Some(vec!["'unsafe-inline'"]));
        assert_eq!(sources("img-src"), Some(vec!["data:"]));
        for word in [
            "'unsafe-eval'",
            "'strict-dynamic'",
            "'wasm-unsafe-eval'",
            "*",
            "http:",
            "https:",
        ] {
            assert!(
                !csp.split_whitespace()
                    .any(|w| w.trim_end_matches(';') == word),
                "{word}"
            );
        }
    }

    #[test]
    fn the_other_headers_keep_the_pages_private() {
        let header = |name: &str| {
            PAGE_HEADERS
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, value)| *value)
        };
        assert_eq!(header("Referrer-Policy"), Some("no-referrer"));
        assert_eq!(header("X-Content-Type-Options"), Some("nosniff"));
        assert!(header("X-Robots-Tag").unwrap().contains("noindex"));
        assert_eq!(header("Cache-Control"), Some("no-store"));
    }

    #[test]
    fn debug_leaves_the_status_url_out() {
        let printed = format!("{:?}", ticket("Accoglienza", "Welcome", false));
        assert!(printed.contains("A007") || printed.contains("sequence: 7"));
        assert!(!printed.contains("/t/"));
    }
}
