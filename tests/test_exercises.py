"""The exercise library: the catalogue's content, its loader's checks, and the figures."""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from scapula.exercises.catalogue import (
    CONTRAINDICATION_FACT,
    CatalogueError,
    Exercise,
    load_exercises,
)
from scapula.exercises.figures import main, render_figure, write_figures

DATA = Path(__file__).resolve().parent.parent / "src" / "scapula" / "knowledge" / "data"
EXERCISES = DATA / "exercises.yaml"
SVG = "{http://www.w3.org/2000/svg}"
EXERCISE_IDS = [e["id"] for e in yaml.safe_load(EXERCISES.read_text(encoding="utf-8"))]

DRIVERS = {
    "postural",
    "scapular_dyskinesis",
    "myofascial_referral",
    "load_capacity",
    "rib_breathing",
    "acute_strain",
    "thoracic_joint",
    "neural_sensitivity",
    "scapulothoracic",
}
SOURCES = {
    "seed-element-one-scapula",
    "seed-spine-institute-upper-back",
    "seed-hinge-upper-back",
    "seed-stride-strong-upper-back",
    "seed-droracle-interscapular",
    "kibler-scapular-summit-2013",
    "cools-scapular-exercises-2007",
    "andersen-neck-exercise-2008",
    "borstad-pec-minor-2006",
    "basson-neural-mobilisation-2017",
    "bradley-breathing-pattern-2014",
    "cross-thoracic-manipulation-2011",
    "blanpied-jospt-neck-pain-2017",
    "gabbett-training-injury-2016",
    "soligard-ioc-load-2016",
    "simons-travell-trigger-point-1999",
    "muir-dsn-jcca-2017",
    "intolo-laptop-posture-2019",
    "qaseem-acp-low-back-2017",
    "kuhn-scapulothoracic-crepitus-1998",
}

# The exercises the seed pages name, and the ids we hold them under.
SEED_EXERCISES = {
    "scapular squeezes": "scapular-squeeze",
    "thread the needle": "thread-the-needle",
    "resisted row": "resisted-row",
    "shoulder rolls": "shoulder-rolls",
    "shoulder stretches": "cross-body-shoulder-stretch",
    "lat pullovers": "lat-pullover",
    "rotator cuff rotations": "external-rotation-band",
}


@pytest.fixture(scope="module")
def catalogue() -> tuple[Exercise, ...]:
    return load_exercises(EXERCISES, SOURCES, DRIVERS)


@pytest.fixture(scope="module")
def by_id(catalogue: tuple[Exercise, ...]) -> dict[str, Exercise]:
    return {e.id: e for e in catalogue}


# ------------------------------------------------------------------------------------------
# Content
# ------------------------------------------------------------------------------------------


def test_catalogue_loads_with_at_least_40_exercises(catalogue: tuple[Exercise, ...]) -> None:
    assert len(catalogue) >= 40
    assert len({e.id for e in catalogue}) == len(catalogue)


@pytest.mark.parametrize("driver", sorted(DRIVERS))
@pytest.mark.parametrize("phase", [1, 2, 3])
def test_every_driver_has_exercises_in_every_phase(
    catalogue: tuple[Exercise, ...], driver: str, phase: int
) -> None:
    chosen = [e.id for e in catalogue if driver in e.drivers and phase in e.phases]
    assert len(chosen) >= 2, f"{driver} has only {chosen} in phase {phase}"


@pytest.mark.parametrize("driver", sorted(DRIVERS))
def test_every_driver_has_something_for_high_irritability(
    catalogue: tuple[Exercise, ...], driver: str
) -> None:
    assert any(driver in e.drivers and "high" in e.irritability for e in catalogue)


@pytest.mark.parametrize(("seed_name", "exercise_id"), sorted(SEED_EXERCISES.items()))
def test_seed_exercises_are_present(by_id: dict[str, Exercise], seed_name: str, exercise_id: str) -> None:
    assert exercise_id in by_id, f"the seeds' {seed_name!r} is missing"
    assert by_id[exercise_id].cite


def test_therapist_staples_are_present(by_id: dict[str, Exercise]) -> None:
    staples = [
        "thoracic-extension-towel",
        "thoracic-extension-foam-roller",
        "seated-thoracic-rotation",
        "open-book",
        "wall-slides",
        "chin-tuck",
        "prone-y-raise",
        "prone-t-raise",
        "prone-w-raise",
        "serratus-wall-push-up-plus",
        "lateral-costal-breathing",
        "ninety-ninety-breathing",
        "diaphragmatic-breathing",
        "pec-minor-doorway-stretch",
        "levator-scapulae-stretch",
        "upper-trapezius-stretch",
        "median-nerve-slider",
        "ulnar-nerve-slider",
        "radial-nerve-slider",
        "cervical-retraction",
        "cat-camel",
        "childs-pose-side-reach",
        "side-lying-arm-sweep",
        "scapular-clock",
        "scapular-setting",
        "face-pull",
        "band-pull-apart",
        "prone-horizontal-abduction",
        "serratus-punch",
        "low-row",
        "wall-angels",
        "quadruped-rock-back",
        "farmers-carry",
        "dead-bug",
        "bird-dog",
        "walking",
        "trigger-point-ball",
        "heat-then-movement",
        "desk-micro-break",
    ]
    assert [s for s in staples if s not in by_id] == []


