"""Load the knowledge files once, check every reference, and freeze the result.

After `load_knowledge` returns, the engine never meets a missing id: every rule's condition names
real intake fields and values, every citation names a known source, every driver, condition and
imaging reference resolves.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import KnowledgeError, Problem
from ..exercises.catalogue import CatalogueError, Exercise, load_exercises
from ..intake.fields import FieldKind, field_registry
from ..vocabulary import ConditionId, DriverId
from .conditions import Check, Condition, ConditionSyntaxError, Facts, parse_condition
from .schema import (
    PASSAGE_KINDS,
    AnswerEntry,
    AnswersFile,
    ConditionInfo,
    DriverInfo,
    DriverRuleSpec,
    DriversFile,
    ImagingAdvice,
    Labels,
    PlanFile,
    SafetyTopic,
    Source,
    Texts,
    Treatments,
    TriageRuleSpec,
)

__all__ = ["DATA_DIR", "CompiledRule", "Knowledge", "RuleSet", "load_knowledge"]

DATA_DIR = Path(__file__).parent / "data"
RULE_FILES = ("rules_triage.yaml", "rules_drivers.yaml")
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Spec = TypeVar("Spec", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule with its condition parsed and compiled."""

    spec: TriageRuleSpec | DriverRuleSpec
    condition: Condition
    check: Check = field(repr=False)
    """Compiled condition: `check(facts.tokens, facts.numbers)`."""
    from_exam: bool
    """True when the rule rests on examination findings (weighs more for drivers)."""

    @property
    def id(self) -> str:
        return self.spec.id


