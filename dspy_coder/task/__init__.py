"""Turning what a user gives into a ``Task``: the prompt, its entry point and the docstring
examples that become ground-truth tests. Imports only ``types`` and ``errors``."""
