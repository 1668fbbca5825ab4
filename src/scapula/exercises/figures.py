"""Exercise pictures drawn by our own code: an articulated figure posed from joint angles.

Each exercise's figure gives a start and an end :class:`~scapula.exercises.catalogue.Pose` (joint
angles on a base posture), a camera view and the props. Forward kinematics turns the angles into
3-D joint positions (metres; world X forward of a standing person, Y up, Z to their right), an
orthographic camera (side, front, back, top or oblique) projects them, and the drawing is sorted
far to near: limbs on the far side are grey, near limbs carry a white outline, lifted arms cast a
shadow in views from above, and a dashed arrow traces chosen landmarks from start to end. The two
poses are drawn side by side, labelled "Start" and "End", with an arrow between them, at a size
meant for a printed handout (65 mm wide; thick strokes, high contrast). Output is deterministic:
coordinates are rounded and every id carries the exercise id as its prefix.

Run ``python -m scapula.exercises.figures OUTDIR [EXERCISES_YAML]`` to write every figure.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import drawsvg as dw
import yaml

from scapula.exercises.catalogue import (
    BallProp,
    BandProp,
    BenchProp,
    CableProp,
    ChairProp,
    DoorProp,
    DumbbellProp,
    Exercise,
    Figure,
    FoamRollerProp,
    Pose,
    Prop,
    PullUpBarProp,
    TowelProp,
    WallProp,
)

__all__ = ["SIDES", "render_figure", "write_figures"]

Vec = tuple[float, float, float]
Pt = tuple[float, float]

SIDES = ("left", "right")
_SIGN = {"left": -1.0, "right": 1.0}  # world/body z points to the figure's right

# Segment lengths and half-thicknesses, metres (an adult of about 1.75 m).
LOWER_TRUNK = 0.25
UPPER_TRUNK = 0.27
NECK = 0.09
HEAD_R = 0.105
HEAD_OFFSET = 0.10  # head centre above the top of the neck
CLAVICLE = 0.17
UPPER_ARM = 0.29
FOREARM = 0.29  # elbow to the middle of the hand
HIP_HALF = 0.09
THIGH = 0.43
SHANK = 0.42
FOOT = 0.15
TRUNK_W = 0.19
TORSO_HALF = 0.13  # half width of the torso at the lower ribs
ARM_W = 0.085
LEG_W = 0.11
NECK_W = 0.09
HALO = 0.028

# Colours: dark figure on white, far limbs grey, props muted, the band and arrows in colour.
INK = "#1d2b3a"
FAR = "#98a3ae"
WHITE = "#ffffff"
ACCENT = "#0b63a8"
BAND = "#e8700c"
PROP_FILL = "#d9dee4"
PROP_EDGE = "#5b6670"
ROLLER_FILL = "#7fb2e5"
ROLLER_EDGE = "#24507a"
BALL_FILL = "#d84a3a"
TOWEL_FILL = "#f2b04a"
TOWEL_EDGE = "#9a6512"
METAL = "#3c4650"
MAT_FILL = "#edf0f3"
SHADOW = "#c9d0d7"
MAT_EDGE = "#aab4be"

# Canvas (SVG user units; 8 units per printed millimetre at 65 mm wide).
CANVAS_W = 520.0
MARGIN = 10.0
GAP = 58.0
LABEL_H = 36.0
MAX_FIG_H = 300.0
PANEL_W = (CANVAS_W - 2 * MARGIN - GAP) / 2
PRINT_WIDTH = "65mm"


# ------------------------------------------------------------------------------------------
# Small vector helpers
# ------------------------------------------------------------------------------------------


def _add(*vs: Vec) -> Vec:
    return (sum(v[0] for v in vs), sum(v[1] for v in vs), sum(v[2] for v in vs))


def _sub(a: Vec, b: Vec) -> Vec:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def _mul(v: Vec, k: float) -> Vec:
    return (v[0] * k, v[1] * k, v[2] * k)


def _dot(a: Vec, b: Vec) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _cross(a: Vec, b: Vec) -> Vec:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _unit(v: Vec) -> Vec:
    n = math.sqrt(_dot(v, v))
    return (0.0, 0.0, 0.0) if n < 1e-12 else _mul(v, 1.0 / n)


def _rot(v: Vec, axis: Vec, degrees: float) -> Vec:
    """Rotate ``v`` about the unit vector ``axis`` (right-hand rule)."""
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    return _add(_mul(v, c), _mul(_cross(axis, v), s), _mul(axis, _dot(axis, v) * (1 - c)))


def _lerp(a: Vec, b: Vec, t: float) -> Vec:
    return _add(_mul(a, 1 - t), _mul(b, t))


@dataclass(frozen=True)
class Frame:
    """An orthonormal body frame: x forward (anterior), y up (superior), z to the right."""

    x: Vec
    y: Vec
    z: Vec

    def turn(self, axis: str, degrees: float) -> Frame:
        """The frame rotated about one of its own axes."""
        if degrees == 0:
            return self
        about = {"x": self.x, "y": self.y, "z": self.z}[axis]
        return Frame(_rot(self.x, about, degrees), _rot(self.y, about, degrees), _rot(self.z, about, degrees))

    def world(self, local: Vec) -> Vec:
        return _add(_mul(self.x, local[0]), _mul(self.y, local[1]), _mul(self.z, local[2]))

    def direction(self, name: str) -> Vec:
        return {
            "front": self.x,
            "back": _mul(self.x, -1),
            "up": self.y,
            "down": _mul(self.y, -1),
            "right": self.z,
            "left": _mul(self.z, -1),
        }[name]


_X: Vec = (1.0, 0.0, 0.0)
_Y: Vec = (0.0, 1.0, 0.0)
_Z: Vec = (0.0, 0.0, 1.0)
_UPRIGHT = Frame(_X, _Y, _Z)
_LYING_FACE_UP = Frame(_Y, _mul(_X, -1), _Z)  # supine: chest up, head to the left
_LYING_FACE_DOWN = Frame(_mul(_Y, -1), _X, _Z)  # prone: chest down, head to the right
_LYING_ON_LEFT = Frame(_Z, _X, _Y)  # right side up, head to the right, chest toward the camera

# Base posture: pelvis frame and the angles a pose takes when it leaves them out.
_BASES: dict[str, tuple[Frame, dict[str, float]]] = {
    "standing": (_UPRIGHT, {}),
    "sitting": (_UPRIGHT, {"hip": 90, "knee": 90}),
    "kneeling": (_UPRIGHT, {"knee": 90, "ankle": 80}),
    "supine": (_LYING_FACE_UP, {"ankle": 10}),
    "prone": (_LYING_FACE_DOWN, {"ankle": 70}),
    "quadruped": (
        _LYING_FACE_DOWN,
        {"trunk": -9, "shoulder": 81, "hip": 90, "knee": 90, "ankle": 80, "neck": 20},
    ),
    "side_lying": (_LYING_ON_LEFT, {"hip": 45, "knee": 70}),
}

_SIDED = (
    "scapula_elevation",
    "scapula_retraction",
    "shoulder",
    "shoulder_plane",
    "shoulder_rotation",
    "elbow",
    "hip",
    "knee",
    "ankle",
)
_SINGLE = (
    "trunk",
    "thoracic",
    "side_bend",
    "rotation",
    "neck",
    "head",
    "neck_side_bend",
    "neck_rotation",
)


def resolve(pose: Pose) -> dict[str, float]:
    """Every angle of ``pose`` by name (``'elbow.left'`` ...), base-posture defaults filled in."""
    defaults = _BASES[pose.base][1]
    angles: dict[str, float] = {}
    for name in _SINGLE:
        value = getattr(pose, name)
        angles[name] = float(defaults.get(name, 0.0) if value is None else value)
    for name in _SIDED:
        value = getattr(pose, name)
        for side in SIDES:
            angles[f"{name}.{side}"] = float(defaults.get(name, 0.0) if value is None else value.side(side))
    return angles


# ------------------------------------------------------------------------------------------
# Forward kinematics
# ------------------------------------------------------------------------------------------


@dataclass
class Skeleton:
    """Joint positions (world, metres) and the frames props are placed in."""

    points: dict[str, Vec]
    pelvis: Frame
    lower: Frame
    upper: Frame
    head: Frame
    forearm_axes: dict[str, tuple[Vec, Vec]] = field(default_factory=dict)

    def frame_at(self, landmark: str) -> Frame:
        if landmark in ("pelvis", "left_hip", "right_hip"):
            return self.lower
        if landmark == "head":
            return self.head
        return self.upper

    def translated(self, offset: Vec) -> Skeleton:
        self.points = {k: _add(v, offset) for k, v in self.points.items()}
        return self


def _limb(
    frame: Frame, elevation: float, plane: float, rotation: float, bend: float, sign: float
) -> tuple[Vec, Vec, Vec, Vec]:
    """Directions of a two-segment limb hanging from ``frame``.

    The first segment starts pointing down (-y) and is raised by ``elevation`` in a vertical
    plane turned ``plane`` degrees from straight forward toward the limb's own side; it is then
    spun ``rotation`` degrees about itself (+ turns its front outward), and the second segment
    bends ``bend`` degrees toward the first segment's front. Returns (first direction, second
    direction, second segment's front, bend axis), in world coordinates.
    """
    p = math.radians(plane)
    h: Vec = (math.cos(p), 0.0, sign * math.sin(p))
    n: Vec = (-sign * math.sin(p), 0.0, math.cos(p))
    e = math.radians(elevation)
    d_local = _add(_mul((0.0, -1.0, 0.0), math.cos(e)), _mul(h, math.sin(e)))
    f_local = _rot(_X, n, elevation)
    f_local = _rot(f_local, _unit(d_local), sign * rotation)
    d, f = frame.world(d_local), frame.world(f_local)
    b = math.radians(bend)
    second = _add(_mul(d, math.cos(b)), _mul(f, math.sin(b)))
    second_front = _add(_mul(f, math.cos(b)), _mul(d, -math.sin(b)))
    return d, second, second_front, _unit(_cross(d, f))


def skeleton(base: str, a: dict[str, float]) -> Skeleton:
    """Joint positions for a base posture and resolved angles, pelvis at the origin."""
    pelvis_frame = _BASES[base][0]
    origin: Vec = (0.0, 0.0, 0.0)
    lower = pelvis_frame.turn("z", -a["trunk"]).turn("x", a["side_bend"] / 2).turn("y", -a["rotation"])
    mid = _add(origin, _mul(lower.y, LOWER_TRUNK))
    upper = lower.turn("z", -a["thoracic"]).turn("x", a["side_bend"] / 2)
    neck_base = _add(mid, _mul(upper.y, UPPER_TRUNK))
    neck = upper.turn("z", -a["neck"]).turn("x", a["neck_side_bend"]).turn("y", -a["neck_rotation"])
    head_base = _add(neck_base, _mul(neck.y, NECK))
    head = neck.turn("z", -a["head"])
    head_centre = _add(head_base, _mul(head.y, HEAD_OFFSET))

    pts: dict[str, Vec] = {
        "pelvis": origin,
        "mid_back": mid,
        "upper_back": _lerp(mid, neck_base, 0.55),
        "neck_base": neck_base,
        "head_base": head_base,
        "head": head_centre,
        "nose": _add(head_centre, _mul(head.x, HEAD_R * 1.05), _mul(head.y, -0.02)),
        "left_eye": _add(head_centre, _mul(head.x, HEAD_R * 0.8), _mul(head.z, -0.04), _mul(head.y, 0.02)),
        "right_eye": _add(head_centre, _mul(head.x, HEAD_R * 0.8), _mul(head.z, 0.04), _mul(head.y, 0.02)),
    }
    forearm_axes: dict[str, tuple[Vec, Vec]] = {}
    for side in SIDES:
        s = _SIGN[side]
        # Shoulder girdle: the collarbone turned up (elevation) and back (retraction).
        clav: Vec = (0.0, -0.03, s * CLAVICLE)
        clav = _rot(clav, _X, -s * a[f"scapula_elevation.{side}"])
        clav = _rot(clav, _Y, -s * a[f"scapula_retraction.{side}"])
        shoulder = _add(neck_base, upper.world(clav))
        d, fd, ff, axis = _limb(
            upper,
            a[f"shoulder.{side}"],
            a[f"shoulder_plane.{side}"],
            a[f"shoulder_rotation.{side}"],
            a[f"elbow.{side}"],
            s,
        )
        elbow = _add(shoulder, _mul(d, UPPER_ARM))
        hand = _add(elbow, _mul(fd, FOREARM))
        forearm_axes[side] = (ff, axis)
        hip = _add(origin, _mul(pelvis_frame.z, s * HIP_HALF))
        td, sd, sf, _ = _limb(pelvis_frame, a[f"hip.{side}"], 0.0, 0.0, -a[f"knee.{side}"], s)
        knee = _add(hip, _mul(td, THIGH))
        ankle = _add(knee, _mul(sd, SHANK))
        # The foot leaves the shank square to it (toes forward), pointing as the ankle extends.
        pa = math.radians(a[f"ankle.{side}"])
        foot_dir = _add(_mul(sf, math.cos(pa)), _mul(sd, math.sin(pa)))
        pts.update(
            {
                f"{side}_shoulder": shoulder,
                f"{side}_elbow": elbow,
                f"{side}_hand": hand,
                f"{side}_hip": hip,
                f"{side}_knee": knee,
                f"{side}_ankle": ankle,
                f"{side}_foot": _add(ankle, _mul(foot_dir, FOOT)),
            }
        )
    for side in SIDES:
        s = _SIGN[side]
        pts[f"{side}_waist"] = _add(mid, _mul(upper.z, s * TORSO_HALF * 0.8))
    return Skeleton(pts, pelvis_frame, lower, upper, head, forearm_axes)


# ------------------------------------------------------------------------------------------
# Scene: 3-D primitives, projected per view
# ------------------------------------------------------------------------------------------

_VIEWS: dict[str, Callable[[Vec], tuple[float, float, float]]] = {
    # returns (screen x, screen y up, depth toward the camera)
    "side": lambda p: (p[0], p[1], p[2]),
    "front": lambda p: (-p[2], p[1], p[0]),
    "back": lambda p: (p[2], p[1], -p[0]),
    "top": lambda p: (p[2], p[0], p[1]),
}


def _camera(figure: Figure) -> Callable[[Vec], tuple[float, float, float]]:
    """An orthographic camera; ``oblique`` turns ``yaw`` degrees from the side view toward the
    front of a standing person and looks ``pitch`` degrees down."""
    if figure.view != "oblique":
        return _VIEWS[figure.view]
    yaw, pitch = math.radians(figure.yaw), math.radians(figure.pitch)
    c: Vec = (math.sin(yaw) * math.cos(pitch), math.sin(pitch), math.cos(yaw) * math.cos(pitch))
    right = _unit(_cross(_mul(c, -1.0), _Y))
    up = _cross(right, _mul(c, -1.0))
    return lambda p: (_dot(p, right), _dot(p, up), _dot(p, c))


@dataclass
class Shape:
    """A 2-D drawable with its depth; ``layer`` 0 is background, 1 sorted, 2 overlay."""

    layer: int
    depth: float
    kind: str  # chain | polygon | circle | head | arrow
    points: list[Pt]
    width: float = 0.0  # stroke width, metres (chain) or radius (circle/head)
    colour: str = INK
    fill: str | None = None
    halo: bool = False
    dashed: bool = False
    extra: list[Pt] = field(default_factory=list)  # head: the nose
    name: str = ""


class Scene:
    """Shapes of one pose, built in world space and projected by the view."""

    def __init__(self, figure: Figure) -> None:
        self.view = figure.view
        self.project = _camera(figure)
        self.shapes: list[Shape] = []

    def p2(self, v: Vec) -> Pt:
        x, y, _ = self.project(v)
        return (x, y)

    def depth(self, vs: Iterable[Vec]) -> float:
        ds = [self.project(v)[2] for v in vs]
        return sum(ds) / len(ds)

    def chain(
        self,
        layer: int,
        vs: Sequence[Vec],
        width: float,
        colour: str,
        *,
        halo: bool = False,
        name: str = "",
    ) -> None:
        points = [self.p2(v) for v in vs]
        self.shapes.append(Shape(layer, self.depth(vs), "chain", points, width, colour, halo=halo, name=name))

    def hull(
        self, layer: int, vs: Sequence[Vec], width: float, colour: str, fill: str, name: str = ""
    ) -> None:
        pts = _convex_hull([self.p2(v) for v in vs])
        self.shapes.append(Shape(layer, self.depth(vs), "polygon", pts, width, colour, fill, name=name))

    def box(
        self, centre: Vec, half: Vec, fill: str = PROP_FILL, edge: str = PROP_EDGE, layer: int = 0
    ) -> None:
        corners = [
            _add(centre, (sx * half[0], sy * half[1], sz * half[2]))
            for sx in (-1, 1)
            for sy in (-1, 1)
            for sz in (-1, 1)
        ]
        self.hull(layer, corners, 0.018, edge, fill, name="box")

    def sphere(self, centre: Vec, r: float, fill: str, edge: str, layer: int = 1) -> None:
        self.shapes.append(Shape(layer, self.depth([centre]), "circle", [self.p2(centre)], r, edge, fill))

    def cylinder(
        self, centre: Vec, axis: Vec, r: float, half_len: float, fill: str, edge: str, layer: int = 1
    ) -> None:
        a, b = _add(centre, _mul(axis, -half_len)), _add(centre, _mul(axis, half_len))
        pa, pb = self.p2(a), self.p2(b)
        if math.dist(pa, pb) < r * 0.6:
            self.sphere(centre, r, fill, edge, layer)
            return
        d = self.depth([centre])
        # outline, then fill: a rounded bar whose ends stand for the cylinder's discs
        self.shapes.append(Shape(layer, d, "chain", [pa, pb], 2 * r + 0.02, edge, name="cyl"))
        self.shapes.append(Shape(layer, d + 1e-6, "chain", [pa, pb], 2 * r - 0.006, fill, name="cyl"))


def _convex_hull(points: list[Pt]) -> list[Pt]:
    pts = sorted(set((round(x, 6), round(y, 6)) for x, y in points))
    if len(pts) <= 2:
        return pts

    def cross(o: Pt, a: Pt, b: Pt) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[Pt] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[Pt] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


# ------------------------------------------------------------------------------------------
# Building one pose
# ------------------------------------------------------------------------------------------

_BODY_RADII = {
    "head": HEAD_R,
    "pelvis": TRUNK_W / 2,
    "mid_back": TRUNK_W / 2,
    "neck_base": TRUNK_W / 2,
}


def _radius(name: str) -> float:
    if name in _BODY_RADII:
        return _BODY_RADII[name]
    if any(k in name for k in ("hip", "knee", "ankle", "foot")):
        return LEG_W / 2
    return ARM_W / 2


_FLOOR_POINTS = [
    "pelvis",
    "mid_back",
    "neck_base",
    "head",
    *(f"{s}_{j}" for s in SIDES for j in ("shoulder", "elbow", "hand", "hip", "knee", "ankle", "foot")),
]


def _body_bottom(sk: Skeleton) -> float:
    return min(sk.points[n][1] - _radius(n) for n in _FLOOR_POINTS)


def _hands(which: str) -> list[str]:
    return list(SIDES) if which == "both" else [which]


@dataclass
class Placed:
    """A pose with its props placed, moved so the floor is at height zero."""

    sk: Skeleton
    anchors: dict[int, Vec]


_TRUNK_LANDMARKS = ("pelvis", "mid_back", "upper_back", "neck_base")


def _gap(landmark: str) -> float:
    """Distance from a landmark to the surface of the body there."""
    if landmark == "head":
        return HEAD_R
    if landmark in _TRUNK_LANDMARKS:
        return TRUNK_W / 2
    return _radius(landmark)


def _against(sk: Skeleton, landmark: str, side: str, r: float) -> Vec:
    """Centre of a ball or roll of radius ``r`` resting against the body at ``landmark``."""
    frame = sk.frame_at(landmark)
    point = sk.points[landmark]
    return _add(point, _mul(frame.direction(side), _gap(landmark) + r + 0.004))


def _prop_bottom(sk: Skeleton, prop: Prop) -> float | None:
    if isinstance(prop, FoamRollerProp):
        return _against(sk, prop.at, prop.side, 0.075)[1] - 0.075
    if isinstance(prop, TowelProp) and prop.form == "roll":
        return _against(sk, prop.at, prop.side, 0.045)[1] - 0.045
    if isinstance(prop, BallProp):
        return _against(sk, prop.at, prop.side, 0.04)[1] - 0.04
    if isinstance(prop, BenchProp):
        return sk.points[prop.at][1] - _gap(prop.at) - prop.height
    return None


def place(
    figure: Figure, pose: Pose, anchors: dict[int, Vec] | None = None, angles: dict[str, float] | None = None
) -> Placed:
    """Pose the skeleton and stand it (or lay it) on the floor, with its props' anchors."""
    sk = skeleton(pose.base, angles if angles is not None else resolve(pose))
    bottoms = [_body_bottom(sk)]
    for prop in figure.props:
        b = _prop_bottom(sk, prop)
        if b is not None:
            bottoms.append(b)
    floor = min(bottoms)
    sk.translated((0.0, -floor, 0.0))
    if anchors is None:
        anchors = {}
        for i, prop in enumerate(figure.props):
            if isinstance(prop, BandProp | CableProp) and prop.anchor is not None:
                hands = [sk.points[f"{h}_hand"] for h in _hands(prop.hands)]
                centre = _mul(_add(*hands), 1.0 / len(hands))
                anchors[i] = _add(centre, sk.pelvis.world(prop.anchor))
    return Placed(sk, anchors)


