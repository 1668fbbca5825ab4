"""The printable handout, read back from the PDF: what a person holding the paper would find.

Each plan is rendered once per session; the PDF is opened with pypdf (text, XObjects) and with
pypdfium2 (an independent count of the drawn pictures).
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from functools import cache
from html import unescape
from typing import Any

import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pypdf.generic import ContentStream

from scapula.assessment import Audience
from scapula.engine import assess
from scapula.handout import render_handout_html, render_handout_pdf
from scapula.handout.render import FIGURE_WIDTH_MM
from scapula.intake import parse_intake
from scapula.knowledge import load_knowledge
from scapula.plan import Plan, build_plan

DESK_WORKER: dict[str, Any] = {
    "age": 34, "sex": "female", "pain_now": 5, "pain_worst_week": 7, "duration_weeks": 5, "onset": "gradual",
    "side": "right", "locations": ["interscapular", "medial_scapular_border", "upper_trapezius"],
    "qualities": ["aching", "burning", "tension"], "aggravators": ["sitting", "laptop_work", "deep_breath"],
    "relievers": ["movement", "heat", "massage_short_term"], "patterns": ["end_of_day_spike", "intermittent"],
    "associated": ["headache"], "history": [], "desk_hours_per_day": 9, "laptop_without_external_screen": True,
    "training_volume_change_pct": 0, "improving": False,
}
LIFTER: dict[str, Any] = {
    "age": 29, "sex": "male", "pain_now": 4, "pain_worst_week": 6, "duration_weeks": 2,
    "onset": "after_training_increase", "side": "both",
    "locations": ["medial_scapular_border", "interscapular", "posterior_shoulder"],
    "qualities": ["aching", "stiffness"], "aggravators": ["pull_ups", "rowing", "pressing"],
    "relievers": ["rest", "movement"], "patterns": ["next_day_after_training"], "associated": [], "history": [],
    "exam_negative": ["midline_percussion_tenderness", "neck_movement_reproduces_scapular_pain"],
    "training_volume_change_pct": 60, "equipment": ["band", "dumbbell", "foam_roller", "bench", "pull_up_bar"],
}
CHEST_PAIN: dict[str, Any] = {
    "age": 58, "sex": "male", "pain_now": 3, "pain_worst_week": 7, "duration_weeks": 1, "onset": "gradual",
    "side": "central", "locations": ["interscapular", "jaw"], "qualities": ["pressure", "dull"],
    "aggravators": ["physical_exertion"], "relievers": ["rest"],
    "patterns": ["episodic_attacks", "worsening_progressively"], "associated": ["sweating", "shortness_of_breath"],
    "history": ["smoker", "hypertension", "hyperlipidemia"],
}
MEDICAL_REVIEW: dict[str, Any] = {
    "age": 39, "sex": "female", "pain_now": 5, "pain_worst_week": 6, "duration_weeks": 12, "onset": "gradual",
    "side": "both", "locations": ["interscapular", "upper_trapezius", "medial_scapular_border"],
    "qualities": ["aching", "tension", "burning"], "aggravators": ["sitting", "laptop_work"],
    "relievers": ["massage_short_term", "movement"], "patterns": ["end_of_day_spike"], "desk_hours_per_day": 9,
    "laptop_without_external_screen": True, "conservative_care_weeks": 8, "improving": False,
}
INTAKES: dict[str, dict[str, Any]] = {
    "desk-worker": DESK_WORKER, "lifter": LIFTER, "chest-pain": CHEST_PAIN, "medical-review": MEDICAL_REVIEW,
}
EXPECTED_LEVEL = {
    "desk-worker": "conservative", "lifter": "conservative", "chest-pain": "emergency",
    "medical-review": "medical_review",
}
SAFETY_HEADING = "When to seek care now"
MAX_SECONDS = 1.5


@cache
def made(name: str, audience: str = "patient") -> tuple[Any, Any, Plan]:
    kb = load_knowledge()
    intake = parse_intake(INTAKES[name])
    assessment = assess(intake, kb, audience=audience)
    return intake, assessment, build_plan(intake, assessment, kb)


@cache
def pdf_of(name: str, audience: str = "patient") -> bytes:
    return render_handout_pdf(made(name, audience)[2], load_knowledge())


def flat(text: str) -> str:
    """Text with every run of white space as one space (lines wrap differently on paper)."""
    return " ".join(text.split())


def page_texts(pdf: bytes) -> list[str]:
    return _page_texts(pdf)


@cache
def _page_texts(pdf: bytes) -> list[str]:  # pypdf's text extraction is slow: once per PDF
    return [flat(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def chosen(plan: Plan) -> list[str]:
    """Every distinct exercise chosen (one kept on in a later stage is drawn once)."""
    return list(dict.fromkeys(e.name for phase in plan.phases for e in phase.exercises))


@cache
def pictures_per_page(pdf: bytes) -> list[int]:
    """How many Form XObjects each page paints directly (``/Name Do`` in the page's own content
    stream). WeasyPrint puts each background picture in a Form XObject of its own; text and boxes
    are painted straight into the page."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    counts = []
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else {}
        counts.append(sum(
            1 for operands, operator in ContentStream(page.get_contents(), reader).operations
            if operator == b"Do" and xobjects[operands[0]].get_object()["/Subtype"] == "/Form"
        ))
    return counts


