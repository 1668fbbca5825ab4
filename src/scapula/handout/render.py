"""Render a care plan as a printable A4 handout: HTML from a Jinja2 template, PDF with WeasyPrint.

The output depends only on the plan and the knowledge base (no clock, no randomness): the same
plan gives the same HTML. Each exercise's picture is the SVG drawn by
:func:`scapula.exercises.figures.render_figure`, painted as the background of its own box (a
``data:`` URI in the HTML; in the PDF, a short URL answered from memory). WeasyPrint puts each
background picture in a Form XObject of its own, drawn as vectors (sharp at any size, no raster);
the PDF therefore holds exactly one top-level Form XObject per exercise card, which is how the
tests count the pictures.

A referral plan (emergency, urgent) shows the referral first, then the safety net and the
references, and nothing that could delay care: no exercises, no self-care.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import jinja2
from markupsafe import Markup

from ..assessment import Audience
from ..exercises.catalogue import Exercise
from ..exercises.figures import render_figure
from ..knowledge import Knowledge
from ..plan.model import Milestone, Option, Phase, Plan, PlannedExercise
from ..vocabulary import LEVEL_ORDER, Level

__all__ = ["FIGURE_WIDTH_MM", "handout_context", "render_handout_html", "render_handout_pdf"]

FIGURE_WIDTH_MM = 70.0
"""Printed width of each exercise picture."""

_SIZE = re.compile(rb'<svg\b[^>]*?\swidth="([\d.]+)mm"[^>]*?\sheight="([\d.]+)mm"', re.S)
_FIGURE_SCHEME = "scapula-figure:"

# Headings and fixed phrases, by audience. Clinical content comes from the plan and the knowledge
# base; these are only the signposts of the page.
_WORDS: dict[Audience, dict[str, str]] = {
    Audience.patient: {
        "title": "Your plan for upper back and shoulder-blade pain",
        "kicker": "Care plan handout",
        "stage": "Stage",
        "referral_kicker": "What to do now",
        "why": "Why",
        "imaging": "About scans",
        "safety": "When to seek care now",
        "safety_intro": "Stop the plan and get help straight away if any of these happen.",
        "safety_intro_referral": "While you wait to be seen, get help straight away if any of these happen.",
        "summary": "Your plan at a glance",
        "focus": "What the plan works on",
        "roadmap": "Your plan, stage by stage",
        "goals": "Goals",
        "milestones": "Targets to tick off",
        "measure": "Target (tick the box when you reach it)",
        "visits": "Visits",
        "advance": "Move on when",
        "stay": "Stay a little longer when",
        "step_back": "Step back when",
        "exercises": "Your exercises",
        "exercises_for": "exercises",
        "how": "How to do it",
        "easier": "Easier",
        "harder": "Harder",
        "take_care": "Take care",
        "needs": "You need",
        "nothing_needed": "Nothing",
        "excluded": "Exercises left out for you",
        "equipment_assumed": "We assumed you have: {items}. Tell your physiotherapist if you do not.",
        "self_care": "Looking after yourself",
        "ergonomics": "At your desk and in daily life",
        "treatments": "Treatments",
        "suitable": "May help",
        "discuss": "Discuss first",
        "not_suitable": "Not suitable for you",
        "medicines": "Medicines: information to discuss with your clinician",
        "medicines_intro": (
            "This is general information, not a prescription. Check with your doctor or pharmacist "
            "before you start, change or combine any medicine."
        ),
        "avoid": "Things to avoid for now",
        "specialist": "When to see a specialist",
        "escalate": "When to get your plan reviewed",
        "because": "Because",
        "cautions": "Caution",
        "references": "References",
        "step": "Step",
        "page": "Page",
        "of": "of",
    },
    Audience.clinician: {
        "title": "Care plan: thoracic and scapular pain",
        "kicker": "Clinical care plan",
        "stage": "Phase",
        "referral_kicker": "Referral",
        "why": "Reasons",
        "imaging": "Imaging",
        "safety": "When to seek care now",
        "safety_intro": "Safety-net advice to give the patient: stop the plan and seek care if any of these occur.",
        "safety_intro_referral": "Safety-net advice to give the patient while the referral is arranged.",
        "summary": "Summary",
        "focus": "Target drivers",
        "roadmap": "Phase roadmap",
        "goals": "Goals",
        "milestones": "Milestones",
        "measure": "Milestone",
        "visits": "Visits",
        "advance": "Advance when",
        "stay": "Stay when",
        "step_back": "Step back when",
        "exercises": "Exercise prescription",
        "exercises_for": "exercises",
        "how": "Cues",
        "easier": "Regression",
        "harder": "Progression",
        "take_care": "Cautions",
        "needs": "Equipment",
        "nothing_needed": "None",
        "excluded": "Excluded exercises",
        "equipment_assumed": "Equipment not recorded; assumed: {items}.",
        "self_care": "Self-management",
        "ergonomics": "Ergonomics",
        "treatments": "Passive and adjunct treatments",
        "suitable": "Option",
        "discuss": "Option",
        "not_suitable": "Not suitable",
        "medicines": "Medicines: information to discuss with the prescribing clinician",
        "medicines_intro": "Information for shared decision-making, not a prescription; check interactions and comorbidities.",
        "avoid": "Avoid",
        "specialist": "Specialist referral",
        "escalate": "Escalation criteria",
        "because": "Applies because",
        "cautions": "Caution",
        "references": "References",
        "step": "Step",
        "page": "Page",
        "of": "of",
    },
}


_TAGS: dict[Level, str] = {
    Level.emergency: "Emergency",
    Level.urgent: "Urgent",
    Level.medical_review: "See a doctor",
    Level.conservative: "Mention it",
}
"""Short labels for safety-net signs: each sign's own text says how soon."""


