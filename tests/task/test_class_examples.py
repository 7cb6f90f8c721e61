"""A class skeleton's method sessions become ground-truth examples, run with their setup."""

from dspy_coder.sandbox import run as sandbox_run
from dspy_coder.task.build import build_task
from dspy_coder.task.doc_examples import doc_example_tests

SKELETON = '''import math


class Stack:
    """A stack.

    >>> stack = Stack()
    """

    def __init__(self):
        self.items = []

    def push(self, item):
        """Put item on top.
        >>> s = Stack()
        >>> s.push(1)
        >>> s.push(2)
        >>> s.size()
        2
        >>> s.peek()
        2
        >>> print(s.peek())
        2
        """

    def pop(self):
        """Take the top off. Shows the state of an instance made elsewhere first:
        >>> stack.items
        [1]
        >>> stack.pop()
        1
        """

    def area(self):
        """>>> Stack().area(2)
        12.566370614359172
        >>> math.floor(Stack().area(1))
        3
        >>> Stack()
        <Stack object>
        """
'''
RIGHT = ('import math\n\nclass Stack:\n    def __init__(self):\n        self.items = []\n'
         '    def push(self, item):\n        self.items.append(item)\n'
         '    def size(self):\n        return len(self.items)\n'
         '    def peek(self):\n        return self.items[-1]\n'
         '    def pop(self):\n        return self.items.pop()\n'
         '    def area(self, r):\n        return math.pi * r * r\n')


def test_each_expected_value_becomes_an_example_with_the_session_before_it():
    task = build_task(SKELETON, "Stack")
    assert [(e.setup, e.call, e.expected) for e in task.examples] == [
        ("s = Stack()\ns.push(1)\ns.push(2)", "s.size()", "2"),
        ("s = Stack()\ns.push(1)\ns.push(2)\ns.size()", "s.peek()", "2"),
        ("", "Stack().area(2)", "12.566370614359172"),
        ("Stack().area(2)", "math.floor(Stack().area(1))", "3"),
    ]  # no print output, no instance whose state was set up elsewhere, no object repr


def test_the_examples_run_with_their_setup_and_fail_a_wrong_class():
    tests = "\n\n\n".join(t.code for t in doc_example_tests(build_task(SKELETON, "Stack").examples))
    assert sandbox_run(RIGHT, tests=tests).passed
    wrong = sandbox_run(RIGHT.replace("return len(self.items)", "return 0"), tests=tests)
    failed = [t for t in wrong.tests if not t.passed]
    assert [t.name for t in failed] == ["test_docstring_example_1"]
    assert "s.size() returned 0, expected 2" in failed[0].message


LOGGER = '''class Log:
    def __init__(self):
        self.lines = []

    def size(self):
        """>>> Log().size()
        0
        """

    def write(self, user):
        """Record a user's visit.
        >>> log = Log()
        >>> log.write({'name': 'ann'})

        """
'''
WRITES = ("class Log:\n    def __init__(self):\n        self.lines = []\n"
          "    def size(self):\n        return len(self.lines)\n"
          "    def write(self, user):\n        self.lines.append(user['name'])\n")


def test_a_call_shown_without_a_result_must_run_but_its_value_is_not_checked():
    examples = build_task(LOGGER, "Log").examples
    assert [(e.setup, e.call, e.expected) for e in examples] == [
        ("", "Log().size()", "0"), ("log = Log()", "log.write({'name': 'ann'})", "")]
    tests = "\n\n\n".join(t.code for t in doc_example_tests(examples))
    assert sandbox_run(WRITES, tests=tests).passed
    returns_a_value = WRITES.replace("self.lines.append(user['name'])", "return 7")
    assert sandbox_run(returns_a_value, tests=tests).passed  # the docstring shows no value
    raising = sandbox_run(WRITES.replace("user['name']", "user['address']"), tests=tests)
    assert [t.name for t in raising.tests if not t.passed] == ["test_docstring_example_2"]


def test_a_class_whose_docstrings_show_no_value_has_no_examples():
    only_calls = LOGGER.replace(">>> Log().size()\n        0\n", ">>> Log().size()\n")
    assert build_task(only_calls, "Log").examples == []


