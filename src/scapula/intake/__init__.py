"""The intake contract: model, vocabularies and parsing with field-level errors."""

from .model import Intake, Vitals
from .parse import intake_schema, parse_intake, parse_intake_json

__all__ = ["Intake", "Vitals", "intake_schema", "parse_intake", "parse_intake_json"]
