"""The intake as a FHIR R4 Questionnaire, and QuestionnaireResponses read back into intakes.

The Questionnaire is generated from the intake model's field registry and the plain-language labels,
so it can never drift from the contract in docs/intake.md: one item per field, `linkId` = the field
path (`vitals.spo2` inside the `vitals` group), list fields as repeating choices whose codes are the
contract's values.

Reading a response is strict in the same way as the JSON intake: an unknown `linkId`, a code the
field does not have or an answer of the wrong type is an `IntakeError` with one `Problem` per item,
naming the `linkId` and what is allowed. fhir.resources checks the structure only (and coerces
`"5"` to 5), so codes, answer types and the canonical are checked here on the raw JSON.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

from .. import __version__
from ..errors import IntakeError, Problem
from ..intake import Intake, parse_intake
from ..intake.fields import FieldKind, FieldSpec, field_registry
from ..knowledge import Knowledge

__all__ = [
    "CODESYSTEM_BASE",
    "QUESTIONNAIRE_ID",
    "QUESTIONNAIRE_URL",
    "codesystem",
    "intake_from_response",
    "intake_questionnaire",
    "item_types",
    "response_from_intake",
]

BASE = "https://scapula.example/fhir"
QUESTIONNAIRE_ID = "scapula-intake"
QUESTIONNAIRE_URL = f"{BASE}/Questionnaire/{QUESTIONNAIRE_ID}"
CODESYSTEM_BASE = f"{BASE}/CodeSystem/"
LOINC = "http://loinc.org"
PAIN_LOINC = "72514-3"
PAIN_LOINC_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
_MIN = "http://hl7.org/fhir/StructureDefinition/minValue"
_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue"

# Which answer[x] each item type takes.
_VALUE_KEY = {
    "integer": "valueInteger",
    "decimal": "valueDecimal",
    "boolean": "valueBoolean",
    "choice": "valueCoding",
}
_ANSWER_KEYS = (
    "valueBoolean", "valueDecimal", "valueInteger", "valueDate", "valueDateTime", "valueTime",
    "valueString", "valueUri", "valueAttachment", "valueCoding", "valueQuantity", "valueReference",
)  # fmt: skip


def codesystem(field: str) -> str:
    """The CodeSystem of a choice field's values (`.../CodeSystem/aggravators`)."""
    return CODESYSTEM_BASE + field


@cache
def _number_schema() -> dict[str, dict[str, Any]]:
    """JSON-Schema facts (type, minimum, maximum) of every number field, by field path."""
    schema = Intake.model_json_schema()

    def props(node: Mapping[str, Any], prefix: str) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for name, prop in node.get("properties", {}).items():
            options = prop.get("anyOf", [prop])
            for option in options:
                if "$ref" in option:
                    ref = schema["$defs"][option["$ref"].rsplit("/", 1)[-1]]
                    out.update(props(ref, prefix + name + "."))
                elif option.get("type") in ("integer", "number"):
                    out[prefix + name] = option
        return out

    return props(schema, "")


@cache
def item_types() -> dict[str, str]:
    """The Questionnaire item type of every intake field path (`integer`, `decimal`, ...)."""
    numbers = _number_schema()
    out: dict[str, str] = {}
    for path, spec in field_registry().items():
        if spec.kind in (FieldKind.LIST, FieldKind.ENUM):
            out[path] = "choice"
        elif spec.kind is FieldKind.BOOL:
            out[path] = "boolean"
        else:
            out[path] = "integer" if numbers[path]["type"] == "integer" else "decimal"
    return out


def _groups() -> dict[str, list[FieldSpec]]:
    """Top-level fields in registry order; nested ones (`vitals.*`) gathered under their group."""
    out: dict[str, list[FieldSpec]] = {}
    for path, spec in field_registry().items():
        out.setdefault(path.split(".")[0], []).append(spec)
    return out


def _item(spec: FieldSpec, kb: Knowledge) -> dict[str, Any]:
    kind = item_types()[spec.path]
    item: dict[str, Any] = {"linkId": spec.path, "text": kb.labels.fields[spec.path].patient, "type": kind}
    if spec.path == "pain_now":
        item["code"] = [{"system": LOINC, "code": PAIN_LOINC, "display": PAIN_LOINC_DISPLAY}]
    if spec.path == "age":
        item["required"] = True
    if kind == "choice":
        item["repeats"] = spec.kind is FieldKind.LIST
        labels = kb.labels.values[spec.path]
        item["answerOption"] = [
            {
                "valueCoding": {
                    "system": codesystem(spec.path),
                    "code": value,
                    "display": labels[value].patient,
                }
            }
            for value in spec.values
        ]
    elif kind in ("integer", "decimal"):
        facts = _number_schema()[spec.path]
        key = "valueInteger" if kind == "integer" else "valueDecimal"
        extensions = [
            {"url": url, key: facts[bound]}
            for url, bound in ((_MIN, "minimum"), (_MAX, "maximum"))
            if bound in facts
        ]
        if extensions:
            item["extension"] = extensions
    return item


