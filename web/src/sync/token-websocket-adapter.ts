// The stock automerge-repo WebSocket client adapter, with the two things Sportello's server needs from a
// browser client (docs/sync-protocol.md §3.1, §15):
// - the access token travels as the `access_token` query parameter (a browser WebSocket cannot set
//   headers), read afresh at every (re)connection, so a refreshed token is used at the next one;
// - once the token is gone (signed out, session ended) it stops reconnecting instead of retrying every
//   5 s with a dead token, as the stock adapter 2.5.6 does;
// - the server's `error` message (`token_expired`, `session ended or account changed`, `busy`…) reaches
//   the app through `onServerError`, where the stock adapter only logs it at debug level;
// - `resume()` connects again once a token exists (after an offline unlock the app starts with none);
// - `beforeConnect` (issue 12: the remote-wipe check) runs before every connection and reconnection, and
//   only its `true` lets the socket open; otherwise it tries again after the retry interval.

import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { cbor, type PeerId, type PeerMetadata } from "@automerge/automerge-repo/slim";

/** `base` (a ws:// or wss:// URL) with the token as the `access_token` query parameter. */
export function urlWithToken(base: string, token: string): string {
  const url = new URL(base);
  url.searchParams.set("access_token", token);
  return url.toString();
}

/** The sync endpoint on the page's own origin: `wss://host/sync` for an https page. */
export function syncUrlFor(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/sync`;
}

export class TokenWebSocketAdapter extends WebSocketClientAdapter {
  readonly #baseUrl: string;
  readonly #token: () => string | undefined;
  readonly #onServerError: (message: string) => void;
  readonly #beforeConnect?: () => Promise<boolean>;
  /** The generation a check is running for (one at a time per generation). */
  #checkingFor?: number;
  #recheck?: ReturnType<typeof setTimeout>;
  /** Bumped by `stop()`: a check still running when the adapter was stopped opens nothing. */
  #generation = 0;
  /** Stopped: with a check before connecting, only `resume()` (or the Repo's first connect) connects again. */
  #halted = false;

  constructor(
    baseUrl: string,
    token: () => string | undefined,
    onServerError: (message: string) => void,
    retryInterval = 5000,
    beforeConnect?: () => Promise<boolean>,
  ) {
    super(baseUrl, retryInterval);
    this.#baseUrl = baseUrl;
    this.#token = token;
    this.#onServerError = onServerError;
    this.#beforeConnect = beforeConnect;
  }

  #self?: { peerId: PeerId; peerMetadata?: PeerMetadata };

  override connect(peerId: PeerId, peerMetadata?: PeerMetadata): void {
    this.#self = { peerId, peerMetadata };
    const token = this.#token();
    if (!token) {
      // No token: close what is open (which also clears the stock adapter's retry timer) and stay down.
      this.stop();
      return;
    }
    if (!this.#beforeConnect) {
      this.#open(token, peerId, peerMetadata);
      return;
    }
    // A retry timer of the stock adapter firing after `stop()` connects nothing.
    if (this.#halted) return;
    // One check at a time; the stock adapter's retries while it runs are absorbed.
    if (this.#checkingFor === this.#generation) return;
    const generation = this.#generation;
    this.#checkingFor = generation;
    clearTimeout(this.#recheck);
    void this.#beforeConnect()
      .catch(() => false)
      .then(allowed => {
        if (this.#checkingFor === generation) this.#checkingFor = undefined;
        if (generation !== this.#generation) return;
        const fresh = this.#token();
        if (!fresh) return this.stop();
        if (allowed) return this.#open(fresh, peerId, peerMetadata);
        this.#recheck = setTimeout(() => this.connect(peerId, peerMetadata), this.retryInterval);
      });
  }

  #open(token: string, peerId: PeerId, peerMetadata?: PeerMetadata): void {
    // `url` is a plain field the stock adapter reads when it opens each socket.
    (this as { url: string }).url = urlWithToken(this.#baseUrl, token);
    super.connect(peerId, peerMetadata);
  }

  /**
   * Connects again after the adapter stayed down for want of a token (an offline unlock, then a refresh
   * once the network is back). Does nothing while a socket is open or before the Repo asked to connect.
   */
  resume(): void {
    if (this.socket || this.#checkingFor === this.#generation || !this.#self || !this.#token()) return;
    this.#halted = false;
    this.connect(this.#self.peerId, this.#self.peerMetadata);
  }

  /** Closes the connection and cancels the retries, if any. */
  stop(): void {
    this.#generation += 1;
    this.#halted = true;
    clearTimeout(this.#recheck);
    this.#recheck = undefined;
    this.disconnect();
  }

  /** Idempotent, unlike the stock one (which asserts there is a socket): the Repo's shutdown calls it too. */
  override disconnect(): void {
    if (!this.socket || !this.peerId) return;
    super.disconnect();
  }

  override receiveMessage(messageBytes: Uint8Array): void {
    let message: unknown;
    try {
      message = cbor.decode(new Uint8Array(messageBytes));
    } catch {
      message = undefined;
    }
    if (isErrorMessage(message)) {
      this.#onServerError(message.message);
      // The app stopped the adapter on it (`index_moved`, `session_wiped`, the session over): the socket is
      // gone, and the stock handler would assert that it is there.
      if (!this.socket) return;
    }
    super.receiveMessage(messageBytes);
  }
}

function isErrorMessage(message: unknown): message is { type: "error"; message: string } {
  return (
    typeof message === "object" &&
    message !== null &&
    (message as { type?: unknown }).type === "error" &&
    typeof (message as { message?: unknown }).message === "string"
  );
}
