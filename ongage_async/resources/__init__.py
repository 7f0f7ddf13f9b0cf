"""Resource namespaces, one module each (``client.lists`` is :class:`ListsResource`)."""

from .lists import ListsResource

__all__ = ["ListsResource"]
