"""Run the real ``kgx`` command line offline (executed by the kgx venv's Python, not gutbone's).

kgx (through bmt) downloads the Biolink Model YAML and JSON-LD contexts from GitHub at
start-up. This runner gives it the same files from disk instead, then calls kgx's own CLI
(``kgx validate``, ``kgx transform``...) unchanged:

* the Biolink schema: ``biolink_model/schema/biolink_model.yaml`` of the ``biolink-model``
  PyPI package (``--schema``), with an empty predicate map (only used to map deprecated
  predicates, not by validation);
* the ``biolink`` JSON-LD context, from which ``kgx validate`` takes the known CURIE
  prefixes: the package's ``biolink_model_prefix_map.json`` plus the ``curie_map`` shipped
  with the export (``--context``, the export's ``context.jsonld``), which declares the
  local ``gutbone:`` prefix.

Every network access raises, so a run that would need the network fails instead of
silently downloading.

Usage: ``python tests/kgx_offline.py --schema YAML --prefixes JSON [--context JSON] -- kgx args``
"""

import argparse
import json
import socket
import sys


def _no_network(*args, **kwargs):
    raise RuntimeError("network access attempted while running kgx offline")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schema", required=True)
    parser.add_argument("--prefixes", required=True)
    parser.add_argument("--context", action="append", default=[])
    options, rest = parser.parse_known_args()
    if rest and rest[0] == "--":
        rest = rest[1:]
    socket.socket.connect = _no_network  # type: ignore[method-assign]
    socket.create_connection = _no_network  # type: ignore[assignment]

    with open(options.prefixes, encoding="utf-8") as handle:
        context = dict(json.load(handle))
    for path in options.context:
        with open(path, encoding="utf-8") as handle:
            extra = json.load(handle)
        context.update(extra.get("@context", extra))

    from bmt import Toolkit

    # kgx builds a Toolkit with bmt's default (remote) schema when it is imported
    Toolkit.__init__.__defaults__ = (options.schema, {"predicate mappings": []})
    import kgx.config
    from kgx.cli import cli

    for name in ("biolink", "monarch_context", "obo_context"):
        kgx.config.jsonld_context_map[name] = context
    sys.argv = ["kgx", *rest]
    cli()


if __name__ == "__main__":
    main()
