"""The product package never depends on the demo package (the emulator and the demo estate).

`sagewarden_demo` ships beside `sagewarden` but its dependency (moto) comes only with the
`demo` extra, so a product module that imported it would break `pip install sagewarden`.
The one allowed use is the `demo` command, and only lazily, inside a function.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import sagewarden

DEMO = "sagewarden_demo"
PRODUCT = Path(sagewarden.__file__).resolve().parent
# The demo command's module, today and after the CLI becomes a package.
DEMO_COMMAND = {"cli.py", "cli/demo.py"}


def _names_demo(module: str | None) -> bool:
    return module is not None and (module == DEMO or module.startswith(DEMO + "."))


def _demo_imports(tree: ast.Module) -> Iterator[tuple[ast.AST, bool]]:
    """Each import of the demo package in `tree`, and whether it runs only inside a function
    (anything else, a class body or an `if TYPE_CHECKING:` included, is module level)."""

    def walk(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.AST, bool]]:
        for child in ast.iter_child_nodes(node):
            found = False
            if isinstance(child, ast.Import):
                found = any(_names_demo(alias.name) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                found = child.level == 0 and _names_demo(child.module)
            elif isinstance(child, ast.Call) and child.args:
                # importlib.import_module("sagewarden_demo...") and __import__("sagewarden_demo")
                func = child.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                first = child.args[0]
                found = (
                    name in {"import_module", "__import__"}
                    and isinstance(first, ast.Constant)
                    and isinstance(first.value, str)
                    and _names_demo(first.value)
                )
            if found:
                yield child, in_function
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            yield from walk(child, nested)

    yield from walk(tree, False)


def _product_modules() -> list[Path]:
    found = sorted(PRODUCT.rglob("*.py"))
    assert len(found) > 20, f"too few product modules under {PRODUCT}"
    return found


def violations(path: Path, relative: str) -> list[str]:
    """What is wrong with `path`'s imports of the demo package (empty when nothing)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    wrong = []
    for node, in_function in _demo_imports(tree):
        where = f"sagewarden/{relative}:{getattr(node, 'lineno', '?')}"
        if relative not in DEMO_COMMAND:
            wrong.append(f"{where} imports {DEMO} (only the demo command may)")
        elif not in_function:
            wrong.append(f"{where} imports {DEMO} at module level (import it inside the command)")
    return wrong


def test_product_modules_import_the_demo_package_only_lazily_in_the_demo_command() -> None:
    wrong = [
        problem
        for path in _product_modules()
        for problem in violations(path, path.relative_to(PRODUCT).as_posix())
    ]
    assert wrong == []


def test_the_demo_command_does_import_it_so_the_scan_above_sees_imports() -> None:
    """The scan finds the demo command's lazy imports (else it would pass on anything)."""
    lazy = [
        path
        for path in _product_modules()
        if path.relative_to(PRODUCT).as_posix() in DEMO_COMMAND
        and any(in_function for _, in_function in _demo_imports(ast.parse(path.read_bytes())))
    ]
    assert lazy, f"no lazy import of {DEMO} found in {sorted(DEMO_COMMAND)}"


def test_the_scan_rejects_each_way_of_importing_the_demo_package(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    bad = [
        ("scan.py", "import sagewarden_demo\n"),
        ("scan.py", "import os, sagewarden_demo.emulator as e\n"),
        ("scan.py", "from sagewarden_demo.emulator import Emulator\n"),
        ("scan.py", "def f():\n    from sagewarden_demo import estate\n"),
        ("scan.py", "import importlib\nimportlib.import_module('sagewarden_demo.estate')\n"),
        ("cli.py", "from sagewarden_demo.emulator import Emulator\n"),
        ("cli/demo.py", "if TYPE_CHECKING:\n    import sagewarden_demo\n"),
        ("cli/demo.py", "class C:\n    from sagewarden_demo import estate\n"),
    ]
    for relative, source in bad:
        module.write_text(source)
        assert violations(module, relative), (relative, source)
    good = [
        ("cli.py", "def demo():\n    from sagewarden_demo.emulator import Emulator\n"),
        ("cli/demo.py", "async def demo():\n    import sagewarden_demo.estate\n"),
        ("scan.py", "import sagewarden_demonstration\nfrom .sagewarden_demo import x\n"),
    ]
    for relative, source in good:
        module.write_text(source)
        assert violations(module, relative) == [], (relative, source)


def test_importing_every_product_module_leaves_the_demo_package_unloaded() -> None:
    """At run time too (a fresh interpreter: this one has the emulator loaded already)."""
    program = (
        "import pkgutil, sys, importlib, sagewarden\n"
        "names = [m.name for m in pkgutil.walk_packages(sagewarden.__path__, 'sagewarden.')\n"
        "         if m.name != 'sagewarden.__main__']\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        f"print(len(names), sorted(m for m in sys.modules if m.split('.')[0] == {DEMO!r}))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    count, loaded = run.stdout.split(" ", 1)
    assert int(count) > 20
    assert loaded.strip() == "[]"


def test_demo_without_the_demo_extra_says_so_in_one_line() -> None:
    """Without moto (the `demo` extra), `sagewarden demo` names the extra, exit 2, no traceback.
    Failed before: the emulator imported, then crashed on moto when it started."""
    program = (
        "import sys\n"
        "sys.modules['moto'] = None  # as if the demo extra were not installed\n"
        "from sagewarden.cli import main\n"
        "sys.exit(main(['demo', '--quiet']))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=False
    )
    assert run.returncode == 2
    assert run.stderr == (
        "sagewarden: the demo needs the local AWS emulator: pip install 'sagewarden[demo]'\n"
    )
    assert run.stdout == ""