def _draw_body(scene: Scene, sk: Skeleton, far_gap: float) -> None:
    p = sk.points
    torso_lower = [p["left_hip"], p["right_hip"], p["right_waist"], p["left_waist"]]
    torso_upper = [p["left_waist"], p["right_waist"], p["right_shoulder"], p["left_shoulder"]]
    torso_depth = scene.depth(torso_lower + torso_upper)
    # torso as two thick rounded quads (a line from the side, a trapezoid from the front)
    for quad in (torso_lower, torso_upper):
        pts = _convex_hull([scene.p2(v) for v in quad])
        scene.shapes.append(Shape(1, torso_depth, "polygon", pts, TRUNK_W, INK, INK, name="torso"))
    scene.chain(1, [p["pelvis"], p["mid_back"], p["neck_base"]], TRUNK_W, INK, name="torso")
    scene.shapes[-1].depth = torso_depth
    scene.chain(1, [p["neck_base"], p["head_base"]], NECK_W, INK, name="neck")
    scene.shapes[-1].depth = torso_depth + 1e-4
    head_depth = scene.depth([p["head"]])
    facing = scene.project(p["nose"])[2] - scene.project(p["head"])[2] > HEAD_R * 0.45
    eyes = [scene.p2(p["left_eye"]), scene.p2(p["right_eye"])] if facing else []
    scene.shapes.append(
        Shape(
            1,
            max(head_depth, torso_depth + 2e-4),
            "head",
            [scene.p2(p["head"])],
            HEAD_R,
            INK,
            WHITE,
            halo=True,
            extra=[scene.p2(p["nose"]), *eyes],
            name="head",
        )
    )
    for side in SIDES:
        arm = [p[f"{side}_shoulder"], p[f"{side}_elbow"], p[f"{side}_hand"]]
        leg = [p[f"{side}_hip"], p[f"{side}_knee"], p[f"{side}_ankle"], p[f"{side}_foot"]]
        for limb, width, bias in ((arm, ARM_W, 0.001), (leg, LEG_W, -0.12)):
            depth = scene.depth(limb)
            far = depth < torso_depth - far_gap
            scene.chain(1, limb, width, FAR if far else INK, halo=not far, name=f"{side}-limb")
            scene.shapes[-1].depth = depth + bias


