"""Read JSON-LD without the network: an offline document loader.

A JSON-LD document may name its ``@context`` by URL, or pull one in with ``@import``;
a JSON-LD processor then downloads it. gutbone opens no connection at run time, so the
document is read with the standard :mod:`json` module and every context reference is
resolved here before rdflib sees it:

- a context given inline (an object) is used as it is;
- :data:`CONTEXT_IRI`, gutbone's own context, is replaced by the copy shipped in the
  package (``gutbone/interop/context.jsonld``);
- any other reference (a remote URL, a relative file name, an ``@import``) is an error
  naming the file, the key and the URL: inline that context instead.

>>> doc = {"@context": CONTEXT_IRI, "@id": "gb:x", "label": "x"}
>>> offline_document(doc, "f.jsonld")["@context"]["gb"]
'https://w3id.org/gutbone/vocab#'
>>> offline_document({"@context": "http://example.org/ctx"}, "f.jsonld")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
gutbone.errors.InputError: f.jsonld:0:@context: remote context 'http://example.org/ctx' is not ...
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from rdflib import Graph

from gutbone.errors import InputError, Problem

__all__ = ["CONTEXT_IRI", "bundled_context", "offline_document", "parse_jsonld"]

#: The IRI under which a document may name gutbone's own context (resolved locally).
CONTEXT_IRI = "https://w3id.org/gutbone/context.jsonld"


@cache
def _bundled_text() -> str:
    return (Path(__file__).parent / "interop" / "context.jsonld").read_text(encoding="utf-8")


def bundled_context() -> dict[str, Any]:
    """The ``@context`` object of the shipped ``context.jsonld`` (a fresh copy).

    >>> bundled_context()["biolink"]
    'https://w3id.org/biolink/vocab/'
    """
    context: dict[str, Any] = json.loads(_bundled_text())["@context"]
    return context


def _resolve(value: Any, source: str) -> Any:
    """One ``@context`` value with every reference replaced or refused."""
    if isinstance(value, str):
        if value == CONTEXT_IRI:
            return bundled_context()
        raise InputError(
            [
                Problem(
                    source,
                    0,
                    "@context",
                    f"remote context {value!r} is not fetched (no network access at run time): "
                    "put the context inline",
                )
            ]
        )
    if isinstance(value, list):
        return [_resolve(item, source) for item in value]
    if isinstance(value, dict) and "@import" in value:
        raise InputError(
            [
                Problem(
                    source,
                    0,
                    "@import",
                    f"imported context {value['@import']!r} is not fetched (no network access at "
                    "run time): put the context inline",
                )
            ]
        )
    return value


def offline_document(document: Any, source: str) -> Any:
    """Replace or refuse every context reference of a parsed JSON-LD document.

    Contexts are looked for everywhere (top level, nested nodes, scoped contexts of term
    definitions), iteratively, so depth costs no recursion.

    :param document: the parsed JSON (changed in place and returned).
    :param source: file name used in error messages.
    :returns: the document, every context inline.
    :raises InputError: ``file:0:@context`` (or ``@import``) naming the reference.
    """
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "@context" in item:
                item["@context"] = _resolve(item["@context"], source)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return document


def parse_jsonld(path: str | os.PathLike[str], graph: Graph | None = None) -> Graph:
    """Parse a JSON-LD file into an rdflib graph with no network access.

    :param path: the file.
    :param graph: the graph to add to (a new one by default).
    :returns: the graph.
    :raises InputError: unreadable file, invalid JSON, a remote context or ``@import``,
        or what the JSON-LD parser reports, as ``file:line:field: message``.
    """
    file = Path(path)
    name = str(path)
    if file.exists() and not file.is_file():  # a FIFO or a device would block the reader
        raise InputError([Problem(name, 0, "-", "not a regular file")])
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError([Problem(name, 0, "-", f"cannot read file: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        raise InputError([Problem(name, 0, "-", f"not UTF-8 text: {exc.reason}")]) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(name, exc.lineno, "-", f"not valid JSON: {exc.msg}")]) from None
    except RecursionError:
        raise InputError([Problem(name, 0, "-", "JSON nested too deeply")]) from None
    document = offline_document(document, name)
    target = graph if graph is not None else Graph()
    try:
        data = json.dumps(document)
        target.parse(data=data, format="json-ld", publicID=file.resolve().as_uri())
    except RecursionError:
        raise InputError([Problem(name, 0, "-", "JSON-LD nested too deeply")]) from None
    except Exception as exc:  # noqa: BLE001 - rdflib's JSON-LD parser raises many types
        text = " ".join(str(exc).split())
        raise InputError([Problem(name, 0, "-", f"not valid JSON-LD: {text}")]) from None
    return target
