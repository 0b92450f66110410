"""Statistics that turn study- and variant-level data into edge weights."""
