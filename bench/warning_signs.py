"""Warning signs in questions: how often `scapula ask` fails to lead with safety advice.

    python bench/warning_signs.py                                     # every question set
    python bench/warning_signs.py tests/spec/warning_signs_heldout.yaml --list

Reads the red-flag and ordinary questions of each set (`questions*.yaml`: the `red_flag: true`
questions and the others; `warning_signs*.yaml`: its `red_flag` and `ordinary` lists) and prints,
per set, the red-flag questions the safety matcher missed (must be 0) and the ordinary questions
that got safety advice anyway. Lexical only: safety does not depend on the retrieval mode.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from _table import markdown_table, pct
from scapula.answers.safety import SafetyMatcher
from scapula.knowledge import load_knowledge

SPEC = Path(__file__).parent.parent / "tests" / "spec"


def split(data: dict) -> tuple[list[str], list[str]]:
    """(red-flag questions, ordinary questions) of a question set in either format."""
    if "red_flag" in data:
        return list(data["red_flag"]), list(data["ordinary"])
    questions = data["questions"]
    return [q["q"] for q in questions if q.get("red_flag")], [q["q"] for q in questions if not q.get("red_flag")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="Question sets (default: all in tests/spec).")
    parser.add_argument("--list", action="store_true", help="List the missed and the alarmed questions.")
    args = parser.parse_args()
    files = args.files or sorted([*SPEC.glob("questions*.yaml"), *SPEC.glob("warning_signs*.yaml")])
    matcher = SafetyMatcher(load_knowledge())
    rows, details = [], []
    for path in files:
        red, ordinary = split(yaml.safe_load(path.read_text(encoding="utf-8")))
        missed = [q for q in red if not matcher.notes(q, clinician=False)]
        alarmed = [q for q in ordinary if matcher.notes(q, clinician=False)]
        rows.append([path.name, len(red), f"{len(missed)} ({pct(len(missed), len(red))})", len(ordinary),
                     f"{len(alarmed)} ({pct(len(alarmed), len(ordinary))})"])
        details += [f"{path.name}: missed: {q}" for q in missed] + [f"{path.name}: alarmed: {q}" for q in alarmed]
    print(markdown_table(["set", "red-flag questions", "missed (must be 0)", "ordinary questions",
                          "given safety advice anyway"], rows))
    if args.list and details:
        print("\n" + "\n".join(details))


if __name__ == "__main__":
    main()
