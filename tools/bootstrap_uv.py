#!/usr/bin/env python3
"""Put a uv binary at <dest>/bin/uv (default .dev/bootstrap/bin/uv) using only the
standard library, for `make` on a machine without uv.

Two ways, tried in order:
  venv   `python -m venv <dest>` and its pip installs uv (needs the venv module and
         ensurepip, which Debian ships separately as python3-venv);
  wheel  the uv wheel for this machine is downloaded from PyPI (JSON API), checked
         against the sha256 PyPI lists for it, and the `uv` binary unpacked from it.

Only the standard library is imported: this runs before anything else is installed.
Usage: python3 tools/bootstrap_uv.py [--dest DIR] [--method auto|venv|wheel]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

# The same uv the Dockerfile installs (tests/test_compose.py checks they agree).
UV_VERSION = "0.13.8"
PYPI_JSON = "https://pypi.org/pypi/uv/json"
PYPI_VERSION_JSON = "https://pypi.org/pypi/uv/{version}/json"
ROOT = Path(__file__).resolve().parents[1]


class BootstrapError(Exception):
    """One line that says what went wrong."""


# ---------------------------------------------------------------- which wheel fits


def machine_arch() -> str:
    arch = platform.machine().lower()
    return {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64" if sys.platform.startswith("linux") else "arm64",
            "i386": "i686", "i586": "i686", "armv7": "armv7l", "armv8l": "armv7l"}.get(arch, arch)


def linux_libc() -> tuple[str, tuple[int, int]]:
    """("glibc", (2, 36)) or ("musl", (1, 2)); musl when glibc is not found."""
    name, version = platform.libc_ver()
    if name == "glibc" and (match := re.match(r"(\d+)\.(\d+)", version)):
        return "glibc", (int(match.group(1)), int(match.group(2)))
    return "musl", (1, 1)  # every musllinux wheel of uv asks for 1.1


def _tag_fits(tag: str, system: str, arch: str, libc: tuple[str, tuple[int, int]] | None,
              mac: tuple[int, int] | None) -> tuple[int, int] | None:
    """The (major, minor) a platform tag requires when it fits this machine, else None."""
    legacy = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
    if system == "linux" and libc:
        kind, have = libc
        if match := re.fullmatch(r"(manylinux1|manylinux2010|manylinux2014)_(\w+)", tag):
            need, tag_arch = legacy[match.group(1)], match.group(2)
            family = "glibc"
        elif match := re.fullmatch(r"(manylinux|musllinux)_(\d+)_(\d+)_(\w+)", tag):
            need, tag_arch = (int(match.group(2)), int(match.group(3))), match.group(4)
            family = "glibc" if match.group(1) == "manylinux" else "musl"
        else:
            return None
        return need if family == kind and tag_arch == arch and need <= have else None
    if system == "darwin" and mac:
        match = re.fullmatch(r"macosx_(\d+)_(\d+)_(\w+)", tag)
        if not match:
            return None
        need, tag_arch = (int(match.group(1)), int(match.group(2))), match.group(3)
        fits_arch = tag_arch == arch or tag_arch == "universal2" and arch in ("x86_64", "arm64")
        return need if fits_arch and need <= mac else None
    return None


def pick_wheel(files: list[dict], system: str, arch: str, libc: tuple[str, tuple[int, int]] | None = None,
               mac: tuple[int, int] | None = None) -> dict:
    """The wheel among PyPI's `files` that runs here; the most specific one when several do."""
    best: tuple[tuple[int, int], dict] | None = None
    for entry in files:
        name = entry.get("filename", "")
        if entry.get("packagetype") != "bdist_wheel" or not name.endswith(".whl"):
            continue
        for tag in name[: -len(".whl")].split("-")[-1].split("."):
            need = _tag_fits(tag, system, arch, libc, mac)
            if need is not None and (best is None or need > best[0]):
                best = (need, entry)
    if best is None:
        where = f"{system} {arch}" + (f" ({libc[0]} {'.'.join(map(str, libc[1]))})" if libc else "")
        raise BootstrapError(f"PyPI has no uv {UV_VERSION} wheel for {where}")
    return best[1]


def this_machine() -> dict:
    if sys.platform.startswith("linux"):
        return {"system": "linux", "arch": machine_arch(), "libc": linux_libc()}
    if sys.platform == "darwin":
        release = platform.mac_ver()[0] or "10.12"
        major, minor = (int(part) for part in (release.split(".") + ["0"])[:2])
        return {"system": "darwin", "arch": machine_arch(), "mac": (major, minor)}
    raise BootstrapError(f"no uv wheel for {sys.platform}: install uv yourself (https://docs.astral.sh/uv/)")


