"""The shape of the house: no import cycles between densekit's modules, layers independent of
models, and no source file too long to read.

Run as a script (``python tests/test_architecture.py``) to print the import graph's cycles.
"""

import ast
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "python" / "densekit"

# Compiled modules (the C++ core, the CPU detector): leaves of the graph.
EXTENSIONS = {"densekit._core", "densekit._cpu"}

# Import edges allowed to close a cycle, each made inside a function (lazily).
ALLOWED_LAZY_EDGES = {
    # Keras's own: Model.__new__ returns a Functional for Model(inputs, outputs), and Functional
    # subclasses Model (keras/src/models/model.py).
    ("densekit.models.model", "densekit.models.functional"),
}

MAX_LINES = 600


def _modules():
    """{dotted name: path} of every Python module under python/densekit."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _package_of(name, modules):
    return name if modules[name].name == "__init__.py" else name.rpartition(".")[0]


def import_graph():
    """{(importer, imported): lazy} over densekit's modules. ``lazy``: every import of that edge
    is inside a function. Importing ``a.b.c`` also runs the packages ``a.b`` (their
    ``__init__``), so those count as imported too, unless they contain the importer (then they
    are already being imported)."""
    modules = _modules()
    edges = {}

    def add(importer, target, lazy):
        if target in EXTENSIONS or not target.startswith("densekit"):
            return
        while target not in modules:  # an attribute of a module: the module
            target = target.rpartition(".")[0]
        chain = [target]
        parent = target.rpartition(".")[0]
        while parent and not (importer == parent or importer.startswith(parent + ".")):
            chain.append(parent)
            parent = parent.rpartition(".")[0]
        for t in chain:
            if t != importer:
                edges[(importer, t)] = edges.get((importer, t), True) and lazy

    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        function_nodes = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                function_nodes.update(id(n) for n in ast.walk(node) if n is not node)
        for node in ast.walk(tree):
            lazy = id(node) in function_nodes
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(name, alias.name, lazy)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = _package_of(name, modules).split(".")
                    package = package[:len(package) - node.level + 1]
                    base = ".".join(package + ([node.module] if node.module else []))
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    add(name, full if full in modules or full in EXTENSIONS else base, lazy)
    return edges


def cycles(edges):
    """The strongly connected components of more than one module, each as a sorted list."""
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def _without_allowed(edges):
    return {e: lazy for e, lazy in edges.items() if not (lazy and e in ALLOWED_LAZY_EDGES)}


def _shortest_cycles(edges, component):
    """The shortest cycle through each edge inside ``component``, without repeats."""
    members = set(component)
    graph = {}
    for a, b in edges:
        if a in members and b in members:
            graph.setdefault(a, []).append(b)
    found = set()
    for a in sorted(graph):
        for b in sorted(graph[a]):
            paths, seen = [[b]], {b}
            while paths and paths[0][-1] != a:  # breadth first from b back to a
                path = paths.pop(0)
                for c in sorted(graph.get(path[-1], [])):
                    if c not in seen:
                        seen.add(c)
                        paths.append(path + [c])
            if paths:
                cycle = [a] + paths[0][:-1]
                start = cycle.index(min(cycle))
                found.add(tuple(cycle[start:] + cycle[:start]))
    return sorted(found, key=lambda c: (len(c), c))


def _describe(edges, components):
    lines = []
    for component in components:
        lines.append(f"cycle(s) among {len(component)} modules: {', '.join(component)}")
        cycles_found = _shortest_cycles(edges, component)
        if len(cycles_found) > 12:
            lines.append(f"    ({len(cycles_found)} cycles; the 12 shortest:)")
        for cycle in cycles_found[:12]:
            steps = [f"{a} -> {b}{' (in a function)' if edges[(a, b)] else ''}"
                     for a, b in zip(cycle, cycle[1:] + cycle[:1])]
            lines.append("    " + ", ".join(steps))
    return "\n".join(lines)


def test_no_import_cycles():
    edges = _without_allowed(import_graph())
    found = cycles(edges)
    assert not found, "import cycles:\n" + _describe(edges, found)


def test_allowed_edges_still_exist():
    """An allowance that no longer exists is removed from the list, not kept as a loophole."""
    edges = import_graph()
    for edge in ALLOWED_LAZY_EDGES:
        assert edges.get(edge) is True, f"{edge} is no longer a lazy import: remove it from ALLOWED_LAZY_EDGES"


def test_layers_do_not_import_models():
    """Layers are the lower floor: models import layers, never the other way round."""
    bad = sorted((a, b) for (a, b) in _without_allowed(import_graph())
                 if a.startswith("densekit.layers") and b.startswith(("densekit.models", "densekit.trainers")))
    assert not bad, f"layers import models: {bad}"


def test_source_files_are_short():
    """No source file (python/, cpp/, tests/, benchmarks/, examples/) over MAX_LINES lines (binary
    files, data and caches aside)."""
    long_files = []
    for folder in ("python", "cpp", "tests", "benchmarks", "examples"):
        for path in sorted((ROOT / folder).rglob("*")):
            rel = path.relative_to(ROOT).as_posix()
            if not path.is_file() or "__pycache__" in path.parts or "data" in path.parts or "results" in path.parts:
                continue
            data = path.read_bytes()
            if b"\0" in data:  # binary (compiled modules, compressed data)
                continue
            count = len(data.splitlines())
            if count > MAX_LINES:
                long_files.append((rel, count))
    assert not long_files, f"files over {MAX_LINES} lines (split them by concept): {long_files}"


if __name__ == "__main__":
    all_edges = import_graph()
    print(f"{len({m for e in all_edges for m in e})} modules, {len(all_edges)} import edges")
    components = cycles(all_edges)
    print(_describe(all_edges, components) if components else "no cycles")
    remaining = cycles(_without_allowed(all_edges))
    print(f"without the allowed lazy edges {sorted(ALLOWED_LAZY_EDGES)}: "
          + ("no cycles" if not remaining else "\n" + _describe(_without_allowed(all_edges), remaining)))
