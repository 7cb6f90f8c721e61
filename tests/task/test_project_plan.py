"""A project plan is checked before any code is written, and built in dependency order."""

import pytest

from dspy_coder.task.project_plan import (
    ModuleSpec,
    ProjectPlan,
    build_order,
    plan_problems,
    public_name,
    tidy_plan,
)


def module(name: str, *depends_on: str, interface: tuple[str, ...] = (), lines: int = 80
           ) -> ModuleSpec:
    return ModuleSpec(name=name, purpose=f"the {name}", depends_on=list(depends_on),
                      interface=list(interface) or [f"def {name}_api(x)"], max_lines=lines)


def plan(*modules: ModuleSpec) -> ProjectPlan:
    return ProjectPlan(package="cache_layer", modules=list(modules))


def test_a_sound_plan_has_no_problems_and_builds_dependencies_first():
    sound = plan(module("api", "store", "stats"), module("stats"), module("store", "stats"))
    assert plan_problems(sound) == []
    assert build_order(sound) == ["stats", "store", "api"]


def test_a_cycle_is_named_as_a_path():
    looping = plan(module("a", "b"), module("b", "c"), module("c", "a"))
    problems = plan_problems(looping)
    assert problems == ["The dependencies loop: a -> b -> c -> a. Move what both need into a "
                        "module neither depends on."]
    with pytest.raises(ValueError, match="loop"):
        build_order(looping)


def test_an_unknown_dependency_an_oversized_module_and_a_self_dependency():
    problems = plan_problems(plan(module("api", "db", "api"), module("core", lines=250)))
    assert ("Module 'api' depends on 'db', which the plan does not have: add 'db' as a module "
            "or remove the dependency.") in problems
    assert "Module 'api' depends on itself: remove that." in problems
    assert ("Module 'core' is budgeted at 250 lines, over the limit of 100: split it into "
            "smaller modules.") in problems
    assert len(problems) == 3


def test_an_interface_name_in_two_modules_clashes():
    clash = plan(module("validator", interface=("def validate(s: str) -> bool",)),
                 module("normaliser", interface=("def validate(s)", "def normalize(s)")))
    assert plan_problems(clash) == [
        "'validate' is in the interface of both 'validator' and 'normaliser': give it one "
        "home, or rename one of them."]


def test_names_that_are_not_python_and_an_empty_plan():
    problems = plan_problems(ProjectPlan(package="my-pkg", modules=[
        module("class", interface=("validate it",)), module("class")]))
    assert problems[0].startswith("The package name 'my-pkg' is not a valid Python name")
    assert "Module 'class' is planned twice: give each module one entry." in problems
    assert any("'validate it' is not a signature" in p for p in problems)
    assert plan_problems(ProjectPlan(package="p", modules=[])) == [
        "The plan has no modules: list at least one."]


@pytest.mark.parametrize(("signature", "name"), [
    ("def validate_email(s: str) -> bool", "validate_email"),
    ("async def fetch(url)", "fetch"),
    ("class LRUCache(capacity: int)", "LRUCache"),
    ("get(key) -> value", "get"),
    ("a sentence about it", None),
])
def test_public_names_are_read_from_signatures(signature: str, name: str | None):
    assert public_name(signature) == name


def test_what_needs_no_planner_is_fixed_with_a_note():
    """The 0.5B planner listed every module as its own dependency, three times running."""
    tidied, notes = tidy_plan(plan(module(" api ", "api", "store", "store"), module("store")))
    assert tidied.modules[0].name == "api" and tidied.modules[0].depends_on == ["store"]
    assert notes == ["Plan: module 'api' listed 'api', its own, as a dependency; dropped."]
    assert plan_problems(tidied) == []


def test_a_function_named_as_a_dependency_means_its_module():
    """The 0.5B planner listed each module's own functions (and the others') as dependencies."""
    named = plan(module("conversions", "to_f", interface=("def to_f(c)",)),
                 module("stats", "mean_f", "to_f", interface=("def mean_f(values)",)))
    tidied, notes = tidy_plan(named)
    assert [m.depends_on for m in tidied.modules] == [[], ["conversions"]]
    assert len(notes) == 3 and plan_problems(tidied) == []


def test_a_name_in_several_interfaces_stays_in_its_home_and_the_others_use_it():
    """The 1.5B's plan for 'a validator, a normaliser and a small CLI', three times running:
    the validator and the CLI also listed the functions they use."""
    email = plan(
        module("validator", interface=("def validate_email(s: str) -> bool",
                                       "def normalise_email(s: str) -> str")),
        module("normaliser", "validator", interface=("def normalise_email(s: str) -> str",)),
        module("cli", "validator", "normaliser", interface=(
            "def validate_email(s: str) -> bool", "def normalise_email(s: str) -> str")))
    assert len(plan_problems(email)) == 3
    tidied, notes = tidy_plan(email)
    assert plan_problems(tidied) == []
    interfaces = {m.name: m.interface for m in tidied.modules}
    assert interfaces == {"validator": ["def validate_email(s: str) -> bool"],
                          "normaliser": ["def normalise_email(s: str) -> str"],
                          "cli": ["def main(argv: list[str] | None = None) -> int"]}
    # the validator would loop through the normaliser, so it gains no dependency
    assert [m.depends_on for m in tidied.modules] == [[], ["validator"], ["validator",
                                                                          "normaliser"]]
    assert ("Plan: 'normalise_email' was in the interface of both 'normaliser' and "
            "'validator'; it stays in 'normaliser'.") in notes
    assert notes[-1].startswith("Plan: command-line module 'cli' had no interface")
    assert build_order(tidied) == ["validator", "normaliser", "cli"]


