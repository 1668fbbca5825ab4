"""The `scapula` command: read input, call the core, show the result with Rich.

Exit codes: 0 success, 1 broken knowledge files, 2 bad input (with one line per problem).
"""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from . import __version__
from .assessment import Assessment, Audience
from .batch import assess_lines
from .engine import assess
from .errors import IntakeError, KnowledgeError, NotFound, ScapulaError
from .intake import intake_schema, parse_intake_json
from .knowledge import Knowledge, load_knowledge
from .render import render_assessment, render_rule, render_rules

app = typer.Typer(
    name="scapula",
    help="Decision support for upper back and shoulder-blade pain. Not a diagnosis.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
schema_app = typer.Typer(help="Print JSON Schemas of Scapula's inputs and outputs.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")
admin_app = typer.Typer(
    help="Set up clinics and clinician accounts in the service database.", no_args_is_help=True
)
app.add_typer(admin_app, name="admin")

DatabaseOption = Annotated[
    str,
    typer.Option(
        "--database",
        "-d",
        envvar="SCAPULA_DATABASE",
        help="Database URL: sqlite:///FILE (default) or postgresql://user@host/db.",
    ),
]

out = Console(soft_wrap=False)
err = Console(stderr=True)

EXIT_KNOWLEDGE = 1
EXIT_INPUT = 2


def _fail(error: ScapulaError, code: int) -> typer.Exit:
    err.print(f"[bold red]Error:[/bold red] {error.message}", highlight=False)
    for problem in error.problems:
        err.print(f"  [red]•[/red] {problem}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _knowledge() -> Knowledge:
    try:
        return load_knowledge()
    except KnowledgeError as exc:
        raise _fail(exc, EXIT_KNOWLEDGE) from None


def _read(file: Path) -> bytes:
    if str(file) == "-":
        return sys.stdin.buffer.read()
    try:
        return file.read_bytes()
    except OSError as exc:
        raise _fail(IntakeError(f"Cannot read {file}: {exc.strerror}"), EXIT_INPUT) from None


def _version(value: bool) -> None:
    if value:
        out.print(f"scapula {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool | None, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = None,
) -> None:
    """Decision support for upper back and shoulder-blade pain. Not a diagnosis."""


AudienceOption = Annotated[
    Audience, typer.Option("--audience", "-a", help="Language of the texts: patient or clinician.")
]


@app.command("assess")
def assess_command(
    file: Annotated[
        Path | None, typer.Argument(help="Intake JSON file (docs/intake.md), or - for standard input.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the assessment as JSON.")] = False,
    audience: AudienceOption = Audience.patient,
    batch: Annotated[
        Path | None,
        typer.Option(
            "--batch", help="JSON Lines file of intakes (- for stdin); writes JSON Lines to stdout."
        ),
    ] = None,
) -> None:
    """Triage an intake and rank the likely drivers."""
    kb = _knowledge()
    if batch is not None:
        raise typer.Exit(_run_batch(batch, kb, audience))
    if file is None:
        raise _fail(IntakeError("Give an intake file, '-' for standard input, or --batch FILE"), EXIT_INPUT)
    try:
        intake = parse_intake_json(_read(file))
    except IntakeError as exc:
        raise _fail(exc, EXIT_INPUT) from None
    result: Assessment = assess(intake, kb, audience=audience)
    if json_output:
        sys.stdout.write(result.to_json(indent=2) + "\n")
    else:
        out.print(render_assessment(result, kb))


def _run_batch(path: Path, kb: Knowledge, audience: Audience) -> int:
    data = _read(path)
    lines = data.splitlines()
    failed = 0
    write = sys.stdout.write
    progress = Progress(
        TextColumn("assessing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal and not _force_progress(),
    )
    with progress:
        task = progress.add_task("assess", total=len(lines))
        for n, line in enumerate(assess_lines(lines, kb, audience), 1):
            write(line.json + "\n")
            if line.error is not None:
                failed += 1
                first = line.error.problems[0] if line.error.problems else line.error.message
                err.print(f"[red]line {line.number}:[/red] {first}", highlight=False, soft_wrap=True)
            if n % 500 == 0:
                progress.update(task, completed=n)
        progress.update(task, completed=len(lines))
    if failed:
        err.print(
            f"[bold red]{failed} of {len(lines)} lines failed[/bold red]; their output lines hold the errors."
        )
    return EXIT_INPUT if failed else 0


def _force_progress() -> bool:
    import os

    return os.environ.get("SCAPULA_PROGRESS") == "1"


@app.command("plan")
def plan_command(
    file: Annotated[Path, typer.Argument(help="Intake JSON file (docs/intake.md), or - for standard input.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    audience: AudienceOption = Audience.patient,
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="Also write a printable handout PDF here.")
    ] = None,
    fhir: Annotated[
        bool,
        typer.Option("--fhir", help="Print a FHIR R4 Bundle (CarePlan, Condition, RiskAssessment) as JSON."),
    ] = False,
) -> None:
    """Build the phased care plan: triage first, then phases, exercises, self-care and safety net."""
    from .plan import build_plan
    from .plan.view import render_plan

    kb = _knowledge()
    try:
        intake = parse_intake_json(_read(file))
    except IntakeError as exc:
        raise _fail(exc, EXIT_INPUT) from None
    result = assess(intake, kb, audience=audience)
    plan = build_plan(intake, result, kb)
    if pdf is not None:
        from .handout import render_handout_pdf

        try:
            pdf.write_bytes(render_handout_pdf(plan, kb))
        except OSError as exc:
            raise _fail(IntakeError(f"Cannot write {pdf}: {exc.strerror}"), EXIT_INPUT) from None
        err.print(f"[green]Handout written to {pdf}[/green]")
    if fhir:
        from .fhir import plan_bundle_json

        sys.stdout.write(plan_bundle_json(intake, result, plan, kb) + "\n")
    elif json_output:
        sys.stdout.write(plan.to_json(indent=2) + "\n")
    elif pdf is None:
        out.print(render_plan(plan, kb))


@schema_app.command("intake")
def schema_intake() -> None:
    """JSON Schema of the intake (docs/intake.md)."""
    sys.stdout.write(json.dumps(intake_schema(), indent=2) + "\n")


@schema_app.command("assessment")
def schema_assessment() -> None:
    """JSON Schema of the assessment output."""
    sys.stdout.write(json.dumps(Assessment.json_schema(), indent=2) + "\n")


@schema_app.command("plan")
def schema_plan() -> None:
    """JSON Schema of the care plan output."""
    from .plan import Plan

    sys.stdout.write(json.dumps(Plan.json_schema(), indent=2) + "\n")


@app.command("rules")
def rules_command(
    rule_id: Annotated[str | None, typer.Argument(help="Show one rule with its sources.")] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Only rules of this kind: red_flag, caution or driver.")
    ] = None,
) -> None:
    """List the rules, or show one rule with its condition, texts and sources."""
    kb = _knowledge()
    rules = kb.rules
    if rule_id is None:
        chosen = [r for r in rules.values() if kind is None or r.spec.kind == kind]
        out.print(render_rules(chosen))
        out.print(f"[dim]{len(chosen)} rules. `scapula rules ID` shows one with its sources.[/dim]")
        return
    if rule_id not in rules:
        import difflib

        close = difflib.get_close_matches(rule_id, list(rules), n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise _fail(IntakeError(f"No rule '{rule_id}'.{hint}"), EXIT_INPUT)
    out.print(render_rule(rules[rule_id], kb))


def _store(database: str):  # type: ignore[no-untyped-def]
    from .store import Database, Store

    db = Database(database)
    db.upgrade()
    return Store(db, kb=_knowledge())


@app.command("serve")
def serve_command(
    database: DatabaseOption = "sqlite:///scapula.db",
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes (one per CPU uses them all; SQLite allows it).")
    ] = 1,
) -> None:
    """Run the clinic service (API with OpenAPI docs at /docs) on SQLite by default."""
    from .api.serving import serve

    store = _store(database)
    processes = f", {workers} processes" if workers > 1 else ""
    err.print(f"[green]Scapula[/green] on http://{host}:{port}  (database {store.db.url}{processes}; API docs at /docs)")
    serve(store.db.url, host, port, workers, store=store if workers == 1 else None)


@admin_app.command("create-clinic")
def create_clinic_command(
    name: Annotated[str, typer.Argument(help="Clinic name.")],
    database: DatabaseOption = "sqlite:///scapula.db",
) -> None:
    """Create a clinic and print its id."""
    out.print(_store(database).create_clinic(name))


@admin_app.command("create-user")
def create_user_command(
    clinic: Annotated[str, typer.Option(help="Clinic id (from create-clinic).")],
    email: Annotated[str, typer.Option(help="Login e-mail address.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="SCAPULA_PASSWORD",
            help="At least 10 characters.",
        ),
    ],
    database: DatabaseOption = "sqlite:///scapula.db",
) -> None:
    """Create a clinician account."""
    try:
        out.print(_store(database).create_user(clinic, email, name, password))
    except ScapulaError as exc:
        raise _fail(exc, EXIT_INPUT) from None


@app.command("export")
def export_command(
    clinic: Annotated[str, typer.Option(help="Clinic id to export.")],
    database: DatabaseOption = "sqlite:///scapula.db",
) -> None:
    """Write a whole clinic (patients, assessments, plans, tracking, audit) as JSON to standard output."""
    from .store.transfer import export_clinic

    store = _store(database)
    try:
        sys.stdout.write(json.dumps(export_clinic(store.db, clinic), indent=1, sort_keys=True) + "\n")
    except ScapulaError as exc:
        raise _fail(exc, EXIT_INPUT) from None


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A file written by `scapula export` (- for stdin).")],
    database: DatabaseOption = "sqlite:///scapula.db",
) -> None:
    """Load a clinic exported by `scapula export` into this database, keeping every id."""
    from .store.transfer import import_clinic

    store = _store(database)
    try:
        data = json.loads(_read(file))
    except json.JSONDecodeError as exc:
        raise _fail(IntakeError(f"{file} is not JSON: {exc.msg} at line {exc.lineno}"), EXIT_INPUT) from None
    try:
        out.print(f"Imported clinic {import_clinic(store.db, data)}")
    except ScapulaError as exc:
        raise _fail(exc, EXIT_INPUT) from None


@app.command("ask")
def ask_command(
    question: Annotated[str, typer.Argument(help="The question, in your own words.")],
    assessment_id: Annotated[
        str | None, typer.Option("--assessment", help="Id of a stored assessment (read from --database).")
    ] = None,
    intake: Annotated[
        Path | None, typer.Option("--intake", help="Intake JSON file to assess first (- for stdin).")
    ] = None,
    audience: AudienceOption = Audience.patient,
    json_output: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    mode: Annotated[
        str, typer.Option("--mode", help="auto (combined when scapula[semantic] is installed), lexical, "
                          "semantic or combined.")
    ] = "auto",
    database: DatabaseOption = "sqlite:///scapula.db",
) -> None:
    """Answer a question from the reviewed knowledge base, with its sources. Not a diagnosis."""
    from .answers import QuestionError, answer
    from .answers.view import render_answer

    kb = _knowledge()
    if assessment_id is not None and intake is not None:
        raise _fail(IntakeError("Give --assessment or --intake, not both"), EXIT_INPUT)
    context = None
    try:
        if intake is not None:
            context = assess(parse_intake_json(_read(intake)), kb, audience=audience)
        elif assessment_id is not None:
            from .answers.stored import read_assessment

            context = read_assessment(_store(database), assessment_id)
        result = answer(question, assessment=context, audience=audience, mode=_mode(mode), kb=kb)
    except (IntakeError, QuestionError, NotFound) as exc:
        raise _fail(exc, EXIT_INPUT) from None
    if json_output:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        out.print(render_answer(result))


def _mode(value: str) -> str:
    from .answers import Mode

    if value not in {m.value for m in Mode}:
        raise _fail(IntakeError(f"--mode: value not allowed (got {value!r}); expected one of "
                                f"{', '.join(m.value for m in Mode)}"), EXIT_INPUT)
    return value


def main() -> None:
    """Console entry point."""
    app()
