import qrcode from "qrcode-generator";
import { describe, expect, it } from "vitest";
import { darkModules, qrMatrix, QUIET_ZONE } from "./qr";

const LINK = "https://sportello.comune.example/totem#enrol=spdc_" + "A".repeat(43);

describe("qr", () => {
  it("draws exactly the encoder's dark modules, inside a quiet zone", () => {
    const matrix = qrMatrix(LINK);
    const code = qrcode(0, "M");
    code.addData(LINK, "Byte");
    code.make();
    expect(matrix.size).toBe(code.getModuleCount());
    expect(matrix.box).toBe(matrix.size + 2 * QUIET_ZONE);
    const grid = darkModules(matrix);
    for (let row = 0; row < matrix.size; row++)
      for (let col = 0; col < matrix.size; col++) expect(grid[row][col], `${row},${col}`).toBe(code.isDark(row, col));
  });

  it("has the three finder patterns in their corners", () => {
    const grid = darkModules(qrMatrix(LINK));
    const n = grid.length;
    for (const [r, c] of [
      [0, 0],
      [0, n - 7],
      [n - 7, 0],
    ]) {
      // The 7×7 finder: a dark ring, a light ring, a dark 3×3 centre.
      expect(grid[r][c] && grid[r + 6][c + 6] && grid[r + 3][c + 3]).toBe(true);
      expect(grid[r + 1][c + 1]).toBe(false);
    }
  });

  it("grows with the text and stays readable for an enrolment link", () => {
    expect(qrMatrix("spdc_x").size).toBeLessThan(qrMatrix(LINK).size);
    // A version the phone camera and the totem's scanner read easily (up to 57 modules).
    expect(qrMatrix(LINK).size).toBeLessThanOrEqual(57);
  });
});
