"""Generators of realistic intakes, shared by the property tests and the benchmarks."""

from .generate import random_intake, random_intakes

__all__ = ["random_intake", "random_intakes"]
