"""Answers to follow-up questions, as a person meets them: cited, safety first, honest when unknown."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from scapula.answers import Answerer, QuestionError, answer
from scapula.answers.retrieval import semantic_available
from scapula.engine import assess
from scapula.errors import KnowledgeError
from scapula.intake import parse_intake
from scapula.knowledge import DATA_DIR, Knowledge, load_knowledge

from .conftest import ROOT

SPEC = yaml.safe_load((ROOT / "tests" / "spec" / "questions.yaml").read_text(encoding="utf-8"))
QUESTIONS: list[dict[str, Any]] = SPEC["questions"]
# Safety is checked on every question set, the held-out ones included: a warning sign that slips
# through is the one miss that must not happen.
RED_FLAG_QUESTIONS = [
    q["q"]
    for path in sorted((ROOT / "tests" / "spec").glob("questions*.yaml"))
    for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    if q.get("red_flag")
]
LEXICAL = "lexical"


def ask(question: str, **options: Any):  # type: ignore[no-untyped-def]
    return answer(question, mode=options.pop("mode", LEXICAL), **options)


def test_every_answer_block_cites_known_sources(kb: Knowledge) -> None:
    for q in QUESTIONS + [{"q": x} for x in SPEC["out_of_scope"]]:
        for audience in ("patient", "clinician"):
            result = ask(q["q"], audience=audience)
            for block in result.blocks:
                if block.kind == "no_answer":
                    continue
                assert block.cite, f"{q['q']!r}: block {block.title!r} has no citation"
                assert set(block.cite) <= set(kb.sources), block.cite
                assert set(block.cite) <= set(result.sources)


def test_answers_are_extracted_from_the_knowledge_files_never_written(kb: Knowledge) -> None:
    texts = {e.patient for e in kb.answers.entries} | {t.patient for t in kb.treatments.safety_net}
    result = ask("does dry needling help upper back pain?")
    assert result.answer_id == "dry-needling"
    assert result.blocks[0].text in texts


def test_the_index_rebuilds_identically_from_the_same_files(kb: Knowledge) -> None:
    first, second = Answerer(kb), Answerer(load_knowledge(DATA_DIR))
    assert [p.id for p in first.passages] == [p.id for p in second.passages]
    for q in QUESTIONS[:40]:
        assert [(h.passage.id, round(h.score, 9)) for h in first.search(q["q"], LEXICAL)] == [
            (h.passage.id, round(h.score, 9)) for h in second.search(q["q"], LEXICAL)
        ]



@pytest.mark.skipif(not semantic_available(), reason="needs the semantic extra (pip install scapula[semantic])")
def test_the_semantic_index_rebuilds_identically_with_or_without_its_cache(
    kb: Knowledge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scapula.answers.retrieval import SemanticIndex, load_model

    model = load_model()
    passages = Answerer(kb).passages
    monkeypatch.setenv("SCAPULA_CACHE_DIR", str(tmp_path))
    fresh = SemanticIndex(passages, model)  # embeds and fits the classifier, then caches both
    assert sorted(f.name.split("-")[0] for f in (tmp_path / "scapula").iterdir()) == ["classifier", "embeddings"]
    cached = SemanticIndex(passages, model)
    for q in QUESTIONS[:20]:
        assert [(h.passage.id, round(h.score, 5)) for h in fresh.search(q["q"])] == [
            (h.passage.id, round(h.score, 5)) for h in cached.search(q["q"])
        ]

def test_a_new_entry_in_answers_yaml_is_answerable(tmp_path: Path) -> None:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    data = yaml.safe_load((target / "answers.yaml").read_text(encoding="utf-8"))
    data["entries"].append({
        "id": "swimming-backstroke", "topic": "training", "title": "Swimming backstroke",
        "questions": ["Can I swim backstroke?"],
        "patient": "Backstroke is usually fine once reaching overhead is comfortable.",
        "clinician": "Reintroduce backstroke when overhead elevation is pain-free.",
        "cite": ["seed-element-one-scapula"],
    })
    (target / "answers.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    result = Answerer(load_knowledge(target)).answer("is backstroke swimming ok?", mode=LEXICAL)
    assert result.answer_id == "swimming-backstroke"


@pytest.mark.parametrize("question", RED_FLAG_QUESTIONS)
def test_a_question_naming_a_warning_sign_leads_with_safety_advice(question: str) -> None:
    result = ask(question)
    assert result.leads_with_safety, [b.kind for b in result.blocks]


def test_safety_comes_first_even_when_the_answer_is_about_something_else() -> None:
    result = ask("I have a fever, can I use a heat pack on my back?")
    assert [b.kind for b in result.blocks][:2] == ["safety", "answer"]
    assert "24 hours" in result.blocks[0].text


def test_hay_fever_is_not_a_fever() -> None:
    assert not ask("does hay fever make my upper back hurt?").leads_with_safety


@pytest.mark.parametrize("question", [
    "what is the capital of peru", "how do i get rid of acne", "how to cure a hangover",
    "can cats eat chocolate", "what is the stock market", "how many calories in an avocado",
])
def test_out_of_scope_questions_get_an_honest_no_answer(question: str) -> None:
    result = ask(question)
    assert not result.found
    assert result.blocks[-1].kind == "no_answer"
    assert "ask your clinician" in result.blocks[-1].text


def test_lexical_retrieval_finds_the_expected_entry_for_most_questions() -> None:
    right = sum(ask(q["q"]).answer_id in {q["expect"], *q.get("also", [])} for q in QUESTIONS)
    assert right / len(QUESTIONS) >= 0.8


def test_misspelt_questions_still_find_their_answer() -> None:
    assert ask("is dry neddling safe").answer_id == "dry-needling"
    assert ask("acupunture for back pain any good").answer_id == "acupuncture"


def _assessed(intake: dict[str, Any]) -> Any:
    return assess(parse_intake(intake), load_knowledge())


def test_an_urgent_assessment_is_named_in_every_answer() -> None:
    urgent = _assessed({"age": 58, "locations": ["interscapular"], "history": ["cancer"], "duration_weeks": 2})
    assert urgent.triage.level.value == "urgent"
    result = ask("can I still do pull ups?", assessment=urgent)
    personal = [b for b in result.blocks if b.kind == "personal"]
    assert personal and "You were advised: See a doctor within 24-48 hours" in personal[0].text
    assert "cancer" in personal[0].text.lower()
    assert [b.kind for b in result.blocks].index("personal") < [b.kind for b in result.blocks].index("answer")


def test_a_conservative_assessment_is_mentioned_only_where_it_matters() -> None:
    calm = _assessed({"age": 35, "locations": ["interscapular"], "aggravators": ["sitting"], "associated": [],
                      "history": [], "duration_weeks": 2, "improving": True})
    assert calm.triage.level.value == "conservative"
    scan = ask("do i need an mri", assessment=calm)
    assert any(b.kind == "personal" and "imaging" in b.title.lower() for b in scan.blocks)
    desk = ask("how should i set up my desk", assessment=calm)
    assert not any(b.kind == "personal" for b in desk.blocks)


def test_a_stored_assessment_dict_works_like_the_object() -> None:
    urgent = _assessed({"age": 58, "locations": ["interscapular"], "history": ["cancer"], "duration_weeks": 2})
    assert ask("will it come back", assessment=urgent.to_dict()).to_dict() == ask(
        "will it come back", assessment=urgent).to_dict()


def test_clinicians_get_clinical_wording() -> None:
    patient, clinician = ask("is dry needling safe"), ask("is dry needling safe", audience="clinician")
    assert patient.blocks[0].text != clinician.blocks[0].text
    assert "not diagnose" in patient.disclaimer and "not a diagnosis" in clinician.disclaimer


@pytest.mark.parametrize(("question", "problem"), [("", "must not be empty"), ("   ", "must not be empty"),
                                                    ("why " * 600, "is too long")])
def test_bad_questions_are_refused_naming_the_field(question: str, problem: str) -> None:
    with pytest.raises(QuestionError) as caught:
        ask(question)
    assert caught.value.problems[0].where == "question"
    assert caught.value.problems[0].problem == problem


# --------------------------------------------------------------------------- answers.yaml is checked


def _broken(tmp_path: Path, change: Any) -> str:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    data = yaml.safe_load((target / "answers.yaml").read_text(encoding="utf-8"))
    change(data)
    (target / "answers.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(target)
    return str(caught.value)


def test_an_answer_citing_an_unknown_source_is_rejected(tmp_path: Path) -> None:
    message = _broken(tmp_path, lambda d: d["entries"][0]["cite"].append("no-such-paper-2099"))
    assert "answers.yaml: causes-overview" in message and "no-such-paper-2099" in message


def test_an_answer_without_citations_is_rejected(tmp_path: Path) -> None:
    message = _broken(tmp_path, lambda d: d["entries"][1].update(cite=[]))
    assert "answers.yaml: between-shoulder-blades.cite" in message


def test_a_duplicate_answer_id_is_rejected(tmp_path: Path) -> None:
    message = _broken(tmp_path, lambda d: d["entries"][2].update(id=d["entries"][0]["id"]))
    assert "answers.yaml: causes-overview: duplicate id" in message


def test_a_dangling_reference_or_unknown_red_flag_fact_is_rejected(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["entries"][0]["see"] = ["exercise:moonwalk"]
        d["safety"][0]["facts"] = ["associated.itchy_nose"]
    message = _broken(tmp_path, change)
    assert "exercise:moonwalk" in message and "associated.itchy_nose" in message
