"""The import graph has no cycles (between top-level packages, and between the modules of a package)
and goes only down the layers drawn in docs/architecture.md.

Read from the source with ast (nothing is imported): every `import`, at module
level or inside a function (a late import still ties two modules together),
except those under `if TYPE_CHECKING:` (annotations only, never executed).
"""

from __future__ import annotations

import ast
import functools
import re
from collections import defaultdict
from collections.abc import Mapping, Set
from pathlib import Path

import watchword

ROOT = Path(watchword.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST) -> list[str]:
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.extend(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.append(child.module)
                found.extend(f"{child.module}.{alias.name}" for alias in child.names)
            visit(child)

    visit(tree)
    return found


# Each source file parsed once per process, and the graph built once: several tests below read them
# (they are not changed by any test).
@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


@functools.cache
def _module_graph() -> dict[str, frozenset[str]]:
    modules = {
        _module_name(path): path for path in ROOT.rglob("*.py") if "migrations" not in path.relative_to(ROOT).parts
    }
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        for target in _imports(_tree(path)):
            # `from watchword.x import y` names a module when y is one, else something in x.
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith("watchword"):
                graph[name].add(target)
    return {name: frozenset(targets) for name, targets in graph.items()}  # shared by the tests: read-only


def _cycles(graph: Mapping[str, Set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(set(graph) | {n for targets in graph.values() for n in targets}):
        if node not in index:
            connect(node)
    return found


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_cycles_between_top_level_packages() -> None:
    packages: dict[str, set[str]] = defaultdict(set)
    for source, targets in _module_graph().items():
        for target in targets:
            edge = (_top(source), _top(target))
            if edge[0] != edge[1]:
                packages[edge[0]].add(edge[1])
    assert _cycles(packages) == []
    # The seams issue 12 cut: intake below services' safeguards, the demo above both.
    assert "services" not in packages["security"] and "intake" not in packages["services"]
    # Intake queues its replies below services (replies/), and sees the runtime it is given only
    # as a type: the runtime builds the intake writer, not the other way round.
    assert "services" not in packages["intake"] and "runtime" not in packages["intake"]
    assert "services" not in packages["replies"] and "intake" not in packages["replies"]
    # Clustering and sharing both ask what is known legitimate (known/), and neither asks the other.
    assert "intel" not in packages["campaigns"] and "campaigns" not in packages["intel"]
    assert packages["known"] <= {"analysis", "watchword"}


def _documented_layers() -> list[set[str]]:
    """The layer diagram of docs/architecture.md, top first: one layer a line, its packages before the
    parenthesis; an indented line continues the one above."""
    text = (Path(__file__).resolve().parents[1] / "docs/architecture.md").read_text(encoding="utf-8")
    diagram = text.split("\n## Layers\n", 1)[1].split("```", 2)[1]
    layers = []
    for line in diagram.splitlines():
        if line.strip() and not line.startswith(" "):
            layers.append({name.strip() for name in line.split("(")[0].split(",") if name.strip()})
    return layers


def test_packages_import_only_down_the_documented_layers() -> None:
    layers = _documented_layers()
    rank = {package: depth for depth, layer in enumerate(layers) for package in layer}
    assert sum(len(layer) for layer in layers) == len(rank), "a package is in two layers"
    edges = {(_top(s), _top(t)) for s, targets in _module_graph().items() for t in targets}
    packages = {package for edge in edges for package in edge}
    assert packages <= set(rank), f"packages missing from the diagram: {sorted(packages - set(rank))}"
    upward = sorted(f"{a} -> {b}" for a, b in edges if rank[b] < rank[a])
    assert upward == [], "imports going up docs/architecture.md's layers"


def test_no_cycles_between_the_modules_of_a_package() -> None:
    graph = _module_graph()
    within: dict[str, set[str]] = defaultdict(set)
    for source, targets in graph.items():
        for target in targets:
            if _top(source) == _top(target):
                within[source].add(target)
    assert _cycles(within) == []
    assert "watchword.analysis.mime" not in graph["watchword.analysis.outlook_msg"]


# What a session does to the store; a route hands its session to a service instead.
SESSION_CALLS = {
    "get",
    "add",
    "add_all",
    "execute",
    "scalar",
    "scalars",
    "flush",
    "delete",
    "merge",
    "query",
    "expunge",
}


def test_pages_do_not_query_the_store() -> None:
    """Pages render read models (`*/queries.py`) and change things through services: a `select(` in
    web/, or a route reading, adding or deleting rows through a session itself, belongs there."""
    found = []
    for path in (ROOT / "web").rglob("*.py"):
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            on_session = isinstance(func, ast.Attribute) and "session" in ast.unparse(func.value).lower()
            if name == "select" or (on_session and name in SESSION_CALLS):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(func)}")
    assert found == []


def test_no_test_module_imports_another() -> None:
    """Helpers shared by tests live in tests/support/: a test module imported by another runs its
    module-level code twice under two names and ties the two files' fixtures together."""
    tests = Path(__file__).parent
    found = []
    for path in tests.rglob("*.py"):
        for node in ast.walk(_tree(path)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            # The modules a child process's script (a string here) imports are found too.
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                names += [m.group(1) for m in re.finditer(r"(?:from|import) (tests\.[\w.]+)", node.value)]
            found += [f"{path.relative_to(tests)}: {n}" for n in names if re.match(r"tests\.(\w+\.)*test_\w+$", n)]
    assert found == []


def _runtime_openers(trees: dict[Path, ast.Module]) -> set[str]:
    """`open_runtime` and the tests' helpers that return what it opened (annotated `-> Runtime`)."""
    openers = {"open_runtime"}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.returns and ast.unparse(node.returns) == "Runtime":
                openers.add(node.name)
    return openers


def _runtimes_opened_outside_a_with(trees: dict[Path, ast.Module]) -> list[str]:
    """Calls of an opener that are not a `with` item, a helper's return value, or a call that must
    raise (the only statement of a line in a `with pytest.raises(...)` block: nothing is opened)."""
    openers = _runtime_openers(trees)
    found = []
    for path, tree in trees.items():
        allowed: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.With):
                allowed.update(id(item.context_expr) for item in node.items)
                if any("raises" in ast.unparse(item.context_expr) for item in node.items):
                    allowed.update(id(stmt.value) for stmt in node.body if isinstance(stmt, ast.Expr))
            elif isinstance(node, ast.FunctionDef) and node.name in openers:
                allowed.update(id(ret.value) for ret in ast.walk(node) if isinstance(ret, ast.Return) and ret.value)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in openers and id(node) not in allowed:
                found.append(f"{path}:{node.lineno}: {ast.unparse(node.func)}(...)")
    return found


def test_every_runtime_a_test_opens_is_closed_by_a_with() -> None:
    """A runtime opened by a test is a context manager's (`with open_runtime(...) as rt:`, or a
    fixture that yields inside one): closed however the test ends, never by a hand-written
    `rt.close()` that a failed assertion skips, leaving its writer thread and connections open."""
    tests = Path(__file__).parent
    trees = {path.relative_to(tests): _tree(path) for path in tests.rglob("*.py")}
    assert _runtimes_opened_outside_a_with(trees) == []


def test_the_runtime_check_finds_a_runtime_closed_by_hand() -> None:
    sample = """
def helper(tmp_path) -> Runtime:
    return open_runtime(make_settings(tmp_path))

def test_by_hand(tmp_path):
    rt = helper(tmp_path)
    rt.close()

def test_with(tmp_path):
    with open_runtime(None) as rt, helper(tmp_path) as other:
        pass
    with pytest.raises(SchemaNotCurrent):
        open_runtime(None)
"""
    assert _runtimes_opened_outside_a_with({Path("t.py"): ast.parse(sample)}) == ["t.py:6: helper(...)"]
