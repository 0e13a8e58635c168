#!/usr/bin/env python3
"""Lists circles of module imports in a crate: modules that import each other, directly
or around a circle. A module and its own submodules aside: an edge is counted between
sibling modules (children of one parent), from every file below one sibling to another.

Usage: scripts/module-cycles.py crates/NAME/src [...]; exits 1 when a circle is found.
"""
import os
import re
import sys

PATH = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
GROUP = re.compile(r"\buse\s+(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{")


def module_path(src, file):
    rel = os.path.relpath(file, src)[:-3].split(os.sep)
    if rel[-1] in ("lib", "main", "mod"):
        rel = rel[:-1]
    return rel


def strip_comments(text):
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def strip_tests(text):
    # `#[cfg(test)] mod tests { ... }` at the end of a file: test code may import freely.
    m = re.search(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{", text)
    return text[: m.start()] if m else text


def group_items(text, start):
    depth, i, out, cur = 1, start, [], ""
    while i < len(text) and depth:
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        if depth == 1 and c in ",":
            out.append(cur)
            cur = ""
        elif depth >= 1 and not (depth == 1 and c == "{"):
            cur += c
        i += 1
    out.append(cur)
    return [re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", s).group(1) for s in out if re.match(r"\s*[A-Za-z_]", s)]


def targets(module, text):
    found = []
    for m in PATH.finditer(text):
        base = [] if m.group(1) == "crate" else module[:-1]
        found.append(base + m.group(2).split("::")[1:])
    for m in GROUP.finditer(text):
        base = [] if m.group(1) == "crate" else module[:-1]
        prefix = base + [p for p in m.group(2).split("::") if p]
        for item in group_items(text, m.end()):
            found.append(prefix + [item])
    return found


def cycles(src):
    modules = {}
    for root, _, files in os.walk(src):
        for f in files:
            if f.endswith(".rs"):
                path = os.path.join(root, f)
                modules[tuple(module_path(src, path))] = path
    known = set(modules)
    for m in list(known):
        for i in range(len(m)):
            known.add(m[:i])
    edges = {}
    for module, path in modules.items():
        text = strip_tests(strip_comments(open(path, encoding="utf-8").read()))
        for target in targets(list(module), text):
            # the longest known module prefix of the path
            t = tuple(target)
            while t and t not in known:
                t = t[:-1]
            if not t:
                continue
            # the common parent, and the siblings below it
            i = 0
            while i < min(len(module), len(t)) and module[i] == t[i]:
                i += 1
            if i >= len(module) or i >= len(t):
                continue  # a module and its own submodules (or ancestors)
            a, b = module[: i + 1], t[: i + 1]
            edges.setdefault(a, set()).add(b)
    # strongly connected components (Tarjan)
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(edges):
        if v not in index:
            visit(v)
    return out, edges


def main():
    bad = 0
    for src in sys.argv[1:]:
        found, edges = cycles(src)
        for comp in found:
            bad += 1
            names = ["::".join(c) or "crate" for c in comp]
            print(f"{src}: circle among {', '.join(names)}")
            for a in comp:
                for b in sorted(edges.get(a, ())):
                    if b in comp:
                        print(f"    {'::'.join(a)} -> {'::'.join(b)}")
    if bad == 0:
        print(f"no circles in {' '.join(sys.argv[1:])}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
