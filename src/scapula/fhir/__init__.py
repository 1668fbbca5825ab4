"""FHIR R4 views of Scapula's results (validated with fhir.resources' R4B models)."""

from .careplan import plan_bundle, plan_bundle_json

__all__ = ["plan_bundle", "plan_bundle_json"]
