"""Rich view of an answer: safety first, then the person's own context, the answer, related
passages, the sources and the decision-support disclaimer."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from .core import Answer

__all__ = ["render_answer"]

STYLE = {"safety": "bold red", "personal": "yellow", "answer": "green", "related": "cyan", "no_answer": "magenta"}


def render_answer(result: Answer) -> RenderableType:
    parts: list[RenderableType] = [Text(f"Q: {result.question}", style="bold")]
    for block in result.blocks:
        body = Text(block.text)
        if block.cite:
            body.append(f"\nSources: {', '.join(block.cite)}", style="dim")
        parts.append(Panel(body, title=block.title, title_align="left", border_style=STYLE[block.kind]))
    if result.alternatives:
        parts.append(Text("Also close: " + "; ".join(t for _, t in result.alternatives), style="dim"))
    if result.sources:
        lines = Text("Sources\n", style="bold")
        for sid, info in result.sources.items():
            lines.append(f"  [{sid}] {info['citation']}" + (f" {info['link']}" if info["link"] else "") + "\n",
                         style="dim")
        parts.append(lines)
    parts.append(Text(result.disclaimer, style="italic"))
    return Group(*parts)
