"""The shape of the package that keeps it readable: sizes a reader can hold, interfaces on the public API only,
and commands that do not answer questions starting without the models."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

PACKAGE = REPO / "assistant"
MODULES = sorted(PACKAGE.rglob("*.py"))
INTERFACES = [PACKAGE / "cli.py", *sorted((PACKAGE / "web").glob("*.py")), REPO / "app.py"]
MAX_MODULE_LINES, MAX_FUNCTION_LINES = 450, 80


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.relative_to(REPO).as_posix())
def test_modules_and_functions_stay_short(module):
    source = module.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_MODULE_LINES
    long = [f"{node.name}: {node.end_lineno - node.lineno + 1} lines" for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long


def package_imports(path: Path) -> set[str]:
    """The modules of the package that a file imports, by their dotted names."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("assistant"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("assistant")}
    return found


@pytest.mark.parametrize("interface", INTERFACES, ids=lambda path: path.relative_to(REPO).as_posix())
def test_interfaces_use_the_public_api_only(interface):
    web_modules = {f"assistant.web.{module.stem}" for module in (PACKAGE / "web").glob("*.py")}
    assert package_imports(interface) <= {"assistant", "assistant.evaluation", "assistant.web", *web_modules}


def test_runtime_modules_never_import_the_evaluation():
    runtime = [m for m in MODULES if "evaluation" not in m.parts and m.name != "cli.py"]
    assert not [m.name for m in runtime if any(name.startswith("assistant.evaluation") for name in package_imports(m))]


def test_the_cli_starts_without_the_models_the_index_or_the_evaluation():
    heavy = ("torch", "chromadb", "gradio", "langchain_core", "numpy", "assistant.evaluation", "assistant.pipeline")
    probe = f"import sys, assistant.cli; print([m for m in {heavy!r} if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True)
    assert result.stdout.strip() == "[]"


def test_env_example_documents_every_setting():
    from assistant.settings import Bounds, Settings

    documented = (REPO / ".env.example").read_text(encoding="utf-8")
    names = [*(name for name in Settings.model_fields if name != "bounds"),
             *(f"bounds__{name}" for name in Bounds.model_fields)]
    missing = [name for name in names if f"# ASSISTANT_{name.upper()}=" not in documented]
    assert missing == []
