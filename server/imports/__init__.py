"""Imports of others' files into the graph, each kind through a declarative mapping in mappings/."""
