//! The shape of the code, checked: no two source files of a crate import each other, directly or around a
//! circle. A circle means neither file can be read, changed or tested without the other (issue 10 found
//! twelve server files in one); `docs/architecture.md` draws the one-way map this test keeps true.
//!
//! The check reads the sources as text: every path through `crate::`, `super::`, `self::` or a child
//! module's name is an edge from the file that writes it to the file of the module it names (the longest
//! prefix that is a module). What is not a dependency is left out: comments, string literals, test-only
//! code (`#[cfg(test)]` items and the files they declare), and a parent's `mod` and `pub use` lines that
//! declare or re-export its own children. A child may use the module it belongs to (its `mod.rs`, the
//! room's front door, whose private items Rust shows to its children): that edge is not counted, so what
//! the check finds are circles between siblings and between subsystems.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[test]
fn no_two_files_of_the_server_import_each_other() {
    assert_no_cycles("server");
}

/// Services take a `RequestContext` and what they use; the whole application state is for the HTTP layer.
#[test]
fn only_routes_and_startup_know_the_application_state() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = read_crate(&root);
    let known: BTreeSet<&str> = files.iter().map(|file| file.path.as_str()).collect();
    let mut users: Vec<&str> = files
        .iter()
        .filter(|file| {
            let text = without_test_code(&strip_comments_and_strings(&file.text));
            referenced_paths(&text, &file.path, &known)
                .iter()
                .any(|path| resolve(path, &known) == Some("state"))
        })
        .map(|file| file.path.as_str())
        .filter(|path| !(path.starts_with("routes") || *path == "startup" || *path == "state"))
        .collect();
    users.sort();
    assert!(users.is_empty(), "modules that name AppState: {users:?}");
}

#[test]
fn no_two_files_of_the_client_import_each_other() {
    assert_no_cycles("client-sync");
}

#[test]
fn no_two_files_of_the_schema_import_each_other() {
    assert_no_cycles("schema");
}

#[test]
fn the_check_finds_a_circle_when_there_is_one() {
    // Two modules that use each other, and a third that only uses one of them.
    let files = vec![
        module("", "mod a; mod b; mod c;"),
        module("a", "use crate::b::Thing; pub struct Other;"),
        module("b", "use super::a::Other; pub struct Thing;"),
        module("c", "use crate::{a::Other, b::Thing}; // crate::c::nothing"),
    ];
    let cycles = cycles_of(&files);
    assert_eq!(cycles, vec![vec!["a".to_owned(), "b".to_owned()]]);
}

#[test]
fn test_code_strings_and_comments_are_not_dependencies() {
    let files = vec![
        module("", "mod a; mod b;"),
        module(
            "a",
            "const S: &str = \"crate::b::x\"; /* crate::b */ // crate::b\n\
             #[cfg(test)]\nmod tests {\n use crate::b::Thing;\n fn f() { let _ = '{'; }\n}\n",
        ),
        module("b", "use crate::a::Other;"),
    ];
    assert!(cycles_of(&files).is_empty());
}

#[test]
fn a_parent_reexporting_its_children_is_not_a_circle() {
    let files = vec![
        module("", "mod q;"),
        module(
            "q",
            "mod issue; mod types; pub use issue::issue; pub use types::Ticket;",
        ),
        module("q::issue", "use super::types::Ticket; pub fn issue() {}"),
        module("q::types", "pub struct Ticket;"),
    ];
    assert!(cycles_of(&files).is_empty());
    // …nor a child using its parent's items while the parent calls into it; but two siblings are.
    let files = vec![
        module("", "mod q;"),
        module(
            "q",
            "mod issue; mod board; pub struct Service; fn f() { issue::run(); }",
        ),
        module(
            "q::issue",
            "use super::Service; pub fn run() { super::board::show(); }",
        ),
        module("q::board", "pub fn show() { crate::q::issue::run(); }"),
    ];
    assert_eq!(
        cycles_of(&files),
        vec![vec!["q::board".to_owned(), "q::issue".to_owned()]]
    );
}

