"""Rich terminal view of a care plan. Presentation only."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..assessment import Audience
from ..knowledge import Knowledge
from ..render import LEVEL_STYLE
from .model import Option, Plan

__all__ = ["render_plan"]


def _options_table(title: str, options: list[Option], clinician: bool) -> RenderableType | None:
    if not options:
        return None
    table = Table(title=title, title_justify="left", expand=True, show_header=False, box=None, padding=(0, 1))
    table.add_column(width=2)
    table.add_column(ratio=1)
    for option in options:
        mark = "[green]✓[/green]" if option.suitable else "[red]✗[/red]"
        text = Text.from_markup(f"[bold]{option.name}[/bold]  ")
        text.append(option.text)
        if not option.suitable:
            text.append("\nNot suitable: " + "; ".join(option.reasons), style="red")
        for caution in option.cautions:
            text.append(f"\nCaution: {caution}", style="dark_orange")
        if clinician and option.because:
            text.append("\nBecause: " + ", ".join(option.because), style="dim")
        table.add_row(mark, text)
    return table


def render_plan(plan: Plan, kb: Knowledge) -> RenderableType:
    clinician = plan.audience is Audience.clinician
    blocks: list[RenderableType] = []
    if plan.referral is not None:
        ref = plan.referral
        body = [Text(ref.what_to_do_now)]
        body += [Text("• " + r) for r in ref.reasons]
        title = Text(f" {ref.title.upper()} ", style=LEVEL_STYLE[ref.level])
        blocks.append(
            Panel(
                Group(*body), title=title, title_align="left", border_style=LEVEL_STYLE[ref.level].split()[-1]
            )
        )
    blocks.append(Text(plan.summary, style="bold"))
    if plan.equipment_assumed and plan.phases:
        blocks.append(
            Text(
                "Equipment assumed: "
                + ", ".join(kb.labels.fact(f"equipment.{e}", clinician) for e in plan.equipment),
                style="dim",
            )
        )
    for phase in plan.phases:
        parts: list[RenderableType] = []
        parts.append(Text("Goals: " + " ".join(phase.goals)))
        if phase.milestones:
            milestones = Table.grid(padding=(0, 1))
            for m in phase.milestones:
                milestones.add_row("◦", m.text)
            parts += [Text("Milestones", style="bold"), milestones]
        exercises = Table(expand=True, show_lines=False)
        exercises.add_column("Exercise", style="bold", max_width=28)
        exercises.add_column("Dose", ratio=2)
        exercises.add_column("Why", ratio=2)
        for ex in phase.exercises:
            exercises.add_row(ex.name, ex.dose.text, ex.why)
        parts.append(exercises)
        criteria = Table.grid(padding=(0, 1))
        criteria.add_row("[green]Move on[/green]", phase.advance_when)
        criteria.add_row("[yellow]Stay[/yellow]", phase.stay_when)
        criteria.add_row("[red]Step back[/red]", phase.step_back_when)
        criteria.add_row("[blue]Visits[/blue]", phase.visits)
        parts.append(criteria)
        title = f"Phase {phase.number}: {phase.name} (weeks {phase.weeks[0]}-{phase.weeks[1]})"
        blocks.append(Panel(Group(*parts), title=title, title_align="left", border_style="cyan"))
    if plan.excluded_exercises:
        blocks.append(
            Text(
                "Left out for safety: "
                + "; ".join(f"{e.name} ({e.reason})" for e in plan.excluded_exercises),
                style="dark_orange",
            )
        )
    for title, options in [
        ("Self-care", plan.self_care),
        ("Desk and daily set-up", plan.ergonomics),
        ("Treatments a clinician may offer", plan.treatments),
        (
            "Medicines: information to discuss with your clinician"
            if not clinician
            else "Medicines (information for discussion)",
            plan.medicines,
        ),
        ("Best avoided", plan.avoid),
        ("When a specialist becomes a question", plan.specialist),
    ]:
        table = _options_table(title, options, clinician)
        if table is not None:
            blocks.append(table)
    net = Table.grid(padding=(0, 1))
    for option in plan.safety_net:
        style = (
            "bold red" if option.level is not None and option.level.value == "emergency" else "dark_orange"
        )
        net.add_row(Text("!", style=style), Text(option.text))
    blocks.append(Panel(net, title="When to seek care now", title_align="left", border_style="red"))
    if plan.escalate:
        blocks.append(
            Panel(
                "\n".join("• " + e for e in plan.escalate),
                title="When to change course",
                title_align="left",
                border_style="yellow",
            )
        )
    refs = Table.grid(padding=(0, 1))
    for n, ident in enumerate(plan.citations, 1):
        src = kb.sources[ident]
        refs.add_row(f"[dim]{n}.[/dim]", f"[dim]{src.citation} {src.link or ''}[/dim]")
    blocks.append(Panel(refs, title="Sources", title_align="left", border_style="dim"))
    blocks.append(Text(plan.disclaimer, style="italic dim"))
    return Group(*blocks)
