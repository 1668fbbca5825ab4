"""answer(question) -> Answer: extract a cited answer from the knowledge base, or say honestly
that there is none. Safety advice for a warning sign named in the question always comes first."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..assessment import Assessment, Audience
from ..errors import Problem, ScapulaError
from ..knowledge import Knowledge, load_knowledge
from .passages import Passage, build_passages
from .personal import personal_notes
from .retrieval import Hit, LexicalIndex, SemanticIndex, combine, semantic_available
from .safety import SafetyMatcher

__all__ = ["MAX_QUESTION", "Answer", "Answerer", "Block", "Mode", "QuestionError", "answer", "get_answerer"]

MAX_QUESTION = 2000
"""Generous on purpose: people describe their situation before they ask, and a warning sign is often
buried in the middle of a long message (an unseen set held two of 600 characters)."""
MIN_CONFIDENCE = {"lexical": 0.45, "semantic": 0.36, "combined": 0.36}
"""Below this confidence the best passage does not answer the question well enough."""
SEMANTIC_WEIGHT = 0.7
"""Share of the combined score from the embeddings (the rest from BM25): the embeddings cope better
with people's own words (docs/benchmarks.md, "Answers")."""
RELATED = 3

NO_ANSWER = {
    Audience.patient: "Scapula has no reviewed answer to that question. Please ask your clinician, who "
    "can answer it with your history and examination in mind.",
    Audience.clinician: "No reviewed answer in Scapula's knowledge base matches this question well enough; "
    "rely on clinical judgement and the primary sources.",
}


class Mode(StrEnum):
    auto = "auto"
    """Combined when the semantic extra is installed, lexical otherwise."""
    lexical = "lexical"
    semantic = "semantic"
    combined = "combined"


class QuestionError(ScapulaError):
    """A question that cannot be answered as asked (empty, too long)."""


@dataclass(frozen=True, slots=True)
class Block:
    """One part of an answer. Every kind except `no_answer` carries citations."""

    kind: str
    """safety | personal | answer | related | no_answer"""
    title: str
    text: str
    cite: tuple[str, ...] = ()
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "title": self.title, "text": self.text,
                "citations": list(self.cite)}


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    audience: Audience
    mode: str
    found: bool
    blocks: tuple[Block, ...]
    sources: Mapping[str, Mapping[str, str | None]]
    disclaimer: str
    alternatives: tuple[tuple[str, str], ...] = field(default=())
    """Other passages that nearly fit: (id, title)."""

    @property
    def leads_with_safety(self) -> bool:
        return bool(self.blocks) and self.blocks[0].kind == "safety"

    @property
    def answer_id(self) -> str | None:
        return next((b.id for b in self.blocks if b.kind == "answer"), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "audience": self.audience.value,
            "mode": self.mode,
            "found": self.found,
            "answer_id": self.answer_id,
            "blocks": [b.to_dict() for b in self.blocks],
            "sources": {k: dict(v) for k, v in self.sources.items()},
            "alternatives": [{"id": i, "title": t} for i, t in self.alternatives],
            "disclaimer": self.disclaimer,
        }


def check_question(question: object) -> str:
    if not isinstance(question, str) or not question.strip():
        raise QuestionError("The question is empty", [Problem("question", "must not be empty",
                                                              expected="a question in words")])
    text = question.strip()
    if len(text) > MAX_QUESTION:
        raise QuestionError("The question is too long", [Problem(
            "question", "is too long", received=f"{len(text)} characters",
            expected=f"at most {MAX_QUESTION} characters", hint="Ask one question at a time.")])
    return text


