"""A griffe extension for the documentation site's API reference (mkdocs.yml).

The reference is read from the source (griffe's static analysis), and two things of the code are
not in its text:
- docstrings the code writes at run time: the routers' family decorators (``Router.pre_sign_up``
  ...) write theirs from the family table, so an attribute with no docstring in the source gets
  the one its value carries once the module is imported;
- reST's inline markup, which editors and ``help()`` show as written while the site renders
  Markdown: ``:class:`~cognito_triggers.Deny``` becomes ```Deny``` (Sphinx shows a ``~`` target
  by its last part) and any other role its target as code; a paragraph ending in ``::``
  (``Example::``) ends in ``:`` and a ``::`` alone on its line goes, as reST drops them. The
  indented block after either is a code block in Markdown as in reST.
"""

from __future__ import annotations

import re
from importlib import import_module
from typing import Any

from griffe import Attribute, Docstring, Extension, GriffeLoader, Object

_ROLE = re.compile(r":(?:py:)?[a-z]+:`(~?)([^`]+)`")
_LITERAL_MARKER = re.compile(r"(\S)::$", re.MULTILINE)
_LONE_MARKER = re.compile(r"^[ \t]*::\n", re.MULTILINE)


def _role(match: re.Match[str]) -> str:
    short, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if short else target}`"


def markdown(text: str) -> str:
    """The docstring with its reST roles and literal-block markers written as Markdown."""
    text = _ROLE.sub(_role, text)
    return _LONE_MARKER.sub("", _LITERAL_MARKER.sub(r"\1:", text))


def runtime_docstring(attr: Attribute) -> str | None:
    """The docstring a class attribute's value carries at run time when the value is of one of
    the package's own types and the docstring is its own, not its type's."""
    owner = attr.parent
    if owner is None or not owner.is_class:
        return None
    value: Any = import_module(attr.module.path)
    for name in (*owner.path.removeprefix(attr.module.path + ".").split("."), attr.name):
        value = getattr(value, name, None)
    if type(value).__module__.partition(".")[0] != attr.module.path.partition(".")[0]:
        return None
    doc = getattr(value, "__doc__", None)
    return doc if isinstance(doc, str) and doc is not type(value).__doc__ else None


class RestToMarkdown(Extension):
    """Gives run-time docstrings to attributes without one, then rewrites every docstring."""

    def on_object(self, *, obj: Object, loader: GriffeLoader, **kwargs: Any) -> None:
        if obj.docstring is None and isinstance(obj, Attribute):
            doc = runtime_docstring(obj)
            if doc:
                obj.docstring = Docstring(
                    doc,
                    parent=obj,
                    parser=loader.docstring_parser,
                    parser_options=loader.docstring_options,
                )
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