def _draw_props(scene: Scene, figure: Figure, placed: Placed) -> None:
    sk = placed.sk
    p = sk.points
    body_pts = [p[n] for n in _FLOOR_POINTS]
    top = max(v[1] for v in body_pts) + HEAD_R
    for i, prop in enumerate(figure.props):
        if isinstance(prop, FoamRollerProp):
            c = _against(sk, prop.at, prop.side, 0.075)
            axis = sk.lower.y if prop.along else sk.pelvis.z
            scene.cylinder(c, axis, 0.075, 0.45, ROLLER_FILL, ROLLER_EDGE, layer=0)
        elif isinstance(prop, TowelProp) and prop.form == "roll":
            c = _against(sk, prop.at, prop.side, 0.045)
            scene.cylinder(c, sk.pelvis.z, 0.045, 0.25, TOWEL_FILL, TOWEL_EDGE, layer=0)
        elif isinstance(prop, TowelProp):
            back = _mul(sk.upper.x, -(TRUNK_W / 2 + 0.02))
            up = _mul(sk.upper.y, 0.05)
            for side in SIDES:
                front = _add(
                    p[f"{side}_shoulder"], _mul(sk.upper.x, TRUNK_W / 2 + 0.01), _mul(sk.upper.y, -0.12)
                )
                over = _add(p[f"{side}_shoulder"], up)
                drape = [
                    front,
                    over,
                    _add(over, back),
                    _add(p["upper_back"], back),
                    _add(p["mid_back"], back),
                ]
                scene.chain(1, drape, 0.075, TOWEL_EDGE, name="towel")
                scene.shapes[-1].depth = scene.depth(drape) + 0.05
                scene.chain(1, drape, 0.05, TOWEL_FILL, name="towel")
                scene.shapes[-1].depth = scene.depth(drape) + 0.0501
        elif isinstance(prop, BallProp):
            scene.sphere(_against(sk, prop.at, prop.side, 0.04), 0.04, BALL_FILL, "#7a1d12", layer=0)
        elif isinstance(prop, BenchProp):
            _bench(scene, sk, prop)
        elif isinstance(prop, ChairProp):
            _chair(scene, sk, prop)
        elif isinstance(prop, WallProp):
            _wall(scene, sk, figure, prop, top)
        elif isinstance(prop, DoorProp):
            _door(scene, sk, top)
        elif isinstance(prop, PullUpBarProp):
            c = _mul(_add(p["left_hand"], p["right_hand"]), 0.5)
            for sgn in (-1, 1):
                post = _add(c, _mul(sk.pelvis.z, sgn * 0.5), _mul(sk.pelvis.x, -0.03))
                scene.box(
                    (post[0], (post[1] + 0.08) / 2, post[2]), (0.03, (post[1] + 0.08) / 2, 0.03), layer=0
                )
            scene.cylinder(c, sk.pelvis.z, 0.03, 0.53, METAL, METAL, layer=0)
        elif isinstance(prop, DumbbellProp):
            for side in _hands(prop.hands):
                _dumbbell(scene, sk, side)
        elif isinstance(prop, BandProp):
            if prop.between_hands:
                line = [p["left_hand"], p["right_hand"]]
                scene.chain(1, line, 0.03, BAND, name="band")
                scene.shapes[-1].depth = scene.depth(line) + 0.03
            else:
                anchor = placed.anchors[i]
                for side in _hands(prop.hands):
                    line = [p[f"{side}_hand"], anchor]
                    scene.chain(1, line, 0.03, BAND, name="band")
                    scene.shapes[-1].depth = scene.depth(line) + 0.03
                scene.box(anchor, (0.035, 0.035, 0.035), METAL, METAL, layer=1)
        elif isinstance(prop, CableProp):
            anchor = placed.anchors[i]
            behind = _add(anchor, sk.pelvis.world((0.07, 0.0, 0.0)))
            height = max(anchor[1] + 0.2, 0.4)
            scene.box(
                (behind[0], height / 2, behind[2]), (0.07, height / 2, 0.07), PROP_FILL, PROP_EDGE, layer=0
            )
            scene.sphere(anchor, 0.045, METAL, METAL, layer=0)
            for side in _hands(prop.hands):
                line = [p[f"{side}_hand"], anchor]
                scene.chain(1, line, 0.018, METAL, name="cable")
                scene.shapes[-1].depth = scene.depth(line) + 0.03


