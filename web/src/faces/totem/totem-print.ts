// Printing on the totem's 80 mm thermal printer through the browser (Chromium in kiosk mode with
// `--kiosk-printing`: `print()` goes to the default printer without a dialog; docs/operations.md).
//
// - A ticket the server issued prints from its short-lived print link (`print_url`, docs/api.md): the page
//   is loaded in a hidden frame of the same origin (its CSP allows `frame-ancestors 'self'`) and the frame
//   prints itself. No bearer header is needed, and the link is useless to anyone else minutes later.
// - A ticket issued offline prints from the totem's own layout (`@media print`, 80 mm) in the page itself.
//
// The page-wide print rules (`@page`, hiding the screen) cannot live in a shadow root: they are one
// constructed style sheet adopted by the document (allowed by the app's CSP, unlike an inline style).

/** How long a print frame is kept after it printed: the print job is taken from it meanwhile. */
const FRAME_LIFETIME_MS = 15_000;

let pageRules: CSSStyleSheet | undefined;

/** Adopts the document-wide print rules once: an 80 mm page with no margins. */
export function adoptPrintRules(doc: Document = document): void {
  if (pageRules) return;
  pageRules = new CSSStyleSheet();
  pageRules.replaceSync(`@page { size: 80mm auto; margin: 0; } @media print { html, body { background: #fff; margin: 0; } }`);
  doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, pageRules];
}

/** Loads `url` (a path on this server) in a hidden frame inside `host` and prints it once loaded. Resolves
 *  once `print()` was called; rejects when the page does not load within `timeoutMs` or is not the
 *  ticket (the caller then prints its own layout). */
export function printLink(host: HTMLElement | ShadowRoot, url: string, title: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const frame = document.createElement("iframe");
    frame.className = "print-frame";
    frame.title = title;
    frame.tabIndex = -1;
    frame.setAttribute("aria-hidden", "true");
    const timer = setTimeout(() => {
      frame.remove();
      reject(new Error("the print page did not load"));
    }, timeoutMs);
    frame.addEventListener(
      "load",
      () => {
        clearTimeout(timer);
        try {
          // A refused link (404) answers JSON: nothing to print from it.
          if (frame.contentDocument?.contentType !== "text/html") throw new Error("the print link was refused");
          frame.contentWindow?.print();
          resolve();
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        } finally {
          setTimeout(() => frame.remove(), FRAME_LIFETIME_MS);
        }
      },
      { once: true },
    );
    frame.src = url;
    host.appendChild(frame);
  });
}
