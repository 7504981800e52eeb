import { describe, expect, test } from "vitest";
import "@automerge/automerge";
import {
  Automerge as A,
  Repo,
  cbor,
  encodeHeads,
  type DocHandle,
  type PeerId,
  type StorageId,
} from "@automerge/automerge-repo/slim";
import { RefusalKeeper, SERVER_SENDER, atServerHeads, refusalIn } from "./refusals";

type Case = { urgency: string; person: { fiscal_code?: string } };
const STORAGE = "server-storage" as StorageId;

describe("refusalIn", () => {
  test("reads the server's refusal and nothing else", () => {
    const refusal = { type: "sportello/refused", code: "invalid_document", reason: "person.fiscal_code: wrong" };
    expect(refusalIn(SERVER_SENDER, refusal)).toEqual({ code: "invalid_document", reason: "person.fiscal_code: wrong" });
    // A peer cannot speak as the server: the server stamps every relayed sender.
    expect(refusalIn("user-1-2", refusal)).toBeUndefined();
    expect(refusalIn(SERVER_SENDER, { type: "presence" })).toBeUndefined();
    expect(refusalIn(SERVER_SENDER, { type: "sportello/refused" })).toBeUndefined();
    expect(refusalIn(SERVER_SENDER, null)).toBeUndefined();
  });
});

describe("atServerHeads", () => {
  test("drops what the server does not hold, under a new actor", () => {
    let doc = A.from<Case>({ urgency: "normal", person: {} });
    const server = A.getHeads(doc);
    doc = A.change(doc, d => (d.person.fiscal_code = "NOTACODE"));
    doc = A.change(doc, d => (d.urgency = "high"));
    const back = atServerHeads(doc, server)!;
    expect(A.toJS(back)).toEqual({ urgency: "normal", person: {} });
    expect(A.getHeads(back)).toEqual(server);
    expect(A.getActorId(back)).not.toEqual(A.getActorId(doc));
  });

  test("has nothing to return to without acknowledged heads, and nothing to drop at them", () => {
    const doc = A.from<Case>({ urgency: "normal", person: {} });
    expect(atServerHeads(doc, undefined)).toBeUndefined();
    expect(atServerHeads(doc, [])).toBeUndefined();
    expect(atServerHeads(doc, ["00".repeat(32)])).toBeUndefined();
    expect(atServerHeads(doc, A.getHeads(doc))).toBeUndefined();
  });
});

describe("RefusalKeeper", () => {
  /** A Repo without network; the "server" acknowledged `handle` at its current heads. */
  function setup() {
    const repo = new Repo({ network: [] });
    const handle = repo.create<Case>({ urgency: "normal", person: {} }) as DocHandle<Case>;
    handle.setSyncInfo(STORAGE, { lastHeads: encodeHeads(A.getHeads(handle.doc())), lastSyncTimestamp: Date.now() });
    const keeper = new RefusalKeeper();
    keeper.attach(repo, () => STORAGE);
    const refuse = (senderId = SERVER_SENDER) =>
      repo.networkSubsystem.emit("message", {
        type: "ephemeral",
        senderId: senderId as PeerId,
        targetId: "tablet" as PeerId,
        documentId: handle.documentId,
        sessionId: "s",
        count: 1,
        data: cbor.encode({ type: "sportello/refused", code: "invalid_document", reason: "person.fiscal_code: wrong" }),
      } as never);
    return { repo, handle, keeper, refuse };
  }

  const settled = () => new Promise(resolve => setTimeout(resolve, 20));

  test("a refusal drops the refused change in the same handle and is listed for the views", async () => {
    const { handle, keeper, refuse } = setup();
    const seen: string[][] = [];
    keeper.subscribe(notices => seen.push(notices.map(n => n.code)));
    const acknowledged = A.getHeads(handle.doc());
    handle.change(d => (d.person.fiscal_code = "NOTACODE"));
    refuse();
    await settled();
    expect(handle.doc().person.fiscal_code).toBeUndefined();
    expect(A.getHeads(handle.doc())).toEqual(acknowledged);
    const notice = keeper.noticeFor(handle.url)!;
    expect(notice).toMatchObject({ code: "invalid_document", reverted: true, url: handle.url });
    expect(seen.at(-1)).toEqual(["invalid_document"]);
    // The next edit is a new change under a new actor, on the server's state.
    handle.change(d => (d.urgency = "high"));
    expect(A.toJS(handle.doc())).toEqual({ urgency: "high", person: {} });
    keeper.dismiss(handle.url);
    expect(keeper.notices()).toEqual([]);
    keeper.detach();
  });

  test("another peer's message shaped like a refusal changes nothing", async () => {
    const { handle, keeper, refuse } = setup();
    handle.change(d => (d.urgency = "high"));
    refuse("user-7-1");
    await settled();
    expect(handle.doc().urgency).toBe("high");
    expect(keeper.notices()).toEqual([]);
    keeper.detach();
  });

  test("newer work acknowledged by the server ends the notice", async () => {
    const { handle, keeper, refuse } = setup();
    handle.change(d => (d.person.fiscal_code = "NOTACODE"));
    refuse();
    await settled();
    handle.change(d => (d.urgency = "high"));
    handle.setSyncInfo(STORAGE, { lastHeads: encodeHeads(A.getHeads(handle.doc())), lastSyncTimestamp: Date.now() });
    expect(keeper.notices()).toEqual([]);
    keeper.detach();
  });
});
