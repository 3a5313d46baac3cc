"""Harvesting: sources (one TOML each), catalogue clients, mappings to RDF, the run itself."""
