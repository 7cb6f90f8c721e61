"""Project mode's plan: the modules to write, what each depends on, the tests, and the checks a
plan must pass before any code is written.

A plan from a small model can name a dependency it never plans, loop (``a`` needs ``b`` needs
``a``), promise a module too big for one generate-test-refine loop, or put the same public name
in two modules. ``plan_problems`` says each of these in words the planner can act on (they go
back to it as feedback), and ``build_order`` gives the modules in dependency order, the order
they are written in.

Example:
    >>> plan = ProjectPlan(package="mail", modules=[
    ...     ModuleSpec(name="cli", purpose="command line", interface=["def main(argv)"],
    ...                depends_on=["validator"]),
    ...     ModuleSpec(name="validator", purpose="checks", interface=["def validate(s)"])])
    >>> plan_problems(plan), build_order(plan)
    ([], ['validator', 'cli'])
"""

from __future__ import annotations

import keyword
import re

from pydantic import BaseModel, Field

from dspy_coder.task.plan_classes import method_name, methods_into_classes

MAX_MODULE_LINES = 100
_PUBLIC_NAME = re.compile(
    r"^\s*(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)|^\s*([A-Za-z_]\w*)\s*[(:=]"
)


class ModuleSpec(BaseModel):
    """One module of the package: its name, purpose, public interface and dependencies."""

    name: str = Field(description="A Python module name, snake_case, e.g. 'validator'.")
    purpose: str = Field(description="What the module is for, in a sentence.")
    interface: list[str] = Field(
        default_factory=list,
        description="Its public functions and classes as signatures, e.g. "
        "'def validate_email(s: str) -> bool' or 'class Cache(capacity: int)'.",
    )
    depends_on: list[str] = Field(
        default_factory=list, description="Names of the other modules of the plan it imports."
    )
    max_lines: int = Field(
        default=MAX_MODULE_LINES, description=f"Its size budget, at most {MAX_MODULE_LINES} lines."
    )
    unit_tests: list[str] = Field(
        default_factory=list, description="Behaviours its unit tests should check."
    )


class ProjectPlan(BaseModel):
    """The plan a ``ProjectPlanner`` writes, validated by ``plan_problems``."""

    package: str = Field(description="The package's import name, snake_case.")
    modules: list[ModuleSpec]
    integration_tests: list[str] = Field(
        default_factory=list, description="Behaviours that need several modules together."
    )
    performance: dict[str, str] = Field(
        default_factory=dict,
        description="Per public function where it matters, its target time complexity.",
    )


def module_named(plan: ProjectPlan, name: str) -> ModuleSpec:
    """The plan's module called ``name``."""
    return next(m for m in plan.modules if m.name == name)


def public_names(module: ModuleSpec) -> list[str]:
    """The names a module's interface declares, in order."""
    return [n for n in (public_name(s) for s in module.interface) if n]


def written_before(plan: ProjectPlan, name: str) -> list[str]:
    """The modules built before ``name``: what it may use, declared or not (a small planner
    often leaves a dependency out; an earlier module can never close a loop)."""
    order = build_order(plan)
    return order[:order.index(name)]


def public_name(signature: str) -> str | None:
    """The name a signature declares: ``'def f(x) -> int'`` -> ``'f'``."""
    match = _PUBLIC_NAME.match(signature)
    return (match.group(1) or match.group(2)) if match else None


def _identifier_problem(kind: str, name: str) -> str:
    if not name.isidentifier() or keyword.iskeyword(name):
        return f"{kind} {name!r} is not a valid Python name: use snake_case letters and digits"
    return ""


def _cycle(plan: ProjectPlan) -> list[str]:
    """One dependency cycle as a path (``['a', 'b', 'a']``), or ``[]``."""
    graph = {m.name: [d for d in m.depends_on if d != m.name] for m in plan.modules}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str]:
        state[node] = 1
        for dep in graph.get(node, []):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]  # on the current path: a loop
            if dep in graph and state.get(dep) is None:
                found = visit(dep, path + [dep])
                if found:
                    return found
        state[node] = 2
        return []

    for module in plan.modules:
        if state.get(module.name) is None:
            found = visit(module.name, [module.name])
            if found:
                return found
    return []


