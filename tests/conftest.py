import shutil
from pathlib import Path

import pytest

import assistant  # noqa: F401  (offline environment before any model library is imported)
from assistant.embed import Embedder, get_embedder
from assistant.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return get_embedder("use-v3")


@pytest.fixture
def repo_settings(tmp_path) -> Settings:
    """The shipped corpus, indexed into a fresh store of its own."""
    return Settings(_env_file=None, home=REPO, index_dir=tmp_path / "index")


@pytest.fixture
def corpus_settings(tmp_path) -> Settings:
    """A copy of the shipped corpus that a test may change, with its own store."""
    home = tmp_path / "project"
    shutil.copytree(REPO / "corpus" / "documents", home / "corpus" / "documents")
    shutil.copytree(REPO / "corpus" / "catalogue", home / "corpus" / "catalogue")
    return Settings(_env_file=None, home=home)
