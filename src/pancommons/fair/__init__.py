"""FAIR assessment (DESIGN §7): SHACL shapes of the metric catalogue, evaluated by pyshacl (the
reference semantics) or compiled to SPARQL and run inside the store (the fast path)."""
