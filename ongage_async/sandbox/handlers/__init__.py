"""The sandbox's endpoints, one module per API area; ``ROUTES`` is the whole table."""

from .._routing import Route
from . import (
    catalog,
    contacts,
    exports,
    imports,
    list_fields,
    lists,
    mailings,
    reports,
    searches,
    transactional,
)

ROUTES: list[Route] = [
    *lists.ROUTES,
    *contacts.ROUTES,
    *transactional.ROUTES,
    *mailings.ROUTES,
    *catalog.ROUTES,
    *list_fields.ROUTES,
    *reports.ROUTES,
    *imports.ROUTES,
    *searches.ROUTES,
    *exports.ROUTES,
]

__all__ = ["ROUTES"]