def test_a_failing_example_says_which_calls_came_before_it():
    # ClassEval_42: "hotel.booked_rooms returned {...}, expected {...}" alone does not say
    # that two check_in calls came first
    skeleton = '''class Box:
    """Items."""

    def __init__(self):
        self.items = []

    def put(self, item):
        """
        >>> b = Box()
        >>> b.put(1)
        >>> b.items
        [1]
        """
'''
    task = build_task(skeleton, "Box")
    tests = doc_example_tests(task.examples)
    code = skeleton + "        self.items.append(item + 1)\n"
    result = sandbox_run(code, tests="\n\n\n".join(t.code for t in tests))
    failed = [t.message for t in result.tests if not t.passed]
    assert failed and "b.items returned [2], expected [1] (after b = Box(); b.put(1))" in failed[0]
    function = build_task('def f(x):\n    """Twice x.\n    >>> f(1)\n    2\n    """\n', "f")
    assert "(after" not in doc_example_tests(function.examples)[0].code  # no setup, as before


def test_the_calls_before_an_example_are_named_with_their_long_values_elided():
    # ClassEval_49: a listing assigned in the setup filled the message before the call to blame
    skeleton = '''class Jobs:
    """Job listings."""

    def __init__(self):
        self.listings = []

    def remove(self, job):
        """
        >>> jobs = Jobs()
        >>> jobs.listings = [{"job_title": "Software Engineer", "company": "ABC Company"}]
        >>> jobs.remove(jobs.listings[0])
        >>> jobs.listings
        []
        """
'''
    test = doc_example_tests(build_task(skeleton, "Jobs").examples)[0]
    assert ("_after = 'jobs = Jobs(); jobs.listings = [...]; jobs.remove(jobs.listings[0])'"
            in test.code)
    assert '"Software Engineer"' in test.code  # the setup itself runs with the whole value


PARSER = '''class Parser:
    def __init__(self, strict=False):
        self.arguments = {}

    def parse(self, line):
        """Parse --key=value words; an instance the docstring never makes (ClassEval_2):
        >>> parser.parse("--a=1 --b=2")
        True
        >>> parser.arguments
        {'a': '1', 'b': '2'}
        >>> parser.reset()
        """

    def get(self, key):
        """The value of key, on state set up elsewhere: not an example.
        >>> parser.arguments
        {'a': '1'}
        >>> parser.get('a')
        '1'
        """

    def merge(self, other):
        """Uses a second name it never makes besides parser: not an example.
        >>> parser.merge(other)
        True
        """
'''
PARSES = ("class Parser:\n    def __init__(self, strict=False):\n        self.arguments = {}\n"
          "    def parse(self, line):\n        for word in line.split():\n"
          "            key, _, value = word[2:].partition('=')\n"
          "            self.arguments[key] = value\n        return True\n")


def test_a_session_on_an_instance_it_never_makes_runs_on_a_fresh_one():
    examples = build_task(PARSER, "Parser").examples
    assert [(e.setup, e.call, e.expected) for e in examples] == [
        ("parser = Parser()", 'parser.parse("--a=1 --b=2")', "True"),
        ('parser = Parser()\nparser.parse("--a=1 --b=2")', "parser.arguments",
         "{'a': '1', 'b': '2'}"),
    ]  # its bare call (reset) is not kept; get shows state first; merge uses another name
    tests = "\n\n\n".join(t.code for t in doc_example_tests(examples))
    assert sandbox_run(PARSES, tests=tests).passed
    wrong = sandbox_run(PARSES.replace("[2:]", "[1:]"), tests=tests)
    assert [t.name for t in wrong.tests if not t.passed] == ["test_docstring_example_2"]


def test_no_fresh_instance_of_a_class_that_needs_arguments_or_when_the_name_is_not_a_receiver():
    needs = PARSER.replace("def __init__(self, strict=False):", "def __init__(self, strict):")
    assert build_task(needs, "Parser").examples == []
    passed_on = PARSER.replace(">>> parser.arguments\n        {'a': '1', 'b': '2'}",
                               ">>> Parser().merge(parser)\n        True")
    assert passed_on != PARSER
    assert build_task(passed_on, "Parser").examples == []
