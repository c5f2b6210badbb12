#!/usr/bin/env python3
"""CPython's own tests, carried into Rust: how many are carried, and do they pass.

For each CPython test module in MODULES, finds its test methods by parsing its source
with `ast` (the `test*` methods of its unittest TestCase classes), and matches them
with the Rust tests of `cargo test --test cpython_suite`, whose names are

    MODULE::class_in_snake_case::METHOD
    e.g. test_yield_from::test_pep380_operation::test_delegating_close

(a dotted module, test_asyncio.test_queues, is the Rust path test_asyncio::test_queues).
The tests that cannot be carried are listed in tests/cpython_suite/not_applicable.toml
with a reason; those waiting for a pycoro feature in tests/cpython_suite/pending.toml.
Prints, per module:

    MODULE: carried C of A applicable (N not applicable), P passing

Exits non-zero when a carried test fails, when a name in the data files or a Rust
test's name is not a test of CPython's module, or when a test is listed twice.

    python3 scripts/cpython_suite.py            # the table
    python3 scripts/cpython_suite.py --verbose  # and every test not carried, with why
    python3 scripts/cpython_suite.py --write    # and book/src/generated/cpython_suite.md
    python3 scripts/cpython_suite.py --check    # fail if that file is out of date

To carry another module, add its name to MODULES, a Rust file for it under
tests/cpython_suite/ (with its `mod` line in tests/cpython_suite.rs), and its tables
in the two data files.
"""
import argparse
import ast
import dataclasses
import pathlib
import re
import subprocess
import sys
import sysconfig
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SUITE = ROOT / "tests" / "cpython_suite"
TARGET = "cpython_suite"
NOT_APPLICABLE = SUITE / "not_applicable.toml"
PENDING = SUITE / "pending.toml"
GENERATED = ROOT / "book" / "src" / "generated" / "cpython_suite.md"


@dataclasses.dataclass(frozen=True)
class Module:
    """A CPython test module carried into Rust: its name under Lib/test.

    A module carried in part is counted through a filter: `classes`, the concrete
    TestCase classes counted (where a module runs one base class's tests under several
    implementations, as test_tasks does, each test is counted once, under one of them),
    `tests`, a regular expression that the counted tests' `Class.method` contains
    (case-insensitive), and `parts`, which parts of the module these are, in words."""

    name: str
    classes: frozenset = None
    tests: str = None
    parts: str = None

    def counts(self, test):
        cls = test.split(".")[0]
        return ((self.classes is None or cls in self.classes)
                and (self.tests is None or re.search(self.tests, test, re.I) is not None))

    def counted(self):
        """What is counted of a module carried in part, in words; None for a whole one."""
        if self.classes is None and self.tests is None:
            return None
        what = [f"the tests of {', '.join(sorted(self.classes))}" if self.classes else "the tests"]
        if self.tests:
            what.append(f"whose Class.method contains /{self.tests}/ (case-insensitive)")
        parts = f" (the parts {self.parts})" if self.parts else ""
        return f"{self.name}: counted: {' '.join(what)}{parts}"

    def source(self, test_dir):
        path = test_dir.joinpath(*self.name.split("."))
        return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")

    def rust_test(self, cls, method):
        return "::".join([*self.name.split("."), snake_case(cls), method])


# One entry per CPython test module carried.
MODULES = [
    Module("test_yield_from"),
    Module("test_generators"),
    Module("test_asyncgen"),
    Module("test_contextlib"),
    Module("test_contextlib_async"),
    Module("test_asyncio.test_queues"),
    Module("test_asyncio.test_locks"),
    Module("test_asyncio.test_taskgroups"),
    Module("test_asyncio.test_timeouts"),
    Module("test_asyncio.test_waitfor"),
    Module("test_asyncio.test_tasks",
           classes=frozenset({"PyTask_PyFuture_Tests", "FutureGatherTests", "CoroutineGatherTests"}),
           tests=r"cancel|(?<!a)wait(?!_for)|gather|as_completed|shield",
           parts="cancellation, wait, gather, as_completed and shield; BaseTaskTests once, "
                 "under its pure-Python class; wait_for is test_waitfor's"),
]


