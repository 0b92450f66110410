"""The array-only engine (SparseGraph, KGX reading, sparse top-k) and store bulk loading.

References
----------
* Himmelstein DS, Baranzini SE (2015) PLoS Comput Biol 11(7):e1004259, Fig. 2D
  (doi:10.1371/journal.pcbi.1004259.g002): with damping 0.5 the GiGaD DWPC from IRF1 to
  multiple sclerosis is 0.25 + 0.25 + 32**-0.5 over 3 paths; graph in
  ``tests/fixtures/paths/gigad`` (see tests/test_metapaths.py).
* The small KGX graph ``_KGX_*`` below: DWPC, path counts, scores and signs worked out by
  hand in the comments next to the assertions.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from gutbone.cli import main
from gutbone.curation import load_curated
from gutbone.errors import InputError, QueryError
from gutbone.interop.biolink import category_of, predicate_of
from gutbone.interop.readers.sparse_kgx import read_kgx
from gutbone.query.metapaths import metapath_dwpc
from gutbone.query.paths import NoPathError, find_paths
from gutbone.query.projection import build_projection
from gutbone.query.sparse_graph import SparseGraph, build_sparse_graph, from_curated
from gutbone.store import load_files

FIXTURES = Path(__file__).parent / "fixtures" / "paths"
IRF1, MS = "HGNC:6116", "MONDO:0005301"

# T1 produces M1, M2; T2 produces M1; M1 increases B1; M2 decreases B1 and (parallel edge)
# affects B1; T2 associated_with B1 (symmetric: walked both ways); M1 participates_in M1
# (self-loop, dropped). Categories: Biolink classes; BoneOutcome's Biolink class
# (ClinicalAttribute) is shared with Measurement, so its row also names the gutbone category.
_KGX_NODES = """id\tcategory\tname
NCBITaxon:2\tbiolink:OrganismTaxon\ttaxon two
NCBITaxon:1\tbiolink:OrganismTaxon\ttaxon one
CHEBI:1\tbiolink:SmallMolecule\tmetabolite one
CHEBI:2\tbiolink:SmallMolecule\tmetabolite two
EFO:0000001\tbiolink:ClinicalAttribute|BoneOutcome\tbone one
"""
_KGX_EDGES = """id\tsubject\tpredicate\tobject\tobject_direction_qualifier\tsign\tevidence_type
e1\tNCBITaxon:1\tbiolink:produces\tCHEBI:1\t\t1\trct
e2\tNCBITaxon:1\tbiolink:produces\tCHEBI:2\t\t1\treview_claim
e3\tNCBITaxon:2\tbiolink:produces\tCHEBI:1\t\t1\tanimal
e4\tCHEBI:1\tbiolink:affects\tEFO:0000001\tincreased\t1\tanimal
e5\tCHEBI:2\tbiolink:affects\tEFO:0000001\tdecreased\t-1\tin_vitro
e6\tCHEBI:2\tbiolink:affects\tEFO:0000001\t\t0\thypothesis
e7\tNCBITaxon:2\tbiolink:associated_with\tEFO:0000001\t\t1\thuman_observational
e8\tCHEBI:1\tbiolink:participates_in\tCHEBI:1\t\t0\tanimal
"""


@pytest.fixture
def kgx(tmp_path: Path) -> Path:
    (tmp_path / "nodes.tsv").write_text(_KGX_NODES, encoding="utf-8")
    (tmp_path / "edges.tsv").write_text(_KGX_EDGES, encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def gigad() -> SparseGraph:
    return from_curated(load_curated(FIXTURES / "gigad"))


def test_fig2d_on_the_sparse_graph(gigad: SparseGraph) -> None:
    scores = metapath_dwpc(gigad, "GeneProduct>GeneProduct>Disease", 0.5)
    assert scores.value(IRF1, MS) == pytest.approx(0.25 + 0.25 + 32**-0.5, rel=1e-12)
    assert scores.count(IRF1, MS) == 3


def test_read_kgx_maps_biolink_and_drops_self_loops(kgx: Path) -> None:
    graph = read_kgx(kgx, keep_edge_ids=True)
    assert graph.node_ids == ("CHEBI:1", "CHEBI:2", "EFO:0000001", "NCBITaxon:1", "NCBITaxon:2")
    assert [graph.category(i) for i in range(5)] == [
        "Metabolite", "Metabolite", "BoneOutcome", "Taxon", "Taxon",
    ]  # fmt: skip
    assert graph.labels[3] == "taxon one"
    assert graph.n_edges == 8
    # 7 forward arcs (e8 is a self-loop) + e7 walked backwards (associated_with)
    assert len(graph.arcs.tail) == 8
    names = [graph.predicate_names[p] for p in graph.arcs.predicate]
    assert names[:6] == ["produces"] * 3 + ["increases", "decreases", "affects"]
    back = int(np.flatnonzero(graph.arc_reverse)[0])
    assert graph.edge_name(int(graph.arc_edge[back])) == "e7"
    assert (graph.node_ids[graph.arcs.tail[back]], graph.node_ids[graph.arcs.head[back]]) == (
        "EFO:0000001",
        "NCBITaxon:2",
    )


def test_dwpc_of_the_kgx_graph_by_hand(kgx: Path) -> None:
    graph = read_kgx(kgx)
    w = 0.4
    scores = metapath_dwpc(graph, "Taxon>Metabolite>BoneOutcome", w)
    # step 1 degrees: out T1 = 2, T2 = 1; in M1 = 2, M2 = 1
    # step 2 degrees: out M1 = 1, M2 = 2 (two parallel edges); in B1 = 3
    t1_b1 = (2 * 2) ** -w * (1 * 3) ** -w + 2 * ((2 * 1) ** -w * (2 * 3) ** -w)
    t2_b1 = (1 * 2) ** -w * (1 * 3) ** -w
    assert scores.value("NCBITaxon:1", "EFO:0000001") == pytest.approx(t1_b1, rel=1e-12)
    assert scores.value("NCBITaxon:2", "EFO:0000001") == pytest.approx(t2_b1, rel=1e-12)
    assert scores.count("NCBITaxon:1", "EFO:0000001") == 3
    assert scores.count("NCBITaxon:2", "EFO:0000001") == 1


def test_sparse_top_k_by_hand(kgx: Path) -> None:
    graph = read_kgx(kgx)
    hits = find_paths(
        graph, "taxon one", "EFO:0000001", metapath="Taxon>Metabolite>BoneOutcome"
    )
    # rct 0.9 x animal 0.5; review_claim 0.3 x in_vitro 0.4; review_claim 0.3 x hypothesis 0.1
    assert [round(h.score, 12) for h in hits] == [0.45, 0.12, 0.03]
    assert [h.net_sign for h in hits] == [1, -1, 0]
    assert [h.hops[1].predicate for h in hits] == ["increases", "decreases", "affects"]
    assert [h.hops[1].record for h in hits] == ["edges.tsv:5", "edges.tsv:6", "edges.tsv:7"]
    assert hits[0].labels == ("taxon one", "metabolite one", "bone one")
    top = find_paths(
        graph, "NCBITaxon:1", "EFO:0000001", metapath="Taxon>Metabolite>BoneOutcome", top=1
    )
    assert [h.score for h in top] == [hits[0].score]
    strong = find_paths(
        graph, "NCBITaxon:1", "EFO:0000001", metapath="Taxon>Metabolite>BoneOutcome",
        min_evidence="in_vitro",
    )  # fmt: skip
    assert [round(h.score, 12) for h in strong] == [0.45]  # e2 (review_claim) falls out
    with pytest.raises(QueryError, match="no Metabolite -> BoneOutcome edge"):
        find_paths(
            graph, "NCBITaxon:1", "EFO:0000001", metapath="Taxon>Metabolite>BoneOutcome",
            min_evidence="rct",
        )  # fmt: skip
    with pytest.raises(NoPathError):  # T2 -> M1 -> B1 needs 'increases' (e4)
        find_paths(
            graph, "NCBITaxon:2", "EFO:0000001", metapath="Taxon>Metabolite>BoneOutcome",
            predicates=["produces", "decreases"],
        )  # fmt: skip
    with pytest.raises(QueryError, match="starts at Taxon"):
        find_paths(graph, "CHEBI:1", "EFO:0000001", metapath="Taxon>Metabolite>BoneOutcome")


@pytest.mark.parametrize(
    ("fixture", "metapath"),
    [
        ("gigad", "GeneProduct>GeneProduct>Disease"),
        ("gigad", "Disease>GeneProduct>GeneProduct>Disease"),
        ("gigad", "Entity>Entity>Entity"),
        ("repeats", "GeneProduct>GeneProduct>GeneProduct>GeneProduct"),
        ("repeats", "GeneProduct>GeneProduct>GeneProduct>GeneProduct>GeneProduct"),
        ("toy", "Taxon>Metabolite>Entity>BiologicalProcess>BoneOutcome"),
        ("toy", "Taxon>Chemical>BoneOutcome"),
    ],
)
def test_sparse_and_enumerating_engines_agree(fixture: str, metapath: str) -> None:
    data = load_curated(FIXTURES / fixture)
    projection, graph = build_projection(data), from_curated(data)
    for damping in (0.0, 0.4):
        expected = metapath_dwpc(projection, metapath, damping)
        got = metapath_dwpc(graph, metapath, damping)
        assert got.rows == expected.rows and got.columns == expected.columns
        assert np.allclose(got.dwpc.toarray(), expected.dwpc.toarray(), rtol=1e-12, atol=0)
        assert np.array_equal(got.path_counts.toarray(), expected.path_counts.toarray())
    checked = 0
    for source, target in itertools.product(expected.rows, expected.columns):
        for top in (None, 2):
            try:
                want = find_paths(projection, [source], [target], metapath=metapath, top=top)
            except NoPathError:
                want = []
            try:
                have = find_paths(graph, [source], [target], metapath=metapath, top=top)
            except NoPathError:
                have = []
            assert [(h.nodes, [o.edge_id for o in h.hops], h.score, h.net_sign) for h in have] == [
                (h.nodes, [o.edge_id for o in h.hops], h.score, h.net_sign) for h in want
            ]
            checked += len(want)
        assert len(find_paths_or_empty(graph, source, target, metapath)) == expected.count(
            source, target
        )
    assert checked > 0


def find_paths_or_empty(graph: SparseGraph, source: str, target: str, metapath: str) -> list:
    try:
        return find_paths(graph, [source], [target], metapath=metapath)
    except NoPathError:
        return []


def test_curated_graph_sparse_equals_projection() -> None:
    data = load_curated()
    projection, graph = build_projection(data), from_curated(data)
    assert graph.node_ids == projection.node_ids
    assert sorted(zip(graph.arcs.tail.tolist(), graph.arcs.head.tolist(), strict=True)) == sorted(
        zip(projection.arcs.tail.tolist(), projection.arcs.head.tolist(), strict=True)
    )


def test_biolink_mapping() -> None:
    assert category_of("biolink:OrganismTaxon") == "Taxon"
    assert category_of("gb:Cytokine") == "Cytokine"
    # closeMatch of Measurement and BoneOutcome: their nearest common category (the one
    # Biolink mapping of gutbone.interop.biolink, as import reads it)
    assert category_of("biolink:ClinicalAttribute") == "Measurement"
    assert category_of("biolink:Gene") == "GeneProduct"  # via the mixin GeneOrGeneProduct
    assert predicate_of("biolink:related_to") is None  # gb:relation is not a usable predicate
    assert predicate_of("biolink:affects", "increased") == "increases"
    assert predicate_of("biolink:affects") == "affects"
    assert predicate_of("biolink:no_such_thing") is None


def test_read_kgx_errors_name_file_row_and_column(kgx: Path) -> None:
    (kgx / "edges.tsv").write_text(
        _KGX_EDGES + "e9\tNCBITaxon:9\tbiolink:produces\tCHEBI:1\t\t1\trct\n"
        "e10\tNCBITaxon:1\tbiolink:eats\tCHEBI:1\t\t1\trct\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        read_kgx(kgx)
    messages = [str(p) for p in info.value.problems]
    edges = str(kgx / "edges.tsv")
    assert f"{edges}:10:subject: 'NCBITaxon:9' is not an id of the node file" in messages
    assert any(m.startswith(f"{edges}:11:predicate: 'biolink:eats'") for m in messages)
    (kgx / "nodes.tsv").write_text("id\tname\nX:1\tx\n", encoding="utf-8")
    with pytest.raises(InputError, match="nodes.tsv:1:category: missing column"):
        read_kgx(kgx)


def test_build_sparse_graph_rejects_duplicates_and_unknown_predicates() -> None:
    with pytest.raises(QueryError, match="duplicate node ids: a"):
        build_sparse_graph(["a", "a"], ["Taxon", "Taxon"], np.array([0]), ["produces"],
                           np.array([1]))  # fmt: skip
    with pytest.raises(QueryError, match="unknown predicate 'eats'"):
        build_sparse_graph(["a", "b"], ["Taxon", "Taxon"], np.array([0]), ["eats"], np.array([1]))


def test_paths_cli_on_kgx(kgx: Path, capsys: pytest.CaptureFixture[str]) -> None:
    metapath = "Taxon>Metabolite>BoneOutcome"
    code = main(["paths", "--kgx", str(kgx), "--from", "Taxon", "--to", "bone one",
                 "--metapath", metapath, "--engine", "sparse", "--format", "csv"])  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0].startswith("source,source_label,target,target_label,dwpc,path_count,kind,")
    assert out[1].startswith("NCBITaxon:1,taxon one,EFO:0000001,bone one,")
    assert [line.split(",")[5] for line in out[1:3]] == ["3", "1"]
    code = main(["paths", "--kgx", str(kgx), "--from", "NCBITaxon:1", "--to", "EFO:0000001",
                 "--metapath", metapath, "--format", "json"])  # fmt: skip
    assert code == 0
    assert '"record": "edges.tsv:5"' in capsys.readouterr().out
    assert main(["paths", "--kgx", str(kgx), "--from", "Taxon", "--to", "bone one"]) == 2
    assert "needs --metapath" in capsys.readouterr().err


def test_load_store_merges_files(tmp_path: Path) -> None:
    (tmp_path / "a.nt").write_text(
        '<http://e/a> <http://e/p> "x" .\n<http://e/a> <http://e/p> "y" .\n', encoding="utf-8"
    )
    (tmp_path / "b.ttl").write_text("<http://e/b> <http://e/p> <http://e/a> .\n", encoding="utf-8")
    report = load_files(tmp_path / "store", [tmp_path / "a.nt", tmp_path / "b.ttl"],
                        base=b'<http://e/c> <http://e/p> "z" .\n')  # fmt: skip
    assert report.triples == 4 and report.files == ("a.nt", "b.ttl")
    assert report.seconds > 0 and report.peak_rss_bytes > 10_000_000
    with pytest.raises(InputError, match="no such file"):
        load_files(tmp_path / "store", [tmp_path / "missing.nt"])
    (tmp_path / "c.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown RDF file suffix"):
        load_files(tmp_path / "store", [tmp_path / "c.csv"])
    (tmp_path / "bad.nt").write_text("<http://e/a> <http://e/p> .\n", encoding="utf-8")
    with pytest.raises(SyntaxError):
        load_files(tmp_path / "store", [tmp_path / "bad.nt"])
    import pyoxigraph as ox

    # the failed load kept it: 4 triples + their VoID description (gutbone.void): the
    # dataset's type and void:triples, and one property partition (link, property, count);
    # + the derived facts (gutbone.derived): their version and the (empty) partition of
    # local-identifier nodes, typed
    assert len(ox.Store.read_only(str(tmp_path / "store"))) == 4 + 2 + 3 + 2


def test_build_store_add_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = tmp_path / "extra.nt"
    extra.write_text(
        "<http://e/a> <https://w3id.org/gutbone/vocab#produces> <http://e/b> .\n", encoding="utf-8"
    )
    store = tmp_path / "store"
    code = main(["build", "--out", str(tmp_path / "out"), "--format", "nt",
                 "--store", str(store), "--add", str(extra)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "peak RSS" in out
    built = (tmp_path / "out" / "gutbone.nt").read_text(encoding="utf-8")
    triples = len([line for line in built.splitlines() if line.strip()])
    import pyoxigraph as ox

    # the store's VoID description (gutbone.void) counts the triples loaded
    (row,) = ox.Store.read_only(str(store)).query(
        "SELECT ?n WHERE { <https://w3id.org/gutbone/void> <http://rdfs.org/ns/void#triples> ?n }"
    )
    assert int(row["n"].value) == triples + 1
    assert main(["build", "--out", str(tmp_path / "o2"), "--add", str(extra)]) == 2


def test_kgx_export_reads_back_as_the_curated_graph(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # gutbone export --format kgx-tsv (src/gutbone/interop) -> read_kgx: the same arcs,
    # including the subclass_of hops derived from the `broader` node column
    assert main(["export", "--format", "kgx-tsv", "--out", str(tmp_path / "kgx")]) == 0
    capsys.readouterr()
    curated = from_curated(load_curated())
    exported = read_kgx(tmp_path / "kgx", keep_edge_ids=True)
    assert exported.node_ids == curated.node_ids
    assert sorted(exported.edge_ids or ()) == sorted(curated.edge_ids or ())
    for metapath in ("Taxon>Metabolite>BoneOutcome", "Metabolite>Entity>BoneOutcome",
                     "Entity>Entity>Entity"):  # fmt: skip
        want, have = metapath_dwpc(curated, metapath), metapath_dwpc(exported, metapath)
        assert want.dwpc.nnz > 0
        assert np.allclose(have.dwpc.toarray(), want.dwpc.toarray(), rtol=1e-12, atol=0)
        assert np.array_equal(have.path_counts.toarray(), want.path_counts.toarray())
