"""Use cases of the terminal, one module each: each one is one transaction that commits or changes nothing.

The composition root (app/bootstrap.py) builds them once; their frozen results are in `results`.
"""
