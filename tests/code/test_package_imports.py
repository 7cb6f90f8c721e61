"""A dropped package import that bound a module's name still lets ``package.module.f`` work."""

from __future__ import annotations

import inspect

from dspy_coder.code.package_imports import strip_package_imports

CODE = ("import kit.tools\nfrom kit import tools as t\n\n"
        "def double(x):\n    return 2 * x\n\n"
        "RESULT = kit.tools.double(2) + t.double(1)\n")


def test_a_module_reached_through_the_package_name_runs_in_the_flat_namespace():
    namespace: dict = {}
    exec(strip_package_imports(CODE, "kit", {"tools"}), namespace)
    assert namespace["RESULT"] == 6
    flat = namespace["kit"]
    # probing finds nothing, as on a module (pytest's collection and inspect.unwrap hung on
    # an object answering every attribute)
    assert not hasattr(flat, "__wrapped__") and not hasattr(flat, "missing")
    assert inspect.unwrap(flat) is flat


def test_a_name_the_namespace_defines_keeps_its_definition():
    # a module named like its function: `from kit import tools` must not hide tools()
    code = "def tools():\n    return 1\n\nfrom kit import tools\nRESULT = tools()\n"
    namespace: dict = {}
    exec(strip_package_imports(code, "kit", {"tools"}), namespace)
    assert namespace["RESULT"] == 1
