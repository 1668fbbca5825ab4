"""The exercise library: typed, frozen models and a strict loader for ``exercises.yaml``.

Every entry says which drivers and care-plan phases it serves, which pain levels it suits, the
equipment it needs, a realistic dose, plain cues, how to progress and regress it, the intake facts
that rule it out, and a figure (two poses drawn by :mod:`scapula.exercises.figures`).

The loader rejects anything it does not recognise, naming the file, the exercise and the problem:
an unknown source, driver or equipment, a progression that points nowhere, a duplicate id, a
malformed contraindication fact or a duplicated YAML key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

__all__ = [
    "BASES",
    "CONTRAINDICATION_FACT",
    "EQUIPMENT",
    "LANDMARKS",
    "BallProp",
    "BandProp",
    "BenchProp",
    "CableProp",
    "CatalogueError",
    "ChairProp",
    "DoorProp",
    "Dose",
    "DumbbellProp",
    "Exercise",
    "Figure",
    "FoamRollerProp",
    "Pose",
    "Prop",
    "PullUpBarProp",
    "Sides",
    "TowelProp",
    "WallProp",
    "load_exercises",
]

CONTRAINDICATION_FACT = re.compile(
    r"^(locations|qualities|aggravators|relievers|patterns|associated|history|exam)\.[a-z0-9_]+$"
)
"""The list-fact form of the condition language; the values are checked against the intake
vocabulary elsewhere."""

Equipment = Literal[
    "band",
    "dumbbell",
    "foam_roller",
    "towel",
    "wall",
    "door",
    "ball",
    "chair",
    "bench",
    "pull_up_bar",
    "cable",
]
EQUIPMENT: tuple[str, ...] = Equipment.__args__  # type: ignore[attr-defined]

Base = Literal["standing", "sitting", "prone", "supine", "quadruped", "side_lying", "kneeling"]
BASES: tuple[str, ...] = Base.__args__  # type: ignore[attr-defined]

Landmark = Literal[
    "pelvis",
    "mid_back",
    "upper_back",
    "neck_base",
    "head",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_hand",
    "right_hand",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_foot",
    "right_foot",
]
LANDMARKS: tuple[str, ...] = Landmark.__args__  # type: ignore[attr-defined]

Irritability = Literal["low", "moderate", "high"]
Phase = Literal[1, 2, 3]
Hands = Literal["left", "right", "both"]
Direction = Literal["front", "back", "up", "down", "left", "right"]

_ID = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class CatalogueError(ValueError):
    """The exercise file is malformed; the message names the file, the exercise and the problem."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------------------------
# Figure: poses (joint angles) and props
# --------------------------------------------------------------------------------------------