def tidy_plan(plan: ProjectPlan) -> tuple[ProjectPlan, list[str]]:
    """``plan`` with what needs no planner fixed (a module listed as its own dependency, a
    function named where its module is meant, a dependency listed twice, blanks around
    names, a public name in several interfaces, a module name that is not Python, methods
    listed without their class, a module with nothing to call), and a note for each fix."""
    notes, modules = [], []
    owners = {public: m.name.strip() for m in plan.modules for public in public_names(m)}
    names = {m.name.strip() for m in plan.modules}
    for module in plan.modules:
        name = module.name.strip()
        deps = []
        for dep in (d.strip() for d in module.depends_on if d.strip()):
            owner = owners.get(dep) if dep not in names else None  # a function, not a module
            if dep == name or owner == name:
                notes.append(f"Plan: module {name!r} listed {dep!r}, its own, as a "
                             "dependency; dropped.")
                continue
            if owner is not None:
                notes.append(f"Plan: module {name!r} named {dep!r} as a dependency; it is in "
                             f"module {owner!r}, so that is the dependency.")
                dep = owner
            if dep not in deps:
                deps.append(dep)
        modules.append(module.model_copy(update={"name": name, "depends_on": deps}))
    tidied = plan.model_copy(update={"package": plan.package.strip(), "modules": modules})
    tidied, renamed = _snake_case_names(tidied)
    tidied, classes = _methods_into_classes(tidied)
    tidied, shared_notes = _one_home_per_name(tidied)
    tidied, folded = _fold_modules_without_interface(tidied)
    return tidied, notes + renamed + classes + shared_notes + folded


def _methods_into_classes(plan: ProjectPlan) -> tuple[ProjectPlan, list[str]]:
    """Each module's methods (``def get(self, key)``) gathered into its class, and those a
    module it depends on lists already dropped (``plan_classes``)."""
    methods = {m.name: {name for s in m.interface if (name := method_name(s))}
               for m in plan.modules}
    notes, modules = [], []
    for module in plan.modules:
        inherited = set().union(*(methods.get(d, set()) for d in module.depends_on))
        interface, done = methods_into_classes(module.interface, module.name, inherited)
        notes += done
        modules.append(module.model_copy(update={"interface": interface}))
    return plan.model_copy(update={"modules": modules}), notes


