// The second factor as both faces see it (docs/api.md §3.13): the wire shapes of enrolment, and the small
// pure helpers the screens use — the secret grouped for typing by hand, a code as typed reduced to what
// the server reads, the recovery codes as text to copy or print.
import { ApiError } from "./api";

/** `user.second_factor` in the login's answer and in `GET /api/v1/me`. */
export type SecondFactorStatus = "enrolled" | "required" | "optional";

/** `POST /api/v1/me/second-factor/setup`: shown once. */
export interface SecondFactorSetup {
  secret_base32: string;
  otpauth_uri: string;
}

/** `POST /api/v1/me/second-factor/confirm`: the ten recovery codes, shown once. */
export interface SecondFactorConfirmed {
  recovery_codes: string[];
}

/** The base32 secret in groups of four, as authenticator apps' "enter a key" screens show it. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, "").match(/.{1,4}/g) ?? []).join(" ");
}

/** The six digits of a TOTP code as typed (spaces allowed), or undefined when it is not one. */
export function cleanTotpCode(input: string): string | undefined {
  const code = input.replace(/\s+/g, "");
  return /^\d{6}$/.test(code) ? code : undefined;
}

/** What a login's second-factor field sends: a TOTP code without spaces, anything else (a recovery code)
 *  trimmed; the server ignores case, spaces and dashes in a recovery code. Undefined when empty. */
export function secondFactorInput(input: string): string | undefined {
  const trimmed = input.trim();
  if (!trimmed) return undefined;
  return cleanTotpCode(trimmed) ?? trimmed;
}

/** The recovery codes as plain text, one numbered line each under `heading`, to copy or print. */
export function recoveryCodesText(codes: readonly string[], heading: string): string {
  return [heading, "", ...codes.map((code, index) => `${String(index + 1).padStart(2, " ")}. ${code}`)].join("\n");
}

/** The server wants the second factor's code: the password was right. */
export function asksForSecondFactor(error: unknown): boolean {
  return error instanceof ApiError && error.code === "second_factor_required";
}

/** The code (or recovery code) was wrong, too old or already used. */
export function refusedSecondFactor(error: unknown): boolean {
  return error instanceof ApiError && error.code === "invalid_second_factor";
}
