"""What to do next in the plan: re-triage, review, step back, advance or hold.

Pure and deterministic: `today` is passed in, nothing reads a clock, a database or the network.
Order of precedence: a new red flag (re-triage) beats everything; no meaningful improvement after
4 weeks of care (medical review) beats stepping back; stepping back beats advancing; otherwise the
person advances when every criterion holds, and holds with the reasons why not.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta

from ..engine import assess
from ..intake import Intake
from ..intake.vocabulary import Associated
from ..knowledge import Knowledge, load_knowledge
from ..plan.model import Milestone
from .load import flare_runs, load_spikes, run_days
from .model import Baseline, Change, Decision, DecisionKind, DecisionReason, TrackingEntry
from .progress import (
    baseline_from_entries,
    meaningful_change,
    measures,
    milestone_checks,
    pain_summary,
    window,
)
from .rules import ProgressionRules, Words, load_progression

__all__ = ["RedFlagCheck", "decide", "red_flag_check_from"]

RedFlagCheck = Callable[[tuple[str, ...]], list[str]]
"""Given new `associated` symptoms, the red-flag rule ids they would fire (empty: none)."""


def red_flag_check_from(intake: Intake, kb: Knowledge | None = None) -> RedFlagCheck:
    """A red-flag check built on the engine: the intake plus the new symptoms is triaged again, and
    the red flags that fire now but did not fire on the intake alone are returned."""
    knowledge = kb or load_knowledge()
    before = set(assess(intake, knowledge).red_flags)

    def check(symptoms: tuple[str, ...]) -> list[str]:
        merged = list(dict.fromkeys([*(a.value for a in intake.associated or ()), *symptoms]))
        updated = intake.model_copy(update={"associated": [Associated(s) for s in merged]})
        return [r for r in assess(updated, knowledge).red_flags if r not in before]

    return check


def _n(value: float) -> str:
    return f"{round(value, 1):g}"


def _day(day: date) -> str:
    return f"{day.day} {day:%b}"


def _fill(words: Words, clinician: bool, values: dict[str, object]) -> str:
    """Format a text whose values may themselves be texts (fragments), resolved per audience."""
    done = {k: v for k, v in values.items() if not isinstance(v, Words)}
    pending = {k: v for k, v in values.items() if isinstance(v, Words)}
    while pending:
        for key, fragment in list(pending.items()):
            try:
                done[key] = fragment.text(clinician, **done)
            except KeyError:
                continue
            del pending[key]
            break
        else:
            raise KeyError(f"cannot fill {', '.join(pending)}")
    return words.text(clinician, **done)


def _reason(code: str, words: Words, **values: object) -> DecisionReason:
    fragments = [v.cite for v in values.values() if isinstance(v, Words)]
    cites = tuple(dict.fromkeys(c for group in (words.cite, *fragments) for c in group))
    return DecisionReason(code, _fill(words, False, values), _fill(words, True, values), cites)


def _pain(reference: tuple[float | None, float | None], recent: Sequence[TrackingEntry],
          rules: ProgressionRules) -> tuple[Change, Words] | None:
    """Compare like with like: worst-week pain when both sides have it, else pain now."""
    now, worst, _ = pain_summary(recent)
    ref_now, ref_worst = reference
    if ref_worst is not None and worst is not None:
        return meaningful_change(ref_worst, worst, rules=rules), rules.fragments.measure_worst
    if ref_now is not None and now is not None:
        return meaningful_change(ref_now, now, rules=rules), rules.fragments.measure_now
    return None


def _labels(symptoms: Iterable[str], kb: Knowledge | None) -> Words:
    labels = (kb or load_knowledge()).labels.values.get("associated", {})
    pick = lambda clinician: ", ".join(  # noqa: E731
        (labels[s].clinician if clinician else labels[s].patient) if s in labels else s for s in symptoms)
    return Words(patient=pick(False), clinician=pick(True), cite=("seed-droracle-interscapular",))


def decide(
    plan_phase: int,
    phase_started: date,
    today: date,
    entries: Iterable[TrackingEntry],
    baseline: Baseline | None = None,
    milestones: Sequence[Milestone] = (),
    red_flag_check: RedFlagCheck | None = None,
    *,
    rules: ProgressionRules | None = None,
    kb: Knowledge | None = None,
) -> Decision:
    """Decide the next step for a person in phase `plan_phase` (1-3) of their plan.

    `entries` are the person's current diary entries (entries after `today` are ignored);
    `baseline` is where they started (missing values come from the first diary week);
    `milestones` are the plan's milestones for the current phase; `red_flag_check` returns the
    red-flag rule ids that newly reported symptoms would fire (see `red_flag_check_from`; without
    one, any new symptom asks for re-triage).

    "This week" is today and the 6 days before. Pain is compared like with like: worst-week pain
    when both sides have it, else the median of pain now. Worsening is judged against the phase's
    first week once it no longer overlaps this week, before that against the week before the
    phase began, else the baseline; flares and spike-flares count only inside this phase, so a
    step back is not repeated for the event that caused it. Symptoms reported in the last 14 days
    are checked for red flags (the caller passes a check that ignores symptoms already cleared).
    """
    rules = rules or load_progression()
    if plan_phase not in (1, 2, 3):
        raise ValueError(f"plan_phase must be 1, 2 or 3 (got {plan_phase!r})")
    entries = sorted((e for e in entries if e.entry_date <= today), key=lambda e: e.entry_date)
    started = baseline.started if baseline else (entries[0].entry_date if entries else phase_started)
    base = baseline_from_entries(entries, started, baseline)
    span = rules.window_days
    recent = window(entries, today, span)
    first_recent = today - timedelta(days=span - 1)
    days_in_phase = (today - phase_started).days
    days_of_care = (today - base.started).days
    words, frag = rules.reasons, rules.fragments

    # -- 1. New red flags: re-triage at once.
    symptoms = tuple(dict.fromkeys(s for e in window(entries, today, rules.retriage.window_days)
                                   for s in e.new_symptoms))
    red_flags: list[str] = []
    retriage: list[DecisionReason] = []
    if symptoms:
        if red_flag_check is None:
            retriage.append(_reason("retriage_unchecked", words.retriage_unchecked, symptoms=_labels(symptoms, kb)))
        else:
            red_flags = list(red_flag_check(symptoms))
            if red_flags:
                retriage.append(_reason("retriage_red_flag", words.retriage_red_flag,
                                       symptoms=_labels(symptoms, kb), rules=", ".join(red_flags)))

    # -- Signals over the last week.
    pain = _pain((base.pain_now, base.pain_worst), recent, rules)
    _, _, psfs_now = pain_summary(recent)
    psfs_change = (meaningful_change(base.psfs, psfs_now, scale="psfs", rules=rules)
                   if base.psfs is not None and psfs_now is not None else None)
    checks = milestone_checks(milestones, measures(recent, base))
    spikes = load_spikes(entries, base.started, rules=rules)
    runs = [r for r in flare_runs(entries) if r[1] >= first_recent]

    # -- 2. Step back: pain meaningfully worse, a flare > 48 h, or a load spike followed by a flare.
    # Events count only inside this phase: what came before was acted on when the phase began
    # (after a step back, the same flare or rise must not step back again and again).
    back: list[DecisionReason] = []
    first_week = pain_summary(window(entries, phase_started + timedelta(days=span - 1), span))
    week_before = pain_summary(window(entries, phase_started - timedelta(days=1), span))
    if days_in_phase >= 2 * span - 1 and first_week[:2] != (None, None):
        reference, when = first_week[:2], frag.ref_phase_week  # no longer overlaps the current week
    elif week_before[:2] != (None, None):
        reference, when = week_before[:2], frag.ref_before_phase
    else:
        reference, when = (base.pain_now, base.pain_worst), frag.ref_baseline
    worse = _pain(reference, recent, rules)
    if worse and worse[0].direction == "worse":
        back.append(_reason("step_back_pain_worse", words.step_back_pain_worse, points=_n(worse[0].difference),
                           reference=_n(worse[0].baseline), current=_n(worse[0].current),
                           reference_when=when, measure=worse[1]))
    in_phase = [(max(r[0], phase_started), r[1]) for r in runs if r[1] >= phase_started]
    back += [_reason("step_back_long_flare", words.step_back_long_flare, days=run_days(r),
                    first=_day(r[0]), last=_day(r[1]))
             for r in in_phase if run_days(r) >= rules.flare.exceeds_48h_days]
    for spike in spikes:
        flares = [d for d in spike.flare_dates if max(first_recent, phase_started + timedelta(days=1)) <= d <= today]
        if not flares:
            continue
        if spike.ratio is not None and spike.chronic is not None and spike.ratio > rules.load.acwr_spike:
            detail = frag.spike_ratio
            values: dict[str, object] = {"volume": _n(spike.volume), "chronic": _n(spike.chronic),
                                         "ratio": f"{spike.ratio:.2f}"}
        else:
            detail, values = frag.spike_jump, {"percent": _n(spike.week_on_week_percent or 0)}
        back.append(_reason("step_back_spike_flare", words.step_back_spike_flare, week=spike.week,
                           detail=detail, flare_dates=", ".join(map(_day, flares)), **values))

    # -- 3. Review: weeks of care without meaningful improvement in pain (or function).
    review: list[DecisionReason] = []
    function_better = rules.review.function_counts and psfs_change is not None and (
        psfs_change.direction == "improved")
    if pain and days_of_care >= rules.review.after_days and pain[0].direction != "improved" and not function_better:
        review.append(_reason("review_no_improvement", words.review_no_improvement, weeks=days_of_care // 7,
                             **_pain_values(pain)))

    # -- 4. Advance criteria; each one that fails is a reason to hold.
    hold: list[DecisionReason] = []
    min_days = rules.advance.min_days_in_phase[plan_phase]
    if days_in_phase < min_days:
        hold.append(_reason("hold_too_early", words.hold_too_early, phase=plan_phase, days=days_in_phase,
                           min_days=min_days, remaining=min_days - days_in_phase))
    reported = len({e.entry_date for e in recent})
    if reported < rules.min_days_reported:
        hold.append(_reason("hold_few_entries", words.hold_few_entries, days=reported,
                           min_days=rules.min_days_reported))
    low = rules.advance.low_pain[plan_phase]
    pain_ok: Words | None = None
    if pain is None:
        hold.append(_reason("hold_no_pain", words.hold_no_pain))
    elif pain[0].direction == "improved":
        pain_ok = frag.pain_improved
    elif pain[0].current <= low:
        pain_ok = frag.pain_low
    else:
        hold.append(_reason("hold_pain", words.hold_pain, low=_n(low), **_pain_values(pain)))
    measurable = [c for c in checks if c.met is not None]
    met = sum(1 for c in measurable if c.met)
    needed = math.ceil(rules.advance.milestones_met_share * len(measurable) - 1e-9)
    if not measurable:
        hold.append(_reason("hold_no_milestones", words.hold_no_milestones))
    elif met < needed:
        hold.append(_reason("hold_milestones", words.hold_milestones, met=met, total=len(measurable),
                           needed=needed, unmet="; ".join(c.text.rstrip(". ") for c in measurable if not c.met)))
    long_runs = [run_days(r) for r in runs if run_days(r) >= rules.flare.may_exceed_48h_days]
    if long_runs:
        hold.append(_reason("hold_flare", words.hold_flare, days=max(long_runs)))

    # -- Choose: re-triage > review > step back > advance > hold.
    kind: DecisionKind
    reasons: list[DecisionReason]
    if retriage:
        kind, reasons = "retriage", retriage
    elif review:
        kind, reasons = "review", review + back
    elif back:
        kind, reasons = "step_back", back
    elif not hold and pain is not None and pain_ok is not None:
        kind = "advance"
        reasons = [_reason("advance_ready", words.advance_ready, met=met, total=len(measurable), phase=plan_phase,
                          days=days_in_phase, min_days=min_days, pain=pain_ok, low=_n(low), **_pain_values(pain))]
    else:
        kind, reasons = "hold", hold or [_reason("hold_steady", words.hold_steady)]
    also = tuple(k for k, found in (("review", review), ("step_back", back)) if found and k != kind)

    next_phase = {"advance": plan_phase + 1 if plan_phase < 3 else None,
                  "step_back": max(1, plan_phase - 1)}.get(kind, plan_phase)
    headline = rules.headlines.discharge if kind == "advance" and next_phase is None else getattr(
        rules.headlines, kind)
    head = {"phase": plan_phase, "next_phase": next_phase or "", "weeks": days_of_care // 7}
    return Decision(
        kind=kind, phase=plan_phase, next_phase=next_phase,
        headline_patient=headline.text(False, **head), headline_clinician=headline.text(True, **head),
        reasons=tuple(reasons),
        citations=tuple(dict.fromkeys([*headline.cite, *(c for r in reasons for c in r.citations)])),
        pain_change=pain[0] if pain else None, psfs_change=psfs_change,
        milestones=tuple(checks), spikes=tuple(spikes), red_flags=tuple(red_flags),
        days_in_phase=days_in_phase, days_of_care=days_of_care, also=also,
    )


def _pain_values(pain: tuple[Change, Words]) -> dict[str, object]:
    return {"baseline": _n(pain[0].baseline), "current": _n(pain[0].current), "measure": pain[1]}
