"""Metapath DWPC as a chain of Apache Spark DataFrame joins (optional ``spark`` extra).

The same scores as :func:`gutbone.query.metapaths.metapath_dwpc` (Himmelstein & Baranzini
2015, doi:10.1371/journal.pcbi.1004259; damping as in Himmelstein et al. 2017,
doi:10.7554/eLife.26726), computed by Spark so that a graph too large for one machine can be
scored on a cluster (any Spark master URL) or, by default, on ``local[*]``:

1. *arcs*: every edge subject -> object, and object -> subject for the symmetric
   predicates (:data:`~gutbone.query.projection.SYMMETRIC_PREDICATES`); self-loops dropped;
2. *steps*: for each pair of consecutive metapath categories, the arcs whose tail and head
   belong to them (sub-classes included; semi-joins with the node table), filtered by
   predicate and evidence rank; parallel arcs counted (``n``); out- and in-degrees summed
   per step; ``w = n * (d_out * d_in) ** -damping``;
3. *chain*: the steps joined position by position, multiplying ``n`` (path count) and ``w``
   (path-degree product). Positions whose categories can hold the same node are kept and
   filtered to be distinct (simple paths); every other inner position is summed out right
   after its join, so the frame stays the size of a sparse matrix product.

Each step also counts its mechanistic arcs (``m``: predicates not ``gb:associative``) and,
among them, those of sign +1 (``p``) and -1 (``q``); the chain multiplies them as paths
combine (``m m'``; ``p p' + q q'`` paths of net sign +1, ``p q' + q p'`` of -1), giving
the mechanistic, positive and negative path counts of
:func:`~gutbone.query.metapaths.metapath_dwpc` (an association hop leaves no net sign).

Path counts are exact integers (``long``); DWPC agrees with the scipy engine to rounding
(the sums run in another order). Only ``pyspark`` and a Java runtime are needed: without
them :func:`spark_session` raises :class:`SparkUnavailable`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

import numpy as np
from scipy import sparse

from gutbone.errors import QueryError
from gutbone.query.metapaths import (
    DEFAULT_DAMPING,
    ArcGraph,
    DwpcMatrix,
    PathCounts,
    parse_metapath,
)
from gutbone.query.permutations import (
    DwpcNull,
    NullOptions,
    NullSums,
    NullTask,
    Progress,
    SumPermutations,
    as_sparse_graph,
    dwpc_null,
    permuted_sums,
)
from gutbone.query.projection import SYMMETRIC_PREDICATES, evidence_rank, predicate_closure
from gutbone.query.sparse_graph import SparseGraph
from gutbone.vocabulary import Vocabulary

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession


__all__ = [
    "DEFAULT_MASTER",
    "SparkUnavailable",
    "spark_session",
    "graph_frames",
    "read_kgx_frames",
    "dwpc_frame",
    "spark_dwpc",
    "spark_sums",
    "spark_dwpc_null",
]

#: Spark master used when none is given: all local cores.
DEFAULT_MASTER = "local[*]"


class SparkUnavailable(QueryError):
    """pyspark (the ``spark`` extra) or a Java runtime is missing."""


def spark_session(
    master: str | None = None, *, app_name: str = "gutbone", partitions: int = 8
) -> SparkSession:
    """Start (or reuse) a Spark session.

    :param master: a Spark master URL (``local[2]``, ``spark://host:7077``, ``yarn``...);
        :data:`DEFAULT_MASTER` when None.
    :param app_name: the application name shown by the cluster.
    :param partitions: ``spark.sql.shuffle.partitions`` (a few per core locally; the
        number of executor cores or more on a cluster).
    :returns: the session (quiet logging, no web UI); on a cluster master (not
        ``local...``) the gutbone package is shipped to the executors as a zip.
    :raises SparkUnavailable: when pyspark is not installed or the JVM cannot start.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable("--engine spark is not available: install the spark extra") from None
    # executors run gutbone's Python code (permutations): this interpreter, unless
    # PYSPARK_PYTHON names the one installed on the workers (pyspark reads only the variable)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        session = (
            SparkSession.builder.master(master or DEFAULT_MASTER)
            .appName(app_name)
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", str(partitions))
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
    except Exception as exc:  # the JVM gateway raises plain exceptions (no Java, bad master)
        raise SparkUnavailable(f"cannot start Spark ({master or DEFAULT_MASTER}): {exc}") from None
    session.sparkContext.setLogLevel("ERROR")
    if not (master or DEFAULT_MASTER).startswith("local"):
        session.sparkContext.addPyFile(str(_package_zip()))
    return session


def _package_zip() -> Path:
    """The gutbone package as a zip for executors (``addPyFile``), removed at exit.

    Executors on a cluster share no Python state with the driver: any gutbone code they
    run (pickled functions refer to it by module name) is imported from this zip.
    """
    import atexit
    import shutil
    import tempfile
    import zipfile

    import gutbone

    package = Path(gutbone.__file__).parent
    folder = Path(tempfile.mkdtemp(prefix="gutbone-spark-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    target = folder / "gutbone.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(package.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                archive.write(file, Path("gutbone") / file.relative_to(package))
    return target


def graph_frames(spark: SparkSession, graph: SparseGraph) -> tuple[DataFrame, DataFrame]:
    """A :class:`SparseGraph` as Spark frames (for graphs that fit on the driver).

    :param spark: the session.
    :param graph: the graph.
    :returns: ``nodes`` (``id``, ``category``) and ``edges`` (``subject``, ``predicate``,
        ``object``, ``evidence_type``, ``sign``), one row per edge (forward arcs of the graph).
    """
    rank_names = {e.rank: e.name for e in graph.vocabulary.evidence_types.values()}
    nodes = spark.createDataFrame(
        [(node, graph.category(i)) for i, node in enumerate(graph.node_ids)],
        "id string, category string",
    )
    forward = np.flatnonzero(~graph.arc_reverse)
    arcs = graph.arcs
    rows = [
        (graph.node_ids[t], graph.predicate_names[p], graph.node_ids[h], rank_names.get(r, ""), s)
        for t, p, h, r, s in zip(
            arcs.tail[forward].tolist(),
            arcs.predicate[forward].tolist(),
            arcs.head[forward].tolist(),
            arcs.rank[forward].tolist(),
            arcs.sign[forward].tolist(),
            strict=True,
        )
    ]
    edges = spark.createDataFrame(
        rows, "subject string, predicate string, object string, evidence_type string, sign int"
    )
    return nodes, edges


#: gutbone's KGX export: the parallel assertions of an edge (gutbone.interop.kgx_edges)
_ASSERTIONS = "gutbone_assertions"
_ASSERTION_SCHEMA = "gutbone_predicate STRING, gutbone_sign INT, gutbone_evidence_type STRING"


def _split_assertions(edges: DataFrame) -> DataFrame:
    """Each edge that aggregates parallel assertions replaced by one row per assertion."""
    from pyspark.sql import functions as F

    if _ASSERTIONS not in edges.columns:
        return edges
    item = F.from_json(F.col("_assertion"), _ASSERTION_SCHEMA)
    split = edges.where(F.col(_ASSERTIONS).isNotNull()).withColumn(
        "_assertion", F.explode(F.split(F.col(_ASSERTIONS), r"\|"))
    )
    for name in ("gutbone_predicate", "gutbone_sign", "gutbone_evidence_type"):
        split = split.withColumn(name, item[name].cast("string"))
    single = edges.where(F.col(_ASSERTIONS).isNull())
    return single.unionByName(split.drop("_assertion"))


def read_kgx_frames(spark: SparkSession, folder: str) -> tuple[DataFrame, DataFrame]:
    """Read a KGX TSV pair with Spark (paths any executor can read: HDFS, S3, shared disk).

    The columns ``gutbone_category`` and ``gutbone_predicate`` are used when present (as
    written by ``gutbone export --format kgx`` and ``benchmarks/generate.py``), otherwise
    ``category`` and ``predicate`` must already hold gutbone names. An edge of gutbone's
    export that aggregates parallel assertions (``gutbone_assertions``) is read as its
    assertions, each with its own predicate, sign and evidence type.

    :param spark: the session.
    :param folder: the folder (URL) holding ``nodes.tsv`` and ``edges.tsv``.
    :returns: ``nodes`` and ``edges`` frames as in :func:`graph_frames`.
    """
    from pyspark.sql import functions as F

    def read(name: str) -> DataFrame:
        return spark.read.csv(f"{folder.rstrip('/')}/{name}", sep="\t", header=True, quote="")

    nodes, edges = read("nodes.tsv"), _split_assertions(read("edges.tsv"))
    category = "gutbone_category" if "gutbone_category" in nodes.columns else "category"
    predicate = "gutbone_predicate" if "gutbone_predicate" in edges.columns else "predicate"
    # gutbone's KGX export names them gutbone_sign / gutbone_evidence_type (issue 15)
    evidence_column = next(
        (c for c in ("gutbone_evidence_type", "evidence_type") if c in edges.columns), ""
    )
    sign_column = next((c for c in ("gutbone_sign", "sign") if c in edges.columns), "")
    evidence = F.col(evidence_column) if evidence_column else F.lit("")
    sign = F.col(sign_column).cast("int") if sign_column else F.lit(0)
    return (
        nodes.select(F.col("id"), F.col(category).alias("category")),
        edges.select(
            F.col("subject"),
            F.col(predicate).alias("predicate"),
            F.col("object"),
            evidence.alias("evidence_type"),
            sign.alias("sign"),
        ),
    )


def _overlap(vocabulary: Vocabulary, categories: Sequence[str]) -> list[set[int]]:
    """For each position, the earlier non-adjacent positions that may hold the same node."""
    names = [
        {n for n in vocabulary.categories if c in vocabulary.category_ancestors(n)}
        for c in categories
    ]
    return [{j for j in range(i - 1) if names[i] & names[j]} for i in range(len(categories))]


def dwpc_frame(
    nodes: DataFrame,
    edges: DataFrame,
    vocabulary: Vocabulary,
    metapath: str | Sequence[str],
    damping: float = DEFAULT_DAMPING,
    *,
    predicates: Iterable[str] | None = None,
    min_evidence: str | None = None,
) -> DataFrame:
    """The DWPC join chain as a lazy Spark frame (see the module docstring).

    :param nodes: ``id``, ``category`` (gutbone category names).
    :param edges: ``subject``, ``predicate``, ``object``, ``evidence_type``, ``sign``.
    :param vocabulary: categories, predicates and evidence types.
    :param metapath: ``"Taxon>Metabolite>BoneOutcome"`` or a sequence of categories.
    :param damping: the damping exponent (0 gives path counts).
    :param predicates: allowed predicates (with sub-predicates); all when None.
    :param min_evidence: minimum evidence level; any when None.
    :returns: a frame ``source, target, path_count (long), dwpc (double),
        mechanistic_path_count, positive_path_count, negative_path_count (long)``, one row
        per pair with at least one simple path; write it (parquet) or collect it.
    :raises QueryError: for an unknown category, predicate or level, a negative damping or
        an impossible metapath (checked with one small Spark job per step).
    """
    if not damping >= 0:
        raise QueryError(f"damping {damping!r} must be a number >= 0")
    categories = parse_metapath(vocabulary, metapath)
    arcs = _arc_frame(edges, vocabulary, predicates, min_evidence)
    steps = [
        _step_frame(arcs, nodes, vocabulary, categories, k, damping)
        for k in range(len(categories) - 1)
    ]
    return _chain_frame(steps, _overlap(vocabulary, categories))


def _arc_frame(
    edges: DataFrame,
    vocabulary: Vocabulary,
    predicates: Iterable[str] | None,
    min_evidence: str | None,
) -> DataFrame:
    """Arcs ``tail, head, predicate, evidence_type, sign``: both ways for symmetric ones."""
    from pyspark.sql import functions as F

    allowed = predicate_closure(vocabulary, predicates)
    min_rank = evidence_rank(vocabulary, min_evidence)
    proper = edges.where(F.col("subject") != F.col("object"))
    columns = ("predicate", "evidence_type", "sign")
    forward = proper.select(F.col("subject").alias("tail"), F.col("object").alias("head"), *columns)
    backward = proper.where(F.col("predicate").isin(sorted(SYMMETRIC_PREDICATES))).select(
        F.col("object").alias("tail"), F.col("subject").alias("head"), *columns
    )
    arcs = forward.unionByName(backward)
    if allowed is not None:
        arcs = arcs.where(F.col("predicate").isin(sorted(allowed)))
    if min_rank is not None:
        strong = [e.name for e in vocabulary.evidence_types.values() if e.rank >= min_rank]
        arcs = arcs.where(F.col("evidence_type").isin(strong))
    return arcs


def _step_frame(
    arcs: DataFrame,
    nodes: DataFrame,
    vocabulary: Vocabulary,
    categories: Sequence[str],
    k: int,
    damping: float,
) -> DataFrame:
    """Step ``k``: ``tail, head, n, w, m, p, q`` (fails when the step has no arc)."""
    from pyspark.sql import functions as F

    mechanistic = ~F.col("predicate").isin(sorted(vocabulary.associative_predicates))

    def members(category: str) -> DataFrame:
        names = sorted(
            n for n in vocabulary.categories if category in vocabulary.category_ancestors(n)
        )
        return nodes.where(F.col("category").isin(names)).select("id")

    source, target = categories[k], categories[k + 1]
    step = (
        arcs.join(members(source).withColumnRenamed("id", "tail"), "tail", "left_semi")
        .join(members(target).withColumnRenamed("id", "head"), "head", "left_semi")
        .groupBy("tail", "head")
        .agg(
            F.count(F.lit(1)).alias("n"),
            F.sum(F.when(mechanistic, 1).otherwise(0)).alias("m"),
            F.sum(F.when(mechanistic & (F.col("sign") > 0), 1).otherwise(0)).alias("p"),
            F.sum(F.when(mechanistic & (F.col("sign") < 0), 1).otherwise(0)).alias("q"),
        )
    )
    if step.isEmpty():
        raise QueryError(
            f"impossible metapath {'>'.join(categories)!r}: no {source} -> {target} "
            "edge in the graph"
        )
    out_degree = step.groupBy("tail").agg(F.sum("n").alias("d_out"))
    in_degree = step.groupBy("head").agg(F.sum("n").alias("d_in"))
    weight = (
        F.col("n").cast("double")
        if damping == 0
        else F.col("n") * F.pow(F.col("d_out") * F.col("d_in"), F.lit(-float(damping)))
    )
    return (
        step.join(out_degree, "tail")
        .join(in_degree, "head")
        .select("tail", "head", "n", weight.alias("w"), *_SIGN_COLUMNS)
    )


def _chain_frame(steps: Sequence[DataFrame], overlap: list[set[int]]) -> DataFrame:
    """Steps joined position by position, inner positions summed out when no longer needed."""
    from pyspark.sql import functions as F

    last = len(steps)
    # positions still needed after position k: 0, k, and any j that a later position may repeat
    keep_after = [
        {0, k} | {j for i in range(k + 1, last + 1) for j in overlap[i] if j <= k}
        for k in range(last + 1)
    ]
    values = ("n", "w", *_SIGN_COLUMNS)
    chain = steps[0].select(
        F.col("tail").alias("v0"), F.col("head").alias("v1"), *[F.col(c) for c in values]
    )
    kept = [0, 1]
    for k in range(1, last):
        step = steps[k].select(
            F.col("tail").alias(f"v{k}"),
            F.col("head").alias(f"v{k + 1}"),
            *[F.col(c).alias(f"{c}_step") for c in values],
        )
        chain = chain.join(step, f"v{k}")
        for j in overlap[k + 1]:
            chain = chain.where(F.col(f"v{j}") != F.col(f"v{k + 1}"))
        chain = chain.select(*[f"v{j}" for j in kept + [k + 1]], *_combine(F))
        kept = sorted((set(kept) | {k + 1}) & keep_after[k + 1])
        columns = [f"v{j}" for j in kept]
        if len(columns) < len(chain.columns) - len(values):
            chain = chain.groupBy(*columns).agg(*[F.sum(c).alias(c) for c in values])
    return (
        chain.groupBy(F.col("v0").alias("source"), F.col(f"v{last}").alias("target"))
        .agg(
            F.sum("n").cast("long").alias("path_count"),
            F.sum("w").alias("dwpc"),
            *[F.sum(c).cast("long").alias(name) for c, name in _SIGN_OUTPUTS],
        )
        .where(F.col("path_count") > 0)
    )


#: Per-arc (then per-partial-path) counts: mechanistic, of net sign +1, of net sign -1.
_SIGN_COLUMNS = ("m", "p", "q")
_SIGN_OUTPUTS = (
    ("m", "mechanistic_path_count"),
    ("p", "positive_path_count"),
    ("q", "negative_path_count"),
)
#: The collected columns, in :class:`~gutbone.query.metapaths.PathCounts` order.
_COUNT_OUTPUTS = ("path_count", *(name for _, name in _SIGN_OUTPUTS))


def _combine(F: Any) -> list[Any]:  # noqa: N803 - pyspark.sql.functions, imported lazily
    """Columns of a partial path extended by one step (counts multiply; signs combine)."""
    col = F.col
    return [
        (col("n") * col("n_step")).alias("n"),
        (col("w") * col("w_step")).alias("w"),
        (col("m") * col("m_step")).alias("m"),
        (col("p") * col("p_step") + col("q") * col("q_step")).alias("p"),
        (col("p") * col("q_step") + col("q") * col("p_step")).alias("q"),
    ]


def spark_dwpc(
    graph: ArcGraph,
    metapath: str | Sequence[str],
    damping: float = DEFAULT_DAMPING,
    *,
    predicates: Iterable[str] | None = None,
    min_evidence: str | None = None,
    spark: SparkSession | None = None,
    master: str | None = None,
) -> DwpcMatrix:
    """:func:`~gutbone.query.metapaths.metapath_dwpc` computed by Spark joins.

    :param graph: the graph (its arrays are sent to Spark as two frames; a projection is
        converted with :func:`~gutbone.query.sparse_graph.from_curated`).
    :param metapath: ``"Taxon>Metabolite>BoneOutcome"`` or a sequence of categories.
    :param damping: the damping exponent (0 gives path counts).
    :param predicates: allowed predicates (with sub-predicates); all when None.
    :param min_evidence: minimum evidence level; any when None.
    :param spark: a running session (else one is started on ``master``).
    :param master: Spark master URL when no session is given (:data:`DEFAULT_MASTER`).
    :returns: the same labelled matrices as the scipy engine (``method="spark"``).
    :raises SparkUnavailable: when Spark cannot be used.
    :raises QueryError: as :func:`dwpc_frame`.
    """
    session = spark if spark is not None else spark_session(master)
    graph = as_sparse_graph(graph)
    categories = parse_metapath(graph.vocabulary, metapath)
    nodes, edges = graph_frames(session, graph)
    frame = dwpc_frame(
        nodes,
        edges,
        graph.vocabulary,
        categories,
        damping,
        predicates=predicates,
        min_evidence=min_evidence,
    )
    rows_found = frame.collect()
    allowed = predicate_closure(graph.vocabulary, predicates)
    members = [graph.members(categories[0]), graph.members(categories[-1])]
    labels = [tuple(graph.node_ids[i] for i in m.tolist()) for m in members]
    positions = [{node: i for i, node in enumerate(ids)} for ids in labels]
    shape = (len(labels[0]), len(labels[1]))
    r = np.array([positions[0][row["source"]] for row in rows_found], dtype=np.int64)
    c = np.array([positions[1][row["target"]] for row in rows_found], dtype=np.int64)
    def column(name: str) -> sparse.csr_array:
        values = np.array([float(row[name]) for row in rows_found])
        return sparse.csr_array((values, (r, c)), shape=shape)

    counts = PathCounts(*(column(name) for name in _COUNT_OUTPUTS))
    return DwpcMatrix(
        metapath=categories,
        damping=float(damping),
        predicates=tuple(sorted(allowed if allowed is not None else graph.predicate_names)),
        min_evidence=min_evidence,
        rows=labels[0],
        columns=labels[1],
        dwpc=sparse.csc_array(column("dwpc")),
        method="spark",
        count_rows=lambda wanted: counts
        if wanted is None
        else PathCounts(*(sparse.csr_array(m[wanted]) for m in counts)),
    )


def spark_sums(spark: SparkSession | None = None, master: str | None = None) -> SumPermutations:
    """How the spark engine sums permutations: spread over the executors.

    The task (permuted edge types, metapath, observed pairs) is broadcast once; each
    Spark task permutes and scores its share of the permutation indices with numpy and
    scipy (permutation ``k`` is seeded ``[seed, k]`` wherever it runs, so the null equals
    the sparse engine's) and the per-pair sums are added up by a tree reduction. Progress
    is reported once, when all are done (the executors report no finer progress).

    :param spark: a running session (else one is started on ``master`` when first used).
    :param master: Spark master URL when no session is given.
    :returns: a :data:`~gutbone.query.permutations.SumPermutations`.
    """

    def run(task: NullTask, permutations: int, progress: Progress | None) -> NullSums:
        context = (spark if spark is not None else spark_session(master)).sparkContext
        shared = context.broadcast(task)
        slices = max(1, min(permutations, 4 * context.defaultParallelism))
        try:
            sums: NullSums = (
                context.parallelize(range(permutations), slices)
                .mapPartitions(lambda indices: [permuted_sums(shared.value, list(indices))])
                .treeReduce(lambda left, right: left + right)
            )
        finally:
            shared.unpersist()
        if progress is not None:
            progress(permutations, permutations)
        return sums

    return run


def spark_dwpc_null(
    graph: ArcGraph,
    scores: DwpcMatrix,
    *,
    spark: SparkSession | None = None,
    master: str | None = None,
    **options: Unpack[NullOptions],
) -> DwpcNull:
    """:func:`~gutbone.query.permutations.dwpc_null` with the permutations on executors.

    :param graph: the graph the scores were computed on.
    :param scores: the observed scores.
    :param spark: a running session (else one is started on ``master``).
    :param master: Spark master URL when no session is given.
    :param options: ``permutations``, ``seed``, ``multiplier`` and ``progress``, as
        :func:`~gutbone.query.permutations.dwpc_null` (see :func:`spark_sums`).
    :returns: the nulls.
    :raises SparkUnavailable: when Spark cannot be used.
    """
    return dwpc_null(graph, scores, run=spark_sums(spark, master), **options)
