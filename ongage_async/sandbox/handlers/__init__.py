"""The sandbox's endpoints, one module per API area; ``ROUTES`` is the whole table."""

from .._routing import Route
from . import contacts, exports, jobs, lists, mailings, reports, transactional

ROUTES: list[Route] = [
    *lists.ROUTES,
    *contacts.ROUTES,
    *transactional.ROUTES,
    *mailings.ROUTES,
    *reports.ROUTES,
    *jobs.ROUTES,
    *exports.ROUTES,
]

__all__ = ["ROUTES"]