def test_sources_and_facts_are_well_formed(catalogue: tuple[Exercise, ...]) -> None:
    for exercise in catalogue:
        assert set(exercise.cite) <= SOURCES
        for fact in exercise.contraindications:
            assert CONTRAINDICATION_FACT.match(fact), (exercise.id, fact)


def test_cited_sources_exist_in_the_bibliography(catalogue: tuple[Exercise, ...]) -> None:
    sources_file = DATA / "sources.yaml"
    known = {s["id"] for s in yaml.safe_load(sources_file.read_text(encoding="utf-8"))}
    cited = {c for e in catalogue for c in e.cite}
    assert cited - known == set()


def test_doses_are_realistic(catalogue: tuple[Exercise, ...]) -> None:
    for e in catalogue:
        d = e.dose
        if d.hold_seconds is not None and d.reps is not None and d.reps > 5:
            assert d.hold_seconds <= 10, f"{e.id}: repeated holds longer than 10 s"
        if "breathing" in e.id:
            assert d.minutes is not None and d.minutes <= 10 and d.per_day <= 3, e.id
        if d.sets is not None and d.sets >= 3 and d.reps is not None and d.hold_seconds is None:
            # strengthening: 8-15 repetitions, two or three days a week
            assert 8 <= d.reps <= 15, e.id
            assert d.days_per_week <= 3, e.id


def test_progressions_point_to_existing_exercises(by_id: dict[str, Exercise]) -> None:
    for e in by_id.values():
        for target in (e.progresses_to, e.regresses_to):
            assert target is None or target in by_id


def test_high_irritability_exercises_are_gentle(catalogue: tuple[Exercise, ...]) -> None:
    for e in catalogue:
        if "high" in e.irritability:
            assert 1 in e.phases, e.id
            assert "dumbbell" not in e.equipment and "cable" not in e.equipment, e.id


# ------------------------------------------------------------------------------------------
# Figures
# ------------------------------------------------------------------------------------------


def _drawing_elements(group: ET.Element) -> list[ET.Element]:
    return [el for el in group.iter() if el.tag in (f"{SVG}path", f"{SVG}circle", f"{SVG}rect")]


@pytest.mark.parametrize("exercise_id", EXERCISE_IDS)
def test_every_figure_renders_start_and_end(by_id: dict[str, Exercise], exercise_id: str) -> None:
    exercise = by_id[exercise_id]
    svg = render_figure(exercise)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("width") == "65mm"
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g")}
    for label in ("start", "end"):
        group = groups.get(f"{exercise_id}-{label}")
        assert group is not None, f"no {label} drawing"
        texts = [t.text for t in group.iter(f"{SVG}text")]
        assert label.capitalize() in texts
        # a whole figure: head, limbs, torso (and props)
        assert len(_drawing_elements(group)) >= 8
        assert any(c.get("class") == "head" for c in group.iter(f"{SVG}circle"))
    # every id in the file is unique and carries the exercise's prefix
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))
    assert all(i.startswith(f"{exercise_id}-") for i in ids)
    # the arrow from start to end
    assert [el for el in root.iter(f"{SVG}path") if el.get("class") == "next"]


def test_render_is_deterministic(by_id: dict[str, Exercise]) -> None:
    for exercise in list(by_id.values())[:5]:
        assert render_figure(exercise) == render_figure(exercise)


def test_strokes_are_thick_enough_to_print(by_id: dict[str, Exercise]) -> None:
    svg = render_figure(by_id["scapular-squeeze"])
    widths = [float(w) for w in re.findall(r'stroke-width="([0-9.]+)"', svg)]
    # 8 user units per printed millimetre: limbs well over 1 mm
    assert max(widths) >= 12


def test_write_figures(tmp_path: Path, catalogue: tuple[Exercise, ...]) -> None:
    written = write_figures(catalogue[:3], tmp_path / "out")
    assert [p.name for p in written] == [f"{e.id}.svg" for e in catalogue[:3]]
    for path in written:
        ET.parse(path)


def test_module_entry_point_writes_every_figure(tmp_path: Path, catalogue: tuple[Exercise, ...]) -> None:
    assert main([str(tmp_path)]) == 0
    assert len(list(tmp_path.glob("*.svg"))) == len(catalogue)
    assert main([]) == 2