def _dumbbell(scene: Scene, sk: Skeleton, side: str) -> None:
    hand = sk.points[f"{side}_hand"]
    front, _axis = sk.forearm_axes[side]
    axis = _unit(front)
    d = scene.depth([hand]) + 0.02
    for sgn in (-1, 1):
        scene.cylinder(_add(hand, _mul(axis, sgn * 0.075)), axis, 0.055, 0.022, METAL, METAL, layer=1)
        scene.shapes[-1].depth = d
    scene.cylinder(hand, axis, 0.02, 0.08, METAL, METAL, layer=1)
    scene.shapes[-1].depth = d


def _horizontal(v: Vec) -> Vec:
    return _unit((v[0], 0.0, v[2]))


def _bench(scene: Scene, sk: Skeleton, prop: BenchProp) -> None:
    point = sk.points[prop.at]
    along = sk.pelvis.y if abs(sk.pelvis.y[1]) < 0.5 else sk.pelvis.x
    along = _horizontal(along)
    across = _horizontal(_cross(along, _Y))
    top = point[1] - _gap(prop.at)
    centre = (point[0], top - 0.03, point[2])
    seat_half = _add(_mul(_abs(along), prop.length / 2), _mul(_abs(across), 0.18), (0.0, 0.03, 0.0))
    scene.box(centre, seat_half)
    leg_h = (top - 0.06) / 2
    for sgn in (-1, 1):
        foot = _add((point[0], leg_h, point[2]), _mul(along, sgn * (prop.length / 2 - 0.06)))
        scene.box(foot, _add(_mul(_abs(along), 0.03), _mul(_abs(across), 0.16), (0.0, leg_h, 0.0)))


