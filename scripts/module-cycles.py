#!/usr/bin/env python3
"""Lists the file-level import cycles inside a crate's `src/` (default: server/src).

Every `crate::a::b` path a file names (in `use` lines or inline) is an edge from that file to the file that
holds `a::b` (`a/b.rs`, `a/b/mod.rs`, else the closest parent module file), except edges from a file to
its own ancestors (`storage/writer` using `storage::StorageError` is a part using its whole, not a
circle). A parent using its children is counted, and so is a child's own relative path (`stream::X` in a
file that declares `mod stream;`). Files that reach each other
through such edges form a cycle (a strongly connected component); each one found is printed, and the exit
status is 1 when there is any. Tests (`#[cfg(test)] mod tests`) are ignored: they may use anything.

    python3 scripts/module-cycles.py [server/src]

It also lists the files besides `routes/`, `startup`, `state` and `main` that name the application state
(`crate::state`, `AppState`): services take their own dependencies and a `RequestContext` instead.
"""

import re
import sys
from pathlib import Path

ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else "server/src")


def module_of(path: Path) -> tuple:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


FILES = {module_of(p): p for p in ROOT.rglob("*.rs")}


def file_for(segments: list) -> tuple:
    """The module file that holds the item named by `crate::<segments>`."""
    for end in range(len(segments), 0, -1):
        if tuple(segments[:end]) in FILES:
            return tuple(segments[:end])
    return ()


def without_tests(text: str) -> str:
    marker = re.search(r"#\[cfg\(test\)\]\s*mod tests", text)
    return text[: marker.start()] if marker else text


def expand_use(body: str) -> list:
    """`a::{b, c::{d}}` → [a::b, a::c::d] (enough of Rust's use syntax for this purpose)."""
    body = re.sub(r"\s+", "", body)

    def split_top(s):
        depth, start, out = 0, 0, []
        for i, ch in enumerate(s):
            depth += ch == "{"
            depth -= ch == "}"
            if ch == "," and depth == 0:
                out.append(s[start:i])
                start = i + 1
        out.append(s[start:])
        return [x for x in out if x]

    def walk(prefix, s):
        if "{" not in s:
            return [prefix + s.split(" as ")[0]]
        head, rest = s.split("{", 1)
        inner = rest[: rest.rfind("}")]
        return [p for item in split_top(inner) for p in walk(prefix + head, item)]

    return walk("", body)


def edges(module: tuple, path: Path) -> set:
    text = without_tests(path.read_text())
    text = re.sub(r"//[^\n]*", "", text)
    targets = set()
    names = []
    for use in re.finditer(r"\buse\s+(crate::[^;]+);", text):
        names += expand_use(use.group(1))
    names += re.findall(r"\bcrate(?:::\w+)+", text)
    # `super::x` inside a module file.
    parent = module[:-1] if path.name != "mod.rs" else module
    for use in re.finditer(r"\buse\s+(super::[^;]+);", text):
        for name in expand_use(use.group(1)):
            names.append("crate::" + "::".join(parent[:-1] if path.name == "mod.rs" else parent)
                         + "::" + name[len("super::"):])
    names += [
        "crate::" + "::".join(parent) + "::" + m[len("super::"):]
        for m in re.findall(r"\bsuper(?:::\w+)+", text)
        if path.name != "mod.rs"
    ]
    # `self::x`: a child module (declared in this file).
    for use in re.finditer(r"\buse\s+(self::[^;]+);", text):
        names += ["crate::" + "::".join(module) + "::" + n[len("self::"):] for n in expand_use(use.group(1))]
    # `child::x` in a file that declares `mod child;`.
    for child in re.findall(r"\bmod\s+(\w+)\s*;", text):
        if re.search(rf"(?<![:\w]){child}::", re.sub(r"\bmod\s+\w+\s*;", "", text)):
            names.append("crate::" + "::".join(module) + "::" + child)
    for name in names:
        segments = [s for s in name.split("::")[1:] if s and s != "self"]
        target = file_for(segments)
        # A module may use the modules that declare it (its ancestors): it is part of them, not a circle.
        if target and module[: len(target)] != target:
            targets.add(target)
    return targets


def cycles(graph: dict) -> list:
    """Tarjan's strongly connected components of more than one file."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def main():
    graph = {module: edges(module, path) for module, path in FILES.items() if module}
    found = cycles(graph)
    for component in found:
        names = ["/".join(m) for m in component]
        print(f"cycle of {len(names)} files: {', '.join(names)}")
        members = set(component)
        for m in component:
            inside = sorted("/".join(t) for t in graph[m] if t in members)
            print(f"  {'/'.join(m)} -> {', '.join(inside)}")
    if not found:
        print("no import cycles between files")
    allowed = {("state",), ("startup",), ("main",)}
    knowing_state = sorted(
        "/".join(module)
        for module, path in FILES.items()
        if module
        and module[0] != "routes"
        and module not in allowed
        and re.search(r"\bcrate::state\b|\bAppState\b", without_tests(path.read_text()))
    )
    if knowing_state:
        print(f"outside routes/ and startup, these name the application state: {', '.join(knowing_state)}")
    sys.exit(1 if found or knowing_state else 0)


if __name__ == "__main__":
    main()
