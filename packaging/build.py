"""Build the frozen FlagDesk (dist/flagdesk/) on this machine and smoke-test it.

    python packaging/build.py                  # build, then smoke test
    python packaging/build.py --smoke-only     # test an existing build
    python packaging/build.py --installer      # Windows: also compile packaging/installer.iss

Run it with the interpreter of the environment FlagDesk is installed in, with the `package` extra:
`pip install -e ".[package]"`. Linux builds a Linux program (useful to test the packaging);
a Windows release is built on Windows (see packaging/README.md). Exit code 0 only when the build
succeeded and no smoke step failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle
import smoke

PACKAGING_DIR = bundle.REPO_ROOT / "packaging"
SPEC = PACKAGING_DIR / "flagdesk.spec"
ISS = PACKAGING_DIR / "installer.iss"


def build(dist_root: Path, work_root: Path, clean: bool) -> float:
    """Run PyInstaller on the spec; returns the seconds it took."""
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        raise SystemExit('PyInstaller is not installed here: pip install -e ".[package]"') from None
    cmd = [sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm", "--log-level", "WARN"]
    cmd += ["--distpath", str(dist_root), "--workpath", str(work_root)]
    if clean:
        cmd.append("--clean")
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=bundle.REPO_ROOT)
    return time.perf_counter() - start


def compile_installer(dist: Path, output_dir: Path, sign_command: str | None) -> Path:
    """Inno Setup's command-line compiler (Windows only), fed the version and the built folder.

    With sign_command (a signtool command line ending in $f) the installer and its uninstaller are
    signed as they are written.
    """
    iscc = shutil.which("iscc") or shutil.which("ISCC")
    default = Path(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)")) / "Inno Setup 6" / "ISCC.exe"
    if iscc is None and default.exists():
        iscc = str(default)
    if iscc is None:
        raise SystemExit("Inno Setup 6 (ISCC.exe) not found: install it or put it on PATH")
    version = bundle.package_version()
    cmd = [iscc, f"/DAppVersion={version}", f"/DDistDir={dist}", f"/O{output_dir}"]
    if sign_command:
        cmd += ["/DSign", f"/Sflagdesksign={sign_command}"]
    subprocess.run([*cmd, str(ISS)], check=True)
    return output_dir / f"FlagDesk-{version}-setup.exe"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build dist/flagdesk with PyInstaller and smoke-test it.")
    parser.add_argument("--dist", type=Path, default=bundle.REPO_ROOT / "dist", help="output folder (default dist/)")
    parser.add_argument("--work", type=Path, default=bundle.REPO_ROOT / "build", help="PyInstaller's work folder")
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    parser.add_argument("--smoke-only", action="store_true", help="do not build; test the existing build")
    parser.add_argument("--no-smoke", action="store_true", help="build only")
    parser.add_argument("--installer", action="store_true", help="also compile the Inno Setup installer (Windows)")
    parser.add_argument(
        "--sign-command",
        metavar="CMD",
        help='with --installer: sign setup and uninstaller, e.g. "signtool sign /fd SHA256 ... $f"',
    )
    parser.add_argument("--report", type=Path, metavar="FILE", help="write build and smoke results as JSON")
    args = parser.parse_args(argv)
    dist = args.dist / "flagdesk"

    build_seconds = None
    if not args.smoke_only:
        print(f"Building {dist} with PyInstaller (one folder; this takes a few minutes)…", flush=True)
        build_seconds = build(args.dist, args.work, args.clean)
        print(f"Built in {build_seconds:.0f} s", flush=True)
    results = []
    if not args.no_smoke:
        print(f"Smoke test of {dist}", flush=True)
        results = smoke.run_smoke(dist, report=smoke.print_step)
        print(f"Smoke test: {smoke.summarise(results)}")
    if args.installer:
        print(f"Installer: {compile_installer(dist, args.dist, args.sign_command)}")
    if args.report:
        payload = {
            "version": bundle.package_version(),
            "platform": sys.platform,
            "build_seconds": build_seconds,
            "size_mib": round(smoke.folder_size(dist) / 2**20, 1),
            "steps": [asdict(r) for r in results],
        }
        args.report.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 1 if any(r.status == "failed" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
