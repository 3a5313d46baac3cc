"""Mappings of catalogue records to the data model of DESIGN §4, written as N-Triples."""
