"""The SPARQL 1.1 endpoint: formats, the safety guard, the worker pool, the service description.

Nothing here knows Flask except the blueprint in server/web/sparql.py.
"""
