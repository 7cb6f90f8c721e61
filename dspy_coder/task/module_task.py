"""The ``Coder`` task for one module of a project plan: its purpose, the interface it must
define (signature lines, which the requirement checks read as top-level names), the
behaviours its tests check, its complexity targets and its size budget."""

from __future__ import annotations

import re

from dspy_coder.task.library_check import guessed_import_name
from dspy_coder.task.project_plan import ModuleSpec, ProjectPlan, public_name, public_names
from dspy_coder.task.project_requirements import Requirements

_CALL = re.compile(r"\b([A-Za-z_]\w*)\(([^()]*)\)")


def _without_other_calls(text: str, mine: set[str]) -> str:
    """``text`` with ``name(args)`` written as ``name`` for names this module does not define:
    the task's prose states what the module must define, and only its interface may."""
    return _CALL.sub(lambda m: m.group(0) if m.group(1) in mine else m.group(1), text)


def module_task(requirements: Requirements, plan: ProjectPlan, spec: ModuleSpec,
                library_imports: dict[str, list[str]] | None = None,
                library_apis: dict[str, list[str]] | None = None) -> str:
    """The ``Coder`` task for one module (its interface lines name what it must define).
    ``library_imports``: what each library of the requirements is imported as; the task names
    them with their features (without them the 1.5B imported ``toml``, which is not installed,
    for a project that asked for ``tomli-w``). ``library_apis``: each library's real
    signatures (``task.library_api``), listed under it."""
    mine = set(public_names(spec))
    lines = [f"Write the module `{plan.package}/{spec.name}.py` of the Python package "
             f"`{plan.package}`: {_without_other_calls(spec.purpose, mine)}",
             "It must define this public interface:"]
    lines += [f"    {signature}" for signature in spec.interface]
    if spec.unit_tests:
        lines.append("Its behaviour, which its tests check:")
        lines += [f"- {_without_other_calls(behaviour, mine)}" for behaviour in spec.unit_tests]
    targets = [f"{name}: {plan.performance[name]}" for name in public_names(spec)
               if name in plan.performance]
    if targets:
        lines.append("Target time complexity: " + "; ".join(targets))
    if requirements.libraries:
        lines.append("Use the libraries the project requires, installed where the code runs:")
        for library in requirements.libraries:
            lines.append(_library_line(library.name, library.features,
                                       (library_imports or {}).get(library.name)))
            lines += [f"    {api}" for api in (library_apis or {}).get(library.name, [])]
    lines.append(f"Keep it under {spec.max_lines} lines. The package as a whole: "
                 f"{_without_other_calls(requirements.goal, mine)}")
    return "\n".join(lines)


def _library_line(name: str, features: list[str], imports: list[str] | None) -> str:
    """'- tomli-w (import tomli_w): dumps'."""
    modules = imports or [guessed_import_name(name)]
    used = f": {', '.join(features)}" if features else ""
    return f"- {name} (import {', '.join(modules)}){used}"


def only_function(spec: ModuleSpec) -> str | None:
    """The entry point of a module whose interface is one function."""
    functions = [public_name(s) for s in spec.interface if s.lstrip().startswith("def ")]
    return functions[0] if len(spec.interface) == 1 and functions else None
