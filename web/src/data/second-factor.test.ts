import { describe, expect, it } from "vitest";
import { ApiError } from "./api";
import {
  asksForSecondFactor,
  cleanTotpCode,
  groupSecret,
  recoveryCodesText,
  refusedSecondFactor,
  secondFactorInput,
} from "./second-factor";

describe("second factor helpers", () => {
  it("groups a secret in fours for typing by hand", () => {
    expect(groupSecret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")).toBe("JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP");
    expect(groupSecret("ABCDEF")).toBe("ABCD EF");
    expect(groupSecret("")).toBe("");
  });

  it("reads six digits with or without spaces, and nothing else", () => {
    expect(cleanTotpCode(" 123 456 ")).toBe("123456");
    expect(cleanTotpCode("12345")).toBeUndefined();
    expect(cleanTotpCode("1234567")).toBeUndefined();
    expect(cleanTotpCode("12a456")).toBeUndefined();
  });

  it("sends a code without spaces and a recovery code as typed, trimmed", () => {
    expect(secondFactorInput("123 456")).toBe("123456");
    expect(secondFactorInput("  k7q2m-xv4pa-r2d6z-qq3ne-b5wht ")).toBe("k7q2m-xv4pa-r2d6z-qq3ne-b5wht");
    expect(secondFactorInput("   ")).toBeUndefined();
  });

  it("numbers the recovery codes under a heading", () => {
    const text = recoveryCodesText(["aaaaa-bbbbb", "ccccc-ddddd"], "Sportello · m.rossi");
    expect(text.split("\n")).toEqual(["Sportello · m.rossi", "", " 1. aaaaa-bbbbb", " 2. ccccc-ddddd"]);
  });

  it("tells the server's two second-factor answers apart", () => {
    const required = new ApiError(401, "second_factor_required", "");
    const invalid = new ApiError(401, "invalid_second_factor", "");
    expect(asksForSecondFactor(required)).toBe(true);
    expect(asksForSecondFactor(invalid)).toBe(false);
    expect(refusedSecondFactor(invalid)).toBe(true);
    expect(refusedSecondFactor(new ApiError(401, "invalid_credentials", ""))).toBe(false);
    expect(asksForSecondFactor(new Error("second_factor_required"))).toBe(false);
  });
});
