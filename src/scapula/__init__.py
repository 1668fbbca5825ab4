"""Scapula: decision support for upper back and shoulder-blade pain."""

__version__ = "0.1.0"