def _abs(v: Vec) -> Vec:
    return (abs(v[0]), abs(v[1]), abs(v[2]))


def _chair(scene: Scene, sk: Skeleton, prop: ChairProp) -> None:
    pelvis = sk.points["pelvis"]
    fwd = _horizontal(sk.pelvis.x)
    side = _horizontal(sk.pelvis.z)
    seat_top = pelvis[1] - TRUNK_W / 2 - 0.02
    seat_c = _add((pelvis[0], seat_top - 0.025, pelvis[2]), _mul(fwd, 0.04))
    scene.box(seat_c, _add(_mul(_abs(fwd), 0.24), _mul(_abs(side), 0.22), (0.0, 0.025, 0.0)))
    leg_h = (seat_top - 0.05) / 2
    for sgn in (-1, 1):
        foot = _add((pelvis[0], leg_h, pelvis[2]), _mul(fwd, 0.04 + sgn * 0.21))
        scene.box(foot, _add(_mul(_abs(fwd), 0.022), _mul(_abs(side), 0.2), (0.0, leg_h, 0.0)))
    if prop.backrest:
        back_c = _add((pelvis[0], seat_top + 0.25, pelvis[2]), _mul(fwd, -0.2))
        scene.box(back_c, _add(_mul(_abs(fwd), 0.022), _mul(_abs(side), 0.2), (0.0, 0.25, 0.0)))