class RuleSet:
    """Rules in file order, indexed so that only rules that could fire are evaluated."""

    __slots__ = ("_always", "_index", "rules")

    def __init__(self, rules: Iterable[CompiledRule]) -> None:
        self.rules = tuple(rules)
        index: dict[str, list[int]] = {}
        always: list[int] = []
        for n, rule in enumerate(self.rules):
            needed = rule.condition.necessary()
            if needed is None:
                always.append(n)
            else:
                for token in needed:
                    index.setdefault(token, []).append(n)
        self._index = {token: tuple(ns) for token, ns in index.items()}
        self._always = tuple(always)

    def __iter__(self) -> Iterator[CompiledRule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def fire(self, facts: Facts) -> list[CompiledRule]:
        """The rules whose conditions hold, in file order."""
        tokens, numbers, index = facts.tokens, facts.numbers, self._index
        candidates = set(self._always)
        for token in tokens:
            hit = index.get(token)
            if hit:
                candidates.update(hit)
        rules = self.rules
        return [rules[n] for n in sorted(candidates) if rules[n].check(tokens, numbers)]


@dataclass(frozen=True, slots=True)
class Knowledge:
    """Everything Scapula knows, loaded and checked. Immutable."""

    sources: Mapping[str, Source]
    triage_rules: RuleSet
    driver_rules: RuleSet
    drivers: Mapping[DriverId, DriverInfo]
    exam_multiplier: float
    imaging: Mapping[str, ImagingAdvice]
    conditions: Mapping[ConditionId, ConditionInfo]
    texts: Texts
    labels: Labels
    exercises: Mapping[str, Exercise]
    plan: PlanFile
    treatments: Treatments
    guards: Mapping[str, tuple[Condition, Check]]
    """Every `when` of plan.yaml, treatments.yaml and exercise contraindications, compiled."""
    version: str
    """Short hash of the knowledge files: recorded with every assessment."""
    answers: AnswersFile | None = None
    """Reviewed answers to common questions and the warning signs a question may mention."""
    _by_identity: dict[int, tuple[object, tuple[Condition, Check]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def _guard(self, when: object) -> tuple[Condition, Check]:
        # A plan asks about the same few hundred condition objects thousands of times; looking
        # them up by identity skips re-serialising each one to its JSON key. The entry keeps the
        # object alive, so its id cannot be reused by another.
        hit = self._by_identity.get(id(when))
        if hit is None or hit[0] is not when:
            hit = (when, self.guards[_key(when)])
            self._by_identity[id(when)] = hit
        return hit[1]

    def holds(self, when: object, facts: Facts) -> bool:
        """Whether a plan or treatment condition holds (`None` always holds)."""
        if when is None:
            return True
        return self._guard(when)[1](facts.tokens, facts.numbers)

    def matched(self, when: object, facts: Facts) -> list[str]:
        """The facts that made a plan or treatment condition hold."""
        return [] if when is None else self._guard(when)[0].matched(facts)

    @property
    def rules(self) -> dict[str, CompiledRule]:
        return {r.id: r for r in (*self.triage_rules, *self.driver_rules)}


class _Collector:
    """Gathers every problem across all files so one run reports them all."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, where: str, problem: str, hint: str | None = None) -> None:
        self.problems.append(Problem(where, problem, hint=hint))


def _read_yaml(path: Path, out: _Collector) -> Any:
    try:
        # The C loader when libyaml is present: start-up is dominated by parsing these files.
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader)
    except FileNotFoundError:
        out.add(path.name, "file is missing")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path.name}:{mark.line + 1}:{mark.column + 1}" if mark else path.name
        out.add(where, f"not valid YAML: {getattr(exc, 'problem', exc)}")
    return None


def _validate(model: type[Spec], data: Any, where: str, out: _Collector) -> Spec | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = ".".join(str(p) for p in err["loc"])
            out.add(f"{where}{'.' + loc if loc else ''}", err["msg"])
    return None


def _entries(model: type[Spec], data: Any, file: str, out: _Collector) -> list[Spec]:
    if not isinstance(data, list):
        out.add(file, "must be a YAML list of entries")
        return []
    seen: set[str] = set()
    items: list[Spec] = []
    for n, raw in enumerate(data, 1):
        ident = raw.get("id", f"#{n}") if isinstance(raw, dict) else f"#{n}"
        item = _validate(model, raw, f"{file}: {ident}", out)
        if item is None:
            continue
        if str(ident) in seen:
            out.add(f"{file}: {ident}", "duplicate id")
            continue
        seen.add(str(ident))
        items.append(item)
    return items


def _check_cites(cites: Iterable[str], sources: Mapping[str, Source], where: str, out: _Collector) -> None:
    for cite in cites:
        if cite not in sources:
            out.add(where, f"cites unknown source '{cite}'")


def _compile(spec: TriageRuleSpec | DriverRuleSpec, where: str, out: _Collector) -> CompiledRule | None:
    try:
        condition = parse_condition(spec.when)
    except ConditionSyntaxError as exc:
        out.add(where, f"condition: {exc}")
        return None
    from_exam = any(a.field in ("exam", "exam_negative") for a in condition.atoms())
    return CompiledRule(spec, condition, condition.compile(), from_exam)


def _key(when: object) -> str:
    return json.dumps(when, sort_keys=True)


def _compile_guards(whens: Iterable[tuple[str, object]], out: _Collector) -> dict[str, tuple[Condition, Check]]:
    compiled: dict[str, tuple[Condition, Check]] = {}
    for where, when in whens:
        if when is None or _key(when) in compiled:
            continue
        try:
            condition = parse_condition(when)
        except ConditionSyntaxError as exc:
            out.add(where, f"condition: {exc}")
            continue
        compiled[_key(when)] = (condition, condition.compile())
    return compiled


def _plan_whens(plan: PlanFile | None, treatments: Treatments | None,
                exercises: Iterable[Exercise]) -> Iterator[tuple[str, object]]:
    if plan is not None:
        for milestone in plan.milestones:
            yield f"plan.yaml: {milestone.id}", milestone.when
    if treatments is not None:
        for section in Treatments.model_fields:
            for entry in getattr(treatments, section):
                where = f"treatments.yaml: {section}.{entry.id}"
                yield where, entry.when
                for guard in (*entry.contraindications, *entry.cautions):
                    yield where, guard.when
    for exercise in exercises:
        for fact in exercise.contraindications:
            yield f"exercises.yaml: {exercise.id}", fact


def _check_labels(labels: Labels, out: _Collector) -> None:
    """Every intake field and value needs words for people; no label may name a missing one."""
    registry = field_registry()
    for path in set(registry) - set(labels.fields):
        out.add("labels.yaml: fields", f"no label for field '{path}'")
    for path in set(labels.fields) - set(registry):
        out.add("labels.yaml: fields", f"'{path}' is not an intake field")
    for path, spec in registry.items():
        if spec.kind is FieldKind.NUMBER:
            continue
        given = labels.values.get(path, {})
        for value in set(spec.values) - set(given):
            out.add(f"labels.yaml: values.{path}", f"no label for '{value}'")
        for value in set(given) - set(spec.values):
            out.add(f"labels.yaml: values.{path}", f"'{value}' is not a value of {path}")
    if "exam" in labels.values and "exam_negative" not in labels.values:
        out.add("labels.yaml: values", "exam_negative needs its own labels (phrased as absent)")


def _hash(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def load_knowledge(directory: Path | str | None = None) -> Knowledge:
    """Load and check the knowledge files; raise `KnowledgeError` listing every problem."""
    if directory is None:
        return _default_knowledge()
    return _load(Path(directory))


@cache
def _default_knowledge() -> Knowledge:
    return _load(DATA_DIR)


def _load(directory: Path) -> Knowledge:
    out = _Collector()
    read = lambda name: _read_yaml(directory / name, out)  # noqa: E731
    sources = {s.id: s for s in _entries(Source, read("sources.yaml"), "sources.yaml", out)}

    rules: list[CompiledRule] = []
    seen_rules: dict[str, str] = {}
    for file in RULE_FILES:
        data = read(file)
        if not isinstance(data, list):
            out.add(file, "must be a YAML list of rules")
            continue
        for n, raw in enumerate(data, 1):
            ident = raw.get("id", f"#{n}") if isinstance(raw, dict) else f"#{n}"
            where = f"{file}: {ident}"
            kind = raw.get("kind") if isinstance(raw, dict) else None
            model = DriverRuleSpec if kind == "driver" else TriageRuleSpec
            spec = _validate(model, raw, where, out)
            if spec is None:
                continue
            if spec.id in seen_rules:
                out.add(where, f"duplicate rule id (also in {seen_rules[spec.id]})")
                continue
            seen_rules[spec.id] = file
            _check_cites(spec.cite, sources, where, out)
            compiled = _compile(spec, where, out)
            if compiled is not None:
                rules.append(compiled)

    imaging = {i.id: i for i in _entries(ImagingAdvice, read("imaging.yaml"), "imaging.yaml", out)}
    for advice in imaging.values():
        _check_cites(advice.cite, sources, f"imaging.yaml: {advice.id}", out)
    for rule in rules:
        spec = rule.spec
        if isinstance(spec, TriageRuleSpec) and spec.imaging and spec.imaging not in imaging:
            out.add(f"rule {spec.id}", f"imaging advice '{spec.imaging}' is not in imaging.yaml")

    condition_list = _entries(ConditionInfo, read("conditions.yaml"), "conditions.yaml", out)
    conditions = {c.id: c for c in condition_list}
    for cond in condition_list:
        _check_cites(cond.cite, sources, f"conditions.yaml: {cond.id}", out)
    for missing in set(ConditionId) - set(conditions):
        out.add("conditions.yaml", f"no entry for suspected condition '{missing}'")

    drivers_file = _validate(DriversFile, read("drivers.yaml"), "drivers.yaml", out)
    drivers: dict[DriverId, DriverInfo] = {}
    if drivers_file is not None:
        for info in drivers_file.drivers:
            where = f"drivers.yaml: {info.id}"
            if info.id in drivers:
                out.add(where, "duplicate driver")
            drivers[info.id] = info
            _check_cites(info.cite, sources, where, out)
            for tell in info.tells_apart:
                if tell.test is not None:
                    try:
                        parse_condition(f"exam.{tell.test}")
                    except ConditionSyntaxError as exc:
                        out.add(where, f"tells_apart: {exc}")
        for missing in set(DriverId) - set(drivers):
            out.add("drivers.yaml", f"no entry for driver '{missing}'")

    texts = _validate(Texts, read("texts.yaml"), "texts.yaml", out)
    if texts is not None:
        _check_cites(texts.cite, sources, "texts.yaml", out)
        if texts.default_imaging not in imaging:
            out.add("texts.yaml", f"default_imaging '{texts.default_imaging}' is not in imaging.yaml")

    labels = _validate(Labels, read("labels.yaml"), "labels.yaml", out)
    if labels is not None:
        _check_labels(labels, out)

    exercises: tuple[Exercise, ...] = ()
    try:
        exercises = load_exercises(directory / "exercises.yaml", set(sources), {d.value for d in DriverId})
    except CatalogueError as exc:
        out.add("exercises.yaml", str(exc))
    plan = _validate(PlanFile, read("plan.yaml"), "plan.yaml", out)
    treatments = _validate(Treatments, read("treatments.yaml"), "treatments.yaml", out)
    if plan is not None:
        _check_cites(plan.cite, sources, "plan.yaml", out)
        for phase in plan.phases:
            _check_cites(phase.cite, sources, f"plan.yaml: phase {phase.number}", out)
        for milestone in plan.milestones:
            _check_cites(milestone.cite, sources, f"plan.yaml: {milestone.id}", out)
    if treatments is not None:
        seen_treatments: set[str] = set()
        for section in Treatments.model_fields:
            for entry in getattr(treatments, section):
                where = f"treatments.yaml: {section}.{entry.id}"
                _check_cites(entry.cite, sources, where, out)
                if entry.id in seen_treatments:
                    out.add(where, "duplicate id")
                seen_treatments.add(entry.id)
    guards = _compile_guards(_plan_whens(plan, treatments, exercises), out)
    refs = _passage_ids(rules, treatments, exercises, imaging, drivers)
    answers = _load_answers(read("answers.yaml"), sources, rules, refs, out)

    if out.problems:
        raise KnowledgeError(f"The knowledge files in {directory} have problems", out.problems)
    assert drivers_file is not None and texts is not None and labels is not None
    assert plan is not None and treatments is not None
    return Knowledge(
        sources=MappingProxyType(sources),
        triage_rules=RuleSet(r for r in rules if r.spec.kind != "driver"),
        driver_rules=RuleSet(r for r in rules if r.spec.kind == "driver"),
        drivers=MappingProxyType(drivers),
        exam_multiplier=drivers_file.exam_multiplier,
        imaging=MappingProxyType(imaging),
        conditions=MappingProxyType(conditions),
        texts=texts,
        labels=labels,
        exercises=MappingProxyType({e.id: e for e in exercises}),
        plan=plan,
        treatments=treatments,
        guards=MappingProxyType(guards),
        version=_hash(directory),
        answers=answers,
    )


# --------------------------------------------------------------------------- answers.yaml


def _passage_ids(rules: Iterable[CompiledRule], treatments: Treatments | None, exercises: Iterable[Exercise],
                 imaging: Mapping[str, ImagingAdvice], drivers: Mapping[DriverId, DriverInfo]) -> set[str]:
    """Every `KIND:ID` an answer may point to."""
    ids = {f"rule:{r.id}" for r in rules} | {f"exercise:{e.id}" for e in exercises}
    ids |= {f"imaging:{i}" for i in imaging} | {f"driver:{d.value}" for d in drivers}
    if treatments is not None:
        ids |= {f"treatment:{e.id}" for section in Treatments.model_fields for e in getattr(treatments, section)}
    return ids


def _load_answers(data: Any, sources: Mapping[str, Source], rules: Iterable[CompiledRule], refs: set[str],
                  out: _Collector) -> AnswersFile | None:
    if not isinstance(data, dict) or set(data) != {"safety", "entries"}:
        out.add("answers.yaml", "must be a mapping with exactly two lists: safety and entries")
        return None
    safety = _entries(SafetyTopic, data["safety"], "answers.yaml", out)
    entries = _entries(AnswerEntry, data["entries"], "answers.yaml", out)
    red_flag_facts = {a.text for r in rules if r.spec.kind == "red_flag" for a in r.condition.atoms()}
    entry_ids = {e.id for e in entries}
    for topic in safety:
        where = f"answers.yaml: safety {topic.id}"
        for fact in topic.facts:
            if fact not in red_flag_facts:
                out.add(where, f"'{fact}' is not a fact any red-flag rule uses")
        advice = topic.advice
        ref = f"treatment:{advice.safety_net}" if advice.safety_net else f"rule:{advice.rule}"
        if ref not in refs:
            out.add(where, f"advice names '{ref}', which does not exist")
        if topic.entry is not None and topic.entry not in entry_ids:
            out.add(where, f"entry '{topic.entry}' is not an answer entry")
    for entry in entries:
        where = f"answers.yaml: {entry.id}"
        _check_cites(entry.cite, sources, where, out)
        for ref in entry.see:
            if ref.split(":", 1)[0] not in PASSAGE_KINDS or ref not in refs:
                out.add(where, f"see: '{ref}' is not a knowledge passage",
                        hint=f"use one of {', '.join(k + ':ID' for k in PASSAGE_KINDS)}")
    return AnswersFile(safety=tuple(safety), entries=tuple(entries))
