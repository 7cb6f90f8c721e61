"""Source-text tools: the code in a model's answer, a program's canonical identity, and the
generated tests parsed into ``TestCase`` records. Imports only ``types``."""
