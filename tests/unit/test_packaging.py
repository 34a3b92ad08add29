"""A deployed function has only the runtime's boto3, the shared layer and its own
requirements.txt (packaging/Makefile builds each one from exactly these). So every package its
code can import must come from one of them, and it must declare nothing it never imports: a
function that does not render PDFs must not ship fpdf2, one that calls no Stripe API no stripe.

The dev virtualenv has every package, so the local stack and the other tests cannot see a
missing one; this test follows each function's imports through `shared` instead."""

from __future__ import annotations

import ast
import re
import sys
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from local.cfn import load_template, resources_of_type

ROOT = Path(__file__).resolve().parents[2]
# What the python3.13 runtime provides (packaging/Makefile removes these from every artifact).
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "urllib3"}
# Packages that Powertools imports on our behalf, invisible to an import scan.
POWERTOOLS_IMPLIED = {
    # Powertools Tracer wraps the X-Ray SDK.
    "tracer": "aws_xray_sdk",
    # A route with enable_validation=True has Powertools build pydantic models.
    "enable_validation=True": "pydantic",
}


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(path: Path) -> set[str]:
    if not path.exists():
        return set()
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(_normalised(re.split(r"[\[=<>!~; ]", line, maxsplit=1)[0]))
    return names


def _is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) in {
        "TYPE_CHECKING",
        "typing.TYPE_CHECKING",
    }


@cache
def _imports_of(path: Path) -> frozenset[str]:
    """Modules `path` imports at run time: import statements anywhere (imports under
    `if TYPE_CHECKING:` excepted), `lazy_module("...")` names, and what Powertools imports for
    the features the module uses."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _is_type_checking_block(node):
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
            if node.module == "shared.observability" and any(
                alias.name == "tracer" for alias in node.names
            ):
                found.add(POWERTOOLS_IMPLIED["tracer"])
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) == "lazy_module"
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(str(node.args[0].value))
        elif isinstance(node, ast.keyword) and ast.unparse(node) == "enable_validation=True":
            found.add(POWERTOOLS_IMPLIED["enable_validation=True"])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return frozenset(found)


def _third_party_imports(function_dir: Path) -> set[str]:
    """Top-level names of the packages outside the standard library that the function's code
    reaches, following its imports through `shared` and its own modules."""
    third_party: set[str] = set()
    seen: set[Path] = set()
    pending = [function_dir / "app.py"]
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for module in _imports_of(path):
            top, *rest = module.split(".")
            if top == "shared":
                candidate = ROOT.joinpath("shared", *rest)
                for own in (candidate.with_suffix(".py"), candidate / "__init__.py"):
                    if own.is_file():
                        pending.append(own)
            elif (function_dir / f"{top}.py").is_file():
                pending.append(function_dir / f"{top}.py")
            elif top not in sys.stdlib_module_names and top != "__future__":
                third_party.add(top)
    return third_party


@cache
def _distributions_of(top_level: str) -> set[str]:
    distributions = packages_distributions().get(top_level)
    assert distributions, f"{top_level} is imported but belongs to no installed distribution"
    return {_normalised(name) for name in distributions}


FUNCTION_DIRS = sorted(
    ROOT / str(resource["Properties"]["CodeUri"])
    for resource in resources_of_type(load_template(), "AWS::Serverless::Function").values()
)
LAYER = _requirements(ROOT / "shared" / "requirements.txt")


@pytest.mark.parametrize("function_dir", FUNCTION_DIRS, ids=lambda path: path.name)
def test_every_import_is_shipped_and_nothing_else_is(function_dir: Path) -> None:
    own = _requirements(function_dir / "requirements.txt")
    needed: dict[str, set[str]] = {}
    for top_level in _third_party_imports(function_dir):
        distributions = _distributions_of(top_level)
        needed[top_level] = distributions
        shipped = distributions & (LAYER | own | RUNTIME_PROVIDED)
        assert shipped, f"{function_dir.name} imports {top_level}, which it does not ship"
    used = set().union(*needed.values()) if needed else set()
    # Data-only packages are read, not imported (the PDF font): they count when their importer
    # is shipped.
    data_only = {"fontpkg-noto-sans"} if "fpdf2" in used else set()
    assert own - used - data_only == set(), f"{function_dir.name} ships what it never imports"


def test_every_package_of_the_layer_is_used() -> None:
    for distribution in LAYER:
        users = [
            function_dir.name
            for function_dir in FUNCTION_DIRS
            if any(
                distribution in _distributions_of(top_level)
                for top_level in _third_party_imports(function_dir)
            )
        ]
        assert users, f"no function imports {distribution} from the layer"


def test_the_dev_environment_installs_every_function_requirements() -> None:
    """The local stack runs every function in one virtualenv, from requirements-dev.txt."""
    included = {
        line.removeprefix("-r ").strip()
        for line in (ROOT / "requirements-dev.txt").read_text().splitlines()
        if line.startswith("-r ")
    }
    for function_dir in FUNCTION_DIRS:
        assert str((function_dir / "requirements.txt").relative_to(ROOT)) in included


BUILD = ROOT / ".aws-sam" / "build"


def test_every_built_artifact_ships_bytecode_and_no_boto3() -> None:
    """packaging/Makefile's promise, checked on `sam build`'s output (`make test` builds
    before pytest). Without bytecode, Lambda's read-only file system makes every cold start
    compile: importing card_update and the Stripe SDK took 3.1x the CPU (README, "Decisions
    worth knowing")."""
    artifacts = [BUILD / "SharedLayer"] + [
        BUILD / logical_id
        for logical_id in resources_of_type(load_template(), "AWS::Serverless::Function")
    ]
    assert all(artifact.is_dir() for artifact in artifacts), "run `make build` first"
    for artifact in artifacts:
        sources = list(artifact.rglob("*.py"))
        assert sources, artifact.name
        missing = [
            source
            for source in sources
            if not (source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc").exists()
        ]
        assert missing == [], f"{artifact.name} ships {len(missing)} modules without bytecode"
        shipped = {path.name for path in artifact.iterdir()} | {
            path.name for path in (artifact / "python").glob("*")
        }
        assert not shipped & {"boto3", "botocore"}, f"{artifact.name} ships boto3"