def _snake_case(name: str) -> str:
    """``'Pattern-Based Invalidation'`` -> ``'pattern_based_invalidation'``."""
    words = re.findall(r"[A-Za-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name))
    return "_".join(words).lower()


def _snake_case_names(plan: ProjectPlan) -> tuple[ProjectPlan, list[str]]:
    """Module names that are not Python names, renamed to snake_case where that gives a new,
    valid name (the 1.5B named modules 'TTL', 'Cache' and 'Pattern-Based Invalidation')."""
    taken = {m.name for m in plan.modules}
    renames: dict[str, str] = {}
    for module in plan.modules:
        new = _snake_case(module.name)
        if new != module.name and new.isidentifier() and not keyword.iskeyword(new) \
                and new not in taken:
            renames[module.name] = new
            taken.add(new)
    if not renames:
        return plan, []
    modules = [m.model_copy(update={"name": renames.get(m.name, m.name),
                                    "depends_on": [renames.get(d, d) for d in m.depends_on]})
               for m in plan.modules]
    notes = [f"Plan: module {old!r} renamed {new!r}, a Python module name."
             for old, new in renames.items()]
    return plan.model_copy(update={"modules": modules}), notes


def _fold_modules_without_interface(plan: ProjectPlan) -> tuple[ProjectPlan, list[str]]:
    """A module with no public interface that depends on exactly one module is a feature of
    that module (the 1.5B planned 'TTL', 'LRU' and 'pattern-based invalidation' as modules of
    a cache with nothing to call): its purpose joins that module's and the module goes."""
    modules = {m.name: m for m in plan.modules}
    notes = []
    for module in plan.modules:
        deps = [d for d in module.depends_on if d in modules and d != module.name]
        used_by = [m.name for m in plan.modules if module.name in m.depends_on]
        if module.interface or len(deps) != 1 or used_by:
            continue
        home = modules[deps[0]]
        modules[home.name] = home.model_copy(update={
            "purpose": f"{home.purpose.rstrip('.')}. Also: {module.purpose.strip()}",
            "unit_tests": [*home.unit_tests, *module.unit_tests]})
        del modules[module.name]
        notes.append(f"Plan: module {module.name!r} had no public interface; its purpose "
                     f"joined {home.name!r}, which it depended on.")
    kept = [modules[m.name] for m in plan.modules if m.name in modules]
    return plan.model_copy(update={"modules": kept}), notes


def _shared_stem(function: str, module: str) -> int:
    """How many leading letters a function's name shares with a module's name
    (``normalise_email`` and ``normaliser``: 8)."""
    length = 0
    for a, b in zip(function.lower(), module.lower(), strict=False):
        if a != b:
            break
        length += 1
    return length


def _home(name: str, owners: list[str], plan: ProjectPlan) -> str:
    """Where a public name listed by several modules belongs: the module named after it (a
    shared stem of 4+ letters), else one the other owners depend on, else the first."""
    stems = {owner: _shared_stem(name, owner) for owner in owners}
    best = max(stems.values())
    if best >= 4 and list(stems.values()).count(best) == 1:
        return max(stems, key=stems.__getitem__)
    depended_on = [o for o in owners
                   if any(o in module_named(plan, other).depends_on for other in owners)]
    return (depended_on or owners)[0]


_ENTRY_POINT_MODULE = re.compile(r"\bcli\b|command[ -]?line|__main__|\bmain\b", re.IGNORECASE)
ENTRY_POINT = "def main(argv: list[str] | None = None) -> int"


def _one_home_per_name(plan: ProjectPlan) -> tuple[ProjectPlan, list[str]]:
    """A public name in several modules' interfaces stays only in its home (``_home``); the
    others use it, so they depend on the home unless that would close a loop. A small planner
    lists every function a module calls in its interface (the 1.5B's CLI listed the
    validator's and the normaliser's). A command-line module left with no interface of its own
    gets the entry point ``main(argv)``."""
    owners: dict[str, list[str]] = {}
    for module in plan.modules:
        for public in dict.fromkeys(public_names(module)):
            owners.setdefault(public, []).append(module.name)
    shared = {name: names for name, names in owners.items() if len(set(names)) > 1}
    if not shared:
        return plan, []
    notes = []
    modules = {m.name: m for m in plan.modules}
    for name, names in shared.items():
        home = _home(name, names, plan)
        for other in dict.fromkeys(n for n in names if n != home):
            module = modules[other]
            interface = [s for s in module.interface if public_name(s) != name]
            deps = list(module.depends_on)
            note = (f"Plan: {name!r} was in the interface of both {home!r} and {other!r}; it "
                    f"stays in {home!r}")
            if home not in deps:
                trial = plan.model_copy(update={"modules": [
                    modules[m.name].model_copy(update={"depends_on": deps + [home]})
                    if m.name == other else modules[m.name] for m in plan.modules]})
                if not _cycle(trial):
                    deps.append(home)
                    note += f", and {other!r} now depends on {home!r}"
            modules[other] = module.model_copy(update={"interface": interface,
                                                       "depends_on": deps})
            notes.append(note + ".")
    for name, module in modules.items():
        if not module.interface and _ENTRY_POINT_MODULE.search(f"{name} {module.purpose}"):
            modules[name] = module.model_copy(update={"interface": [ENTRY_POINT]})
            notes.append(f"Plan: command-line module {name!r} had no interface of its own; it "
                         f"gets the entry point {ENTRY_POINT!r}.")
    return plan.model_copy(update={"modules": [modules[m.name] for m in plan.modules]}), notes


def plan_problems(plan: ProjectPlan) -> list[str]:
    """Everything that must be fixed before code is written, each as an instruction-like
    sentence; empty when the plan can be built."""
    problems = [p for p in [_identifier_problem("The package name", plan.package)] if p]
    if not plan.modules:
        return problems + ["The plan has no modules: list at least one."]
    names = [m.name for m in plan.modules]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"Module {name!r} is planned twice: give each module one entry.")
    owners: dict[str, str] = {}
    for module in plan.modules:
        problems += [p for p in [_identifier_problem("Module", module.name)] if p]
        if module.max_lines > MAX_MODULE_LINES:
            problems.append(
                f"Module {module.name!r} is budgeted at {module.max_lines} lines, over the "
                f"limit of {MAX_MODULE_LINES}: split it into smaller modules.")
        for dep in module.depends_on:
            if dep == module.name:
                problems.append(f"Module {module.name!r} depends on itself: remove that.")
            elif dep not in names:
                problems.append(
                    f"Module {module.name!r} depends on {dep!r}, which the plan does not "
                    f"have: add {dep!r} as a module or remove the dependency.")
        if not module.interface:
            problems.append(f"Module {module.name!r} has no public interface: list the "
                            "functions or classes other modules and tests may use.")
        for signature in module.interface:
            name = public_name(signature)
            if name is None:
                problems.append(f"Module {module.name!r}: {signature!r} is not a signature "
                                "(write 'def name(args)' or 'class Name(args)').")
            elif name in owners and owners[name] != module.name:
                problems.append(
                    f"{name!r} is in the interface of both {owners[name]!r} and "
                    f"{module.name!r}: give it one home, or rename one of them.")
            else:
                owners.setdefault(name, module.name)
    cycle = _cycle(plan)
    if cycle:
        problems.append("The dependencies loop: " + " -> ".join(cycle)
                        + ". Move what both need into a module neither depends on.")
    return problems


def build_order(plan: ProjectPlan) -> list[str]:
    """The module names in dependency order (each after what it depends on), ties in the
    plan's order. Call it on a plan without problems."""
    order: list[str] = []
    pending = list(plan.modules)
    while pending:
        ready = [m for m in pending if all(d in order or d == m.name for d in m.depends_on)]
        if not ready:
            raise ValueError("the plan's dependencies loop; check plan_problems first")
        order.append(ready[0].name)
        pending.remove(ready[0])
    return order
