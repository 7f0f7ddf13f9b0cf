"""Griffe extensions for the API reference (mkdocs.yml loads them; not part of the package).

`SphinxRoles`: the SDK's docstrings are Markdown (Google style), but some modules still
write Sphinx roles (`:class:`, `:meth:`, `:attr:`...). Each becomes a code span, linked
to its target when the reference renders that target, so none shows as literal text.
It also drops the private `_NotGiven` from signatures: such a parameter defaults to the
public `NOT_GIVEN`, which says it.

`ConcreteCollections`: the namespaces that share the generic collection methods
(`get`, `list`, `create`...), and the job handles that share `Job`'s, get their own copy
of each, with the model in place of the type variable (`-> Segment`, not `-> T`) and the
collection's path in place of the `...` of their docstrings (`GET /api/segments/<id>`).
"""

from __future__ import annotations

import dataclasses
import html
import re
from typing import Any

import griffe

# Where the generic methods live, and the names of their type variables.
_GENERIC_HOMES = ("ongage_async.resources._base.", "ongage_async.resources._jobs.Job.")
_TYPE_VARIABLES = ("T", "StatusT")
_ENDPOINT = re.compile(r"`(GET|POST|PUT|DELETE) \.\.\.(/[^`]*)?`")

_ROLE = re.compile(
    r":(?:py:)?(?P<role>class|meth|func|attr|data|obj|exc|mod|const|prop):"
    r"`(?P<target>[^`]+)`"
)
_TITLED = re.compile(r"(?P<title>.+?)\s*<(?P<target>[^<>]+)>")


def _identifier(obj: griffe.Object, target: str) -> str | None:
    """The full path `target` names, read from `obj`'s scope; None when unknown."""
    head, _, rest = target.partition(".")
    if head == obj.package.name:
        return target
    for scope in (obj, obj.parent):
        if scope is None:
            continue
        try:
            found = scope.resolve(head)
        except (griffe.NameResolutionError, AttributeError):
            continue
        return f"{found}.{rest}" if rest else found
    return None


def _role(obj: griffe.Object, match: re.Match[str]) -> str:
    target = match["target"].strip()
    titled = _TITLED.fullmatch(target)
    title = titled["title"] if titled else None
    if titled:
        target = titled["target"].strip()
    short = target.startswith("~")
    target = target.lstrip("~.")
    shown = title or (target.rsplit(".", 1)[-1] if short else target)
    code = f"<code>{html.escape(shown)}</code>"
    if match["role"] == "mod":
        return code
    identifier = _identifier(obj, target)
    if identifier is None:
        return code
    return f'<autoref identifier="{html.escape(identifier)}" optional>{code}</autoref>'


def _without_not_given(annotation: Any) -> Any:
    """`X | _NotGiven | None` as `X | None`; None when nothing is left."""
    if isinstance(annotation, griffe.ExprName) and annotation.name == "_NotGiven":
        return None
    if isinstance(annotation, griffe.ExprBinOp) and annotation.operator == "|":
        left = _without_not_given(annotation.left)
        right = _without_not_given(annotation.right)
        if left is None or right is None:
            return right if left is None else left
        return griffe.ExprBinOp(left, "|", right)
    return annotation


class SphinxRoles(griffe.Extension):
    """Render Sphinx roles as Markdown code (linked), hide `_NotGiven` in signatures."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ":" in obj.docstring.value:
            obj.docstring.value = _ROLE.sub(lambda m: _role(obj, m), obj.docstring.value)
        if isinstance(obj, griffe.Function):
            for parameter in obj.parameters:
                if parameter.annotation is not None:
                    parameter.annotation = _without_not_given(parameter.annotation)


def _model_of(cls: griffe.Class) -> griffe.Expr | None:
    """`Segment` for `class SegmentsResource(CollectionResource[Segment])`, through bases."""
    for base in cls.bases:
        if isinstance(base, griffe.ExprSubscript) and isinstance(base.slice, griffe.ExprName):
            return base.slice
    for parent in cls.resolved_bases:
        if isinstance(parent, griffe.Class):
            found = _model_of(parent)
            if found is not None:
                return found
    return None


def _path_of(cls: griffe.Class) -> str | None:
    """The collection's path: the value of its `_path` class attribute."""
    member = cls.all_members.get("_path")
    value = getattr(member, "value", None)
    text = str(value).strip("'\"") if value is not None else ""
    return text or None


def _substitute(expr: Any, model: griffe.Expr) -> Any:
    """`expr` with every type variable replaced by `model`."""
    if isinstance(expr, griffe.ExprName) and expr.name in _TYPE_VARIABLES:
        return model
    if isinstance(expr, list):
        return [_substitute(item, model) for item in expr]
    if isinstance(expr, griffe.Expr) and dataclasses.is_dataclass(expr):
        changes = {
            field.name: _substitute(getattr(expr, field.name), model)
            for field in dataclasses.fields(expr)
            if field.name != "parent"
        }
        return dataclasses.replace(expr, **changes)
    return expr


def _concrete(func: griffe.Function, cls: griffe.Class, model: griffe.Expr) -> griffe.Function:
    path = _path_of(cls)
    text = func.docstring.value if func.docstring else ""
    if path:
        text = _ENDPOINT.sub(lambda m: f"`{m[1]} {path}{m[2] or ''}`", text)
    copy = griffe.Function(
        func.name,
        lineno=func.lineno,
        endlineno=func.endlineno,
        parameters=griffe.Parameters(
            *(
                griffe.Parameter(
                    p.name,
                    annotation=_substitute(p.annotation, model),
                    kind=p.kind,
                    default=p.default,
                    docstring=p.docstring,
                )
                for p in func.parameters
            )
        ),
        returns=_substitute(func.returns, model),
        decorators=func.decorators,
    )
    copy.labels |= func.labels
    if func.docstring is not None:
        copy.docstring = griffe.Docstring(
            text,
            lineno=func.docstring.lineno,
            endlineno=func.docstring.endlineno,
            parent=copy,
            parser=func.docstring.parser,
            parser_options=func.docstring.parser_options,
        )
    return copy


class ConcreteCollections(griffe.Extension):
    """Give each namespace its own, concrete copy of the generic collection methods."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.name != "ongage_async":
            return
        modules = [*pkg.get_member("resources").modules.values()]
        for module in modules:
            for cls in module.classes.values():
                if cls.is_alias:
                    continue
                model = _model_of(cls)
                if model is None:
                    continue
                for name, member in cls.inherited_members.items():
                    target = member.final_target
                    if isinstance(target, griffe.Function) and target.path.startswith(
                        _GENERIC_HOMES
                    ):
                        cls.set_member(name, _concrete(target, cls, model))
