"""tools/bootstrap_uv.py: `make` gets a working uv on a machine with only Python, even
without python3-venv or pip (the PyPI wheel route)."""

import hashlib
import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "tools" / "bootstrap_uv.py"


@pytest.fixture(scope="module")
def bootstrap():
    spec = importlib.util.spec_from_file_location("bootstrap_uv", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_only_the_standard_library_is_imported():
    source = SCRIPT.read_text()
    imported = {
        line.split()[1].split(".")[0]
        for line in source.splitlines()
        if line.startswith(("import ", "from ")) and not line.startswith("from __future__")
    }
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


def test_the_wheel_route_installs_a_uv_that_runs(tmp_path, bootstrap):
    """Downloads the pinned wheel from PyPI (about 20 MB), checks its sha256, unpacks uv."""
    dest = tmp_path / "bootstrap"
    result = subprocess.run([sys.executable, str(SCRIPT), "--dest", str(dest), "--method", "wheel"],
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    uv = dest / "bin" / "uv"
    assert uv.stat().st_mode & 0o111
    version = subprocess.run([str(uv), "--version"], capture_output=True, text=True, timeout=30)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith(f"uv {bootstrap.UV_VERSION}")


FILES = [
    {"filename": f"uv-0.13.8-py3-none-{tags}.whl", "packagetype": "bdist_wheel", "url": tags}
    for tags in (
        "linux_armv6l",
        "macosx_10_12_x86_64",
        "macosx_11_0_arm64",
        "manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64",
        "manylinux_2_17_armv7l.manylinux2014_armv7l.musllinux_1_1_armv7l",
        "manylinux_2_17_x86_64.manylinux2014_x86_64",
        "manylinux_2_28_aarch64",
        "musllinux_1_1_x86_64",
        "win_amd64",
    )
] + [{"filename": "uv-0.13.8.tar.gz", "packagetype": "sdist", "url": "sdist"}]


@pytest.mark.parametrize(
    ("machine", "chosen"),
    [
        ({"system": "linux", "arch": "x86_64", "libc": ("glibc", (2, 36))}, "manylinux_2_17_x86_64.manylinux2014_x86_64"),
        ({"system": "linux", "arch": "x86_64", "libc": ("musl", (1, 1))}, "musllinux_1_1_x86_64"),
        ({"system": "linux", "arch": "aarch64", "libc": ("glibc", (2, 36))}, "manylinux_2_28_aarch64"),
        (
            {"system": "linux", "arch": "aarch64", "libc": ("glibc", (2, 17))},
            "manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64",
        ),
        (
            {"system": "linux", "arch": "aarch64", "libc": ("musl", (1, 1))},
            "manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64",
        ),
        ({"system": "darwin", "arch": "arm64", "mac": (14, 5)}, "macosx_11_0_arm64"),
        ({"system": "darwin", "arch": "x86_64", "mac": (12, 0)}, "macosx_10_12_x86_64"),
    ],
)
def test_the_wheel_for_this_machine_is_picked(bootstrap, machine, chosen):
    assert bootstrap.pick_wheel(FILES, **machine)["url"] == chosen


def test_no_fitting_wheel_is_one_clear_error(bootstrap):
    with pytest.raises(bootstrap.BootstrapError, match=r"no uv 0\.13\.8 wheel for linux x86_64 \(glibc 2\.5\)"):
        bootstrap.pick_wheel(FILES, system="linux", arch="x86_64", libc=("glibc", (2, 5)))


def test_a_download_that_does_not_match_pypis_sha256_is_refused(bootstrap, tmp_path, monkeypatch):
    entry = {"filename": "uv-0.13.8-py3-none-manylinux_2_17_x86_64.whl", "packagetype": "bdist_wheel",
             "url": "https://files.example/uv.whl", "digests": {"sha256": hashlib.sha256(b"the real one").hexdigest()}}
    monkeypatch.setattr(bootstrap, "release_files", lambda version: [entry])
    monkeypatch.setattr(bootstrap, "this_machine",
                        lambda: {"system": "linux", "arch": "x86_64", "libc": ("glibc", (2, 36))})
    monkeypatch.setattr(bootstrap, "_get", lambda url, timeout=60: b"something else")
    with pytest.raises(bootstrap.BootstrapError, match="sha256 .* is not the .* PyPI lists"):
        bootstrap.install_from_wheel(tmp_path)
    assert not (tmp_path / "bin" / "uv").exists()
    assert list(tmp_path.iterdir()) == [], "a refused download left files behind"


def test_a_dest_that_cannot_be_written_is_one_clear_error(bootstrap, tmp_path, monkeypatch, capsys):
    wheel = tmp_path / "uv.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("uv-0.13.8.data/scripts/uv", "#!/bin/sh\n")
    data = wheel.read_bytes()
    entry = {"filename": "uv-0.13.8-py3-none-manylinux_2_17_x86_64.whl", "packagetype": "bdist_wheel",
             "url": "https://files.example/uv.whl", "digests": {"sha256": hashlib.sha256(data).hexdigest()}}
    monkeypatch.setattr(bootstrap, "release_files", lambda version: [entry])
    monkeypatch.setattr(bootstrap, "this_machine",
                        lambda: {"system": "linux", "arch": "x86_64", "libc": ("glibc", (2, 36))})
    monkeypatch.setattr(bootstrap, "_get", lambda url, timeout=60: data)
    (tmp_path / "file").touch()
    dest = tmp_path / "file" / "bootstrap"  # under a regular file: no directory can be made there
    assert bootstrap.main(["--dest", str(dest), "--method", "wheel"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("bootstrap_uv: error: could not install uv (wheel: ")
    assert "Not a directory" in lines[0]


def test_when_nothing_works_the_error_is_one_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "https_proxy": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}
    dest = tmp_path / "bootstrap"
    result = subprocess.run([sys.executable, str(SCRIPT), "--dest", str(dest), "--method", "wheel"],
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("bootstrap_uv: error: could not install uv (wheel: cannot reach https://pypi.org")
    assert not dest.exists()
