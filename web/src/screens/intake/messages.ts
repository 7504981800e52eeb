// Rule errors and the server's refusals in plain words, from the catalogues. No DOM.
import { t, tOr } from "../../i18n";
import type { RuleError } from "../../rules/case-rules";
import type { FiscalCodeError } from "../../rules/fiscal-code";
import { refusedPaths, type Refusal } from "../../model/save-state";

/** The message for a rule error code (`fiscal_code.check_character`, `phone.length`, …). */
export function ruleMessage(error: Pick<RuleError, "code" | "params">): string {
  return tOr(`rule.${error.code}`, "rule.other", error.params ?? {});
}

export function fiscalCodeMessage(error: FiscalCodeError): string {
  switch (error.kind) {
    case "character":
      return t("rule.fiscal_code.character", { position: error.position });
    case "check_character":
      return t("rule.fiscal_code.check_character", { expected: error.expected });
    default:
      return tOr(`rule.fiscal_code.${error.kind}`, "rule.other");
  }
}

/** The label of the field at a server path (`person.phone`, `referrals[2].status` → "Invii ai servizi"). */
export function fieldLabel(path: string): string {
  const plain = path.replace(/\[[0-9]+\]/g, "");
  const [head, second] = plain.split(".");
  if (head === "person" && second) return tOr(`field.person.${second}`, "field.other");
  return tOr(`field.${head}`, "field.other");
}

/** A refusal from the server in plain words: which fields, never the server's English text. */
export function refusalMessage(refusal: Refusal, language = "it"): string {
  if (refusal.code === "invalid_document") {
    const labels = [...new Set(refusedPaths(refusal.reason).map(fieldLabel))];
    if (labels.length === 0) return t("refused.invalid_document_general");
    const fields = new Intl.ListFormat(language, { type: "conjunction" }).format(labels);
    return t("refused.invalid_document", { fields });
  }
  return tOr(`refused.${refusal.code}`, "refused.other", { code: refusal.code });
}