fn assert_no_cycles(krate: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(krate)
        .join("src");
    let files = read_crate(&root);
    assert!(files.len() > 3, "no sources found under {}", root.display());
    let cycles = cycles_of(&files);
    assert!(
        cycles.is_empty(),
        "files of `{krate}` that import each other (each line is one circle; \
         move what both need into a module both use):\n{}",
        cycles
            .iter()
            .map(|cycle| format!("  {}", cycle.join(" ⇄ ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// One source file: its module path (`queue::issue`, `""` for the crate root) and its text.
struct Module {
    path: String,
    text: String,
}

fn module(path: &str, text: &str) -> Module {
    Module {
        path: path.to_owned(),
        text: text.to_owned(),
    }
}

/// Every `.rs` file of a crate's `src/` with its module path; binaries (`main.rs`, `bin/`) are roots of
/// their own and left out.
fn read_crate(src: &Path) -> Vec<Module> {
    let mut files = Vec::new();
    collect(src, &mut files);
    files
        .into_iter()
        .filter_map(|file| {
            let relative = file
                .strip_prefix(src)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            if relative == "main.rs" || relative.starts_with("bin/") {
                return None;
            }
            let trimmed = relative.trim_end_matches(".rs");
            let path = if trimmed == "lib" {
                String::new()
            } else {
                trimmed.trim_end_matches("/mod").replace('/', "::")
            };
            Some(Module {
                path,
                text: std::fs::read_to_string(&file).ok()?,
            })
        })
        .collect()
}

fn collect(dir: &Path, into: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, into);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            into.push(path);
        }
    }
}

/// The circles among the modules: each a sorted list of module paths, the list sorted.
fn cycles_of(files: &[Module]) -> Vec<Vec<String>> {
    let cleaned: BTreeMap<&str, String> = files
        .iter()
        .map(|file| {
            (
                file.path.as_str(),
                without_test_code(&strip_comments_and_strings(&file.text)),
            )
        })
        .collect();
    // Files declared only under `#[cfg(test)]` are test code too.
    let test_files: BTreeSet<String> = files
        .iter()
        .flat_map(|file| test_modules_declared(&strip_comments_and_strings(&file.text), &file.path))
        .collect();
    let known: BTreeSet<&str> = cleaned
        .keys()
        .copied()
        .filter(|path| !test_files.contains(*path))
        .collect();

    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (&from, text) in &cleaned {
        if !known.contains(from) {
            continue;
        }
        let targets = edges.entry(from).or_default();
        for target in referenced_paths(text, from, &known) {
            if let Some(file) = resolve(&target, &known)
                && file != from
                && !is_ancestor(file, from)
            {
                targets.insert(file);
            }
        }
    }
    let mut cycles: Vec<Vec<String>> = strongly_connected(&edges)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| {
            let mut names: Vec<String> = component.into_iter().map(str::to_owned).collect();
            names.sort();
            names
        })
        .collect();
    cycles.sort();
    cycles
}

/// The text with comments removed and string and character literals blanked, so that neither can look
/// like a path or unbalance braces.
fn strip_comments_and_strings(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !is_ident(chars.get(i.wrapping_sub(1)).copied())
        {
            // A raw string: r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A character literal ('x', '\n', '\''), not a lifetime ('a).
            if next == Some('\\') {
                let mut j = i + 2;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                out.push_str("' '");
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// The text without the items that follow a `#[cfg(test)]` attribute.
fn without_test_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "#[cfg(test)]".len()..];
        rest = skip_item(after);
    }
    out.push_str(rest);
    out
}

/// Skips one item: up to its `;` or through its balanced `{ … }`, whichever comes first.
fn skip_item(text: &str) -> &str {
    let mut depth = 0usize;
    for (at, c) in text.char_indices() {
        match c {
            ';' if depth == 0 => return &text[at + 1..],
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return &text[at + 1..];
                }
            }
            _ => {}
        }
    }
    ""
}

/// The modules a file declares under `#[cfg(test)]` (`#[cfg(test)] mod tests;`), as module paths.
fn test_modules_declared(text: &str, parent: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        rest = &rest[at + "#[cfg(test)]".len()..];
        let item: String = rest
            .chars()
            .take_while(|c| *c != ';' && *c != '{')
            .collect();
        let words: Vec<&str> = item.split_whitespace().collect();
        if let Some(position) = words.iter().position(|word| *word == "mod")
            && let Some(name) = words.get(position + 1)
            && item.len() < rest.len()
            && rest.as_bytes()[item.len()] == b';'
        {
            found.push(join(parent, name));
        }
    }
    found
}

/// Whether `module` contains `descendant` (the crate root contains everything).
fn is_ancestor(module: &str, descendant: &str) -> bool {
    module.is_empty()
        || descendant
            .strip_prefix(module)
            .is_some_and(|rest| rest.starts_with("::"))
}

fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else {
        format!("{parent}::{child}")
    }
}

