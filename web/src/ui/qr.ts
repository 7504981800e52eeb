// A QR code as one SVG path (pure: the element that draws it is qr-code.ts). The CSP allows no inline
// script and `img-src` falls back to 'self', so the code is drawn as inline SVG elements, not a `data:`
// image. Encoder: qrcode-generator (MIT), error correction M, the smallest version that fits.
import qrcode from "qrcode-generator";

export interface QrMatrix {
  /** Modules per side, without the quiet zone. */
  size: number;
  /** The dark modules, as an SVG path in module units, offset by the 4-module quiet zone. */
  path: string;
  /** Modules per side with the quiet zone (the SVG's viewBox). */
  box: number;
}

export const QUIET_ZONE = 4;

export function qrMatrix(text: string): QrMatrix {
  const code = qrcode(0, "M");
  code.addData(text, "Byte");
  code.make();
  const size = code.getModuleCount();
  const parts: string[] = [];
  for (let row = 0; row < size; row++) {
    // One rectangle per run of dark modules in the row: a short path, crisp at any size.
    let col = 0;
    while (col < size) {
      if (!code.isDark(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < size && code.isDark(row, col)) col++;
      parts.push(`M${start + QUIET_ZONE} ${row + QUIET_ZONE}h${col - start}v1h-${col - start}z`);
    }
  }
  return { size, path: parts.join(""), box: size + 2 * QUIET_ZONE };
}

/** Whether the module at (row, col) is dark in `matrix`'s path (for tests: reads the path back). */
export function darkModules(matrix: QrMatrix): boolean[][] {
  const grid = Array.from({ length: matrix.size }, () => Array<boolean>(matrix.size).fill(false));
  for (const match of matrix.path.matchAll(/M(\d+) (\d+)h(\d+)/g)) {
    const [x, y, w] = [Number(match[1]) - QUIET_ZONE, Number(match[2]) - QUIET_ZONE, Number(match[3])];
    for (let i = 0; i < w; i++) grid[y][x + i] = true;
  }
  return grid;
}