class Sides(_Frozen):
    """One angle for each side of the body, in degrees. A plain number in YAML sets both sides."""

    left: float = Field(0.0, ge=-180, le=180, description="Left side, degrees.")
    right: float = Field(0.0, ge=-180, le=180, description="Right side, degrees.")

    @model_validator(mode="before")
    @classmethod
    def _both_sides(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return {"left": value, "right": value}
        return value

    def side(self, name: str) -> float:
        """The angle for ``'left'`` or ``'right'``."""
        return self.left if name == "left" else self.right


class Pose(_Frozen):
    """A body position as joint angles (degrees) on a base posture.

    Angles are relative to the parent segment, except the trunk and the hips, which are relative
    to the pelvis of the base posture (upright for standing, sitting and kneeling; lying for the
    others). A joint left out takes the base posture's usual value (for example the hips and knees
    at 90 when sitting).
    """

    base: Base = Field(description="Starting posture: what the body rests on.")
    trunk: float | None = Field(
        None, ge=-90, le=180, description="Whole-trunk flexion (+, bending forward) or extension."
    )
    thoracic: float = Field(
        0.0,
        ge=-60,
        le=60,
        description="Extra bend of the upper back on the lower back: + rounds, - arches.",
    )
    side_bend: float = Field(0.0, ge=-60, le=60, description="Trunk side-bend, + to the right.")
    rotation: float = Field(0.0, ge=-90, le=90, description="Trunk rotation, + turns to the right.")
    neck: float = Field(0.0, ge=-60, le=80, description="Neck flexion (+) or extension (-).")
    head: float = Field(0.0, ge=-40, le=40, description="Head nod on the neck, + tucks the chin.")
    neck_side_bend: float = Field(
        0.0, ge=-50, le=50, description="Neck side-bend, + ear toward the right shoulder."
    )
    neck_rotation: float = Field(0.0, ge=-80, le=80, description="Neck rotation, + to the right.")
    scapula_elevation: Sides | None = Field(
        None, description="Shoulder girdle elevation (+, shrug) or depression (-), at the collarbone."
    )
    scapula_retraction: Sides | None = Field(
        None, description="Shoulder girdle retraction (+, blades back) or protraction (-)."
    )
    shoulder: Sides | None = Field(
        None, description="Arm elevation: 0 by the side, 90 level, 180 overhead, negative behind."
    )
    shoulder_plane: Sides | None = Field(
        None,
        description="Plane of arm elevation: 0 forward, 90 out to the side, >90 behind the side, "
        "negative across the body.",
    )
    shoulder_rotation: Sides | None = Field(None, description="Arm rotation: + external, - internal.")
    elbow: Sides | None = Field(None, description="Elbow flexion: 0 straight.")
    hip: Sides | None = Field(
        None, description="Thigh angle from the pelvis of the base posture: + forward, - behind."
    )
    knee: Sides | None = Field(None, description="Knee flexion: 0 straight.")
    ankle: Sides | None = Field(None, description="Ankle plantarflexion: 0 foot square, 90 pointed.")
    breath: Literal["in", "out"] | None = Field(
        None, description="Draw breathing arrows around the rib cage (in: expanding)."
    )


class _PropBase(_Frozen):
    pass


class BandProp(_PropBase):
    """An elastic band: from the hand(s) to a fixed anchor, or held between both hands."""

    kind: Literal["band"]
    hands: Hands = Field("both", description="Which hand(s) hold the band.")
    between_hands: bool = Field(False, description="The band runs from one hand to the other.")
    anchor: tuple[float, float, float] | None = Field(
        None,
        description="Anchor offset from the hand in the START pose, metres, in the base frame "
        "(forward, up, right).",
    )

    @model_validator(mode="after")
    def _anchor_or_between(self) -> BandProp:
        if self.between_hands == (self.anchor is not None):
            raise ValueError("a band needs exactly one of 'anchor' or 'between_hands: true'")
        return self


class CableProp(_PropBase):
    """A cable machine: a column with a pulley at the anchor and a cable to the hand(s)."""

    kind: Literal["cable"]
    hands: Hands = "both"
    anchor: tuple[float, float, float] = Field(
        description="Pulley offset from the hand in the START pose, metres (forward, up, right)."
    )


class DumbbellProp(_PropBase):
    kind: Literal["dumbbell"]
    hands: Hands = "both"


class WallProp(_PropBase):
    """A wall touching the body (or the props against it) on one side."""

    kind: Literal["wall"]
    side: Direction = Field(description="Side of the body the wall is on, in the base frame.")


class ChairProp(_PropBase):
    """A chair under the pelvis, with a backrest behind."""

    kind: Literal["chair"]
    backrest: bool = True


class BenchProp(_PropBase):
    """A flat bench under a landmark, of a set height."""

    kind: Literal["bench"]
    at: Landmark = "pelvis"
    height: float = Field(0.45, gt=0.1, le=1.0, description="Bench height, metres.")
    length: float = Field(1.1, gt=0.2, le=2.0, description="Bench length, metres.")


class FoamRollerProp(_PropBase):
    """A foam roller against the body at a landmark, across or along the body."""

    kind: Literal["foam_roller"]
    at: Landmark = "mid_back"
    side: Direction = "back"
    along: bool = Field(False, description="Lies along the spine instead of across it.")


class TowelProp(_PropBase):
    """A towel: rolled against the body, or draped over the upper back (for heat)."""

    kind: Literal["towel"]
    form: Literal["roll", "drape"] = "roll"
    at: Landmark = "mid_back"
    side: Direction = "back"


class BallProp(_PropBase):
    """A small massage ball against the body at a landmark."""

    kind: Literal["ball"]
    at: Landmark = "upper_back"
    side: Direction = "back"


class DoorProp(_PropBase):
    """A door frame whose sides pass through the forearms."""

    kind: Literal["door"]


class PullUpBarProp(_PropBase):
    """A bar held in the hands."""

    kind: Literal["pull_up_bar"]


Prop = Annotated[
    BandProp
    | CableProp
    | DumbbellProp
    | WallProp
    | ChairProp
    | BenchProp
    | FoamRollerProp
    | TowelProp
    | BallProp
    | DoorProp
    | PullUpBarProp,
    Field(discriminator="kind"),
]


class Figure(_Frozen):
    """Start and end positions of an exercise, drawn from joint angles."""

    view: Literal["side", "front", "back", "top", "oblique"] = Field(
        description="Camera: side (from the right), front, back, top (from above), or oblique."
    )
    yaw: float = Field(35.0, ge=-180, le=180, description="Oblique view: degrees turned from the side view.")
    pitch: float = Field(25.0, ge=0, le=80, description="Oblique view: degrees looking down.")
    crop: Literal["full", "upper"] = Field(
        "full", description="'upper' frames the head, arms and trunk only (neck and arm work)."
    )
    start: Pose
    end: Pose
    props: tuple[Prop, ...] = Field((), description="Equipment drawn with the figure.")
    trace: tuple[Landmark, ...] = Field(
        (), description="Landmarks whose path from start to end is drawn in the End picture."
    )


# --------------------------------------------------------------------------------------------
# Exercise
# --------------------------------------------------------------------------------------------


class Dose(_Frozen):
    """How much, how often. At least one of reps, hold_seconds or minutes is given."""

    sets: int | None = Field(None, ge=1, le=10, description="Sets per session.")
    reps: int | None = Field(None, ge=1, le=60, description="Repetitions per set.")
    hold_seconds: int | None = Field(None, ge=1, le=300, description="Hold per repetition.")
    minutes: float | None = Field(None, gt=0, le=90, description="Minutes per session.")
    per_day: int = Field(1, ge=1, le=12, description="Sessions per day.")
    days_per_week: int = Field(7, ge=1, le=7, description="Days per week.")
    effort: str | None = Field(None, description="Plain description of how hard it should feel.")

    @model_validator(mode="after")
    def _something_to_do(self) -> Dose:
        if self.reps is None and self.hold_seconds is None and self.minutes is None:
            raise ValueError("a dose needs reps, hold_seconds or minutes")
        return self


_PROP_EQUIPMENT: dict[str, str] = {kind: kind for kind in EQUIPMENT}


class Exercise(_Frozen):
    """One exercise of the library."""

    id: str = Field(pattern=_ID, description="Stable id: lowercase letters, digits, hyphens.")
    name: str = Field(min_length=3, description="Clinical name.")
    patient_name: str = Field(min_length=3, description="Plain name for the patient.")
    drivers: tuple[str, ...] = Field(min_length=1, description="Driver ids it addresses.")
    phases: tuple[Phase, ...] = Field(
        min_length=1,
        description="Care-plan phases: 1 calm and identify (weeks 1-2), 2 mechanics (3-6), "
        "3 capacity (6-10).",
    )
    irritability: tuple[Irritability, ...] = Field(
        min_length=1,
        description="Pain levels it suits: high = pain 7-10, moderate 4-6, low 0-3.",
    )
    equipment: tuple[Equipment, ...] = Field((), description="What is needed; empty = nothing.")
    dose: Dose
    cues: tuple[str, ...] = Field(min_length=1, description="Plain instructions for the patient.")
    progression: str = Field(min_length=3, description="How to make it harder.")
    regression: str = Field(min_length=3, description="How to make it easier.")
    progresses_to: str | None = Field(None, pattern=_ID, description="Harder exercise id.")
    regresses_to: str | None = Field(None, pattern=_ID, description="Easier exercise id.")
    contraindications: tuple[str, ...] = Field(
        (), description="Intake facts (LIST.VALUE) that exclude this exercise."
    )
    cautions: tuple[str, ...] = Field((), description="Plain cautions.")
    figure: Figure
    cite: tuple[str, ...] = Field(min_length=1, description="Source ids.")

    @field_validator("drivers", "phases", "irritability", "equipment", "cite", "contraindications")
    @classmethod
    def _no_repeats(cls, value: tuple[Any, ...]) -> tuple[Any, ...]:
        repeated = sorted({str(v) for v in value if value.count(v) > 1})
        if repeated:
            raise ValueError(f"repeated value(s): {', '.join(repeated)}")
        return value

    @field_validator("contraindications")
    @classmethod
    def _fact_form(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for fact in value:
            if not CONTRAINDICATION_FACT.match(fact):
                raise ValueError(
                    f"contraindication {fact!r} is not a LIST.VALUE intake fact "
                    "(e.g. 'history.recent_surgery_or_immobilisation')"
                )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Exercise:
        if self.id in (self.progresses_to, self.regresses_to):
            raise ValueError("an exercise cannot progress or regress to itself")
        if list(self.phases) != sorted(self.phases):
            raise ValueError("phases must be listed in order")
        drawn = {_PROP_EQUIPMENT[p.kind] for p in self.figure.props}
        needed = set(self.equipment)
        if drawn != needed:
            parts = []
            if needed - drawn:
                parts.append(f"equipment not drawn: {', '.join(sorted(needed - drawn))}")
            if drawn - needed:
                parts.append(f"drawn but not in equipment: {', '.join(sorted(drawn - needed))}")
            raise ValueError("figure props and equipment differ (" + "; ".join(parts) + ")")
        for pose in (self.figure.start, self.figure.end):
            if pose.base == "sitting" and not drawn & {"chair", "bench"}:
                raise ValueError("a sitting figure needs a chair or bench")
        return self


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a mapping with the same key twice."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(p) for p in item["loc"]) or "entry"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def _check_known(where: str, label: str, values: Iterable[str], known: set[str] | frozenset[str]) -> None:
    unknown = [v for v in values if v not in known]
    if unknown:
        raise CatalogueError(
            f"{where}: unknown {label} {', '.join(repr(u) for u in unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )


def _parse(path: Path, raw: Any) -> list[Exercise]:
    if not isinstance(raw, list):
        raise CatalogueError(f"{path}: expected a list of exercises at the top level")
    exercises: list[Exercise] = []
    for index, entry in enumerate(raw):
        ident = entry.get("id") if isinstance(entry, Mapping) else None
        where = f"{path}: exercise {ident!r}" if ident else f"{path}: entry #{index + 1}"
        if not isinstance(entry, Mapping):
            raise CatalogueError(f"{where}: expected a mapping")
        try:
            exercises.append(Exercise.model_validate(entry))
        except ValidationError as error:
            raise CatalogueError(f"{where}: {_describe(error)}") from None
    return exercises


def _check_chains(path: Path, by_id: dict[str, Exercise]) -> None:
    for exercise in by_id.values():
        for field in ("progresses_to", "regresses_to"):
            target = getattr(exercise, field)
            if target is not None and target not in by_id:
                raise CatalogueError(
                    f"{path}: exercise {exercise.id!r}: {field} {target!r} is not an exercise id"
                )
    for field in ("progresses_to", "regresses_to"):
        for exercise in by_id.values():
            seen = [exercise.id]
            step = getattr(exercise, field)
            while step is not None:
                if step in seen:
                    chain = " -> ".join([*seen, step])
                    raise CatalogueError(
                        f"{path}: exercise {exercise.id!r}: {field} goes round in a loop ({chain})"
                    )
                seen.append(step)
                step = getattr(by_id[step], field)


def load_exercises(
    path: str | Path, known_sources: set[str], known_drivers: set[str]
) -> tuple[Exercise, ...]:
    """Load, check and freeze the exercise library at ``path``.

    Raises :class:`CatalogueError` naming the file, the exercise id and the problem when the file
    cannot be read, an entry breaks the schema, cites an unknown source, names an unknown driver,
    repeats an id, or progresses or regresses to an exercise that does not exist (or in a loop).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogueError(f"{path}: cannot read the exercise file ({error})") from None
    try:
        raw = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as error:
        raise CatalogueError(f"{path}: not valid YAML: {error}") from None

    exercises = _parse(path, raw)
    by_id: dict[str, Exercise] = {}
    for exercise in exercises:
        where = f"{path}: exercise {exercise.id!r}"
        if exercise.id in by_id:
            raise CatalogueError(f"{where}: duplicate id")
        _check_known(where, "source(s)", exercise.cite, known_sources)
        _check_known(where, "driver(s)", exercise.drivers, known_drivers)
        by_id[exercise.id] = exercise
    _check_chains(path, by_id)
    return tuple(exercises)
