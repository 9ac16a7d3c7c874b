"""The source tree's shape is its architecture: no import cycles, small folders, and the local engine's core
standing alone (docs/architecture.md, "The local engine's layout")."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "moviecdc"
MAX_MODULES_PER_FOLDER = 14
CORE = "moviecdc.local.core"
FAMILIES = tuple(
    f"moviecdc.local.{f}"
    for f in (
        "account",
        "dialect",
        "dynamic_tables",
        "functions",
        "history",
        "ordinary",
        "scripting",
        "streams",
        "tasks",
    )
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in (SRC / PACKAGE).rglob("*.py")}


def _imports(module: str) -> set[str]:
    """Every moviecdc module ``module`` imports: at module level, inside functions and under TYPE_CHECKING."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import mod` imports the module pkg.mod when there is one, else a name of pkg.
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        found.update(name for name in names if name in MODULES and name != module)
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(GRAPH[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles() -> None:
    cycles = _cycles()
    assert cycles == [], "import cycles between modules of src/:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_folders_stay_small() -> None:
    folders: dict[Path, int] = {}
    for path in MODULES.values():
        folders[path.parent] = folders.get(path.parent, 0) + 1
    large = {str(f.relative_to(SRC)): n for f, n in folders.items() if n > MAX_MODULES_PER_FOLDER}
    assert large == {}, f"folders of src/ with more than {MAX_MODULES_PER_FOLDER} modules: {large}"


def test_the_local_core_imports_no_statement_family() -> None:
    outside = {
        module: sorted(i for i in imports if i.startswith("moviecdc.local") and not i.startswith(CORE))
        for module, imports in GRAPH.items()
        if module.startswith(CORE)
    }
    assert {m: i for m, i in outside.items() if i} == {}


@pytest.mark.parametrize(
    ("family", "allowed"),
    [
        ("moviecdc.local.dialect", {CORE}),
        # account hands CREATE/ALTER SCHEMA, COMMENT ON and SHOW TABLES to the ordinary path after reading its own
        # clauses, and reads CHANGE_TRACKING as the dialect's constraints module records it
        ("moviecdc.local.account", {CORE, "moviecdc.local.dialect", "moviecdc.local.ordinary"}),
        ("moviecdc.local.context", {CORE}),
        ("moviecdc.local.streams", {CORE}),
        ("moviecdc.local.functions", {CORE}),
        # time travel and CHANGES read the change log the streams family keeps, with its net-change query, and
        # DATA_RETENTION_TIME_IN_DAYS as the dialect's constraints module records it
        ("moviecdc.local.history", {CORE, "moviecdc.local.dialect", "moviecdc.local.streams"}),
        # ordinary runs table DDL through the dialect's constraint rules (dialect/constraints.py)
        ("moviecdc.local.ordinary", {CORE, "moviecdc.local.dialect", "moviecdc.local.streams"}),
        ("moviecdc.local.scripting", {CORE, "moviecdc.local.dialect"}),
        (
            "moviecdc.local.tasks",
            {
                CORE,
                # a session parameter set on a task follows the session's parameter rules (tasks/ddl.py)
                "moviecdc.local.account",
                "moviecdc.local.dialect",
                "moviecdc.local.ordinary",
                "moviecdc.local.scripting",  # a Scripting body commits statement by statement (tasks/runs.py)
                "moviecdc.local.streams",
            },
        ),
        (
            "moviecdc.local.dynamic_tables",
            {CORE, "moviecdc.local.ordinary", "moviecdc.local.streams"},
        ),
    ],
)
def test_families_stand_on_what_their_docstring_names(family: str, allowed: set[str]) -> None:
    """Each family imports the core and the few families its package docstring names, nothing else."""
    used = {
        imported
        for module, imports in GRAPH.items()
        if module == family or module.startswith(family + ".")
        for imported in imports
        if imported.startswith("moviecdc.local.") and not imported.startswith(family + ".")
    }
    stray = sorted(i for i in used if not any(i == a or i.startswith(a + ".") for a in allowed))
    assert stray == []


def test_the_checker_sees_a_cycle(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cycle finder itself finds a planted cycle (so a passing run means something)."""
    names, session = "moviecdc.local.core.names", "moviecdc.local.session"
    monkeypatch.setitem(GRAPH, names, {*GRAPH[names], session})
    assert any(names in c and session in c for c in _cycles())


def _documented_interface() -> set[str]:
    """The ``Engine`` members the core's package docstring lists as the interface families may use."""
    doc = ast.get_docstring(ast.parse((SRC / "moviecdc/local/core/__init__.py").read_text())) or ""
    listed = doc.split("The interface a family uses", 1)[1]
    return set(re.findall(r"``([a-z_]+)(?:\(|``)", listed))


def test_families_use_only_the_documented_core_interface() -> None:
    """Statement families reach the engine only through the members core/__init__.py documents (session.py,
    scheduler.py and routes.py compose the engine and may use the whole of it)."""
    allowed = _documented_interface()
    assert {"atomic", "con", "now", "tracked", "transform"} <= allowed  # the docstring was read
    used: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        if not module.startswith(FAMILIES):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in ("engine", "self._engine")
            ):
                used.setdefault(node.attr, set()).add(module)
    undocumented = {name: sorted(modules) for name, modules in used.items() if name not in allowed}
    assert undocumented == {}, "engine members used outside the core but not in its documented interface"
