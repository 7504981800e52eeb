// What the user reads when opening the local store fails: the wrong password, the back-off, no data of
// this user on this tablet; anything else by its name only (never a message that could carry data).
import { ApiError } from "../data/api";
import { errorMessage } from "../data/errors";
import { t } from "../i18n";
import { WrongPasswordError } from "./crypto";
import { LeaseExpiredError, NoLocalStoreError, TooManyAttemptsError } from "./vault";

export function storeErrorMessage(error: unknown): string {
  if (error instanceof ApiError) return errorMessage(error);
  if (error instanceof WrongPasswordError) return t("store.wrongPassword");
  if (error instanceof TooManyAttemptsError) {
    return t("store.tooManyAttempts", { seconds: Math.ceil(error.retryAfterMs / 1000) });
  }
  if (error instanceof NoLocalStoreError) return t("store.noLocalData");
  if (error instanceof LeaseExpiredError) return t("lifecycle.leaseExpired");
  return t("store.failed", { code: error instanceof Error ? error.name : "unknown" });
}
