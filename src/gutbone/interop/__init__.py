"""Exchange with other biomedical knowledge graphs: Biolink/KGX, JSON-LD, GraphML, Cytoscape.

``export`` writes the curated graph in the formats other tools read; ``import`` reads
KGX and RDF graphs, maps them onto gutbone's vocabulary and merges them with the curated
tables (see ``docs/interop.md``).
"""
