"""The printable handout: a care plan as A4 HTML and PDF (Jinja2 + WeasyPrint)."""

from .render import handout_context, render_handout_html, render_handout_pdf

__all__ = ["handout_context", "render_handout_html", "render_handout_pdf"]
