//! The source layout the project promises (DESIGN.md, issue "One clear house"): no module imports
//! one that imports it back, and no source file grows past ~800 lines but the reference evaluator.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/a/b.rs` and `src/a/b/mod.rs` are module `a::b`; `src/lib.rs` is the crate root.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts.join("::")
}

/// The library's modules and the modules each one names through `crate::` or `super::` paths
/// (outside its unit tests and test helpers).
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.retain(|f| !f.starts_with(src.join("bin")));
    let modules: BTreeMap<String, PathBuf> = files
        .iter()
        .map(|f| (module_of(&src, f), f.clone()))
        .collect();
    let mut graph = BTreeMap::new();
    for (module, file) in &modules {
        let text = fs::read_to_string(file).unwrap();
        // A file that is test code as a whole says so at its top (`#![cfg(test)]`).
        let code = if text.contains("#![cfg(test)]") {
            ""
        } else {
            text.split("#[cfg(test)]").next().unwrap_or_default()
        };
        let mut targets = BTreeSet::new();
        for start in ["crate::", "super::"] {
            for (at, _) in code.match_indices(start) {
                let path: String = code[at..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                let mut parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
                let mut base: Vec<&str> = if module.is_empty() {
                    Vec::new()
                } else {
                    module.split("::").collect()
                };
                if parts.first() == Some(&"crate") {
                    base.clear();
                    parts.remove(0);
                } else {
                    while parts.first() == Some(&"super") {
                        parts.remove(0);
                        base.pop();
                    }
                }
                base.extend(parts);
                // The longest prefix that names a module is the one imported.
                let target = (1..=base.len())
                    .rev()
                    .map(|k| base[..k].join("::"))
                    .find(|m| modules.contains_key(m));
                if let Some(target) = target {
                    let nested = target.starts_with(&format!("{module}::"))
                        || module.starts_with(&format!("{target}::"));
                    if target != *module && !nested && !module.is_empty() {
                        targets.insert(target);
                    }
                }
            }
        }
        graph.insert(module.clone(), targets);
    }
    graph
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let graph = import_graph();
    assert!(graph.contains_key("signin::compiled"), "{graph:?}");
    // Any cycle shows up as a module reachable from itself.
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&String> = graph[start].iter().collect();
        while let Some(m) = stack.pop() {
            assert_ne!(m, start, "{start} imports a module that imports it back");
            if seen.insert(m) {
                stack.extend(graph.get(m).into_iter().flatten());
            }
        }
    }
    // The same between top-level layers (signin, pim, model, load, ...).
    let top = |m: &str| m.split("::").next().unwrap_or_default().to_owned();
    let mut layers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, targets) in &graph {
        for t in targets {
            if top(m) != top(t) {
                layers.entry(top(m)).or_default().insert(top(t));
            }
        }
    }
    for (a, targets) in &layers {
        for b in targets {
            assert!(
                !layers.get(b).is_some_and(|back| back.contains(a)),
                "layers {a} and {b} import each other"
            );
        }
    }
}

#[test]
fn no_source_file_outgrows_800_lines_but_the_reference_evaluator() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let exempt = [src.join("signin/reference.rs"), src.join("filter/tests.rs")];
    for f in files.iter().filter(|f| !exempt.contains(f)) {
        let lines = fs::read_to_string(f).unwrap().lines().count();
        assert!(lines <= 800, "{} has {lines} lines", f.display());
    }
}