def pdfium_pictures(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height (mm) of every top-level form object, as pdfium draws the pages."""
    document = pdfium.PdfDocument(pdf)
    try:
        sizes = []
        for page in document:
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_FORM], max_depth=1):
                left, bottom, right, top = obj.get_bounds()
                sizes.append(((right - left) * 25.4 / 72, (top - bottom) * 25.4 / 72))
        return sizes
    finally:
        document.close()


# ------------------------------------------------------------------------------------------
# Every plan
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(INTAKES))
def test_the_pdf_opens_and_says_what_it_is(name: str) -> None:
    _, assessment, plan = made(name)
    assert plan.triage_level == EXPECTED_LEVEL[name]
    pdf = pdf_of(name)
    assert pdf.startswith(b"%PDF-")
    texts = page_texts(pdf)
    assert texts, "the PDF has no pages"
    assert SAFETY_HEADING in texts[0], "the safety net belongs on the first page"
    disclaimer = flat(assessment.disclaimer)
    assert disclaimer in texts[0]
    for number, text in enumerate(texts, start=1):
        assert disclaimer in text, f"page {number} has no disclaimer in its footer"
        assert f"Page {number} of {len(texts)}" in text


@pytest.mark.parametrize("name", ["desk-worker", "lifter", "medical-review"])
def test_every_chosen_exercise_is_named_and_pictured(name: str) -> None:
    _, _, plan = made(name)
    names = chosen(plan)
    assert names, "a rehabilitation plan should choose exercises"
    pdf = pdf_of(name)
    text = " ".join(page_texts(pdf))
    missing = [n for n in names if flat(n) not in text]
    assert not missing, f"exercise names missing from the PDF: {missing}"
    assert sum(pictures_per_page(pdf)) == len(names), "one embedded picture per chosen exercise"
    sizes = pdfium_pictures(pdf)
    assert len(sizes) == len(names), "pdfium finds the same pictures"
    for width, height in sizes:  # the figure as drawn: about 7 cm wide, legible
        assert width > FIGURE_WIDTH_MM * 0.8
        assert height > 15


def test_each_picture_sits_on_the_page_of_its_exercise() -> None:
    _, _, plan = made("desk-worker")
    pdf = pdf_of("desk-worker")
    names = set(map(flat, chosen(plan)))
    for number, (text, pictures) in enumerate(zip(page_texts(pdf), pictures_per_page(pdf), strict=True), 1):
        # A name repeated in a later stage's "keep going" list is not a card.
        cards = sum(text.count(name) for name in names) - text.count("(Stage ")
        assert pictures == cards, f"page {number}: {cards} exercise cards but {pictures} pictures"


def test_the_medical_review_plan_puts_the_review_first_and_keeps_to_stage_one() -> None:
    _, _, plan = made("medical-review")
    assert plan.referral is not None and len(plan.phases) == 1
    first = page_texts(pdf_of("medical-review"))[0]
    assert flat(plan.referral.what_to_do_now) in first
    assert first.index(plan.referral.title) < first.index(SAFETY_HEADING)


# ------------------------------------------------------------------------------------------
# Referral: nothing that could delay care
# ------------------------------------------------------------------------------------------


def test_the_emergency_handout_leads_with_the_referral_and_holds_no_exercise() -> None:
    kb = load_knowledge()
    _, _, plan = made("chest-pain")
    assert plan.kind == "referral" and plan.referral is not None
    pdf = pdf_of("chest-pain")
    texts = page_texts(pdf)
    first = texts[0]
    assert first.index(flat(plan.referral.what_to_do_now)) < first.index(SAFETY_HEADING)
    everything = " ".join(texts)
    for absent in ("Your exercises", "Your plan, stage by stage", "Looking after yourself", "Medicines"):
        assert absent not in everything
    assert not any(e.patient_name in everything for e in kb.exercises.values())
    assert sum(pictures_per_page(pdf)) == 0
    assert pdfium_pictures(pdf) == []


def test_the_safety_net_lists_emergency_signs_first() -> None:
    _, _, plan = made("desk-worker")
    html = render_handout_html(plan, load_knowledge())
    net = html[html.index('id="safety-net"'):html.index("</section>", html.index('id="safety-net"'))]
    levels = re.findall(r'<li class="sign level-([a-z-]*)"', net)
    assert levels and levels[0] == "emergency"
    rank = {"emergency": 0, "urgent": 1, "medical-review": 2, "conservative": 3, "": 4}
    assert [rank[x] for x in levels] == sorted(rank[x] for x in levels)


# ------------------------------------------------------------------------------------------
# Rehabilitation content
# ------------------------------------------------------------------------------------------


def test_the_rehabilitation_handout_carries_every_section() -> None:
    _, _, plan = made("desk-worker")
    text = " ".join(page_texts(pdf_of("desk-worker")))
    for heading in ("Your plan at a glance", "Your plan, stage by stage", "Targets to tick off", "Your exercises",
                    "Looking after yourself", "Medicines: information to discuss with your clinician",
                    "When to get your plan reviewed", "References"):
        assert heading in text, heading
    for phase in plan.phases:
        assert flat(phase.advance_when) in text
        assert flat(phase.step_back_when) in text
        assert flat(phase.visits) in text
    for option in plan.treatments + plan.medicines:
        assert flat(option.name) in text
        for reason in option.reasons:
            assert flat(reason) in text


def test_unsuitable_treatments_are_marked_with_their_reasons() -> None:
    _, _, plan = made("desk-worker")
    original = plan.treatments[0]
    ruled_out = replace(original, suitable=False, reasons=["Reason that rules it out for this person"])
    html = render_handout_html(replace(plan, treatments=[ruled_out, *plan.treatments[1:]]), load_knowledge())
    item = html[html.index('<li class="option not-suitable">'):]
    item = item[:item.index("</li>\n")]
    assert "Not suitable for you" in item and "Reason that rules it out for this person" in item


def test_references_are_numbered_in_order_of_first_use_with_links() -> None:
    kb = load_knowledge()
    _, _, plan = made("desk-worker")
    text = " ".join(page_texts(pdf_of("desk-worker")))
    references = text[text.rindex("References"):]
    reader = pypdf.PdfReader(io.BytesIO(pdf_of("desk-worker")))
    targets = {
        annot.get_object()["/A"].get("/URI")
        for page in reader.pages
        for annot in page.get("/Annots", [])
        if "/A" in annot.get_object()
    }
    for number, source_id in enumerate(plan.citations[:5], start=1):
        source = kb.sources[source_id]
        assert f"{number}. {flat(source.citation)[:40]}" in references
        if source.link:
            shown = f"doi:{source.doi}" if source.doi else source.url
            assert shown in references.replace(" ", "")
            assert source.link in targets  # printed short, but the link itself resolves


def test_the_clinician_handout_speaks_clinically() -> None:
    kb = load_knowledge()
    _, _, plan = made("lifter", Audience.clinician.value)
    html = render_handout_html(plan, kb)
    assert "Exercise prescription" in html and "Phase roadmap" in html
    assert all(e.name in unescape(html) for e in (x for p in plan.phases for x in p.exercises))


def test_plan_text_is_escaped() -> None:
    _, _, plan = made("desk-worker")
    hostile = replace(plan, summary='<script>alert("x")</script>')
    html = render_handout_html(hostile, load_knowledge())
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_same_plan_gives_the_same_handout(monkeypatch: pytest.MonkeyPatch) -> None:
    kb = load_knowledge()
    _, _, plan = made("lifter")
    assert render_handout_html(plan, kb) == render_handout_html(plan, kb)
    # Nothing in the handout reads the clock; only fontTools stamps the embedded font subsets with
    # the time, unless SOURCE_DATE_EPOCH says otherwise (reproducible builds).
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert render_handout_pdf(plan, kb) == render_handout_pdf(plan, kb)


def test_rendering_touches_nothing_outside() -> None:
    from scapula.handout.render import _fetcher

    _, _, plan = made("desk-worker")
    html = render_handout_html(plan, load_knowledge())
    assert not re.search(r'(src|url)\(?=?["\']?(https?|file):', html)
    fetch = _fetcher({"chin-tucks": b"<svg/>"})
    assert fetch("scapula-figure:chin-tucks").read() == b"<svg/>"
    for url in ("https://example.org/x.png", "file:///etc/passwd", "scapula-figure:unknown"):
        with pytest.raises(ValueError):
            fetch(url)