class Answerer:
    """The answer index for one knowledge base: built once, then read-only and thread-safe."""

    def __init__(self, kb: Knowledge) -> None:
        self.kb = kb
        self.passages: tuple[Passage, ...] = build_passages(kb)
        self.by_id = {p.id: p for p in self.passages}
        self.lexical = LexicalIndex(self.passages)
        self.safety = SafetyMatcher(kb)
        self._semantic: SemanticIndex | None = None
        self._lock = threading.Lock()

    def semantic(self) -> SemanticIndex:
        with self._lock:
            if self._semantic is None:
                self._semantic = SemanticIndex(self.passages)
            return self._semantic

    def resolve(self, mode: Mode | str) -> str:
        mode = Mode(mode)
        if mode is Mode.auto and os.environ.get("SCAPULA_ANSWER_MODE"):
            mode = Mode(os.environ["SCAPULA_ANSWER_MODE"])
        if mode is Mode.auto:
            return "combined" if semantic_available() else "lexical"
        return mode.value

    def search(self, question: str, mode: Mode | str = Mode.auto, k: int = 5) -> list[Hit]:
        kind = self.resolve(mode)
        if kind == "lexical":
            return self.lexical.search(question, k)
        fixed = self.lexical.corrected(question)
        if kind == "semantic":
            return self.semantic().search(fixed, k)
        # Every passage's similarity, not only the closest ten: a passage that words match well must
        # still carry its own semantic confidence, or a good lexical hit reads as "no answer".
        semantic = self.semantic().search(fixed, len(self.passages))
        return combine(self.lexical.search(question, 10), semantic, k, weight=SEMANTIC_WEIGHT)

    def answer(self, question: str, *, assessment: Assessment | Mapping[str, Any] | None = None,
               audience: Audience | str = Audience.patient, mode: Mode | str = Mode.auto) -> Answer:
        text = check_question(question)
        audience = Audience(audience)
        clinician = audience is Audience.clinician
        kind = self.resolve(mode)
        hits = self.search(text, kind)
        floor = MIN_CONFIDENCE[kind]
        found = [h.passage for h in hits if h.confidence >= floor] if hits and hits[0].confidence >= floor else []
        notes = self.safety.notes(text, clinician)
        blocks = [Block("safety", n.title, n.text, n.cite, n.source) for n in notes]
        # A question naming a warning sign is answered first by the entry that explains that sign;
        # the answer to the rest of what was asked follows it.
        signs = [self.by_id[e] for e in dict.fromkeys(n.entry for n in notes) if e]
        asked = found[0] if found else None
        passage = signs[0] if signs else asked
        if assessment is not None:
            context = passage.context if passage else ()
            blocks += [Block("personal", _PERSONAL[n.part], n.text, n.cite)
                       for n in personal_notes(_assessment(assessment), context, self.kb, clinician)]
        if passage is None:
            blocks.append(Block("no_answer", "No reviewed answer", NO_ANSWER[audience]))
        else:
            blocks += self._answer_blocks(passage, clinician, also=asked if asked is not passage else None)
        others = [p for p in (*signs[1:], *found) if p is not passage]
        alternatives = tuple((p.id, p.title) for p in list(dict.fromkeys(others))[:3])
        texts = self.kb.texts
        return Answer(text, audience, kind, passage is not None, tuple(blocks), self._sources(blocks),
                      texts.disclaimer_clinician if clinician else texts.disclaimer_patient, alternatives)

    def _answer_blocks(self, passage: Passage, clinician: bool, also: Passage | None = None) -> list[Block]:
        blocks = [Block("answer", passage.title, passage.text(clinician), passage.cite, passage.id)]
        if also is not None:
            blocks.append(Block("related", also.title, also.text(clinician), also.cite, also.id))
        for ref in [r for r in passage.see if also is None or r != also.id][:RELATED]:
            other = self.by_id[ref]
            blocks.append(Block("related", other.title, other.text(clinician), other.cite, other.id))
        return blocks

    def _sources(self, blocks: list[Block]) -> dict[str, dict[str, str | None]]:
        ids = dict.fromkeys(c for b in blocks for c in b.cite)
        return {i: {"citation": self.kb.sources[i].citation, "link": self.kb.sources[i].link} for i in ids}


_PERSONAL = {"triage": "Your triage", "imaging": "Your imaging advice", "drivers": "Your leading driver"}


def _assessment(value: Assessment | Mapping[str, Any]) -> Assessment:
    return value if isinstance(value, Assessment) else Assessment.from_dict(dict(value))


_answerers: dict[str, Answerer] = {}
_build_lock = threading.Lock()


def get_answerer(kb: Knowledge | None = None) -> Answerer:
    """The answer index for this knowledge base, built on first use and kept."""
    kb = kb or load_knowledge()
    with _build_lock:
        if kb.version not in _answerers:
            _answerers[kb.version] = Answerer(kb)
        return _answerers[kb.version]


def answer(question: str, *, assessment: Assessment | Mapping[str, Any] | None = None,
           audience: Audience | str = Audience.patient, mode: Mode | str = Mode.auto,
           kb: Knowledge | None = None) -> Answer:
    """Answer a question from the knowledge base, with citations; decision support, not a diagnosis.

    `assessment` (an `Assessment` or its `to_dict()`) adds the person's own triage and plan where it
    matters. Raises `QuestionError` for an empty or over-long question."""
    return get_answerer(kb).answer(question, assessment=assessment, audience=audience, mode=mode)
