// What the sync client does with the server's `error` message (docs/sync-protocol.md §15), decided from
// its text alone so that it can be table-tested:
// - `token_expired`: refresh; the adapter's next reconnection uses the new token;
// - `session_wiped` (issue 12): an admin marked the session lost; the local data go;
// - `index_moved` (issue 12, after an approved erasure): the user's index document has a new id; stop,
//   refresh (the answer names the new index), and follow it. Neither a refusal nor the end of the session;
// - the session is over (`unauthenticated`, `session ended or account changed`, `password_change_required`);
// - anything else (`busy`, …) is a refusal the status bar shows in words, and the adapter retries.

export type ServerErrorAction = "refresh" | "wiped" | "index-moved" | "session-over" | "refusal";

const SESSION_OVER = ["unauthenticated", "session ended", "password_change_required", "account changed"];

export function serverErrorAction(message: string): ServerErrorAction {
  if (message === "token_expired") return "refresh";
  if (message.startsWith("session_wiped")) return "wiped";
  if (message.startsWith("index_moved")) return "index-moved";
  if (SESSION_OVER.some(reason => message.startsWith(reason))) return "session-over";
  return "refusal";
}

/** What routing an error needs of the sync client. */
export interface ServerErrorHandlers {
  /** Stops the adapter (no reconnection until the app says so). */
  stop(): void;
  onTokenExpired(): void;
  onSessionEnded(): void;
  /** Optional: without it, `session_wiped` counts as the end of the session. */
  onSessionWiped?: () => void;
  /** Optional: without it, the adapter stops and the sync stays down. */
  onIndexMoved?: () => void;
  refused(message: string): void;
}

/** Routes the server's `error` message to the one handler it calls for. */
export function routeServerError(message: string, handlers: ServerErrorHandlers): ServerErrorAction {
  const action = serverErrorAction(message);
  switch (action) {
    case "refresh":
      handlers.onTokenExpired();
      break;
    case "wiped":
      handlers.stop();
      (handlers.onSessionWiped ?? handlers.onSessionEnded)();
      break;
    case "index-moved":
      handlers.stop();
      handlers.onIndexMoved?.();
      break;
    case "session-over":
      handlers.stop();
      handlers.onSessionEnded();
      break;
    case "refusal":
      handlers.refused(message);
      break;
  }
  return action;
}
