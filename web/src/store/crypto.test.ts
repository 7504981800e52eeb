import { describe, expect, it } from "vitest";
import {
  PBKDF2_ITERATIONS,
  TamperedValueError,
  WrongPasswordError,
  createDataKey,
  open,
  rewrapDataKey,
  seal,
  unwrapDataKey,
} from "./crypto";

// Low iteration counts keep the unit tests quick; the production count is checked on its own.
const FAST = 1_000;
const USER = "5b1f3a52-0c1e-4d7a-9a51-3d0f2b7e8c11";
const text = (s: string) => new TextEncoder().encode(s);

describe("the data key", () => {
  it("uses OWASP's current PBKDF2-SHA-256 iteration count by default", () => {
    expect(PBKDF2_ITERATIONS).toBe(600_000);
  });

  it("is unwrapped by the password it was wrapped with, as a key script cannot export", async () => {
    const { key, record } = await createDataKey("frase segreta lunga", USER, FAST);
    expect(record.iterations).toBe(FAST);
    expect(record.salt).toHaveLength(16);
    await expect(crypto.subtle.exportKey("raw", key)).rejects.toThrow();
    const again = await unwrapDataKey(record, "frase segreta lunga", USER);
    await expect(crypto.subtle.exportKey("raw", again)).rejects.toThrow();
    // Both copies are the same key: what one seals the other opens.
    const sealed = await seal(key, "here", text("ciao"));
    expect(new TextDecoder().decode(await open(again, "here", sealed))).toBe("ciao");
  });

  it("is not unwrapped by a wrong password", async () => {
    const { record } = await createDataKey("frase segreta lunga", USER, FAST);
    await expect(unwrapDataKey(record, "frase segreta lungA", USER)).rejects.toBeInstanceOf(WrongPasswordError);
  });

  it("is not unwrapped for another user id (the wrapping binds the user)", async () => {
    const { record } = await createDataKey("frase segreta lunga", USER, FAST);
    await expect(unwrapDataKey(record, "frase segreta lunga", "another-user")).rejects.toBeInstanceOf(
      WrongPasswordError,
    );
  });

  it("gets a new salt for each user, so the same password derives different wrapping keys", async () => {
    const a = await createDataKey("stessa password", USER, FAST);
    const b = await createDataKey("stessa password", USER, FAST);
    expect(a.record.salt).not.toEqual(b.record.salt);
    expect(a.record.wrapped).not.toEqual(b.record.wrapped);
  });

  it("is re-wrapped by a password change without changing the key", async () => {
    const { key, record } = await createDataKey("vecchia password", USER, FAST);
    const sealed = await seal(key, "k", text("dati"));
    const rewrapped = await rewrapDataKey(record, "vecchia password", "nuova password", USER, FAST);
    await expect(unwrapDataKey(rewrapped, "vecchia password", USER)).rejects.toBeInstanceOf(WrongPasswordError);
    const after = await unwrapDataKey(rewrapped, "nuova password", USER);
    expect(new TextDecoder().decode(await open(after, "k", sealed))).toBe("dati");
  });

  it("is not re-wrapped with a wrong current password", async () => {
    const { record } = await createDataKey("vecchia password", USER, FAST);
    await expect(rewrapDataKey(record, "sbagliata", "nuova", USER, FAST)).rejects.toBeInstanceOf(WrongPasswordError);
  });
});

describe("sealed values", () => {
  it("round-trip, with a fresh IV for every write", async () => {
    const { key } = await createDataKey("p", USER, FAST);
    const a = await seal(key, "k", text("Rossi Mario"));
    const b = await seal(key, "k", text("Rossi Mario"));
    expect(a).not.toEqual(b);
    expect(a.subarray(1, 13)).not.toEqual(b.subarray(1, 13));
    expect(new TextDecoder().decode(await open(key, "k", a))).toBe("Rossi Mario");
  });

  it("refuse every single flipped byte loudly", async () => {
    const { key } = await createDataKey("p", USER, FAST);
    const sealed = await seal(key, "k", text("RSSMRA80A01H501U"));
    for (let i = 0; i < sealed.length; i++) {
      const tampered = new Uint8Array(sealed);
      tampered[i] ^= 0x01;
      await expect(open(key, "k", tampered)).rejects.toBeInstanceOf(TamperedValueError);
    }
  });

  it("refuse to open under another storage key (a value moved elsewhere)", async () => {
    const { key } = await createDataKey("p", USER, FAST);
    const sealed = await seal(key, '["doc-a","snapshot","h"]', text("x"));
    await expect(open(key, '["doc-b","snapshot","h"]', sealed)).rejects.toBeInstanceOf(TamperedValueError);
  });

  it("refuse truncated values and values under another user's key", async () => {
    const { key } = await createDataKey("p", USER, FAST);
    const other = await createDataKey("p", USER, FAST);
    const sealed = await seal(key, "k", text("x"));
    await expect(open(key, "k", sealed.subarray(0, 20))).rejects.toBeInstanceOf(TamperedValueError);
    await expect(open(other.key, "k", sealed)).rejects.toBeInstanceOf(TamperedValueError);
  });
});
