import { describe, expect, test } from "vitest";
import { fieldLabel, fiscalCodeMessage, refusalMessage, ruleMessage } from "./messages";

describe("errors in plain Italian", () => {
  test("a refusal names the fields in Italian, never the server's English reason", () => {
    const message = refusalMessage({
      code: "invalid_document",
      reason: "person.phone: a phone number has 6 to 15 digits; referrals[0].status: a user with role operator may not move a referral from proposed to accepted",
    });
    expect(message).toBe("Il server ha rifiutato l'ultima modifica: dati non validi in Telefono e Invii ai servizi.");
  });
  test("refusals without fields have their own words", () => {
    expect(refusalMessage({ code: "read_only", reason: "this document is read-only for you" })).toContain("sola lettura");
    expect(refusalMessage({ code: "made_up", reason: "" })).toBe("Il server ha rifiutato la modifica (made_up).");
  });
  test("rule errors and fiscal code errors have messages with their details", () => {
    expect(ruleMessage({ code: "phone.length" })).toBe("un numero di telefono ha da 6 a 15 cifre.");
    expect(ruleMessage({ code: "too_long", params: { max: 100 } })).toContain("100");
    expect(ruleMessage({ code: "no.such.code" })).toBe("il valore non è accettato.");
    expect(fiscalCodeMessage({ kind: "check_character", expected: "S" })).toContain("S");
  });
  test("paths map to field labels", () => {
    expect(fieldLabel("person.fiscal_code")).toBe("Codice fiscale");
    expect(fieldLabel("needs[3].code")).toBe("Bisogni");
    expect(fieldLabel("(root)")).toBe("altri campi");
  });
});