def test_without_a_name_match_the_module_the_others_depend_on_keeps_it():
    shared = plan(module("store", interface=("def get(key)",)),
                  module("api", "store", interface=("def get(key)", "def serve()")))
    tidied, notes = tidy_plan(shared)
    assert [m.interface for m in tidied.modules] == [["def get(key)"], ["def serve()"]]
    assert notes == ["Plan: 'get' was in the interface of both 'store' and 'api'; it stays in "
                     "'store'."]


def test_a_module_left_with_nothing_of_its_own_joins_the_module_it_uses():
    shared = plan(module("store", interface=("def get(key)",)),
                  module("helpers", "store", interface=("def get(key)",)))
    tidied, notes = tidy_plan(shared)
    assert [m.name for m in tidied.modules] == ["store"] and plan_problems(tidied) == []
    assert notes[-1] == ("Plan: module 'helpers' had no public interface; its purpose joined "
                         "'store', which it depended on.")


def test_the_1_5b_cache_plan_is_repaired_into_one_that_builds():
    """The 1.5B's third plan for 'a caching layer with TTL, LRU eviction, pattern-based
    invalidation, hit/miss statistics, thread-safe', rejected three times running."""
    cache = ProjectPlan(package="cache", modules=[
        ModuleSpec(name="Cache", purpose="A thread-safe cache.",
                   interface=["class Cache(capacity: int)"]),
        ModuleSpec(name="TTL", purpose="A TTL-based invalidation strategy for the cache.",
                   interface=["def invalidate(self, key: str) -> None"], depends_on=["Cache"]),
        ModuleSpec(name="Pattern-Based Invalidation", depends_on=["Cache"],
                   purpose="A pattern-based invalidation strategy for the cache.")])
    assert len(plan_problems(cache)) == 2
    tidied, notes = tidy_plan(cache)
    assert plan_problems(tidied) == []
    assert [m.name for m in tidied.modules] == ["cache", "ttl"]
    assert tidied.modules[1].depends_on == ["cache"]
    assert tidied.modules[0].purpose == ("A thread-safe cache. Also: A pattern-based "
                                         "invalidation strategy for the cache.")
    assert notes[:3] == ["Plan: module 'Cache' renamed 'cache', a Python module name.",
                         "Plan: module 'TTL' renamed 'ttl', a Python module name.",
                         "Plan: module 'Pattern-Based Invalidation' renamed "
                         "'pattern_based_invalidation', a Python module name."]
    assert tidied.modules[1].interface == ["class Ttl(), with methods invalidate(key: str) "
                                           "-> None"]
    assert notes[4] == ("Plan: module 'pattern_based_invalidation' had no public interface; "
                        "its purpose joined 'cache', which it depended on.")


def test_methods_listed_in_every_module_become_one_class_and_the_copies_fold_away():
    """The 1.5B's cache plan at 67c403a: the same methods taking self, no class, in the
    interface of all four modules; three of them depend on the first."""
    methods = ["def __init__(self, capacity: int)", "def set(self, key: str, value: any, "
               "ttl: int)", "def get(self, key: str) -> any", "def hit_count(self) -> int"]
    cache = ProjectPlan(package="cache", modules=[
        ModuleSpec(name="Cache", purpose="A thread-safe cache.", interface=methods),
        *[ModuleSpec(name=name, purpose=f"A {name} strategy.", interface=methods,
                     depends_on=["Cache"]) for name in ("TTL", "LRU")]])

    tidied, notes = tidy_plan(cache)

    assert plan_problems(tidied) == []
    assert [m.name for m in tidied.modules] == ["cache"]
    assert tidied.modules[0].interface == [
        "class Cache(capacity: int), with methods set(key: str, value: any, ttl: int), "
        "get(key: str) -> any, hit_count() -> int"]
    assert "Plan: module 'cache' listed methods (taking self) as its interface; they are the " \
           "class 'Cache'." in notes
    assert "Plan: module 'ttl' listed the methods __init__, get, hit_count, set of a module " \
           "it depends on; dropped from its interface." in notes


def test_methods_join_the_class_their_module_names():
    tidied, _ = tidy_plan(plan(module("store", interface=(
        "class Store(path: str)", "def get(self, key) -> bytes", "def load(path)"))))
    assert tidied.modules[0].interface == ["class Store(path: str), with methods get(key) -> "
                                           "bytes", "def load(path)"]


def test_a_module_without_interface_that_others_use_is_left_to_the_planner():
    used = plan(module("store", interface=("def get(key)",)),
                ModuleSpec(name="policy", purpose="eviction", depends_on=["store"]),
                module("api", "policy"))
    tidied, _ = tidy_plan(used)
    assert "Module 'policy' has no public interface" in plan_problems(tidied)[0]