def intake_questionnaire(kb: Knowledge) -> dict[str, Any]:
    """The published intake Questionnaire (FHIR R4 JSON), validated with fhir.resources R4B."""
    items: list[dict[str, Any]] = []
    for name, specs in _groups().items():
        if len(specs) == 1 and specs[0].path == name:
            items.append(_item(specs[0], kb))
        else:
            items.append(
                {
                    "linkId": name,
                    "text": _group_text(name),
                    "type": "group",
                    "item": [_item(spec, kb) for spec in specs],
                }
            )
    resource = {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "url": QUESTIONNAIRE_URL,
        "version": __version__,
        "name": "ScapulaIntake",
        "title": "Scapula intake: upper back and shoulder-blade pain",
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": "Scapula",
        "description": (
            "The Scapula intake contract (docs/intake.md) as a form. Every item but age is optional; "
            "a repeating item left out was not asked, one present with no answers was asked and none "
            "applies. Scapula supports decisions; it does not diagnose."
        ),
        "item": items,
    }
    Questionnaire.model_validate(resource)
    return resource


def _group_text(name: str) -> str:
    return {"vitals": "Measurements"}.get(name, name.replace("_", " ").capitalize())


# --------------------------------------------------------------------------- intake -> response


def response_from_intake(
    intake: Intake, kb: Knowledge, patient_id: str | None = None, status: str = "completed"
) -> dict[str, Any]:
    """A QuestionnaireResponse answering the intake Questionnaire with this intake.

    Fields the intake leaves out are left out; an empty list is an item with no answers.
    """
    data = intake.model_dump(mode="json", exclude_none=True)
    types = item_types()

    def item(path: str, value: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"linkId": path, "text": kb.labels.fields[path].patient}
        kind = types[path]
        if kind == "choice":
            values = value if isinstance(value, list) else [value]
            labels = kb.labels.values[path]
            answers = [
                {"valueCoding": {"system": codesystem(path), "code": v, "display": labels[v].patient}}
                for v in values
            ]
        else:
            answers = [{_VALUE_KEY[kind]: value}]
        if answers:
            out["answer"] = answers
        return out

    items: list[dict[str, Any]] = []
    for name, specs in _groups().items():
        if name not in data:
            continue
        if len(specs) == 1 and specs[0].path == name:
            items.append(item(name, data[name]))
        else:
            group = data[name]
            keys = [(s.path, s.path.split(".", 1)[1]) for s in specs]
            children = [item(path, group[key]) for path, key in keys if key in group]
            if children:
                items.append({"linkId": name, "text": _group_text(name), "item": children})
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{QUESTIONNAIRE_URL}|{__version__}",
        "status": status,
        "item": items,
    }
    if patient_id is not None:
        resource["subject"] = {"reference": f"Patient/{patient_id}"}
    QuestionnaireResponse.model_validate(resource)
    return resource


# --------------------------------------------------------------------------- response -> intake


def _show(value: object) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _closest(word: object, choices: list[str] | tuple[str, ...]) -> str | None:
    if not isinstance(word, str):
        return None
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"Did you mean '{match[0]}'?" if match else None


def _fhir_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "(resource)"


def _structure_problems(resource: Mapping[str, Any], exc: ValidationError) -> list[Problem]:
    """fhir.resources' errors, located by the item's linkId where the error lies inside an item."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(err.get("loc", ()))
        where, node, rest = _fhir_path(loc), resource, ()
        for i, part in enumerate(loc):
            if isinstance(node, Mapping) and isinstance(part, str):
                node = node.get(part)
            elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
                if isinstance(node, Mapping) and isinstance(node.get("linkId"), str) and loc[i - 1] == "item":
                    where, rest = node["linkId"], loc[i + 1 :]
            else:
                break
        message = " ".join(str(err.get("msg", "invalid")).split())
        if err.get("type") == "extra_forbidden":
            message = "unknown element"
        received = err.get("input")
        problems.append(
            Problem(
                where,
                f"{_fhir_path(rest)}: {message}" if rest else message,
                received=None if isinstance(received, Mapping | list) else _show(received),
            )
        )
    return problems


def _answer_value(path: str, answer: Mapping[str, Any], index: int) -> tuple[Any, Problem | None]:
    """One answer's value for the field at `path`, or the problem with it."""
    spec = field_registry()[path]
    kind = item_types()[path]
    expected_key = _VALUE_KEY[kind]
    given = [k for k in _ANSWER_KEYS if k in answer]
    if "item" in answer:
        return None, Problem(path, f"answer {index + 1} has nested items; this question has none")
    if given != [expected_key]:
        what = given[0] if given else "no value"
        if kind == "choice":
            expected = f"valueCoding from {codesystem(path)}: one of " + ", ".join(spec.values)
        else:
            expected = expected_key
        return None, Problem(path, f"answer {index + 1} is of the wrong type ({what})", expected=expected)
    value = answer[expected_key]
    if kind == "choice":
        coding = value if isinstance(value, Mapping) else {}
        system, code = coding.get("system"), coding.get("code")
        if system != codesystem(path):
            return None, Problem(
                path,
                f"answer {index + 1} codes from the wrong system",
                received=_show(system),
                expected=codesystem(path),
            )
        if code not in spec.values:
            return None, Problem(
                path,
                f"answer {index + 1}: code not allowed",
                received=_show(code),
                expected="one of " + ", ".join(spec.values),
                hint=_closest(code, spec.values),
            )
        return code, None
    ok = {
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "decimal": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
    }[kind](value)
    if not ok:
        return None, Problem(
            path, f"answer {index + 1}: {expected_key} must be a JSON {kind}", received=_show(value)
        )
    return value, None


