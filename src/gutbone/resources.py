"""Where the bundled ontology and curated tables live.

In a source checkout they are the top-level ``ontology/`` and ``data/`` folders; in an
installed wheel they are copied under ``gutbone/_bundled/``.

>>> (ontology_dir() / "gutbone.ttl").is_file()
True
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ontology_dir",
    "data_dir",
    "VOCAB",
    "NODE_BASE",
    "ASSERTION_BASE",
    "SOURCE_BASE",
    "DISCREPANCY_BASE",
]

VOCAB = "https://w3id.org/gutbone/vocab#"
NODE_BASE = "https://w3id.org/gutbone/node/"
ASSERTION_BASE = "https://w3id.org/gutbone/assertion/"
SOURCE_BASE = "https://w3id.org/gutbone/source/"
DISCREPANCY_BASE = "https://w3id.org/gutbone/discrepancy/"

_PACKAGE = Path(__file__).resolve().parent


def _locate(name: str) -> Path:
    checkout = _PACKAGE.parent.parent / name
    if checkout.is_dir():
        return checkout
    return _PACKAGE / "_bundled" / name


def ontology_dir() -> Path:
    """Folder holding ``gutbone.ttl`` (vocabulary) and ``shapes.ttl`` (SHACL)."""
    return _locate("ontology")


def data_dir() -> Path:
    """Folder holding the curated tables (``sources.csv``, ``nodes/``, ``edges/``...)."""
    return _locate("data")
