"""The files of a built project: a package a person can use and test with plain pytest.

``src/<package>/`` holds one file per module, each importing from its sibling modules the names
it uses (while it was written they were simply defined before it); ``tests/`` holds each
module's counted tests (and those that did not count, skipped with the reason) and the
integration tests, and a ``conftest.py`` giving each test an empty working directory as the
sandbox did; ``pyproject.toml`` puts ``src`` on pytest's
path, so ``pytest`` runs from the project folder with nothing installed. Integration tests that
failed in the run are kept, marked skip with the failure (remove the marker to run one), so
``pytest`` passes exactly when what the run vouched for passes. ``README.md`` says what was
built and how well; ``project_report.json`` is the whole report.

Example:
    >>> sorted(package_files(report))  # doctest: +SKIP
    ['README.md', 'project_report.json', 'pyproject.toml', 'src/mail/__init__.py', ...]
"""

from __future__ import annotations

import ast

from dspy_coder.code.fixtures import OWN_DIRECTORY_FIXTURE
from dspy_coder.code.package_imports import strip_package_imports
from dspy_coder.judge.project_report import ProjectReport
from dspy_coder.judge.redefinitions import defined_publicly
from dspy_coder.judge.uncounted_tests import uncounted_tests
from dspy_coder.task.project_plan import ProjectPlan, module_named, public_names, written_before

RUN_TESTS = "pytest"
CONFTEST = ('"""Each test starts in an empty directory of its own, as in dspy-coder\'s sandbox."""'
            f"\n\nimport pytest\n\n\n{OWN_DIRECTORY_FIXTURE}")


def _used_names(code: str) -> set[str]:
    try:
        return {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)}
    except SyntaxError:
        return set()


def _sibling_imports(plan: ProjectPlan, name: str, code: str, written: dict[str, str]
                     ) -> list[str]:
    """``from <package>.<dep> import a, b`` for the names of the modules written before
    ``name`` that ``code`` uses: their declared interfaces, and what their ``written`` code
    defines besides (a store's undeclared ``Cache`` class)."""
    used = _used_names(code)
    lines = []
    for dep in written_before(plan, name):
        offered = public_names(module_named(plan, dep)) + defined_publicly(written.get(dep, ""))
        wanted = [n for n in dict.fromkeys(offered) if n in used]
        if wanted:
            lines.append(f"from {plan.package}.{dep} import {', '.join(wanted)}")
    return lines


def _module_file(plan: ProjectPlan, name: str, written: dict[str, str]) -> str:
    spec = module_named(plan, name)
    modules = {m.name for m in plan.modules}
    body = strip_package_imports(written[name], plan.package, modules).strip()
    imports = _sibling_imports(plan, name, body, written)
    head = [f'"""{spec.purpose.strip()}"""', ""]
    return "\n".join(head + imports + ([""] if imports else []) + [body, ""])


def _unit_test_file(report: ProjectReport, name: str) -> str | None:
    """The module's counted tests as they ran, then those that did not count, marked skip
    with the reason (see ``judge.uncounted_tests``); None when the run wrote none."""
    module = report.modules[name]
    counted = [t.code.strip() for t in module.tests if t.vetted and not t.is_static_check]
    uncounted = uncounted_tests(module)
    if not counted and not uncounted:
        return None
    plan = report.plan
    assert plan is not None
    imports = ["import pytest", ""] if uncounted else []
    modules = [name, *written_before(plan, name)]
    # `import package.module` too: the 1.5B's tests call package.module.f(...) unimported
    imports += [f"import {plan.package}.{m}" for m in modules]
    imports += [f"from {plan.package}.{m} import *  # noqa: F403" for m in modules]
    header = (f'"""Unit tests of {plan.package}.{name} from dspy-coder\'s run: {len(counted)} '
              f'judged it; {len(uncounted)} did not count and are skipped with the reason '
              '(remove a marker to run one)."""')
    return "\n\n\n".join([header + "\n\n" + "\n".join(imports), *counted, *uncounted]) + "\n"


def _integration_file(report: ProjectReport) -> str | None:
    if not report.integration_tests or report.plan is None:
        return None
    plan = report.plan
    outcomes = {o.name: o for o in report.integration_results}
    imports = ["import pytest", "", *[f"import {plan.package}.{m.name}" for m in plan.modules],
               *[f"from {plan.package}.{m.name} import *  # noqa: F403" for m in plan.modules]]
    parts = ['"""Integration tests: the modules together. Those that failed in dspy-coder\'s '
             'run are skipped with the failure; remove a marker to run one."""\n\n'
             + "\n".join(imports)]
    for test in report.integration_tests:
        outcome = outcomes.get(test.name)
        if outcome is not None and not outcome.passed:
            reason = report.integration_unconfirmed.get(test.name) or "failed in the run"
            reason += ": " + (outcome.message.splitlines() or ["?"])[0][:160]
            parts.append(f"@pytest.mark.skip(reason={reason!r})\n{test.code.strip()}")
        else:
            parts.append(test.code.strip())
    return "\n\n\n".join(parts) + "\n"


def _pyproject(report: ProjectReport) -> str:
    plan = report.plan
    assert plan is not None
    deps = ", ".join(f'"{lib.name}"' for lib in report.requirements.libraries)
    return (f'[project]\nname = "{plan.package}"\nversion = "0.1.0"\n'
            f'requires-python = ">=3.10"\ndependencies = [{deps}]\n\n'
            '[tool.pytest.ini_options]\npythonpath = ["src"]\ntestpaths = ["tests"]\n')


def _readme(report: ProjectReport) -> str:
    plan = report.plan
    assert plan is not None
    lines = [f"# {plan.package}", "", report.requirements.goal, "",
             f"Built by dspy-coder: status **{report.status}**. Run the tests with "
             f"`{RUN_TESTS}` in this folder.", ""]
    libraries = [lib.name for lib in report.requirements.libraries]
    if libraries:
        lines += [f"It uses {', '.join(libraries)} (the dependencies in `pyproject.toml`): "
                  f"install them first, `pip install {' '.join(libraries)}`.", ""]
    lines += ["## Modules", ""]
    for name in report.build_order:
        spec, module = module_named(plan, name), report.modules.get(name)
        status = module.status if module else "not written"
        lines.append(f"- `{plan.package}.{name}` ({status}): {spec.purpose}")
        lines += [f"  - `{signature}`" for signature in spec.interface]
    if report.integration_results:
        passed = sum(o.passed for o in report.integration_results)
        lines += ["", f"Integration tests: {passed} of {len(report.integration_results)} "
                  "passed in the run."]
    return "\n".join(lines) + "\n"


def package_files(report: ProjectReport) -> dict[str, str]:
    """Relative path -> text for every file of the project (just the report when there is
    no plan)."""
    files = {"project_report.json": report.model_dump_json(indent=2)}
    plan = report.plan
    if plan is None:
        return files
    files["pyproject.toml"] = _pyproject(report)
    files["README.md"] = _readme(report)
    files[f"src/{plan.package}/__init__.py"] = f'"""{report.requirements.goal}"""\n'
    written = {name: module.code for name, module in report.modules.items()
               if module.code.strip()}
    for name in report.build_order:
        if name not in written:
            continue
        files[f"src/{plan.package}/{name}.py"] = _module_file(plan, name, written)
        unit = _unit_test_file(report, name)
        if unit:
            files[f"tests/test_{name}.py"] = unit
    integration = _integration_file(report)
    if integration:
        files["tests/test_integration.py"] = integration
    if any(path.startswith("tests/") for path in files):
        files["tests/conftest.py"] = CONFTEST
    return files