# ------------------------------------------------------------------------------------------
# Loader rejections
# ------------------------------------------------------------------------------------------


def _raw() -> list[dict[str, Any]]:
    return yaml.safe_load(EXERCISES.read_text(encoding="utf-8"))


def _one(entry_id: str = "scapular-squeeze") -> dict[str, Any]:
    entry = copy.deepcopy(next(e for e in _raw() if e["id"] == entry_id))
    entry["progresses_to"] = None
    entry["regresses_to"] = None
    return entry


def _write(tmp_path: Path, entries: list[dict[str, Any]] | str) -> Path:
    path = tmp_path / "bad_exercises.yaml"
    text = entries if isinstance(entries, str) else yaml.safe_dump(entries, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def _load_error(path: Path) -> str:
    with pytest.raises(CatalogueError) as caught:
        load_exercises(path, SOURCES, DRIVERS)
    message = str(caught.value)
    assert path.name in message
    return message


def test_small_valid_file_loads(tmp_path: Path) -> None:
    path = _write(tmp_path, [_one()])
    assert [e.id for e in load_exercises(path, SOURCES, DRIVERS)] == ["scapular-squeeze"]


def test_rejects_unknown_source(tmp_path: Path) -> None:
    entry = _one()
    entry["cite"] = ["seed-hinge-upper-back", "made-up-2099"]
    message = _load_error(_write(tmp_path, [entry]))
    assert "scapular-squeeze" in message and "made-up-2099" in message and "source" in message


def test_rejects_duplicate_id(tmp_path: Path) -> None:
    message = _load_error(_write(tmp_path, [_one(), _one()]))
    assert "scapular-squeeze" in message and "duplicate id" in message


def test_rejects_bad_progression_target(tmp_path: Path) -> None:
    entry = _one()
    entry["progresses_to"] = "no-such-exercise"
    message = _load_error(_write(tmp_path, [entry]))
    assert "scapular-squeeze" in message and "no-such-exercise" in message
    assert "progresses_to" in message


def test_rejects_bad_regression_target(tmp_path: Path) -> None:
    entry = _one()
    entry["regresses_to"] = "nowhere"
    assert "regresses_to 'nowhere'" in _load_error(_write(tmp_path, [entry]))


def test_rejects_progression_loop(tmp_path: Path) -> None:
    a, b = _one("scapular-squeeze"), _one("resisted-row")
    a["progresses_to"], b["progresses_to"] = "resisted-row", "scapular-squeeze"
    assert "loop" in _load_error(_write(tmp_path, [a, b]))


def test_rejects_unknown_driver(tmp_path: Path) -> None:
    entry = _one()
    entry["drivers"] = ["postural", "bad_posture"]
    message = _load_error(_write(tmp_path, [entry]))
    assert "bad_posture" in message and "driver" in message


def test_rejects_unknown_equipment(tmp_path: Path) -> None:
    entry = _one()
    entry["equipment"] = ["kettlebell"]
    message = _load_error(_write(tmp_path, [entry]))
    assert "scapular-squeeze" in message and "equipment" in message


def test_rejects_equipment_that_is_not_drawn(tmp_path: Path) -> None:
    entry = _one()
    entry["equipment"] = ["band"]
    assert "not drawn: band" in _load_error(_write(tmp_path, [entry]))


def test_rejects_malformed_contraindication(tmp_path: Path) -> None:
    entry = _one()
    entry["contraindications"] = ["osteoporosis"]
    message = _load_error(_write(tmp_path, [entry]))
    assert "osteoporosis" in message and "contraindication" in message


def test_rejects_unknown_field(tmp_path: Path) -> None:
    entry = _one()
    entry["difficulty"] = "easy"
    assert "difficulty" in _load_error(_write(tmp_path, [entry]))


def test_rejects_dose_with_nothing_to_do(tmp_path: Path) -> None:
    entry = _one()
    entry["dose"] = {"sets": 2, "per_day": 1, "days_per_week": 7}
    assert "dose" in _load_error(_write(tmp_path, [entry]))


def test_rejects_duplicate_yaml_key(tmp_path: Path) -> None:
    text = yaml.safe_dump([_one()], sort_keys=False).replace(
        "  name: Scapular squeezes\n", "  name: Scapular squeezes\n  name: Again\n"
    )
    assert "duplicate key" in _load_error(_write(tmp_path, text))


def test_rejects_non_list_file(tmp_path: Path) -> None:
    assert "list" in _load_error(_write(tmp_path, "exercises: {}\n"))


def test_entries_are_frozen(catalogue: tuple[Exercise, ...]) -> None:
    with pytest.raises(ValueError):
        catalogue[0].name = "changed"  # type: ignore[misc]


def test_drivers_counted(catalogue: tuple[Exercise, ...]) -> None:
    counts = Counter(d for e in catalogue for d in e.drivers)
    assert set(counts) == DRIVERS
