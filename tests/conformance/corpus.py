"""Load the conformance corpus: one JSON case per documented Ongage call (see README.md).

No pytest here: the SDK tests, the sandbox tests and any script can import it.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path
from typing import Any

#: Where the case files live, one ``<id>.json`` each.
CASES_DIR = Path(__file__).resolve().parent / "cases"

#: Where Ongage may read a list id (``route`` = the ``/<list_id>/api/...`` prefix).
LIST_ID_PLACES = frozenset({"route", "query", "body"})

_CASE_KEYS = ("id", "title", "source", "request", "response", "wrong_methods")
_REQUEST_KEYS = ("method", "path", "path_params", "list_id", "query", "body")
_PLACEHOLDER = re.compile(r"\{([^{}/]+)\}")


def placeholders(path: str) -> list[str]:
    """The ``{name}`` placeholders of a case path, in order."""
    return _PLACEHOLDER.findall(path)


def _check(ok: bool, file: Path, problem: str) -> None:
    if not ok:
        raise ValueError(f"{file.name}: {problem}")


def _check_request(request: Any, file: Path) -> None:
    _check(isinstance(request, dict), file, "request must be an object")
    missing = [key for key in _REQUEST_KEYS if key not in request]
    _check(not missing, file, f"request lacks {', '.join(missing)}")
    method = request["method"]
    _check(
        isinstance(method, str) and method.isalpha() and method == method.upper(),
        file,
        f"request.method must be an upper-case HTTP method, not {method!r}",
    )
    path = request["path"]
    _check(isinstance(path, str) and path.startswith("/"), file, "request.path must start with /")
    params = request["path_params"]
    _check(isinstance(params, dict), file, "request.path_params must be an object")
    for name in placeholders(path):
        _check(
            isinstance(params.get(name), str) and params[name] != "",
            file,
            f"path placeholder {{{name}}} has no path_params value",
        )
    list_id = request["list_id"]
    _check(isinstance(list_id, dict), file, "request.list_id must be an object")
    places = list_id.get("accepted_in")
    _check(isinstance(places, list), file, "request.list_id.accepted_in must be a list")
    unknown = sorted(set(places) - LIST_ID_PLACES)
    _check(not unknown, file, f"request.list_id.accepted_in has unknown places {unknown}")
    _check(
        isinstance(list_id.get("required"), bool), file, "request.list_id.required must be a bool"
    )
    _check(
        request["query"] is None or isinstance(request["query"], dict),
        file,
        "request.query must be an object or null",
    )
    _check(
        request["body"] is None or isinstance(request["body"], dict | list),
        file,
        "request.body must be an object, an array or null",
    )


def _check_response(response: Any, file: Path) -> None:
    if response is None:
        return
    _check(isinstance(response, dict), file, "response must be an object or null")
    status = response.get("status")
    _check(
        isinstance(status, int) and not isinstance(status, bool),
        file,
        "response.status must be an int",
    )
    _check("body" in response, file, "response lacks body")


def validate_case(case: Any, file: Path) -> dict[str, Any]:
    """Check one decoded case against the README's shape; raise ValueError naming the file."""
    _check(isinstance(case, dict), file, "a case must be a JSON object")
    missing = [key for key in _CASE_KEYS if key not in case]
    _check(not missing, file, f"missing keys {', '.join(missing)}")
    _check(case["id"] == file.stem, file, f"id {case['id']!r} is not the file stem")
    _check(isinstance(case["title"], str) and case["title"] != "", file, "title must be text")
    source = case["source"]
    _check(
        isinstance(source, dict) and isinstance(source.get("page"), str) and source["page"] != "",
        file,
        "source.page must be a non-empty string",
    )
    _check_request(case["request"], file)
    _check_response(case["response"], file)
    wrong = case["wrong_methods"]
    _check(
        isinstance(wrong, list) and all(isinstance(m, str) and m == m.upper() for m in wrong),
        file,
        "wrong_methods must be a list of upper-case methods",
    )
    _check(
        case["request"]["method"] not in wrong,
        file,
        "wrong_methods lists the case's own method",
    )
    _check(isinstance(case.get("notes", ""), str), file, "notes must be text")
    return case


def load_case(file: Path) -> dict[str, Any]:
    """Read and validate one case file."""
    try:
        case = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{file.name}: not valid JSON ({exc})") from exc
    return validate_case(case, file)


def load_cases(cases_dir: Path | None = None) -> list[dict[str, Any]]:
    """Every case under ``cases_dir`` (default ``CASES_DIR``), validated, sorted by id."""
    directory = CASES_DIR if cases_dir is None else cases_dir
    cases = [load_case(file) for file in sorted(directory.glob("*.json"))]
    return sorted(cases, key=lambda case: case["id"])


def fill_path(case: dict[str, Any], params: dict[str, Any] | None = None) -> str:
    """The case's path with every ``{name}`` replaced and URL-quoted.

    ``params`` override the case's documented ``path_params`` (a sandbox test passes the
    ids of the objects it created). Each value is quoted with ``safe="@"``, so an e-mail
    address keeps its ``@`` and a ``/`` in a value cannot add a path segment.
    """
    request = case["request"]
    values = {**request["path_params"], **(params or {})}

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"{case['id']}: no value for path placeholder {{{name}}}")
        return urllib.parse.quote(str(values[name]), safe="@")

    return _PLACEHOLDER.sub(substitute, request["path"])
