"""The exercise library (data in ``knowledge/data/exercises.yaml``) and its pictures."""

from scapula.exercises.catalogue import CatalogueError, Exercise, load_exercises

__all__ = ["CatalogueError", "Exercise", "load_exercises"]