def _wall(scene: Scene, sk: Skeleton, figure: Figure, prop: WallProp, top: float) -> None:
    direction = sk.pelvis.direction(prop.side)
    pts = [(v, _radius(n)) for n, v in sk.points.items() if n in _FLOOR_POINTS]
    reach = max(_dot(v, direction) + r for v, r in pts)
    for other in figure.props:
        if isinstance(other, BallProp):
            reach = max(reach, _dot(_against(sk, other.at, other.side, 0.04), direction) + 0.04)
    xs = [v[0] for v, _ in pts]
    zs = [v[2] for v, _ in pts]
    thick = 0.05
    centre_plane = _add(_mul(direction, reach + thick / 2))
    lo = (min(xs) - 0.3, 0.0, min(zs) - 0.3)
    hi = (max(xs) + 0.3, max(top + 0.12, 0.5), max(zs) + 0.3)
    centre = [(lo[k] + hi[k]) / 2 for k in range(3)]
    half = [(hi[k] - lo[k]) / 2 for k in range(3)]
    for k in range(3):
        if abs(direction[k]) > 0.5:
            centre[k] = centre_plane[k]
            half[k] = thick / 2
    scene.box((centre[0], centre[1], centre[2]), (half[0], half[1], half[2]))


def _door(scene: Scene, sk: Skeleton, top: float) -> None:
    p = sk.points
    height = max(2.0, top + 0.15)
    posts = []
    for side in SIDES:
        mid = _lerp(p[f"{side}_elbow"], p[f"{side}_hand"], 0.5)
        c = _add(mid, _mul(sk.pelvis.z, _SIGN[side] * 0.06))
        posts.append(c)
        scene.box((c[0], height / 2, c[2]), (0.06, height / 2, 0.04))
    if scene.view in ("front", "back"):
        c = _lerp(posts[0], posts[1], 0.5)
        half_w = abs(posts[0][2] - posts[1][2]) / 2 + 0.04
        scene.box((c[0], height + 0.04, c[2]), (0.06, 0.04, half_w))


def _breath(scene: Scene, sk: Skeleton, breath: str) -> None:
    centre = _lerp(sk.points["mid_back"], sk.points["upper_back"], 0.5)
    for d in (sk.upper.x, _mul(sk.upper.x, -1), sk.upper.z, _mul(sk.upper.z, -1)):
        a, b = scene.p2(centre), scene.p2(_add(centre, d))
        if math.dist(a, b) < 0.6:
            continue
        gap = TORSO_HALF + 0.06 if abs(_dot(d, sk.upper.z)) > 0.5 else TRUNK_W / 2 + 0.05
        inner, outer = _add(centre, _mul(d, gap)), _add(centre, _mul(d, gap + 0.12))
        line = [inner, outer] if breath == "in" else [outer, inner]
        scene.shapes.append(Shape(2, 0.0, "arrow", [scene.p2(v) for v in line], 0.028, ACCENT, name="breath"))


def _mat(scene: Scene, sk: Skeleton) -> None:
    """A floor mat under the body, for views that look down on the floor."""
    pts = [sk.points[n] for n in _FLOOR_POINTS]
    lo_x, hi_x = min(p[0] for p in pts) - 0.16, max(p[0] for p in pts) + 0.16
    lo_z, hi_z = min(p[2] for p in pts) - 0.16, max(p[2] for p in pts) + 0.16
    corners = [(lo_x, 0.0, lo_z), (hi_x, 0.0, lo_z), (hi_x, 0.0, hi_z), (lo_x, 0.0, hi_z)]
    scene.hull(-1, corners, 0.015, MAT_EDGE, MAT_FILL, name="floor")


def _shadows(scene: Scene, sk: Skeleton) -> None:
    """Soft shadows on the floor under the arms, so a lift shows from above."""
    p = sk.points
    for side in SIDES:
        arm = [p[f"{side}_shoulder"], p[f"{side}_elbow"], p[f"{side}_hand"]]
        lift = [max(v[1] - ARM_W / 2, 0.0) for v in arm]
        if lift[-1] < 0.05:
            continue
        on_floor = [_add((v[0], 0.0, v[2]), (-0.9 * h, 0.0, 0.9 * h)) for v, h in zip(arm, lift, strict=True)]
        scene.chain(-1, on_floor, ARM_W, SHADOW, name="shadow")


def build(figure: Figure, pose: Pose, placed: Placed) -> Scene:
    scene = Scene(figure)
    lying = pose.base in ("supine", "prone", "side_lying", "quadruped", "kneeling")
    if figure.view == "oblique" or (figure.view == "top" and lying):
        _mat(scene, placed.sk)
    if figure.view == "top" and pose.base in ("prone", "supine"):
        _shadows(scene, placed.sk)
    _draw_props(scene, figure, placed)
    _draw_body(scene, placed.sk, 0.12 if figure.view == "top" else 0.06)
    if pose.breath:
        _breath(scene, placed.sk, pose.breath)
    return scene


# ------------------------------------------------------------------------------------------
# SVG
# ------------------------------------------------------------------------------------------


def _extent(shape: Shape) -> tuple[float, float, float, float]:
    pad = shape.width / 2 if shape.kind in ("chain", "polygon", "arrow") else shape.width
    xs = [x for x, _ in shape.points + shape.extra]
    ys = [y for _, y in shape.points + shape.extra]
    return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad


