"""The passages an answer can be extracted from: the written answers and the knowledge base's own
texts (triage rules, treatments, exercises, imaging advice, drivers, sources), each with its
citations. Built only from the loaded knowledge, in file order, so the index is deterministic."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..knowledge import Knowledge
from ..knowledge.schema import Treatments

__all__ = ["KIND_WEIGHT", "Passage", "build_passages"]

KIND_WEIGHT: dict[str, float] = {
    "answer": 1.0,
    "exercise": 0.9,
    "treatment": 0.8,
    "imaging": 0.75,
    "driver": 0.75,
    "rule": 0.7,
    "source": 0.6,
}
"""Ranking prior by kind: a reviewed answer to a question beats a rule text that happens to share
words with it; sources are citations first and answers last."""


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True, slots=True)
class Passage:
    id: str
    """`answer-id` for written answers, `KIND:ID` for knowledge passages."""
    kind: str
    title: str
    patient: str
    clinician: str
    cite: tuple[str, ...]
    questions: tuple[str, ...] = ()
    see: tuple[str, ...] = ()
    context: tuple[str, ...] = ()

    def text(self, clinician: bool) -> str:
        return self.clinician if clinician else self.patient

    @property
    def search_text(self) -> str:
        # Titles and question phrasings say what a passage is about; count them twice.
        head = " ".join((self.title, *self.questions))
        return f"{head} {head} {self.patient} {self.clinician}"

    @property
    def headlines(self) -> tuple[str, ...]:
        """Short texts embedded for semantic search: the title, each question, and the answer's
        opening sentences (people often ask in the answer's words rather than the question's)."""
        opening = [s for s in _SENTENCE.split(self.patient) if len(s) > 20][:2]
        return (self.title, *self.questions, *opening)


def build_passages(kb: Knowledge) -> tuple[Passage, ...]:
    return tuple(_answers(kb)) + tuple(_knowledge(kb))


def _answers(kb: Knowledge) -> Iterator[Passage]:
    if kb.answers is None:
        return
    for e in kb.answers.entries:
        yield Passage(e.id, "answer", e.title, e.patient, e.clinician, e.cite, e.questions, e.see,
                      tuple(c.value for c in e.context))


def _knowledge(kb: Knowledge) -> Iterator[Passage]:
    for r in kb.triage_rules:
        s = r.spec
        yield Passage(f"rule:{s.id}", "rule", s.title, s.patient, s.clinician, s.cite)
    for section in Treatments.model_fields:
        for t in getattr(kb.treatments, section):
            yield Passage(f"treatment:{t.id}", "treatment", t.patient_name or t.name, t.patient, t.clinician,
                          t.cite, (t.name,))
    for x in kb.exercises.values():
        how = " ".join(x.cues)
        yield Passage(f"exercise:{x.id}", "exercise", x.patient_name, how, how, x.cite, (x.name,))
    for i in kb.imaging.values():
        yield Passage(f"imaging:{i.id}", "imaging", i.title, i.patient, i.clinician, i.cite)
    for d in kb.drivers.values():
        yield Passage(f"driver:{d.id.value}", "driver", d.patient_name, d.patient, d.clinician, d.cite, (d.name,))
    for src in kb.sources.values():
        yield Passage(f"source:{src.id}", "source", src.title, src.note, src.note, (src.id,))
