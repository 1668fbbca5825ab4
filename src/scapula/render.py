"""Rich views of assessments and rules for the terminal. Presentation only: no clinical logic."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .assessment import Assessment, Audience
from .knowledge import CompiledRule, Knowledge
from .vocabulary import Level

__all__ = ["LEVEL_STYLE", "render_assessment", "render_rule", "render_rules"]

LEVEL_STYLE: dict[Level, str] = {
    Level.emergency: "bold white on red",
    Level.urgent: "bold black on dark_orange",
    Level.medical_review: "bold black on yellow",
    Level.conservative: "bold black on green",
}


class _Refs:
    """Numbers citations in order of first use, like a paper's reference list."""

    def __init__(self, kb: Knowledge) -> None:
        self.kb, self.order = kb, {}

    def mark(self, ids: list[str]) -> str:
        nums = [self.order.setdefault(i, len(self.order) + 1) for i in ids]
        return "[" + ",".join(str(n) for n in nums) + "]" if nums else ""

    def table(self) -> Table:
        table = Table.grid(padding=(0, 1))
        for ident, num in self.order.items():
            src = self.kb.sources[ident]
            link = f" {src.link}" if src.link else ""
            table.add_row(f"[dim]{num}.[/dim]", f"[dim]{src.citation}{link}[/dim]")
        return table


def render_assessment(result: Assessment, kb: Knowledge) -> RenderableType:
    """The assessment as a person reads it: triage first, then drivers, sources, disclaimer."""
    refs = _Refs(kb)
    clinician = result.audience is Audience.clinician
    level = result.triage.level
    title = Text(f" {kb.texts.levels[level].title.upper()} ", style=LEVEL_STYLE[level])
    parts: list[RenderableType] = [Text(result.triage.summary)]
    if result.triage.reasons:
        parts.append(Text("\nWhy", style="bold"))
        for reason in result.triage.reasons:
            line = Text("• ", style="bold")
            line.append(reason.title, style="bold")
            if clinician:
                line.append(f" ({reason.level.value}, rule {reason.rule})", style="dim")
            line.append(f"\n  {reason.text} ")
            line.append(refs.mark(reason.citations), style="cyan")
            if clinician and reason.facts:
                facts = ", ".join(kb.labels.fact(f, clinician) for f in reason.facts)
                line.append("\n  facts: " + facts, style="dim")
            parts.append(line)
    parts.append(Text("\nImaging", style="bold"))
    for advice in result.triage.imaging:
        line = Text(f"• {advice.title}: ", style="bold")
        line.append(advice.text + " ", style="")
        line.append(refs.mark(advice.citations), style="cyan")
        parts.append(line)
    if result.triage.review_in_weeks:
        parts.append(
            Text(
                f"\nReview in {result.triage.review_in_weeks:g} weeks if not clearly better.", style="italic"
            )
        )
    blocks: list[RenderableType] = [
        Panel(Group(*parts), title=title, title_align="left", border_style=LEVEL_STYLE[level].split()[-1])
    ]
    if result.drivers:
        blocks.append(_drivers_table(result, kb, refs, clinician))
    blocks.append(Panel(refs.table(), title="Sources", title_align="left", border_style="dim"))
    blocks.append(Text(result.disclaimer, style="italic dim"))
    return Group(*blocks)


def _drivers_table(result: Assessment, kb: Knowledge, refs: _Refs, clinician: bool) -> RenderableType:
    heading = "Likely drivers" if clinician else "What is most likely keeping the pain going"
    table = Table(title=heading, title_justify="left", show_lines=False, expand=True)
    table.add_column("#", justify="right", style="dim", width=2)
    table.add_column("Driver", style="bold", max_width=26)
    table.add_column("Score", justify="right")
    table.add_column("For" if clinician else "Because", ratio=3)
    if clinician:
        table.add_column("Against", ratio=2)
    shown = [d for d in result.drivers if d.score > 0] or result.drivers[:3]
    for rank, driver in enumerate(shown[: 9 if clinician else 4], 1):
        cites = refs.mark(list(dict.fromkeys(c for r in driver.reasons if r.points > 0 for c in r.citations)))
        support = "; ".join(kb.labels.fact(f, clinician) for f in driver.evidence) or "—"
        row = [str(rank), driver.name, f"{driver.score:g}", f"{support} [cyan]{cites}[/cyan]"]
        if clinician:
            row.append("; ".join(kb.labels.fact(f, clinician) for f in driver.against) or "—")
        table.add_row(*row)
    # Examination tests are for clinicians; a patient sees only the questions they can answer.
    tells = [(d.name, t) for d in shown[:3] for t in d.tells_apart if clinician or t.question]
    if not tells:
        return table
    grid = Table.grid(padding=(0, 1))
    for name, tell in tells[:8]:
        if clinician:
            what = kb.labels.fact(f"exam.{tell.test}", True) if tell.test else tell.question
            grid.add_row(f"[bold]{name}[/bold]", f"[italic]{what}[/italic]: {tell.text}")
        else:
            grid.add_row(f"[bold]{name}[/bold]", f"{tell.question}")
    label = "What would tell them apart" if clinician else "Questions that would help"
    return Group(table, Panel(grid, title=label, title_align="left", border_style="blue"))


def render_rules(rules: list[CompiledRule]) -> RenderableType:
    table = Table(title="Rules", title_justify="left", expand=True)
    table.add_column("Id", style="bold", no_wrap=True)
    table.add_column("Kind")
    table.add_column("Effect")
    table.add_column("Title", ratio=2)
    for rule in rules:
        spec = rule.spec
        if spec.kind == "driver":
            effect = ", ".join(f"{d.value} {w:+g}" for d, w in spec.drivers.items())  # type: ignore[union-attr]
        else:
            effect = spec.level.value  # type: ignore[union-attr]
        table.add_row(spec.id, spec.kind, effect, spec.title)
    return table


def render_rule(rule: CompiledRule, kb: Knowledge) -> RenderableType:
    import yaml

    spec = rule.spec
    body = Table.grid(padding=(0, 2))
    body.add_row("[bold]Kind[/bold]", spec.kind)
    if spec.kind == "driver":
        body.add_row("[bold]Drivers[/bold]", ", ".join(f"{d.value} {w:+g}" for d, w in spec.drivers.items()))  # type: ignore[union-attr]
        body.add_row("[bold]Exam-based[/bold]", "yes (weighted up)" if rule.from_exam else "no")
    else:
        body.add_row("[bold]Level[/bold]", spec.level.value)  # type: ignore[union-attr]
        suspects = ", ".join(s.value for s in spec.suspects) or "—"  # type: ignore[union-attr]
        body.add_row("[bold]Suspects[/bold]", suspects)
        if spec.imaging:  # type: ignore[union-attr]
            body.add_row("[bold]Imaging[/bold]", spec.imaging)  # type: ignore[union-attr]
    body.add_row("[bold]When[/bold]", Text(yaml.safe_dump(spec.when, sort_keys=False).strip()))
    body.add_row("[bold]Patient[/bold]", spec.patient)
    body.add_row("[bold]Clinician[/bold]", spec.clinician)
    sources = Table.grid(padding=(0, 1))
    for ident in spec.cite:
        src = kb.sources[ident]
        sources.add_row(f"[cyan]{ident}[/cyan]", f"{src.citation} {src.link or ''}".strip())
    body.add_row("[bold]Sources[/bold]", sources)
    return Panel(body, title=f"[bold]{spec.id}[/bold] — {spec.title}", title_align="left")
