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


def test_a_package_name_used_without_its_import_still_reaches_the_namespace():
    # the TOML project at 59dc43a: the test reader kept `import tomli_w` in each test but not
    # the package import, and each test called toml_config_writer.config_builder.build_config
    code = ("def double(x):\n    return 2 * x\n\n"
            "def check():\n    return kit.tools.double(2)\n")
    stripped = strip_package_imports(code, "kit", {"tools"})
    assert stripped.splitlines()[:5] == code.splitlines()  # the lines stay where they were
    namespace: dict = {}
    exec(stripped, namespace)
    assert namespace["check"]() == 4