def _bbox(shapes: Iterable[Shape]) -> tuple[float, float, float, float]:
    boxes = [_extent(s) for s in shapes if s.points]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _r(v: float) -> float:
    return round(v, 1) + 0.0


class _Panel:
    """Maps world metres of one panel onto the canvas."""

    def __init__(self, scale: float, dx: float, dy: float) -> None:
        self.scale, self.dx, self.dy = scale, dx, dy

    def __call__(self, pt: Pt) -> Pt:
        return (_r(self.dx + pt[0] * self.scale), _r(self.dy - pt[1] * self.scale))

    def w(self, metres: float, least: float = 0.0) -> float:
        return _r(max(metres * self.scale, least))


def _flat(points: Iterable[Pt]) -> list[float]:
    return [c for pt in points for c in pt]


def _arrowhead(tip: Pt, tail: Pt, size: float) -> list[float]:
    ang = math.atan2(tip[1] - tail[1], tip[0] - tail[0])
    left = (tip[0] - size * math.cos(ang - 0.45), tip[1] - size * math.sin(ang - 0.45))
    right = (tip[0] - size * math.cos(ang + 0.45), tip[1] - size * math.sin(ang + 0.45))
    return [_r(v) for v in (*tip, *left, *right)]


def _draw_shape(group: dw.Group, shape: Shape, to: _Panel) -> None:
    pts = [to(p) for p in shape.points]
    if shape.kind == "chain":
        width = to.w(shape.width, 3.0)
        if shape.halo:
            group.append(
                dw.Lines(
                    *_flat(pts),
                    fill="none",
                    stroke=WHITE,
                    stroke_width=_r(width + to.w(HALO, 4)),
                    stroke_linecap="round",
                    stroke_linejoin="round",
                )
            )
        group.append(
            dw.Lines(
                *_flat(pts),
                fill="none",
                stroke=shape.colour,
                stroke_width=width,
                stroke_linecap="round",
                stroke_linejoin="round",
                stroke_dasharray="10 8" if shape.dashed else None,
                class_=shape.name or None,
            )
        )
    elif shape.kind == "polygon":
        group.append(
            dw.Lines(
                *_flat(pts),
                close=True,
                fill=shape.fill,
                stroke=shape.colour,
                stroke_width=to.w(shape.width, 2.0),
                stroke_linejoin="round",
                class_=shape.name or None,
            )
        )
    elif shape.kind == "circle":
        (cx, cy), r = pts[0], to.w(shape.width, 3.0)
        group.append(
            dw.Circle(cx, cy, r, fill=shape.fill, stroke=shape.colour, stroke_width=_r(max(r * 0.22, 2.0)))
        )
    elif shape.kind == "head":
        (cx, cy), r = pts[0], to.w(shape.width, 6.0)
        nose = to(shape.extra[0])
        stroke = _r(max(r * 0.32, 3.0))
        group.append(dw.Circle(cx, cy, _r(r + stroke * 0.5 + to.w(HALO, 3)), fill=WHITE))
        if math.dist((cx, cy), nose) > r * 0.5:
            ang = math.atan2(nose[1] - cy, nose[0] - cx)
            tip = (_r(cx + math.cos(ang) * (r + stroke * 1.3)), _r(cy + math.sin(ang) * (r + stroke * 1.3)))
            base1 = (_r(cx + math.cos(ang - 0.5) * r), _r(cy + math.sin(ang - 0.5) * r))
            base2 = (_r(cx + math.cos(ang + 0.5) * r), _r(cy + math.sin(ang + 0.5) * r))
            group.append(
                dw.Lines(
                    *base1,
                    *tip,
                    *base2,
                    close=True,
                    fill=INK,
                    stroke=INK,
                    stroke_width=_r(stroke * 0.5),
                    stroke_linejoin="round",
                )
            )
        group.append(dw.Circle(cx, cy, r, fill=WHITE, stroke=INK, stroke_width=stroke, class_="head"))
        for ex, ey in (to(e) for e in shape.extra[1:]):
            group.append(dw.Circle(ex, ey, _r(max(r * 0.16, 2.0)), fill=INK))
    elif shape.kind == "arrow":
        width = to.w(shape.width, 3.0)
        tail, tip = pts[0], pts[-1]
        ang = math.atan2(tip[1] - tail[1], tip[0] - tail[0])
        size = max(width * 2.6, 9.0)
        shaft_end = (_r(tip[0] - math.cos(ang) * size * 0.6), _r(tip[1] - math.sin(ang) * size * 0.6))
        group.append(
            dw.Lines(
                *_flat([*pts[:-1], shaft_end]),
                fill="none",
                stroke=shape.colour,
                stroke_width=width,
                stroke_linecap="round",
                stroke_linejoin="round",
                stroke_dasharray="9 7" if shape.dashed else None,
            )
        )
        group.append(
            dw.Lines(
                *_arrowhead(tip, pts[-2], size),
                close=True,
                fill=shape.colour,
                stroke=shape.colour,
                stroke_width=2,
                stroke_linejoin="round",
            )
        )


def _interpolated(
    figure: Figure,
    t: float,
    start_angles: dict[str, float],
    end_angles: dict[str, float],
    anchors: dict[int, Vec],
) -> Placed:
    angles = {k: start_angles[k] * (1 - t) + end_angles[k] * t for k in start_angles}
    return place(figure, figure.end, anchors, angles)


def _traces(figure: Figure, anchors: dict[int, Vec], scene: Scene) -> list[Shape]:
    if not figure.trace or figure.start.base != figure.end.base:
        return []
    a0, a1 = resolve(figure.start), resolve(figure.end)
    steps = [_interpolated(figure, i / 12, a0, a1, anchors) for i in range(13)]
    shapes = []
    for landmark in figure.trace:
        path = [scene.p2(s.sk.points[landmark]) for s in steps]
        if math.dist(path[0], path[-1]) < 0.02:
            continue
        shapes.append(Shape(2, 0.0, "arrow", path, 0.022, ACCENT, dashed=True, name="trace"))
    return shapes