@dataclass(frozen=True, slots=True)
class Picture:
    """An exercise figure ready for the page."""

    uri: str
    width_mm: float
    height_mm: float
    alt: str


def render_handout_html(plan: Plan, kb: Knowledge) -> str:
    """The handout as one self-contained HTML document (styles and pictures inline)."""
    return _template().render(**handout_context(plan, kb))


def render_handout_pdf(plan: Plan, kb: Knowledge) -> bytes:
    """The handout as an A4 PDF.

    The pictures are referred to by short ``scapula-figure:`` URLs that a private fetcher answers
    from memory (WeasyPrint tokenises CSS in Python, and a long data URI costs several ms). The
    fetcher answers nothing else: rendering never touches the network or the file system.
    """
    import weasyprint  # imported late: loading it costs ~0.3 s and not every caller needs a PDF

    figures: dict[str, bytes] = {}
    context = handout_context(plan, kb, figures=figures)
    context["css"] = ""  # the parsed stylesheet below is reused from one handout to the next
    html = _template().render(**context)
    # Fonts stay subset: embedding whole fonts saves ~0.3 s but loses the text mapping of ligatures
    # (copying "tick off" from the PDF, and screen readers, would break).
    return weasyprint.HTML(string=html, url_fetcher=_fetcher(figures)).write_pdf(stylesheets=[_stylesheet()])


