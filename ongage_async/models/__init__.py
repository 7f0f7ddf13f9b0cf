"""Typed results: frozen attrs classes built from Ongage's payloads."""

from ._convert import Page
from .lists import List

__all__ = ["List", "Page"]
