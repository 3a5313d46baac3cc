"""DCAT-AP 3.0.1 views of the graph (catalogue, datasets, distributions)."""