def snake_case(name):
    """TestPEP380Operation -> test_pep380_operation, GeneratorThrowTest -> generator_throw_test."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def cpython_tests(source):
    """The `Class.method` names of the test methods of the module's TestCase classes:
    classes deriving, directly or through other classes, from a base whose name ends in
    TestCase (unittest.TestCase, IsolatedAsyncioTestCase, ...). A class runs the test
    methods it inherits from its other bases too (a mixin's, as test_queues'
    _QueueJoinTestMixin), as unittest finds them; a base imported from another of
    CPython's test modules (test_contextlib_async's `from test.test_contextlib import
    TestBaseExitStack`) is looked up in that module's source."""
    classes = module_classes(source)

    def is_test_case(entry, seen=()):
        if entry is None or entry[0] in seen:
            return False
        node, namespace = entry
        return any(base_name(b).endswith("TestCase")
                   or is_test_case(namespace.get(base_name(b)), (*seen, node))
                   for b in node.bases)

    def test_methods(entry, seen=()):
        if entry is None or entry[0] in seen:
            return []
        node, namespace = entry
        own = [item.name for item in node.body
               if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
               and item.name.startswith("test")]
        inherited = [m for b in node.bases
                     for m in test_methods(namespace.get(base_name(b)), (*seen, node))]
        return list(dict.fromkeys([*own, *inherited]))

    # The module's own classes: an imported one's namespace is its module's.
    return [f"{cls}.{method}" for cls, entry in classes.items()
            if entry[1] is classes and is_test_case(entry) for method in test_methods(entry)]


def base_name(base):
    """A base class as its name: `unittest.TestCase` is `TestCase`."""
    return ast.unparse(base).rsplit(".", 1)[-1]


def module_classes(source, importing=()):
    """{name: (ClassDef, the namespace its bases are named in)} for the classes a test
    module defines, and for those it imports from another of CPython's test modules to
    derive from."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    defined = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    bases = {base_name(b) for node in defined for b in node.bases}
    namespace = {}
    for node in tree.body:
        imported = isinstance(node, ast.ImportFrom) and imported_module(source, node)
        if imported and imported not in importing:
            names = {alias.asname or alias.name: alias.name for alias in node.names}
            if bases & names.keys():
                theirs = module_classes(imported, (*importing, source))
                namespace.update({name: theirs[original] for name, original in names.items()
                                  if name in bases and original in theirs})
    namespace.update({node.name: (node, namespace) for node in defined})
    return namespace


def imported_module(source, node):
    """The source file of the module a `from ... import` in `source` names, if it is in
    CPython's test package: `from .X import` (relative) or `from test.X import`."""
    parts = node.module.split(".") if node.module else []
    if node.level:
        package = source.parents[node.level - 1]
    elif parts[:1] == ["test"]:
        package = source.parent
        while (package.parent / "__init__.py").is_file():
            package = package.parent
        if package.name != "test":
            return None
        parts = parts[1:]
    else:
        return None
    path = package.joinpath(*parts)
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    return path if path.is_file() else None


def rust_results():
    """{rust test name: 'ok' | 'FAILED' | 'ignored'} from one `cargo test` run."""
    run = subprocess.run(["cargo", "test", "--test", TARGET], cwd=ROOT, capture_output=True, text=True)
    results = dict(re.findall(r"^test (\S+) \.\.\. (ok|FAILED|ignored)\b", run.stdout, re.M))
    if run.returncode != 0 and not results:
        sys.stderr.write(run.stderr[-4000:])
        sys.exit(f"`cargo test --test {TARGET}` failed before running any test")
    return results


@dataclasses.dataclass
class Count:
    module: Module
    tests: list
    carried: list
    passing: list
    not_applicable: dict
    pending: dict

    @property
    def applicable(self):
        return len(self.tests) - len(self.not_applicable)

    @property
    def unlisted(self):
        done = {*self.carried, *self.not_applicable, *self.pending}
        return [t for t in self.tests if t not in done]

    def line(self):
        return (f"{self.module.name}: carried {len(self.carried)} of {self.applicable} applicable "
                f"({len(self.not_applicable)} not applicable), {len(self.passing)} passing")


def count(modules, test_dir, results, not_applicable, pending):
    """The counts per module, and the errors: names that name no CPython test, tests
    listed twice, carried tests that do not pass."""
    counts, errors = [], []
    for data, path in ((not_applicable, NOT_APPLICABLE), (pending, PENDING)):
        for unknown in sorted(set(data) - {m.name for m in modules}):
            errors.append(f"{path.relative_to(ROOT)}: [{unknown}] is not a module in MODULES")
    claimed = set()
    for module in modules:
        tests = [t for t in cpython_tests(module.source(test_dir)) if module.counts(t)]
        by_rust_name = {module.rust_test(*t.split(".")): t for t in tests}
        prefix = "::".join(module.name.split(".")) + "::"
        claimed.add(prefix)
        for name in results:
            if name.startswith(prefix) and name not in by_rust_name:
                errors.append(f"Rust test {name} does not name a test of CPython's {module.name}")
        carried = [t for rust, t in by_rust_name.items() if rust in results]
        passing = [t for rust, t in by_rust_name.items() if results.get(rust) == "ok"]
        for t in carried:
            if t not in passing:
                errors.append(f"{module.name}.{t}: carried, but its Rust test "
                              f"{module.rust_test(*t.split('.'))} {results[module.rust_test(*t.split('.'))]}")
        na, pend = not_applicable.get(module.name, {}), pending.get(module.name, {})
        for data, path in ((na, NOT_APPLICABLE), (pend, PENDING)):
            for name in data:
                if name not in tests:
                    errors.append(f"{path.relative_to(ROOT)}: {module.name}.{name} "
                                  f"is not a test of CPython's {module.name}")
                elif name in carried:
                    errors.append(f"{path.relative_to(ROOT)}: {module.name}.{name} is listed, "
                                  f"but it has a Rust test")
        for name in set(na) & set(pend):
            errors.append(f"{module.name}.{name} is both not applicable and pending")
        counts.append(Count(module, tests, carried, passing, na, pend))
    for name in results:
        if not any(name.startswith(prefix) for prefix in claimed):
            errors.append(f"Rust test {name} is in no module of MODULES")
    return counts, errors