def _read_items(
    items: Any, allowed: Mapping[str, list[FieldSpec]], group: str | None, out: dict[str, Any]
) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    registry = field_registry()
    for position, item in enumerate(items or []):
        link = item.get("linkId")
        where = link if isinstance(link, str) else f"item[{position}]"
        if link in seen:
            problems.append(Problem(where, "appears twice; answer each question in one item"))
            continue
        seen.add(link)
        if link not in allowed:
            if isinstance(link, str) and link in registry and "." in link:
                parent = link.split(".")[0]
                problems.append(
                    Problem(where, f"belongs inside the '{parent}' group", expected=f"an item of '{parent}'")
                )
            else:
                candidates = [p for p in registry if group is None or p.startswith(group + ".")]
                problems.append(
                    Problem(
                        where,
                        "unknown linkId",
                        expected="one of " + ", ".join(allowed),
                        hint=_closest(link, candidates + list(allowed)),
                    )
                )
            continue
        specs = allowed[link]
        is_group = not (len(specs) == 1 and specs[0].path == link)
        if is_group:
            if item.get("answer"):
                problems.append(Problem(where, "is a group: put the answers in its items"))
                continue
            children = {s.path: [s] for s in specs}
            values: dict[str, Any] = {}
            problems += _read_items(item.get("item"), children, link, values)
            if values:
                out[link] = values
            continue
        if item.get("item"):
            problems.append(Problem(where, "is a question, not a group: it takes answers, not items"))
            continue
        spec = specs[0]
        answers = item.get("answer") or []
        key = spec.path.split(".")[-1] if group else spec.path
        if spec.kind is not FieldKind.LIST and len(answers) > 1:
            problems.append(
                Problem(where, f"takes one answer (got {len(answers)})", expected=f"one {item_types()[link]}")
            )
            continue
        parsed = []
        for index, answer in enumerate(answers):
            value, problem = _answer_value(spec.path, answer, index)
            if problem is not None:
                problems.append(problem)
            else:
                parsed.append(value)
        if spec.kind is FieldKind.LIST:
            # Present with no answers: asked, and none applies.
            out[key] = parsed
        elif parsed:
            out[key] = parsed[0]
    return problems


def intake_from_response(resource: Any) -> Intake:
    """Read a QuestionnaireResponse to the intake Questionnaire into an `Intake`.

    Raises `IntakeError` naming each offending `linkId` (unknown items, codes or answer types), then
    applies the intake contract's own checks (`parse_intake`) to what the answers say.
    """
    if not isinstance(resource, Mapping):
        raise IntakeError(
            "The QuestionnaireResponse is not valid",
            [Problem("(resource)", "must be a JSON object", received=_show(resource))],
        )
    if resource.get("resourceType") != "QuestionnaireResponse":
        raise IntakeError(
            "The QuestionnaireResponse is not valid",
            [
                Problem(
                    "resourceType",
                    "must be QuestionnaireResponse",
                    received=_show(resource.get("resourceType")),
                )
            ],
        )
    try:
        QuestionnaireResponse.model_validate(resource)
    except ValidationError as exc:
        raise IntakeError(
            "The QuestionnaireResponse does not follow FHIR R4", _structure_problems(resource, exc)
        ) from None
    except Exception:  # fhir_core trips over some malformed input (a contained resource without a type)
        raise IntakeError(
            "The QuestionnaireResponse does not follow FHIR R4",
            [Problem("(resource)", "is not a well-formed FHIR R4 QuestionnaireResponse")],
        ) from None
    problems: list[Problem] = []
    canonical = resource.get("questionnaire")
    if not isinstance(canonical, str) or canonical.split("|", 1)[0] != QUESTIONNAIRE_URL:
        problems.append(
            Problem(
                "questionnaire",
                "must name the Scapula intake Questionnaire",
                received=_show(canonical),
                expected=f"{QUESTIONNAIRE_URL} (optionally |version)",
            )
        )
    if resource.get("status") not in ("completed", "amended"):
        problems.append(
            Problem(
                "status",
                "only a finished response can be assessed",
                received=_show(resource.get("status")),
                expected="completed or amended",
            )
        )
    data: dict[str, Any] = {}
    problems += _read_items(resource.get("item"), _groups(), None, data)
    if problems:
        raise IntakeError("The QuestionnaireResponse does not answer the intake Questionnaire", problems)
    return parse_intake(data)