# ---------------------------------------------------------------- getting it


def _get(url: str, timeout: float = 60) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        raise BootstrapError(f"{url} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise BootstrapError(f"cannot reach {url}: {reason}") from None


def release_files(version: str) -> list[dict]:
    """PyPI's file list of uv `version`."""
    try:
        project = json.loads(_get(PYPI_JSON))
    except json.JSONDecodeError:
        raise BootstrapError(f"{PYPI_JSON} did not return JSON") from None
    if project.get("info", {}).get("version") == version and project.get("urls"):
        return project["urls"]
    if files := project.get("releases", {}).get(version):
        return files
    try:
        return json.loads(_get(PYPI_VERSION_JSON.format(version=version)))["urls"]
    except (json.JSONDecodeError, KeyError):
        raise BootstrapError(f"PyPI lists no files for uv {version}") from None


def install_from_wheel(dest: Path) -> Path:
    wheel = pick_wheel(release_files(UV_VERSION), **this_machine())
    expected = wheel.get("digests", {}).get("sha256")
    if not expected:
        raise BootstrapError(f"PyPI gives no sha256 for {wheel['filename']}; refusing to install it unchecked")
    # PyPI gives absolute URLs; a mirror may give them relative to the JSON's.
    data = _get(urllib.parse.urljoin(PYPI_JSON, wheel["url"]), timeout=300)
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise BootstrapError(f"{wheel['filename']}: sha256 {actual} is not the {expected} PyPI lists")
    bin_dir = dest / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            member = next((n for n in archive.namelist() if re.fullmatch(r"uv-[^/]+\.data/scripts/uv", n)), None)
            if member is None:
                raise BootstrapError(f"{wheel['filename']} holds no uv binary")
            staged = bin_dir / ".uv.partial"
            with archive.open(member) as source, open(staged, "wb") as target:
                shutil.copyfileobj(source, target)
    except zipfile.BadZipFile:
        raise BootstrapError(f"{wheel['filename']} is not a valid wheel") from None
    staged.chmod(0o755)
    os.replace(staged, bin_dir / "uv")
    return bin_dir / "uv"


def install_with_venv(dest: Path) -> Path:
    venv = subprocess.run([sys.executable, "-m", "venv", str(dest)], capture_output=True, text=True)
    if venv.returncode != 0:
        raise BootstrapError(f"python -m venv: {one_line(venv.stderr)}")
    pip = subprocess.run([str(dest / "bin" / "python"), "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}"],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        lines = [line for line in pip.stderr.splitlines() if line.strip()]
        raise BootstrapError(f"pip install uv=={UV_VERSION}: {one_line(lines[-1] if lines else '')}")
    return dest / "bin" / "uv"


def one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split()) or "failed"
    return line if len(line) <= limit else line[: limit - 1] + "…"


def check(uv: Path) -> str:
    try:
        result = subprocess.run([str(uv), "--version"], capture_output=True, text=True, timeout=30)
    except OSError as exc:
        raise BootstrapError(f"{uv} does not run: {exc.strerror or exc}") from None
    if result.returncode != 0:
        raise BootstrapError(f"{uv} --version failed: {result.stderr.strip() or result.returncode}")
    return result.stdout.strip()


def bootstrap(dest: Path, method: str = "auto") -> tuple[Path, str]:
    """Install uv into dest; (path, `uv --version`)."""
    ways = {"venv": install_with_venv, "wheel": install_from_wheel}
    order = list(ways) if method == "auto" else [method]
    failures = []
    existed = dest.exists()
    for name in order:
        try:
            uv = ways[name](dest)
            return uv, check(uv)
        except (BootstrapError, OSError) as exc:  # OSError: dest cannot be written, say
            failures.append(f"{name}: {exc}")
            if not existed:
                # What this attempt made (a venv without pip, say) is not left around.
                shutil.rmtree(dest, ignore_errors=True)
    raise BootstrapError("could not install uv (" + "; ".join(failures) + "); install uv yourself: https://docs.astral.sh/uv/")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Put a uv binary at <dest>/bin/uv.")
    parser.add_argument("--dest", type=Path, default=ROOT / ".dev" / "bootstrap")
    parser.add_argument("--method", choices=("auto", "venv", "wheel"), default="auto")
    args = parser.parse_args(argv)
    dest = args.dest.resolve()
    try:
        uv, version = bootstrap(dest, args.method)
    except BootstrapError as exc:
        print(f"bootstrap_uv: error: {exc}", file=sys.stderr)
        return 1
    print(f"bootstrap_uv: {version} at {uv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