def handout_context(plan: Plan, kb: Knowledge, *, figures: dict[str, bytes] | None = None) -> dict[str, Any]:
    """Everything the template reads, computed here so the template only lays it out.

    With ``figures`` (a dict), pictures are referred to as ``scapula-figure:ID`` and their SVG is
    put in the dict; without it they are inline ``data:`` URIs.
    """
    audience = Audience(plan.audience)
    words = _WORDS[audience]
    numbers = _reference_numbers(plan)
    referral = plan.kind == "referral"

    def cite(ids: list[str] | tuple[str, ...]) -> str:
        found = sorted({numbers[i] for i in ids if i in numbers})
        return ", ".join(str(n) for n in found)

    clinician = audience is Audience.clinician
    focus = [kb.drivers[d].name if clinician else kb.drivers[d].patient_name for d in plan.drivers]
    shown: dict[str, int] = {}
    phases = [] if referral else [_phase(p, kb, cite, figures, shown) for p in plan.phases]
    return {
        "plan": plan,
        "w": words,
        "css": Markup(_css()),
        "is_referral": referral,
        "level_title": kb.texts.levels[plan.triage_level].title,
        "level_class": str(plan.triage_level).replace("_", "-"),
        "referral": plan.referral,
        "referral_cite": cite(plan.referral.citations) if plan.referral else "",
        "safety_net": [_option(o, cite, kb) for o in _safety_order(plan.safety_net)],
        "focus": focus,
        "equipment_note": (
            words["equipment_assumed"].format(items=", ".join(_label(e) for e in plan.equipment))
            if plan.equipment_assumed and not referral else ""
        ),
        "phases": phases,
        "milestones": _milestone_grid(plan, kb, cite) if not referral else {"phases": [], "rows": []},
        "excluded": [] if referral else plan.excluded_exercises,
        "sections": [] if referral else _sections(plan, words, cite, kb),
        "escalate": [] if referral else plan.escalate,
        "references": _references(numbers, kb),
        "versions": f"Scapula {plan.engine_version} · knowledge {plan.knowledge_version}",
    }


# ------------------------------------------------------------------------------------------
# Building blocks
# ------------------------------------------------------------------------------------------


def _reference_numbers(plan: Plan) -> dict[str, int]:
    """Source id -> reference number, in the plan's order of first use."""
    order = list(dict.fromkeys(plan.citations))
    # Anything cited but missing from plan.citations still gets a number (at the end).
    extra: list[str] = []
    if plan.referral:
        extra += plan.referral.citations
    for phase in plan.phases:
        extra += phase.citations
        for m in phase.milestones:
            extra += m.citations
        for e in phase.exercises:
            extra += e.citations
    for group in (plan.safety_net, plan.self_care, plan.ergonomics, plan.treatments, plan.medicines,
                  plan.avoid, plan.specialist):
        for o in group:
            extra += o.citations
    order += [c for c in dict.fromkeys(extra) if c not in order]
    return {source: n for n, source in enumerate(order, start=1)}


def _references(numbers: dict[str, int], kb: Knowledge) -> list[dict[str, Any]]:
    out = []
    for source_id, n in numbers.items():
        source = kb.sources.get(source_id)
        out.append({
            "n": n,
            # Hanging numbers as text (cheaper to lay out than list markers); a figure space pads
            # 1-9 so that every number has the width of two digits.
            "label": f"{n:>2}.".replace(" ", "\u2007") + "\u00a0",
            "id": source_id,
            "citation": source.citation if source else source_id,
            "link": source.link if source else None,
            "link_text": source.link_text if source else None,
        })
    return out


def _safety_order(options: list[Option]) -> list[Option]:
    """Emergency signs first, then urgent, then the rest (stable within a level)."""
    return sorted(options, key=lambda o: -LEVEL_ORDER[Level(o.level)] if o.level else 1)


def _option(option: Option, cite: Any, kb: Knowledge) -> dict[str, Any]:
    return {
        "o": option,
        "cite": cite(option.citations),
        "level_title": _TAGS[Level(option.level)] if option.level else "",
        "level_class": str(option.level).replace("_", "-") if option.level else "",
    }


def _sections(plan: Plan, words: dict[str, str], cite: Any, kb: Knowledge) -> list[dict[str, Any]]:
    def section(key: str, options: list[Option], *, split: bool = False, intro: str = "") -> dict[str, Any]:
        items = [_option(o, cite, kb) for o in options]
        if split:  # suitable first, then the ones ruled out, each group in plan order
            items = [i for i in items if i["o"].suitable] + [i for i in items if not i["o"].suitable]
        return {"key": key, "title": words[key], "intro": intro, "entries": items, "split": split}

    sections = [
        section("self_care", plan.self_care),
        section("ergonomics", plan.ergonomics),
        section("treatments", plan.treatments, split=True),
        section("medicines", plan.medicines, split=True, intro=words["medicines_intro"]),
        section("avoid", plan.avoid),
        section("specialist", plan.specialist),
    ]
    return [s for s in sections if s["entries"]]


