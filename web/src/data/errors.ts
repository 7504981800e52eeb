// An error, as the user reads it: the server's stable code picks the message; the server's own text is
// shown only where it is the reason itself (a weak password).
import { ApiError } from "./api";
import { t, tOr } from "../i18n";

export function errorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return t("error.unknown", { code: "client" });
  return tOr(`error.${error.code}`, "error.unknown", { code: error.code, reason: error.message });
}