def prose(text):
    """Free text for Markdown: `__context__` is not bold `context`."""
    return text.replace("\\", "\\\\").replace("_", "\\_").replace("*", "\\*")


def markdown(counts):
    """The book's page: the table, then every test not carried, with why."""
    version = ".".join(map(str, sys.version_info[:2]))
    rows = ["| CPython module | applicable | carried | passing | not applicable | pending |",
            "|---|---|---|---|---|---|"]
    total = [0] * 5
    for c in counts:
        numbers = [c.applicable, len(c.carried), len(c.passing), len(c.not_applicable), len(c.pending)]
        total = [a + b for a, b in zip(total, numbers)]
        rows.append(f"| `{c.module.name}` | " + " | ".join(map(str, numbers)) + " |")
    rows.append("| **all** | " + " | ".join(f"**{n}**" for n in total) + " |")
    share = f"{100 * total[1] / total[0]:.0f}%" if total[0] else "none"
    out = [f"<!-- Written by `python3 scripts/cpython_suite.py --write` (CPython {version}). -->", "",
           *rows, "", f"Carried: {total[1]} of {total[0]} applicable tests ({share}), "
           f"{total[2]} passing.", ""]
    counted = [c.module.counted() for c in counts if c.module.counted()]
    if counted:
        out += ["Modules carried in part:", "", *(f"- {prose(line)}" for line in counted), ""]
    pending = [(c.module.name, t, v) for c in counts for t, v in c.pending.items()]
    if pending:
        out += ["**Pending**, waiting for a pycoro feature (`tests/cpython_suite/pending.toml`):", ""]
        out += [f"- `{m}.{t}`: **`{v['feature']}`**: {prose(v['detail'])}" for m, t, v in pending]
        out.append("")
    out += ["**Not applicable** (`tests/cpython_suite/not_applicable.toml`):", ""]
    out += [f"- `{c.module.name}.{t}`: {prose(why)}" for c in counts for t, why in c.not_applicable.items()]
    unlisted = [f"- `{c.module.name}.{t}`" for c in counts for t in c.unlisted]
    if unlisted:
        out += ["", "**Not yet looked at:**", "", *unlisted]
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list every test not carried, with why")
    parser.add_argument("--write", action="store_true", help=f"write {GENERATED.relative_to(ROOT)}")
    parser.add_argument("--check", action="store_true", help=f"fail if {GENERATED.name} is out of date")
    args = parser.parse_args()

    test_dir = pathlib.Path(sysconfig.get_paths()["stdlib"]) / "test"
    missing = [m.name for m in MODULES if not m.source(test_dir).is_file()]
    if missing:
        print(f"SKIPPED: CPython's test package has no {', '.join(missing)} under {test_dir} "
              f"(install Python's test suite, e.g. the distribution's libpython3-testsuite)")
        return 0
    if sys.version_info[:2] != (3, 11):
        print(f"note: the reference is CPython 3.11; this is {sys.version.split()[0]}", file=sys.stderr)

    not_applicable = tomllib.loads(NOT_APPLICABLE.read_text(encoding="utf-8"))
    pending = tomllib.loads(PENDING.read_text(encoding="utf-8"))
    counts, errors = count(MODULES, test_dir, rust_results(), not_applicable, pending)

    for c in counts:
        print(c.line())
        if c.module.counted():
            print(f"  {c.module.counted()}")
    if args.verbose:
        for c in counts:
            for title, items in (("not applicable", c.not_applicable.items()),
                                 ("pending", ((t, f"{v['feature']}: {v['detail']}")
                                              for t, v in c.pending.items())),
                                 ("not yet looked at", ((t, "") for t in c.unlisted))):
                items = list(items)
                if items:
                    print(f"\n{c.module.name}, {title} ({len(items)}):")
                    for test, why in items:
                        print(f"  {test}" + (f": {why}" if why else ""))
    page = markdown(counts)
    if args.write:
        GENERATED.parent.mkdir(parents=True, exist_ok=True)
        GENERATED.write_text(page, encoding="utf-8")
        print(f"wrote {GENERATED.relative_to(ROOT)}")
    if args.check and (not GENERATED.is_file() or GENERATED.read_text(encoding="utf-8") != page):
        errors.append(f"{GENERATED.relative_to(ROOT)} is out of date: run with --write")
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
