"""Write example handouts: docs/examples/<name>.pdf, a PNG of each first page, and a README.

    python scripts/examples.py [OUTDIR]

Needs the test extras (pypdfium2 draws the PNGs). The output is reproducible: nothing reads the
clock, and SOURCE_DATE_EPOCH is set so that the font subsets fontTools embeds carry a fixed date.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

from scapula.engine import assess
from scapula.handout import render_handout_pdf
from scapula.intake import parse_intake
from scapula.knowledge import load_knowledge
from scapula.plan import build_plan

ROOT = Path(__file__).resolve().parent.parent
PNG_DPI = 110


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    story: str
    intake: dict[str, Any]


EXAMPLES = (
    Example(
        "desk-worker",
        "Desk worker: postural and scapular pain",
        "34-year-old on a laptop nine hours a day; aching and burning between and along the shoulder "
        "blades, worse sitting, end-of-day spikes, eased by movement and heat.",
        {
            "age": 34, "sex": "female", "pain_now": 5, "pain_worst_week": 7, "duration_weeks": 5,
            "onset": "gradual", "side": "right",
            "locations": ["interscapular", "medial_scapular_border", "upper_trapezius"],
            "qualities": ["aching", "burning", "tension"], "aggravators": ["sitting", "laptop_work", "deep_breath"],
            "relievers": ["movement", "heat", "massage_short_term"], "patterns": ["end_of_day_spike", "intermittent"],
            "associated": ["headache"], "history": [], "exam": ["forward_head_posture", "rounded_shoulders"],
            "desk_hours_per_day": 9, "laptop_without_external_screen": True, "training_volume_change_pct": 0,
            "improving": False,
        },
    ),
    Example(
        "lifter",
        "Lifter after a training spike: load versus capacity",
        "29-year-old who raised weekly pull-up and rowing volume by 60%; medial scapular ache the day "
        "after sessions; trains with bands, dumbbells, a bench and a pull-up bar.",
        {
            "age": 29, "sex": "male", "pain_now": 4, "pain_worst_week": 6, "duration_weeks": 2,
            "onset": "after_training_increase", "side": "both",
            "locations": ["medial_scapular_border", "interscapular", "posterior_shoulder"],
            "qualities": ["aching", "stiffness"], "aggravators": ["pull_ups", "rowing", "pressing"],
            "relievers": ["rest", "movement"], "patterns": ["next_day_after_training"], "associated": [],
            "history": [], "exam_negative": ["midline_percussion_tenderness", "neck_movement_reproduces_scapular_pain"],
            "training_volume_change_pct": 60, "equipment": ["band", "dumbbell", "foam_roller", "bench", "pull_up_bar"],
        },
    ),
    Example(
        "red-flag",
        "Red flag: urgent referral, no exercise",
        "64-year-old with a history of cancer and five weeks of constant mid-back pain that wakes her at "
        "night, with midline tenderness: the handout is the referral and the safety net, nothing else.",
        {
            "age": 64, "sex": "female", "pain_now": 6, "pain_worst_week": 8, "duration_weeks": 5,
            "onset": "gradual", "side": "central", "locations": ["thoracic_midline", "interscapular"],
            "qualities": ["deep", "aching"], "relievers": ["nothing"],
            "patterns": ["constant", "night_pain_unremitting"], "history": ["cancer"],
            "exam": ["midline_percussion_tenderness"],
            "exam_negative": ["sensory_level", "hyperreflexia", "myotomal_weakness"], "improving": False,
        },
    ),
)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else ROOT / "docs" / "examples"
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")  # read by fontTools when it subsets fonts
    kb = load_knowledge()
    rows = []
    for example in EXAMPLES:
        intake = parse_intake(example.intake)
        assessment = assess(intake, kb)
        plan = build_plan(intake, assessment, kb)
        start = time.perf_counter()
        pdf = render_handout_pdf(plan, kb)
        seconds = time.perf_counter() - start
        (out / f"{example.name}.pdf").write_bytes(pdf)
        document = pdfium.PdfDocument(pdf)
        try:
            pages = len(document)
            document[0].render(scale=PNG_DPI / 72).to_pil().save(out / f"{example.name}.png", optimize=True)
        finally:
            document.close()
        exercises = sum(len(p.exercises) for p in plan.phases)
        rows.append((example, plan.triage_level, plan.kind, exercises, pages))
        print(f"{example.name}: {plan.triage_level}, {plan.kind}, {exercises} exercises, {pages} pages, "
              f"{seconds:.2f} s", file=sys.stderr)
    (out / "README.md").write_text(_readme(rows), encoding="utf-8")
    return 0


def _readme(rows: list[tuple[Example, Any, str, int, int]]) -> str:
    lines = [
        "# Example handouts",
        "",
        "Printable A4 handouts made by `scapula.handout.render_handout_pdf` from three example intakes",
        "(patient language). Regenerate with `python scripts/examples.py`; the intakes are in that script.",
        "Each image is the first page at 110 dpi.",
        "",
        "| Example | Triage | Plan | Exercises | Pages |",
        "|---|---|---|---|---|",
    ]
    for example, level, kind, exercises, pages in rows:
        lines.append(f"| [{example.title}]({example.name}.pdf) | {level} | {kind} | {exercises} | {pages} |")
    for example, *_ in rows:
        lines += [
            "",
            f"## {example.title}",
            "",
            example.story,
            "",
            f"[PDF]({example.name}.pdf)",
            "",
            f"![First page of the {example.name} handout]({example.name}.png)",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
