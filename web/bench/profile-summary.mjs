// Summarises a .cpuprofile (web/bench/run.mjs with BENCH_PROFILE): self and total time per function.
//   node web/bench/profile-summary.mjs profile.cpuprofile [rows (25)]
import { readFileSync } from "node:fs";

const profile = JSON.parse(readFileSync(process.argv[2], "utf8"));
const rows = Number(process.argv[3] ?? 25);
const byId = new Map(profile.nodes.map(node => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const hits = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  hits.set(profile.samples[i], (hits.get(profile.samples[i]) ?? 0) + dt);
}
const name = node => {
  const f = node.callFrame;
  return `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
};
const self = new Map();
const total = new Map();
for (const [id, us] of hits) {
  const node = byId.get(id);
  self.set(name(node), (self.get(name(node)) ?? 0) + us);
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const key = name(byId.get(at));
    if (seen.has(key)) continue;
    seen.add(key);
    total.set(key, (total.get(key) ?? 0) + us);
  }
}
const all = [...hits.values()].reduce((a, b) => a + b, 0);
const print = (title, map) => {
  console.log(`${title} (of ${Math.round(all / 1000)} ms sampled)`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) console.log(`${String(Math.round(us / 1000)).padStart(8)} ms  ${key}`);
};
print("self", self);
print("total", total);
