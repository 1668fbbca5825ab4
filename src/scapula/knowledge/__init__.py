"""The knowledge base: YAML files under data/, loaded once, checked and frozen."""

from .conditions import Facts, facts_of, parse_condition
from .loader import DATA_DIR, CompiledRule, Knowledge, load_knowledge

__all__ = ["DATA_DIR", "CompiledRule", "Facts", "Knowledge", "facts_of", "load_knowledge", "parse_condition"]
