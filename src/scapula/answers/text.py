"""Words for search: one normalisation for questions and passages, so they meet halfway.

People write "shoulderblade", "meds", "advil" and "neddling"; the passages say "shoulder blade",
"medicine", "ibuprofen" and "needling". Phrases are mapped to the knowledge base's words, endings
are trimmed, and a misspelt word is corrected to a known word one edit away.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

__all__ = ["Speller", "normalise", "tokens"]

# Everyday words -> the words the knowledge base uses. Both forms stay in the text.
SYNONYMS: dict[str, str] = {
    "shoulderblade": "shoulder blade scapula",
    "shoulderblades": "shoulder blade scapula",
    "shoulder blade": "scapula",
    "shoulder blades": "scapula",
    "scapulas": "scapula",
    "scapulae": "scapula",
    "scapular": "scapula",
    "upper back": "thoracic",
    "mid back": "thoracic",
    "middle of my back": "thoracic",
    "physio": "physiotherapy",
    "physical therapist": "physiotherapy",
    "physical therapy": "physiotherapy",
    "meds": "medicine",
    "painkillers": "medicine",
    "pills": "medicine tablets",
    "advil": "ibuprofen",
    "motrin": "ibuprofen",
    "nurofen": "ibuprofen",
    "aleve": "naproxen",
    "tylenol": "paracetamol",
    "acetaminophen": "paracetamol",
    "voltaren": "diclofenac gel",
    "anti inflammatory": "nsaid",
    "anti inflammatories": "nsaid",
    "antiinflammatory": "nsaid",
    "anti inflammatorys": "nsaid",
    "muscle relaxer": "muscle relaxant",
    "muscle relaxers": "muscle relaxant",
    "chiropractor": "manipulation chiropractic",
    "chiro": "manipulation chiropractic",
    "cracked": "manipulation",
    "cracking": "manipulation",
    "crack": "manipulation",
    "knot": "trigger point",
    "knots": "trigger point",
    "scan": "imaging",
    "scans": "imaging",
    "xray": "x-ray",
    "xrayed": "x-ray",
    "x rayed": "x-ray",
    "gym": "training",
    "lifting weights": "training",
    "workout": "training",
    "computer": "desk screen",
    "monitor": "screen",
    "couch": "sofa",
    "pins and needles": "tingling",
    "ice": "cold",
    "icing": "cold",
    "heating pad": "heat",
    "hot": "heat",
    "cortisone": "steroid injection",
    "prednisone": "steroid",
    "prednisolone": "steroid",
    "nerve floss": "nerve slider",
    "nerve flossing": "nerve slider",
    "nerve glide": "nerve slider",
    "nerve glides": "nerve slider",
    "ribcage": "rib",
    "slouching": "posture",
    "slumped": "posture sofa",
    "rehab": "rehabilitation phase",
    "wear and tear": "degeneration",
}

STOPWORDS = frozenset(
    """a about above after again all am an and any are as at be because been before being below both but
    by can could did do does doing down during each few for from further had has have having he her here
    hers him his how i if in into is it its itself just me more most my myself no nor not now of off on
    once only or other our ours out over own same she should so some such than that the their them then
    there these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours im ive id dont its whats thats get got any really
    also much many one thing things like just ok okay help pls please""".split()  # noqa: SIM905
)

_WORD = re.compile(r"[a-z0-9]+")
_PHRASES = sorted(SYNONYMS, key=len, reverse=True)
_PHRASE_RE = re.compile(r"\b(" + "|".join(re.escape(p) for p in _PHRASES) + r")\b")


def plain(text: str) -> str:
    """Lower case, apostrophes dropped, hyphens and other punctuation as spaces."""
    text = text.lower().replace("\u2019", "").replace("'", "").replace("-", " ")
    return re.sub(r"[^a-z0-9 ]+", " ", text)


def normalise(text: str) -> str:
    """`plain`, with synonyms added after the phrases they explain."""
    return _PHRASE_RE.sub(lambda m: f"{m.group(0)} {SYNONYMS[m.group(0)]}", plain(text))


def _stem(word: str) -> str:
    # A deliberately small stemmer: enough to join plurals and verb forms, never clever.
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ly", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4 and not word.endswith("ss"):
            return word[: len(word) - len(suffix)] + repl
    return word


def words(text: str) -> list[str]:
    """Content words of a normalised text, unstemmed."""
    return [w for w in _WORD.findall(normalise(text).replace(" x ray", " xray")) if w not in STOPWORDS]


def tokens(text: str, speller: Speller | None = None) -> list[str]:
    """Stemmed content words, spelling corrected when a speller is given."""
    found = words(text)
    if speller is not None:
        found = [speller.correct(w) for w in found]
    return [_stem(w) for w in found]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Speller:
    """Corrects a word to the most frequent known word within one edit (deletion index)."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.counts = Counter(vocabulary)
        index: dict[str, set[str]] = {}
        for word in self.counts:
            if len(word) >= 4:
                for variant in _deletes(word) | {word}:
                    index.setdefault(variant, set()).add(word)
        self._index = index

    def correct(self, word: str) -> str:
        if word in self.counts or len(word) < 6 or word.isdigit():
            return word
        candidates: set[str] = set(self._index.get(word, ()))
        for variant in _deletes(word):
            candidates |= self._index.get(variant, set())
        if not candidates:
            return word
        return max(sorted(candidates), key=lambda c: self.counts[c])
