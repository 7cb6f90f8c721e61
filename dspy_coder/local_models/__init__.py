"""Built-in local models: assembled from PyPI part packages, verified, cached, run by llama.cpp.

Example:
    >>> from dspy_coder.local_models import BUILTIN_MODELS, DEFAULT_MODEL
    >>> DEFAULT_MODEL in BUILTIN_MODELS
    True
"""

from dspy_coder.local_models.assembly import default_cache_dir, ensure_model_file, locate_parts
from dspy_coder.local_models.registry import BUILTIN_MODELS, DEFAULT_MODEL, ModelSpec, get_spec

__all__ = [
    "BUILTIN_MODELS",
    "DEFAULT_MODEL",
    "LocalLM",
    "ModelSpec",
    "default_cache_dir",
    "ensure_model_file",
    "get_spec",
    "locate_parts",
    "make_local_lm",
]


def __getattr__(name: str):  # lazy: the registry and assembly must not import dspy/llama_cpp
    if name in ("LocalLM", "make_local_lm"):
        from dspy_coder.local_models import local_lm

        return getattr(local_lm, name)
    raise AttributeError(name)