_UPPER = ("head", "neck_base", "pelvis", *(f"{s}_{j}" for s in SIDES for j in ("shoulder", "elbow", "hand")))


def _upper_box(scene: Scene, placed: Placed) -> tuple[float, float, float, float]:
    """The part of the picture around the head, arms and trunk."""
    pts = [scene.p2(placed.sk.points[n]) for n in _UPPER]
    reach = HEAD_R + 0.03
    return (
        min(x for x, _ in pts) - reach,
        min(y for _, y in pts) - reach,
        max(x for x, _ in pts) + reach,
        max(y for _, y in pts) + reach,
    )


def render_figure(exercise: Exercise) -> str:
    """The exercise's start and end positions as SVG text (deterministic)."""
    figure = exercise.figure
    start = place(figure, figure.start)
    end = place(figure, figure.end, start.anchors)
    scenes = [build(figure, figure.start, start), build(figure, figure.end, end)]
    scenes[1].shapes.extend(_traces(figure, start.anchors, scenes[1]))
    if figure.crop == "upper":
        boxes = [_upper_box(s, p) for s, p in zip(scenes, (start, end), strict=True)]
    else:
        boxes = [_bbox(s.shapes) for s in scenes]
    pad = 0.06
    boxes = [(b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad) for b in boxes]
    scale = min(
        min(PANEL_W / (b[2] - b[0]) for b in boxes),
        min(MAX_FIG_H / (b[3] - b[1]) for b in boxes),
    )
    fig_h = max(b[3] - b[1] for b in boxes) * scale
    height = math.ceil(LABEL_H + fig_h + MARGIN)
    floor_view = figure.view in ("side", "front", "back") and figure.crop == "full"

    drawing = dw.Drawing(CANVAS_W, height, id_prefix=f"{exercise.id}-")
    drawing.set_render_size(PRINT_WIDTH, f"{_r(height / CANVAS_W * 65)}mm")
    drawing.append(dw.Title(f"{exercise.name}: start and end positions"))
    drawing.append(dw.Rectangle(0, 0, CANVAS_W, height, fill=WHITE))
    for k, (label, scene, box) in enumerate(zip(("Start", "End"), scenes, boxes, strict=True)):
        x0 = MARGIN + k * (PANEL_W + GAP)
        dx = x0 + (PANEL_W - (box[2] - box[0]) * scale) / 2 - box[0] * scale
        if figure.view != "top":
            dy = LABEL_H + fig_h + box[1] * scale
        else:
            dy = LABEL_H + (fig_h - (box[3] - box[1]) * scale) / 2 + box[3] * scale
        to = _Panel(scale, dx, dy)
        group = dw.Group(id=f"{exercise.id}-{label.lower()}", class_=f"pose {label.lower()}")
        group.append(dw.Title(label))
        group.append(
            dw.Text(
                label,
                26,
                _r(x0 + PANEL_W / 2),
                26,
                center=False,
                text_anchor="middle",
                font_family="DejaVu Sans, Arial, Helvetica, sans-serif",
                font_weight="bold",
                fill="#111111",
            )
        )
        clip = dw.ClipPath()
        clip.append(dw.Rectangle(_r(x0), LABEL_H - 4, _r(PANEL_W), _r(fig_h + 8)))
        body = dw.Group(clip_path=clip)
        if floor_view:
            fy = to((0.0, 0.0))[1]
            group.append(
                dw.Line(
                    _r(x0), fy, _r(x0 + PANEL_W), fy, stroke=PROP_EDGE, stroke_width=4, stroke_linecap="round"
                )
            )
        ordered = sorted(enumerate(scene.shapes), key=lambda item: (item[1].layer, item[1].depth, item[0]))
        for _, shape in ordered:
            _draw_shape(body, shape, to)
        group.append(body)
        drawing.append(group)
    # the arrow from Start to End
    mid_y = _r(LABEL_H + fig_h / 2)
    left, right = MARGIN + PANEL_W + 8, MARGIN + PANEL_W + GAP - 6
    drawing.append(
        dw.Lines(
            _r(left),
            mid_y,
            _r(right - 16),
            mid_y,
            stroke=ACCENT,
            stroke_width=8,
            stroke_linecap="round",
            fill="none",
            class_="next",
        )
    )
    drawing.append(
        dw.Lines(
            *_arrowhead((right, mid_y), (left, mid_y), 22),
            close=True,
            fill=ACCENT,
            stroke=ACCENT,
            stroke_width=2,
            stroke_linejoin="round",
            class_="next",
        )
    )
    return drawing.as_svg()


def write_figures(catalogue: Iterable[Exercise], out_dir: str | Path) -> list[Path]:
    """Write ``<id>.svg`` for every exercise into ``out_dir``; returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for exercise in catalogue:
        target = out / f"{exercise.id}.svg"
        target.write_text(render_figure(exercise), encoding="utf-8")
        written.append(target)
    return written


def _default_catalogue(path: Path | None = None) -> tuple[Exercise, ...]:
    from scapula.exercises.catalogue import load_exercises

    data = Path(__file__).resolve().parent.parent / "knowledge" / "data"
    path = path or data / "exercises.yaml"
    sources_file = data / "sources.yaml"
    drivers_file = data / "drivers.yaml"
    exercises_raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    cited = {c for e in exercises_raw for c in e.get("cite", [])}
    named = {d for e in exercises_raw for d in e.get("drivers", [])}
    sources = (
        {s["id"] for s in yaml.safe_load(sources_file.read_text(encoding="utf-8"))}
        if sources_file.exists()
        else cited
    )
    drivers = (
        {d["id"] for d in yaml.safe_load(drivers_file.read_text(encoding="utf-8"))["drivers"]}
        if drivers_file.exists()
        else named
    )
    return load_exercises(path, sources, drivers)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or len(args) > 2 or args[0] in ("-h", "--help"):
        print("usage: python -m scapula.exercises.figures OUTDIR [EXERCISES_YAML]", file=sys.stderr)
        return 2
    catalogue = _default_catalogue(Path(args[1]) if len(args) == 2 else None)
    written = write_figures(catalogue, args[0])
    print(f"wrote {len(written)} figures to {args[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
