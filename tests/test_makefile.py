"""The Makefile's targets report failure: `make` is what CI and people run."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def test_make_bench_fails_when_any_benchmark_fails(tmp_path):
    """The first benchmark fails, the others pass: make must still exit non-zero."""
    scripts = sorted((ROOT / "bench").glob("*.py"))
    assert len(scripts) >= 2, "needs two benchmarks to tell the first's failure from the last's"
    calls = tmp_path / "calls"
    fake_run = tmp_path / "run"
    fake_run.write_text(f'#!/bin/sh\necho "$*" >> {calls}\n[ "$(wc -l < {calls})" -gt 1 ]\n')
    fake_run.chmod(0o755)
    result = subprocess.run(["make", "-C", str(ROOT), "bench", "UV=true", f"RUN={fake_run}"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0, result.stdout + result.stderr
    assert calls.read_text().splitlines() == [f"python bench/{scripts[0].name}"]


def make_plan(tmp_path, *args: str) -> str:
    """What `make` would run for `args` (every target out of date), with no uv on PATH."""
    result = subprocess.run([shutil.which("make"), "-nB", "-C", str(ROOT), *args], capture_output=True, text=True,
                            timeout=60, env={"PATH": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_uv_is_bootstrapped_only_when_make_would_use_that_one(tmp_path):
    assert "tools/bootstrap_uv.py" in make_plan(tmp_path, "sync")
    # A uv given on the command line is used as it is: nothing is downloaded for it.
    assert "tools/bootstrap_uv.py" not in make_plan(tmp_path, "sync", "UV=/opt/uv/bin/uv")
    # uv on PATH is used as it is too.
    (tmp_path / "uv").write_text("#!/bin/sh\n")
    (tmp_path / "uv").chmod(0o755)
    plan = make_plan(tmp_path, "sync")
    assert "tools/bootstrap_uv.py" not in plan
    assert f"{tmp_path}/uv sync" in plan