/// Every absolute module path the text names (`crate::a::b`, `super::c`, `child::d`, use-trees expanded).
fn referenced_paths(text: &str, from: &str, known: &BTreeSet<&str>) -> Vec<Vec<String>> {
    let children: BTreeSet<String> = known
        .iter()
        .filter_map(|path| {
            let rest = if from.is_empty() {
                Some(*path)
            } else {
                path.strip_prefix(from)?.strip_prefix("::")
            };
            rest.filter(|rest| !rest.is_empty() && !rest.contains("::"))
                .map(str::to_owned)
        })
        .collect();
    let tokens = tokenize(text);
    let mut paths = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        // A parent's `mod child;` and `pub use child::…;` declare structure, not a dependency.
        if tokens[i] == "mod" {
            i += 2;
            continue;
        }
        if tokens[i] == "pub" && reexports_own_child(&tokens[i..], &children) {
            while i < tokens.len() && tokens[i] != ";" {
                i += 1;
            }
            continue;
        }
        let token = tokens[i].as_str();
        let preceded_by_path = i > 0 && tokens[i - 1] == "::";
        let starts_path = !preceded_by_path
            && tokens.get(i + 1).is_some_and(|next| next == "::")
            && (token == "crate"
                || token == "super"
                || token == "self"
                || children.contains(token));
        if starts_path {
            let base = base_of(token, from);
            let (expanded, end) = use_tree(&tokens, i + 2, base);
            paths.extend(expanded);
            i = end;
        } else {
            i += 1;
        }
    }
    paths
}

fn reexports_own_child(tokens: &[String], children: &BTreeSet<String>) -> bool {
    // `pub use child::…` or `pub(crate) use self::child::…`
    let mut at = 1;
    if tokens.get(at).is_some_and(|t| t == "(") {
        while at < tokens.len() && tokens[at] != ")" {
            at += 1;
        }
        at += 1;
    }
    if tokens.get(at).is_none_or(|t| t != "use") {
        return false;
    }
    at += 1;
    if tokens.get(at).is_some_and(|t| t == "self") && tokens.get(at + 1).is_some_and(|t| t == "::")
    {
        at += 2;
    }
    tokens.get(at).is_some_and(|t| children.contains(t))
}

fn base_of(root: &str, from: &str) -> Vec<String> {
    let current: Vec<String> = if from.is_empty() {
        Vec::new()
    } else {
        from.split("::").map(str::to_owned).collect()
    };
    match root {
        "crate" => Vec::new(),
        "self" => current,
        "super" => current[..current.len().saturating_sub(1)].to_vec(),
        child => {
            let mut path = current;
            path.push(child.to_owned());
            path
        }
    }
}

/// Expands the use-tree (or plain path) starting at `tokens[start]` under `base`; returns the paths and
/// the index after it.
fn use_tree(tokens: &[String], start: usize, base: Vec<String>) -> (Vec<Vec<String>>, usize) {
    let mut path = base;
    let mut i = start;
    loop {
        match tokens.get(i).map(String::as_str) {
            Some("{") => {
                let mut paths = Vec::new();
                i += 1;
                while i < tokens.len() && tokens[i] != "}" {
                    if tokens[i] == "," {
                        i += 1;
                        continue;
                    }
                    let (inner, end) = use_tree(tokens, i, path.clone());
                    paths.extend(inner);
                    i = end;
                    // Skip `as alias` and anything else up to the separator.
                    while i < tokens.len() && tokens[i] != "," && tokens[i] != "}" {
                        i += 1;
                    }
                }
                return (paths, i + 1);
            }
            Some("super") => {
                path.pop();
                i += 1;
            }
            Some("self") => i += 1,
            Some(word) if is_ident(word.chars().next()) => {
                path.push(word.to_owned());
                i += 1;
            }
            _ => return (vec![path], i),
        }
        if tokens.get(i).is_some_and(|t| t == "::") {
            i += 1;
        } else {
            return (vec![path], i);
        }
    }
}

fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            let mut word = String::from(c);
            while let Some(&next) = chars.peek() {
                if next.is_alphanumeric() || next == '_' {
                    word.push(next);
                    chars.next();
                } else {
                    break;
                }
            }
            tokens.push(word);
        } else if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            tokens.push("::".to_owned());
        } else if !c.is_whitespace() {
            tokens.push(c.to_string());
        }
    }
    tokens
}

/// The file of the longest prefix of `path` that is a known module.
fn resolve<'a>(path: &[String], known: &BTreeSet<&'a str>) -> Option<&'a str> {
    (0..=path.len())
        .rev()
        .find_map(|length| known.get(path[..length].join("::").as_str()).copied())
}

/// Tarjan's strongly connected components.
fn strongly_connected<'a>(edges: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Vec<Vec<&'a str>> {
    struct Walk<'a, 'e> {
        edges: &'e BTreeMap<&'a str, BTreeSet<&'a str>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        components: Vec<Vec<&'a str>>,
    }
    impl<'a> Walk<'a, '_> {
        fn visit(&mut self, node: &'a str) {
            let at = self.index.len();
            self.index.insert(node, at);
            self.low.insert(node, at);
            self.stack.push(node);
            self.on_stack.insert(node);
            for &next in self.edges.get(node).into_iter().flatten() {
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(top) = self.stack.pop() {
                    self.on_stack.remove(top);
                    component.push(top);
                    if top == node {
                        break;
                    }
                }
                self.components.push(component);
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for &node in edges.keys() {
        if !walk.index.contains_key(node) {
            walk.visit(node);
        }
    }
    walk.components
}
