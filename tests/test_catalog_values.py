"""Catalog parameters bound as a VALUES block: same rows as before, no injection.

``run_query`` writes checked parameters into a VALUES block at the start of the WHERE
group (so that Oxigraph's planner starts from them). Each catalog query must give, on the
curated graph, the same rows as the form used before: the unchanged query text with the
parameters bound through pyoxigraph's own ``substitutions=`` (called here directly, not
through gutbone). Parameter values are the defaults, each query's documented example and
the values of the hand-checked tests in tests/test_query_catalog.py.
"""

from __future__ import annotations

import shlex
from typing import Any

import pyoxigraph as ox
import pytest

from gutbone.cli import main
from gutbone.errors import QueryError
from gutbone.query.catalog import bind_adhoc, bind_parameters, load_catalog
from gutbone.query.source import load_source
from gutbone.query.sparql import DEFAULT_PREFIXES, Term, inline_values, run_query

CATALOG = load_catalog()

# parameter sets besides the defaults and the examples (tests/test_query_catalog.py values)
EXTRA: dict[str, list[dict[str, str]]] = {
    "edge_evidence": [
        {"subject": "CHEBI:26666"},
        {"subject": "CHEBI:26666", "object": "CL:0000092"},
    ],
    "search_nodes": [{"text": "RANKL"}, {"text": "丁酸"}, {"text": "bone"}],
    "neighbourhood": [{"node": "CHEBI:17968"}],
    "nodes_in_category": [{"category": "ImmuneCell"}, {"category": "Taxon"}],
    "mr_estimates": [{"outcome": "EFO:0009270"}],
    "metabolite_receptors": [{"metabolite": "CHEBI:17968"}],
    "evidence_for_outcome": [{"outcome": "OBA:1000110"}],
    "taxon_metabolite_outcome": [{"taxon": "NCBITaxon:1578", "outcome": "OBA:1000110"}],
    "reported_claims": [{"subject": "gutbone:probiotic_adjuvant_therapy"}],
    "assertions_by_source": [{"source": "https://w3id.org/gutbone/source/qiao2025_mr"}],
}


def _parameter_sets(name: str) -> list[dict[str, str]]:
    query = CATALOG[name]
    words = shlex.split(query.example)
    example = dict(words[i + 1].split("=", 1) for i, word in enumerate(words) if word == "--param")
    sets = [example, *EXTRA.get(name, [])]
    if all(not p.required for p in query.parameters):
        sets.append({})
    unique: list[dict[str, str]] = []
    for given in sets:
        if given not in unique:
            unique.append(given)
    return unique


CASES = [(name, given) for name in sorted(CATALOG) for given in _parameter_sets(name)]


@pytest.fixture(scope="module")
def curated() -> Any:
    return load_source()


def _term(value: Any) -> Term | None:
    if value is None:
        return None
    if isinstance(value, ox.NamedNode):
        return Term("uri", value.value)
    if isinstance(value, ox.BlankNode):
        return Term("bnode", value.value)
    return Term.literal(value.value, value.datatype.value, value.language)


def _substituted(store: ox.Store, text: str, bindings: dict[str, Term]) -> list[tuple]:
    """The rows of the form used before: pyoxigraph ``substitutions=`` on the same text."""
    substitutions: dict[ox.Variable, Any] = {}
    for name, term in bindings.items():
        if term.kind == "uri":
            substitutions[ox.Variable(name)] = ox.NamedNode(term.value)
        elif term.datatype:
            substitutions[ox.Variable(name)] = ox.Literal(
                term.value, datatype=ox.NamedNode(term.datatype)
            )
        else:
            substitutions[ox.Variable(name)] = ox.Literal(term.value, language=term.language)
    answer = store.query(text, prefixes=DEFAULT_PREFIXES, substitutions=substitutions or None)
    keys = list(answer.variables)
    return sorted((tuple(_term(s[k]) for k in keys) for s in answer), key=repr)


@pytest.mark.parametrize(
    ("name", "given"), CASES, ids=[f"{n}-{'-'.join(g.values()) or 'defaults'}" for n, g in CASES]
)
def test_values_form_gives_the_rows_of_substitutions(
    curated: Any, name: str, given: dict[str, str]
) -> None:
    query = CATALOG[name]
    bindings = bind_parameters(query, given)
    new = run_query(query.text, store=curated.store, bindings=bindings, source=name)
    old = _substituted(curated.store, query.text, bindings)
    assert sorted(new.rows, key=repr) == old
    # the bound values are in the answer wherever the query returns them
    for variable, term in bindings.items():
        if variable in new.variables and new.rows:
            column = new.variables.index(variable)
            assert {row[column] for row in new.rows} == {term}


def test_every_query_is_covered_with_a_bound_parameter() -> None:
    with_values = {name for name, given in CASES if bind_parameters(CATALOG[name], given)}
    parameterised = {name for name, q in CATALOG.items() if q.parameters}
    assert with_values == parameterised and len(parameterised) >= 10


HOSTILE = [
    "> } ; DROP ALL ; #",
    '" } ; DELETE WHERE { ?s ?p ?o } #',
    'x\\" ) } } INSERT DATA { <http://e/a> <http://e/b> <http://e/c> } #',
    "RANKL'\n} UNION { ?s ?p ?o }",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_user_text_is_a_literal_never_query_text(curated: Any, text: str) -> None:
    before = len(curated.store)
    query = CATALOG["search_nodes"]
    bindings = bind_parameters(query, {"text": text})
    assert bindings["text"] == Term.literal(text)
    result = run_query(query.text, store=curated.store, bindings=bindings, source="search_nodes")
    # no node's label or synonym contains these strings: no row, and nothing changed
    assert result.rows == ()
    assert len(curated.store) == before
    # the block holds one escaped literal: the query text after it is unchanged
    written = inline_values(query.text, bindings)
    assert written.replace(f" VALUES (?text) {{ ({bindings['text'].n3()}) }}", "", 1) == query.text


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_curie_and_category_are_rejected(text: str) -> None:
    with pytest.raises(QueryError, match="parameter node: "):
        bind_parameters(CATALOG["neighbourhood"], {"node": text})
    with pytest.raises(QueryError, match="is not a known category"):
        bind_parameters(CATALOG["nodes_in_category"], {"category": text})
    with pytest.raises(QueryError, match="is not a valid IRI"):
        bind_adhoc({"x": f"<{text}>"})


def test_hostile_parameter_via_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sparql", "neighbourhood", "--param", "node=x> } ; DROP ALL ; #"]) == 1
    err = capsys.readouterr().err
    assert "parameter node:" in err and "Traceback" not in err
    assert main(["sparql", "search_nodes", "--param", 'text=" } ; DROP ALL ; #', "--format",
                 "csv"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert out.splitlines()[1:] == []
