"""Warning signs in a question, however it is worded: every term and every combination of words in
answers.yaml's `safety` section leads the answer with safety advice, alone and hidden in a long,
ordinary question; ordinary questions do not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from scapula.answers.safety import SafetyMatcher, stated_age
from scapula.answers.text import plain
from scapula.knowledge import load_knowledge

from .conftest import ROOT
from .test_answers import _broken, ask

KB = load_knowledge()
MATCHER = SafetyMatcher(KB)
TOPICS = KB.answers.safety if KB.answers else ()

# Words around a sign in the "hidden" cases: an ordinary desk-and-gym question.
BEFORE = "i sit at a laptop all day and my upper back and right shoulder blade ache, i also lift 3 times a week and"
AFTER = "so should i stop training or keep doing my exercises and stretches?"


def _first(group: str) -> str:
    return group.split("|")[0].strip().rstrip("*")


def _combinations() -> list[Any]:
    """One question per `together` rule: the first word of each group, apart, with filler between."""
    cases = []
    for topic in TOPICS:
        for rule in topic.together:
            words = [_first(g) for g in rule.split("+")]
            cases.append(pytest.param(topic.id, " lately, and ".join(words), id=f"{topic.id}:{rule[:30]}"))
    return cases


def _aged() -> list[Any]:
    """One question per `aged` rule: the first word of each group, said by someone of that age."""
    return [pytest.param(topic.id, rule.at_least, " and ".join(_first(g) for g in together.split("+")),
                         id=f"{topic.id}:{rule.at_least}:{together[:30]}")
            for topic in TOPICS for rule in topic.aged for together in rule.together]


def _terms() -> list[Any]:
    return [pytest.param(t.id, term, id=f"{t.id}:{term}") for t in TOPICS for term in t.terms]


def _topics(question: str) -> list[str]:
    return [note.topic for note in MATCHER.notes(question, clinician=False)]


@pytest.mark.parametrize(("topic", "words"), _combinations())
def test_words_naming_a_sign_together_are_found_alone_and_hidden(topic: str, words: str) -> None:
    assert topic in _topics(words)
    assert topic in _topics(f"{BEFORE} {words}, {AFTER}")


@pytest.mark.parametrize(("topic", "age", "words"), _aged())
def test_words_naming_a_sign_from_an_age_on_are_found_at_that_age_only(topic: str, age: int, words: str) -> None:
    assert topic in _topics(f"i'm {age} and {words}")
    assert topic in _topics(f"{BEFORE} {words}, i am {age + 10} years old, {AFTER}")
    assert topic not in _topics(f"i'm {age - 1} and {words}")
    assert topic not in _topics(f"{BEFORE} {words}, {AFTER}")  # no age stated


@pytest.mark.parametrize(("question", "age"), [
    ("I'm 63 and never had back trouble", 63),
    ("my nan is 84 and slipped on the floor", 84),
    ("Dad (74) has a sore mid back", 74),
    ("she's 70 next month", 70),
    ("a 68 year old with interscapular pain", 68),
    ("aged 55, desk job", 55),
    ("I'm 63 kg and 30 years old", 30),
    ("I lift 100 kg and do 60 reps", None),
    ("did 20 minutes of stretching", None),
])
def test_the_age_a_question_states_is_read_and_numbers_with_units_are_not_ages(question: str,
                                                                               age: int | None) -> None:
    assert stated_age(plain(question)) == age


@pytest.mark.parametrize("question", [
    "I'm 33 and never had back pain before, it came on after moving house. Stretches?",
    "I'm 28 and took a tumble at frisbee, a bit stiff. Anything to do?",
])
def test_the_same_words_from_a_younger_person_are_not_a_sign(question: str) -> None:
    assert {"new-pain-later-life", "fracture-risk"}.isdisjoint(_topics(question))


@pytest.mark.parametrize(("topic", "term"), _terms())
def test_every_term_is_found_alone_and_hidden(topic: str, term: str) -> None:
    assert topic in _topics(term)
    assert topic in _topics(f"{BEFORE} {term} {AFTER}")


@pytest.mark.parametrize(("question", "topic"), [
    ("pain between my shoulder blades and a pressure feeling in my chest, should i be worried", "chest-pain"),
    ("feels like an elephant is sitting on my chest and my back hurts", "chest-pain"),
    ("my jaw aches and so does the spot between my shoulder blades", "chest-pain"),
    ("i went all sweaty and clammy with this upper back pain", "chest-pain"),
    ("sudden, the worst back pain i've ever had, between the shoulder blades", "tearing-pain"),
    ("i get winded on the stairs and my mid back hurts", "breathlessness"),
    ("my legs feel like they belong to someone else since the back pain started", "leg-weakness"),
    ("walking has got really hard and i keep stumbling", "leg-weakness"),
    ("i've been getting the sweats at night and my jeans are loose", "weight-loss"),
    ("dropped 6 kilos without trying, also mid back pain", "weight-loss"),
    ("my back pain is worst at night and nothing helps", "night-pain"),
    ("it's worse after a fatty meal, under the right shoulder blade", "organs"),
    ("feel sick and keep vomiting with this back pain", "organs"),
    ("tripped down the stairs and now my mid back hurts", "trauma"),
    ("on prednisolone daily for years, now new thoracic pain", "fracture-risk"),
    ("numb in the groin area and upper back pain", "bladder-bowel-saddle"),
    ("i can't hold my pee since the back pain got worse", "bladder-bowel-saddle"),
    ("my grip is getting weaker and i keep dropping things", "arm-weakness"),
    ("coughing and there's blood in the phlegm, back hurts too", "coughing-blood"),
    ("had melanoma removed 3 years ago, now upper back pain", "cancer-history"),
    # Signs that depend on the age the question states, or on words apart.
    ("I'm 63 and never had back trouble, now a constant ache between my shoulder blades. Stretches?",
     "new-pain-later-life"),
    ("My nan is 84, she slipped and sat down hard and now her mid back hurts when she moves", "fracture-risk"),
    ("my grandad went down on the patio yesterday and his back is killing him", "fracture-risk"),
    ("so done with this, ive been looking at my box of pills thinking about taking them all", "self-harm"),
])
def test_signs_told_in_a_persons_own_words_lead_with_safety(question: str, topic: str) -> None:
    assert topic in _topics(question)
    assert ask(question).leads_with_safety


@pytest.mark.parametrize("question", [
    "should i use hot or cold on my upper back",
    "can a rib be out of place? sharp stab in my back when i breathe in",
    "i fell asleep on the sofa and woke up with a stiff upper back",
    "do i have a slipped disc in my upper back? it came on at the gym",
    "what's the best pillow for sleeping with shoulder blade pain",
    "can a knot in my back send pain down my arm",
    "is it normal that my back hurts a bit while doing my exercises",
    "does poor posture at my desk cause pain between the shoulder blades",
    "i tore a muscle in my upper back lifting, how long to heal?",
    "does the doorway stretch help tight pecs and rounded shoulders",
    "Exercise or rest - which is better for upper back pain?",
    "my heart's not in the gym lately, how do I stay motivated with my back exercises",
])
def test_ordinary_questions_do_not_get_safety_advice(question: str) -> None:
    assert _topics(question) == []


def test_ordinary_questions_of_the_question_set_rarely_get_safety_advice() -> None:
    spec = yaml.safe_load((ROOT / "tests" / "spec" / "questions.yaml").read_text(encoding="utf-8"))
    ordinary = [q["q"] for q in spec["questions"] if not q.get("red_flag")]
    flagged = [q for q in ordinary if _topics(q)]
    # Erring towards safety is allowed, but a question about something else should not read as an alarm.
    assert len(flagged) <= len(ordinary) // 50, flagged


WARNING_SETS = sorted((ROOT / "tests" / "spec").glob("warning_signs*.yaml"))


def _warning_set(kind: str) -> list[Any]:
    return [pytest.param(q, id=f"{path.stem}:{n}") for path in WARNING_SETS
            for n, q in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))[kind])]


@pytest.mark.parametrize("question", _warning_set("red_flag"))
def test_warning_signs_in_peoples_own_words_lead_with_safety(question: str) -> None:
    assert _topics(question), question
    assert ask(question).leads_with_safety


def test_alarming_sounding_ordinary_questions_rarely_get_safety_advice() -> None:
    ordinary = [p.values[0] for p in _warning_set("ordinary")]
    flagged = [q for q in ordinary if _topics(q)]
    # These sets were written to look alarming on purpose (a band called Cardiac Arrest, a fever that
    # is long gone); an extra paragraph of safety advice for 1 in 10 of them is the price of erring
    # towards safety.
    assert len(flagged) <= len(ordinary) // 10, flagged


def test_a_combination_with_one_group_is_rejected_naming_it(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["safety"][0]["together"] = ["chest pain|pressure"]

    message = _broken(tmp_path, change)
    assert "answers.yaml: chest-pain" in message and "chest pain|pressure" in message
    assert "two or more groups" in message


def test_a_topic_with_nothing_to_match_is_rejected(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["safety"][0] = {"id": "chest-pain", "advice": d["safety"][0]["advice"]}

    message = _broken(tmp_path, change)
    assert "answers.yaml: chest-pain" in message and "terms, facts, together or aged" in message


def test_an_age_outside_adult_life_is_rejected(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["safety"][0]["aged"] = [{"at_least": 5, "together": ["fell"]}]

    message = _broken(tmp_path, change)
    assert "answers.yaml: chest-pain" in message and "at_least" in message


def test_a_warning_sign_is_explained_first_and_the_question_still_answered() -> None:
    result = ask("I have a fever, can I use a heat pack on my back?")
    kinds = [b.kind for b in result.blocks]
    assert kinds[:3] == ["safety", "answer", "related"]
    assert result.answer_id == "fever"
    assert "heat" in result.blocks[2].title.lower()  # what was asked comes right after


def test_a_sign_without_an_entry_of_its_own_names_the_entry_that_explains_it(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["safety"][0]["entry"] = "no-such-entry"

    message = _broken(tmp_path, change)
    assert "answers.yaml: safety chest-pain" in message and "no-such-entry" in message


def test_a_possessive_does_not_hide_a_sign() -> None:
    # "heart's" must read as "heart", not as the unrelated word "hearts".
    assert "chest-pain" in _topics("my heart's racing and there's an ache under my shoulder blade")
    assert "chest-pain" in _topics("My heart\u2019s pounding and my upper back hurts")
