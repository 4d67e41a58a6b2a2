"""The domain's public names, and that it stays pure."""

from __future__ import annotations

import ast
from pathlib import Path

import walletreports.dune_runner.domain as domain


def test_every_public_name_exists() -> None:
    exported = [name for name in dir(domain) if not name.startswith("_")]
    assert "classify" in exported and "report_path" in exported and "QueryJob" in exported


def test_the_domain_imports_no_infrastructure() -> None:
    # Pure rules only: a database, HTTP, broker or clock import here would be a layering slip.
    allowed = {
        "__future__",
        "collections",
        "dataclasses",
        "datetime",
        "decimal",
        "enum",
        "re",
        "types",
        "typing",
        "uuid",
        # The kit's error family: pure classes, so the edges map refusals by kind.
        "walletreports.kit.errors",
    }
    imported = set()
    for source in Path(domain.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                module = node.module or ""
                imported.add(module if module in allowed else module.split(".")[0])
    assert imported - allowed == set()


def test_nothing_in_the_domain_reads_the_clock() -> None:
    for source in Path(domain.__file__).parent.glob("*.py"):
        text = source.read_text()
        assert ".now(" not in text and "utcnow" not in text and "time.time" not in text, source