def _phase(phase: Phase, kb: Knowledge, cite: Any, figures: dict[str, bytes] | None,
           shown: dict[str, int]) -> dict[str, Any]:
    """A phase's cards. An exercise already drawn in an earlier stage gets a short 'keep going'
    line with its new dose instead of a second card: shorter to read, faster to lay out."""
    cards, again = [], []
    for e in phase.exercises:
        if e.id in shown:
            again.append({"e": e, "stage": shown[e.id]})
        else:
            shown[e.id] = phase.number
            cards.append(_exercise(e, kb, cite, figures))
    return {
        "p": phase,
        "weeks": f"{phase.weeks[0]}–{phase.weeks[1]}",
        "cite": cite(phase.citations),
        "exercises": cards,
        "again": again,
    }


def _milestone_grid(plan: Plan, kb: Knowledge, cite: Any) -> dict[str, Any]:
    """One row per milestone, one column per phase: the targets side by side, so the direction of
    travel is visible at a glance and each sentence is printed once."""
    clinician = Audience(plan.audience) is Audience.clinician
    wording = {m.id: (m.clinician if clinician else m.patient) for m in kb.plan.milestones}
    numbers = [p.number for p in plan.phases]
    rows: dict[str, dict[str, Any]] = {}
    for phase in plan.phases:
        for m in phase.milestones:
            row = rows.setdefault(m.id, {
                "text": wording[m.id].replace("{target}", "…") if m.id in wording else m.text,
                "targets": {}, "citations": [],
            })
            row["targets"][phase.number] = _target(m)
            row["citations"] += m.citations
    return {
        "phases": numbers,
        "rows": [
            {"text": r["text"], "targets": [r["targets"].get(n) for n in numbers], "cite": cite(r["citations"])}
            for r in rows.values()
        ],
    }


def _target(m: Milestone) -> dict[str, str]:
    """The target as a figure with its direction (``≤ 4``) and its unit in words."""
    sign = "≥" if m.better == "higher" else "≤"
    value = f"{m.target:g}"
    if m.unit == "0-10":
        return {"value": f"{sign} {value}/10", "unit": ""}
    if m.unit.startswith("%"):
        return {"value": f"{sign} {value}%", "unit": m.unit[1:].strip()}
    return {"value": f"{sign} {value}", "unit": m.unit}


def _exercise(planned: PlannedExercise, kb: Knowledge, cite: Any,
              figures: dict[str, bytes] | None) -> dict[str, Any]:
    exercise = kb.exercises.get(planned.id)
    return {
        "e": planned,
        "cite": cite(planned.citations),
        "equipment": [_label(x) for x in planned.equipment],
        "picture": _picture(exercise, planned.name, figures) if exercise is not None else None,
    }


def _picture(exercise: Exercise, name: str, figures: dict[str, bytes] | None) -> Picture:
    svg = render_figure(exercise).encode("utf-8")
    match = _SIZE.search(svg)
    ratio = float(match.group(2)) / float(match.group(1)) if match else 0.66
    if figures is None:
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    else:
        figures[exercise.id] = svg
        uri = _FIGURE_SCHEME + exercise.id
    return Picture(uri=uri, width_mm=FIGURE_WIDTH_MM, height_mm=round(FIGURE_WIDTH_MM * ratio, 1),
                   alt=f"{name}: start and end positions")


def _fetcher(figures: dict[str, bytes]) -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class FigureFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url.startswith(_FIGURE_SCHEME) and url[len(_FIGURE_SCHEME):] in figures:
                return URLFetcherResponse(url, figures[url[len(_FIGURE_SCHEME):]],
                                          headers={"Content-Type": "image/svg+xml"})
            raise ValueError(f"the handout loads nothing from outside (asked for {url[:80]!r})")

    return FigureFetcher()


def _label(value: str) -> str:
    return value.replace("_", " ")


@cache
def _css() -> str:
    return (files(__package__) / "static" / "handout.css").read_text(encoding="utf-8")


@cache
def _stylesheet() -> Any:
    import weasyprint

    return weasyprint.CSS(string=_css())


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("handout.html.j2")
