"""gutbone: a curated, evidence-weighted knowledge graph of gut-bone mechanisms."""

__version__ = "0.1.0"
