// The cryptography of the local store, on WebCrypto only (no library): nothing readable rests on the tablet.
//
// Key hierarchy (docs/web.md "Storage", docs/security.md):
// - a random 256-bit AES-GCM **data key** per user and tablet encrypts every stored value;
// - it rests only **wrapped** (AES-GCM, the user id bound as additional data) by a **wrapping key** derived
//   from the user's password with PBKDF2-SHA-256 at OWASP's current count (600,000 iterations) and a
//   random 128-bit salt; nothing else wraps it;
// - unwrapped, it exists only in memory, as a non-extractable CryptoKey: script can use it, never read it.
//
// Every sealed value is `version (1 byte) ‖ IV (12 random bytes, fresh per write) ‖ AES-GCM ciphertext+tag`,
// with additional data that names where the value lives (the storage key), so a value copied under another
// key, or from another user's store, fails its tag like a flipped byte does: loudly, never as garbage.

/** OWASP Password Storage Cheat Sheet, PBKDF2-HMAC-SHA256: 600,000 iterations (the current figure). */
export const PBKDF2_ITERATIONS = 600_000;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const FORMAT = 1;

const encoder = new TextEncoder();

/** A stored value failed its integrity check (tampered, truncated, or moved to another key). */
export class TamperedValueError extends Error {
  constructor() {
    super("a stored value failed its integrity check");
    this.name = "TamperedValueError";
  }
}

/** The password does not unwrap the data key (wrong password, or the key record was tampered with). */
export class WrongPasswordError extends Error {
  constructor() {
    super("the password does not unlock this tablet's data");
    this.name = "WrongPasswordError";
  }
}

/** What rests on the tablet for the data key: none of it is secret without the password. */
export interface WrappedKey {
  format: 1;
  /** PBKDF2 salt, random per user and tablet. */
  salt: Uint8Array;
  iterations: number;
  iv: Uint8Array;
  /** The data key, AES-GCM-encrypted under the wrapping key. */
  wrapped: Uint8Array;
}

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

function bytes(data: Uint8Array): Uint8Array<ArrayBuffer> {
  // WebCrypto wants an ArrayBuffer-backed view; values read back from IndexedDB may be any view.
  return new Uint8Array(data) as Uint8Array<ArrayBuffer>;
}

function wrapAad(userId: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`sportello/data-key@1\u0000${userId}`);
}

async function deriveWrappingKey(password: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt: bytes(salt), iterations },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["wrapKey", "unwrapKey"],
  );
}

async function unwrapWith(
  wrappingKey: CryptoKey,
  record: WrappedKey,
  userId: string,
  extractable: boolean,
): Promise<CryptoKey> {
  try {
    return await crypto.subtle.unwrapKey(
      "raw",
      bytes(record.wrapped),
      wrappingKey,
      { name: "AES-GCM", iv: bytes(record.iv), additionalData: wrapAad(userId) },
      { name: "AES-GCM", length: 256 },
      extractable,
      ["encrypt", "decrypt"],
    );
  } catch {
    throw new WrongPasswordError();
  }
}

async function wrapWith(
  dataKey: CryptoKey,
  password: string,
  userId: string,
  iterations: number,
): Promise<{ record: WrappedKey; wrappingKey: CryptoKey }> {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const wrappingKey = await deriveWrappingKey(password, salt, iterations);
  const wrapped = await crypto.subtle.wrapKey("raw", dataKey, wrappingKey, {
    name: "AES-GCM",
    iv,
    additionalData: wrapAad(userId),
  });
  return { record: { format: FORMAT, salt, iterations, iv, wrapped: new Uint8Array(wrapped) }, wrappingKey };
}

/**
 * A new random data key for `userId`, wrapped under `password`. The key returned for use is a
 * non-extractable copy (unwrapped from the record just made): the extractable one is dropped here.
 */
export async function createDataKey(
  password: string,
  userId: string,
  iterations = PBKDF2_ITERATIONS,
): Promise<{ key: CryptoKey; record: WrappedKey }> {
  const extractable = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
  const { record, wrappingKey } = await wrapWith(extractable, password, userId, iterations);
  const key = await unwrapWith(wrappingKey, record, userId, false);
  return { key, record };
}

/** The data key of `record`, non-extractable; `WrongPasswordError` when `password` does not unwrap it. */
export async function unwrapDataKey(record: WrappedKey, password: string, userId: string): Promise<CryptoKey> {
  const wrappingKey = await deriveWrappingKey(password, record.salt, record.iterations);
  return unwrapWith(wrappingKey, record, userId, false);
}

/**
 * The same data key wrapped under `next` (a password change): unwrapped with `current` as an extractable
 * key only for the time of this call. The data themselves are not re-encrypted. A new salt is drawn.
 */
export async function rewrapDataKey(
  record: WrappedKey,
  current: string,
  next: string,
  userId: string,
  iterations = PBKDF2_ITERATIONS,
): Promise<WrappedKey> {
  const wrappingKey = await deriveWrappingKey(current, record.salt, record.iterations);
  const extractable = await unwrapWith(wrappingKey, record, userId, true);
  return (await wrapWith(extractable, next, userId, iterations)).record;
}

/** `plaintext` encrypted under `key` with a fresh IV; `aad` names where it will be stored. */
export async function seal(key: CryptoKey, aad: string, plaintext: Uint8Array): Promise<Uint8Array> {
  const iv = randomBytes(IV_BYTES);
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(aad) },
    key,
    bytes(plaintext),
  );
  const sealed = new Uint8Array(1 + IV_BYTES + ciphertext.byteLength);
  sealed[0] = FORMAT;
  sealed.set(iv, 1);
  sealed.set(new Uint8Array(ciphertext), 1 + IV_BYTES);
  return sealed;
}

/** The plaintext of `sealed`; `TamperedValueError` if a byte changed or `aad` is not where it was sealed. */
export async function open(key: CryptoKey, aad: string, sealed: Uint8Array): Promise<Uint8Array> {
  if (!(sealed instanceof Uint8Array) || sealed.length < 1 + IV_BYTES + 16 || sealed[0] !== FORMAT) {
    throw new TamperedValueError();
  }
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes(sealed.subarray(1, 1 + IV_BYTES)), additionalData: encoder.encode(aad) },
      key,
      bytes(sealed.subarray(1 + IV_BYTES)),
    );
    return new Uint8Array(plaintext);
  } catch {
    throw new TamperedValueError();
  }
}

/** A lowercase hex SHA-256 of `text` (used to find a user's store by username without storing the name). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  return Array.from(new Uint8Array(digest), byte => byte.toString(16).padStart(2, "0")).join("");
}
