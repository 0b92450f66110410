"""Readers of other tools' graph files: KGX, RDF, GraphML, Cytoscape.js JSON.

Each reader turns a file into records (:class:`~gutbone.interop.readers.records.Input`:
node and edge mappings in KGX's field names, with ``file`` and ``line``) that
:mod:`gutbone.interop.imports` maps onto gutbone's tables;
:mod:`~gutbone.interop.readers.sparse_kgx` reads a large KGX TSV pair straight into the
arrays of a :class:`~gutbone.query.sparse_graph.SparseGraph`. Categories and predicates
are mapped by the one Biolink mapping, :mod:`gutbone.interop.biolink`.
"""
