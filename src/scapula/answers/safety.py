"""Warning signs mentioned in a question. Matching is on the normalised question: by phrase, or by
words that together name a sign wherever they stand ("pressure ... in my chest"). The vocabulary is
answers.yaml's `safety` section plus the labels of the red-flag facts it names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..knowledge import Knowledge
from ..knowledge.schema import SafetyTopic
from .text import normalise, plain

__all__ = ["SafetyMatcher", "SafetyNote"]


@dataclass(frozen=True, slots=True)
class SafetyNote:
    topic: str
    title: str
    text: str
    cite: tuple[str, ...]
    source: str
    """The knowledge passage the advice is taken from (`treatment:sn-...` or `rule:...`)."""
    entry: str | None
    """The answer entry that explains the sign (answers.yaml: `entry`, or the entry with the topic's id)."""


_POSSESSIVE = re.compile(r"['\u2019]s\b", re.IGNORECASE)

# An age the question states, on the plain text ("I'm 63" reads "im 63"): after words that introduce
# one, or before "years old" and its short forms. A number followed by a unit is not an age.
_WHO = ("im|i am|am|aged|age|turned|turning|now|is|shes|hes|shes now|hes now|mum|mom|mother|dad|father|"
        "nan|nana|nanna|gran|granny|grandma|grandmother|grandad|grandpa|grandfather|husband|wife|partner")
_UNIT = r"(?!\s*(?:kg|kgs|kilo|kilos|lb|lbs|pounds|stone|percent|min|mins|minutes|km|miles|reps|sets|weeks|days|hours|hrs|cm|mm|degrees|bpm|mg|times|x)\b)"
_AGE = re.compile(
    rf"\b(?:{_WHO})\s+(\d{{2,3}})\b{_UNIT}"
    r"|\b(\d{2,3})\s*(?:years? old|yrs? old|yr old|year old|yo|y o|yrs|years of age|m|f|male|female|man|woman)\b"
)


def stated_age(text: str) -> int | None:
    """The oldest age a plain question states, if any ("my nan is 84" -> 84)."""
    ages = [int(a or b) for a, b in _AGE.findall(text)]
    return max((a for a in ages if 16 <= a <= 110), default=None)


def _pattern(phrases: set[str]) -> re.Pattern[str]:
    cleaned = sorted({normalise(p).strip() for p in phrases if p.strip()}, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(p) for p in cleaned) + r")\b")


def _group(alternatives: str) -> re.Pattern[str]:
    """One group of a `together` rule: whole words or phrases, or any ending after a '*'."""
    parts = []
    for word in alternatives.split("|"):
        # Spelled as normalise() leaves a question, without the synonyms it appends.
        stem = " ".join(plain(word.strip().rstrip("*")).split())
        parts.append(re.escape(stem) + ("" if word.strip().endswith("*") else r"\b"))
    return re.compile(r"\b(" + "|".join(parts) + ")")


def _together(rule: str) -> list[re.Pattern[str]]:
    return [_group(g) for g in rule.split("+")]


class SafetyMatcher:
    def __init__(self, kb: Knowledge) -> None:
        self.kb = kb
        topics = kb.answers.safety if kb.answers else ()
        entries = {e.id for e in kb.answers.entries} if kb.answers else set()
        self._entries = {t.id: t.entry or (t.id if t.id in entries else None) for t in topics}
        self._topics = [
            (t, _pattern(terms) if (terms := self._terms(t)) else None, [_together(r) for r in t.together],
             [(a.at_least, [_together(r) for r in a.together]) for a in t.aged],
             _pattern(set(t.unless)) if t.unless else None)
            for t in topics
        ]
        self._safety_net = {e.id: e for e in kb.treatments.safety_net}

    def _terms(self, topic: SafetyTopic) -> set[str]:
        terms = set(topic.terms)
        for fact in topic.facts:
            field, _, value = fact.partition(".")
            label = self.kb.labels.values.get(field, {}).get(value)
            if label is not None:
                terms |= {label.patient, label.clinician}
        return terms

    def notes(self, question: str, clinician: bool) -> list[SafetyNote]:
        # Read twice: as written, and with "'s" dropped, so "my heart's racing" is also "my heart
        # racing" (dropping the apostrophe alone would leave "hearts").
        texts = {" ".join(normalise(q).split()) for q in (question, _POSSESSIVE.sub("", question))}
        ages = {text: stated_age(text) or 0 for text in texts}
        found = []
        for topic, pattern, together, aged, unless in self._topics:
            for text in texts:
                cleared = unless.sub(" ", text) if unless else text
                rules = [*together, *(r for age, rs in aged if ages[text] >= age for r in rs)]
                if (pattern and pattern.search(cleared)) or any(all(g.search(cleared) for g in r) for r in rules):
                    found.append(self._note(topic, clinician))
                    break
        return found

    def _note(self, topic: SafetyTopic, clinician: bool) -> SafetyNote:
        advice = topic.advice
        if advice.safety_net is not None:
            entry = self._safety_net[advice.safety_net]
            text = entry.clinician if clinician else entry.patient
            return SafetyNote(topic.id, entry.patient_name or entry.name, text, entry.cite,
                              f"treatment:{entry.id}", self._entries[topic.id])
        rule = self.kb.rules[advice.rule or ""].spec
        return SafetyNote(topic.id, rule.title, rule.clinician if clinician else rule.patient, rule.cite,
                          f"rule:{rule.id}", self._entries[topic.id])
