"""A real install: the project built as a wheel, installed into a fresh virtual environment, answers a question
from its own package data (the fit decision's calibrations ship inside the wheel)."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result


def test_the_wheel_installed_in_a_fresh_venv_answers_a_need(tmp_path):
    source = tmp_path / "source"  # built from a copy: the build leaves nothing in the work tree
    shutil.copytree(REPO / "assistant", source / "assistant", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w",
         str(tmp_path / "dist"), str(source)])
    [wheel] = (tmp_path / "dist").glob("assistant-*.whl")

    venv = tmp_path / "fresh"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "--quiet",
         str(wheel)])
    # The dependencies (torch, chromadb, …: gigabytes) are this environment's, read through a .pth file; the
    # package itself is the wheel's, installed in the fresh environment, which comes first on the path.
    fresh_site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
                      .stdout.strip())
    (fresh_site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = run([str(python), "-c", "import assistant; print(assistant.__file__)"], cwd=tmp_path).stdout.strip()
    assert Path(where).is_relative_to(fresh_site), where

    home = tmp_path / "project"
    shutil.copytree(REPO / "corpus" / "documents", home / "corpus" / "documents")
    shutil.copytree(REPO / "corpus" / "catalogue", home / "corpus" / "catalogue")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("ASSISTANT_")}
    environment |= {"ASSISTANT_HOME": str(home)}
    command = str(venv / "bin" / "assistant")
    run([command, "ingest", "--quiet"], env=environment, cwd=home)
    answer = json.loads(run([command, "ask", "--json", "Nos citoyens doivent se connecter à notre portail de façon "
                             "sécurisée"], env=environment, cwd=home).stdout)
    listed = [asset["id"] for asset in answer["assets"]]
    assert answer["verdict"] in ("existing_asset", "similar_initiative") and listed[0] in ("sag", "sqin"), listed
