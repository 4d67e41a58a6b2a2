"""The package's public names: what the service layer imports."""

from __future__ import annotations

import ast
from pathlib import Path

import walletreports.orders.domain as domain


def test_every_public_name_exists():
    missing = [name for name in domain.__all__ if not hasattr(domain, name)]
    assert missing == []


def test_the_domain_imports_no_infrastructure():
    # Pure rules only: a database, HTTP or broker import here would be a layering slip.
    # (load_catalog reads one file at startup; everything else takes its inputs.)
    allowed = {
        "__future__",
        "collections",
        "dataclasses",
        "datetime",
        "decimal",
        "enum",
        "re",
        "string",
        "types",
        "typing",
        "uuid",
        "tomllib",
        "pathlib",
        "pydantic",
        "eth_utils",
        # The kit's error family: pure classes, so the edges map refusals by kind.
        "walletreports.kit.errors",
    }
    package_dir = Path(domain.__file__).parent
    imported = set()
    for source in package_dir.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                module = node.module or ""
                imported.add(module if module in allowed else module.split(".")[0])
    assert imported - allowed == set()


def test_the_kit_errors_module_is_pure():
    # What the domain may import of the kit pulls in nothing but the standard library.
    import subprocess
    import sys

    probe = (
        "import sys, walletreports.kit.errors; "
        "heavy = [m for m in ('sqlalchemy', 'fastapi', 'nats', 'faststream') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
