"""Windows packaging: the spec, what it bundles, version information, icon, installer, smoke harness.

Fast checks only. The full PyInstaller build and the smoke test of the frozen program take
minutes; they run when FLAGDESK_PACKAGING_TEST=1 (test_full_build_passes_the_smoke_test).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGING = REPO_ROOT / "packaging"
sys.path.insert(0, str(PACKAGING))

import bundle  # noqa: E402
import smoke  # noqa: E402

import flagdesk  # noqa: E402
from flagdesk.cli import COMMAND_MODULES  # noqa: E402


class SpecRecorder:
    """Stand-ins for the names PyInstaller gives a spec; they record what the spec asks for."""

    def __init__(self) -> None:
        self.analysis: dict[str, Any] = {}
        self.exes: list[dict[str, Any]] = []
        self.collect: dict[str, Any] = {}

    def Analysis(self, scripts: list[str], **kw: Any) -> SimpleNamespace:  # noqa: N802 - PyInstaller's name
        self.analysis = {"scripts": scripts, **kw}
        entries = [(Path(s).stem, s, "PYSOURCE") for s in scripts]
        hook_data = [
            ("PySide6/Qt/translations/qt_de.qm", "/x/qt_de.qm", "DATA"),
            ("PySide6/Qt/plugins/a.so", "/x/a.so", "DATA"),
        ]
        return SimpleNamespace(
            pure=["pure"],
            scripts=[("pyi_rth_inspect", "/hooks/rth.py", "PYSOURCE"), *entries],
            binaries=[("PySide6/QtCore.abi3.so", str(Path(pytest.__file__)), "BINARY")],
            datas=[(dest + "/" + Path(src).name, src, "DATA") for src, dest in kw["datas"]] + hook_data,
        )

    def PYZ(self, pure: list[str]) -> str:  # noqa: N802 - PyInstaller's name
        return "pyz"

    def EXE(self, pyz: str, scripts: list[tuple[str, str, str]], *rest: Any, **kw: Any) -> str:  # noqa: N802 - PyInstaller's name
        self.exes.append({"scripts": [s[0] for s in scripts], **kw})
        return kw["name"]

    def COLLECT(self, *items: Any, **kw: Any) -> None:  # noqa: N802 - PyInstaller's name
        self.collect = {"items": items, **kw}


@pytest.fixture(scope="module")
def spec() -> SpecRecorder:
    rec = SpecRecorder()
    source = (PACKAGING / "flagdesk.spec").read_text(encoding="utf-8")
    namespace = {n: getattr(rec, n) for n in ("Analysis", "PYZ", "EXE", "COLLECT")}
    names = {**namespace, "SPECPATH": str(PACKAGING), "workpath": str(REPO_ROOT / "build"), "__name__": "spec"}
    exec(compile(source, "flagdesk.spec", "exec"), names)
    return rec


def test_spec_builds_one_folder_with_a_console_and_a_windowed_program(spec: SpecRecorder) -> None:
    by_name = {exe["name"]: exe for exe in spec.exes}
    assert set(by_name) == {"flagdesk", "flagdesk-gui"}
    assert by_name["flagdesk"]["console"] is True
    assert by_name["flagdesk-gui"]["console"] is False
    for exe in spec.exes:
        assert exe["exclude_binaries"] is True, "one-folder: libraries live beside the programs, not inside"
        assert exe["upx"] is False
    assert spec.collect["name"] == "flagdesk" and spec.collect["upx"] is False


def test_each_program_runs_only_its_own_entry_script(spec: SpecRecorder) -> None:
    scripts = {exe["name"]: exe["scripts"] for exe in spec.exes}
    assert scripts["flagdesk"] == ["pyi_rth_inspect", "entry_cli"]
    assert scripts["flagdesk-gui"] == ["pyi_rth_inspect", "entry_gui"]
    for path in spec.analysis["scripts"]:
        assert Path(path).is_file()


def test_bundled_data_files_exist_and_cover_resources_and_migrations(spec: SpecRecorder) -> None:
    datas = spec.analysis["datas"]
    for src, _dest in datas:
        assert Path(src).is_file(), src
    dests = {f"{dest}/{Path(src).name}" for src, dest in datas}
    migrations = {f"db/versions/{p.name}" for p in (REPO_ROOT / "db" / "versions").glob("*.py")}
    assert migrations and migrations <= dests
    assert {"db/env.py", "db/__init__.py", "resources/cpv2008-en.json", "resources/proclass_17.csv"} <= dests
    assert "resources/fonts/DejaVuSans.ttf" in dests
    assert {"resources/icons/flagdesk.ico", "resources/icons/flagdesk.png", "resources/icons/flagdesk.svg"} <= dests
    assert not any("__pycache__" in d or d.endswith(".pyc") for d in dests)


def test_every_resource_the_code_opens_is_bundled(spec: SpecRecorder) -> None:
    """resource_path("x") calls anywhere in the code must name a bundled file."""
    dests = {f"{dest}/{Path(src).name}" for src, dest in spec.analysis["datas"]}
    wanted = set()
    for path in [*(REPO_ROOT / "flagdesk").rglob("*.py"), *(REPO_ROOT / "importers").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "resource_path"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                wanted.add(f"resources/{node.args[0].value}")
    assert wanted, "expected the CPV list at least"
    assert wanted <= dests


def test_hidden_imports_reach_modules_loaded_by_name(spec: SpecRecorder) -> None:
    hidden = set(spec.analysis["hiddenimports"])
    existing = {m for m in COMMAND_MODULES if (REPO_ROOT / (m.replace(".", "/") + ".py")).exists()}
    assert existing <= hidden  # flagdesk.cli imports these with importlib
    assert {"flagdesk.ui.app", "db", "resources", "sqlalchemy.dialects.sqlite.pysqlite"} <= hidden
    assert {"alembic.op", "alembic", "sqlalchemy"} & hidden, "what the migration scripts import"
    assert not any(name.startswith("db.versions") for name in hidden), "revisions are files, not modules"


def test_unused_qt_modules_are_excluded_but_never_those_the_ui_imports(spec: SpecRecorder) -> None:
    excluded = {e.split(".", 1)[1] for e in spec.analysis["excludes"] if e.startswith("PySide6.")}
    used = bundle.qt_modules_used()
    assert {"QtCore", "QtWidgets"} <= used
    assert not excluded & used
    assert {"QtQuick", "QtQml", "QtWebEngineCore", "QtNetwork", "Qt3DCore"} - used <= excluded
    assert {"tkinter", "pytest"} <= set(spec.analysis["excludes"])


def test_qt_excludes_keep_a_module_as_soon_as_the_ui_uses_it(tmp_path: Path) -> None:
    (tmp_path / "view.py").write_text("def f():\n    from PySide6.QtCharts import QChart\n", encoding="utf-8")
    used = bundle.qt_modules_used(tmp_path)
    assert used == {"QtCharts"}
    assert "PySide6.QtCharts" not in bundle.qt_excludes(used)
    assert "PySide6.QtQuick" in bundle.qt_excludes(used)


def test_a_development_tool_is_bundled_as_soon_as_the_code_imports_it() -> None:
    assert "pandas" in bundle.python_excludes({"sqlalchemy"})
    assert "pandas" not in bundle.python_excludes({"sqlalchemy", "pandas"})
    assert not set(bundle.python_excludes()) & bundle.top_level_imports()


def test_hook_collected_qt_translations_are_dropped(spec: SpecRecorder) -> None:
    bundle_datas = {dest for dest, _src, _kind in spec.collect["items"][3]}
    assert "PySide6/Qt/translations/qt_de.qm" not in bundle_datas
    assert "PySide6/Qt/plugins/a.so" in bundle_datas
    assert "resources/cpv2008-en.json" in bundle_datas
    assert not bundle.keep_collected("PySide6\\Qt\\translations\\qtbase_fr.qm")


def test_binaries_pass_through_the_spec_and_wheel_libraries_are_never_stripped(spec: SpecRecorder) -> None:
    assert spec.collect["items"][2] == [("PySide6/QtCore.abi3.so", str(Path(pytest.__file__)), "BINARY")]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="debug sections are stripped on Linux only")
def test_the_interpreter_library_loses_its_debug_sections(tmp_path: Path) -> None:
    libs = sorted(Path(sys.base_prefix, "lib").glob("libpython3*.so*"))
    if not libs or not shutil.which("strip"):
        pytest.skip("no shared libpython or no strip here")
    entry = (libs[0].name, str(libs[0]), "BINARY")
    ((dest, src, kind),) = bundle.strip_interpreter_debug_info([entry], tmp_path)
    assert (dest, kind) == (libs[0].name, "BINARY")
    assert Path(src).parent == tmp_path / "stripped"
    assert Path(src).read_bytes()[:4] == b"\x7fELF"
    assert Path(src).stat().st_size <= libs[0].stat().st_size


def test_version_information_comes_from_the_package_version() -> None:
    assert bundle.package_version() == flagdesk.__version__
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["version"] == flagdesk.__version__, "release: bump both together"
    numbers = bundle.version_tuple(flagdesk.__version__)
    assert ".".join(map(str, numbers)).startswith(flagdesk.__version__.split("rc")[0].rstrip("."))
    strings = bundle.version_strings(flagdesk.__version__)
    assert strings["ProductVersion"] == strings["FileVersion"] == flagdesk.__version__


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.1.0", (0, 1, 0, 0)), ("2.10", (2, 10, 0, 0)), ("1.2.3rc1", (1, 2, 3, 0)), ("3.0.1+local.7", (3, 0, 1, 0))],
)
def test_version_tuple(text: str, expected: tuple[int, ...]) -> None:
    assert bundle.version_tuple(text) == expected


@pytest.mark.parametrize("text", ["", "dev", "70000.1.0"])
def test_version_tuple_refuses_what_windows_cannot_hold(text: str) -> None:
    with pytest.raises(ValueError):
        bundle.version_tuple(text)


def test_windows_version_resource_matches_the_package_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """The version file is read back the way PyInstaller reads it and packed into resource bytes."""
    pytest.importorskip("PyInstaller", reason="the package extra (PyInstaller) is not installed")
    # pefile and win32api only write the resource into a .exe and exist on Windows alone; the
    # structures that parse the file and pack the bytes need neither.
    import PyInstaller.compat

    monkeypatch.setitem(sys.modules, "pefile", sys.modules.get("pefile") or ModuleType("pefile"))
    monkeypatch.setattr(PyInstaller.compat, "win32api", getattr(PyInstaller.compat, "win32api", None), raising=False)
    monkeypatch.delitem(sys.modules, "PyInstaller.utils.win32.versioninfo", raising=False)
    from PyInstaller.utils.win32 import versioninfo

    path = bundle.write_version_file(REPO_ROOT / "build" / "test-version-info", "flagdesk-gui")
    info = versioninfo.load_version_info_from_text_file(path)
    major, minor, patch, build = bundle.version_tuple(flagdesk.__version__)
    assert info.ffi.fileVersionMS == info.ffi.productVersionMS == (major << 16) | minor
    assert info.ffi.fileVersionLS == info.ffi.productVersionLS == (patch << 16) | build
    table = info.kids[0].kids[0]
    strings = {s.name: s.val for s in table.kids}
    assert strings["ProductVersion"] == strings["FileVersion"] == flagdesk.__version__
    assert strings["OriginalFilename"] == "flagdesk-gui.exe"
    assert flagdesk.__version__.encode("utf-16-le") in info.toRaw()


def test_icon_files_agree_and_carry_every_windows_size() -> None:
    import make_icon
    from PIL import Image

    icons = REPO_ROOT / "resources" / "icons"
    assert (icons / "flagdesk.svg").read_text(encoding="utf-8") == make_icon.svg(), "run packaging/make_icon.py"
    ET.fromstring((icons / "flagdesk.svg").read_text(encoding="utf-8"))
    with Image.open(icons / "flagdesk.png") as png:
        assert png.size == (256, 256)
    with Image.open(icons / "flagdesk.ico") as ico:
        assert {(s, s) for s in (16, 24, 32, 48, 256)} <= ico.info["sizes"]


def _iss_sections() -> dict[str, str]:
    text = (PACKAGING / "installer.iss").read_text(encoding="utf-8")
    parts = re.split(r"^\[(\w+)\]\s*$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_installer_is_per_user_upgrades_in_place_and_never_touches_the_register() -> None:
    sections = _iss_sections()
    setup = sections["Setup"]
    assert re.search(r"^PrivilegesRequired=lowest$", setup, re.MULTILINE)
    assert re.search(r"^AppId=\{\{[0-9A-F-]{36}\}$", setup, re.MULTILINE), "a fixed AppId makes upgrades in place"
    assert "DefaultDirName={autopf}\\FlagDesk" in setup
    assert f'#define GuiExe "{bundle.GUI_NAME}.exe"' in (PACKAGING / "installer.iss").read_text(encoding="utf-8")
    assert '{autoprograms}\\FlagDesk"; Filename: "{app}\\{#GuiExe}"' in sections["Icons"]
    assert not re.search(r"^Uninstallable=no", setup, re.MULTILINE | re.IGNORECASE)
    # The register lives in the user data folder; nothing the installer deletes may point there.
    for name in ("InstallDelete", "UninstallDelete"):
        for line in sections[name].splitlines():
            if line.strip() and not line.lstrip().startswith(";"):
                assert "{app}" in line and "appdata" not in line.lower(), line


def test_smoke_reports_every_step_when_nothing_is_built(tmp_path: Path) -> None:
    results = smoke.run_smoke(tmp_path / "no-build")
    assert [r.name for r in results] == [name for name, _ in smoke.Smoke(tmp_path, tmp_path).steps()]
    by_name = {r.name: r for r in results}
    assert by_name["programs built"].status == "failed"
    assert by_name["--version"].status == "failed"
    assert by_name["opportunities list"].status in {"failed", "skipped"}
    assert all(r.status in {"passed", "failed", "skipped"} and r.seconds >= 0 for r in results)


def test_smoke_fallback_register_is_at_the_first_revision(tmp_path: Path) -> None:
    """Used by the upgrade step when tests/fixtures/register-0001.sqlite is missing."""
    from sqlalchemy import create_engine

    from flagdesk.store.migrate import head_revision, schema_status

    path = tmp_path / "old.sqlite"
    smoke.make_first_revision_register(path)
    engine = create_engine(f"sqlite:///{path}")
    status = schema_status(engine)
    engine.dispose()
    assert status.current == smoke.FIRST_REVISION
    assert status.state == ("current" if head_revision() == smoke.FIRST_REVISION else "older")
    assert smoke.count_rows(path, "contract") == 0


def test_gui_program_shows_a_bad_option_in_a_dialog(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("PySide6")
    import entry_gui

    from flagdesk.ui import errors

    shown: list[BaseException] = []
    monkeypatch.setattr(errors, "report", lambda exc, parent=None: shown.append(exc))
    monkeypatch.setattr(sys, "stderr", sys.stderr)  # entry_gui replaces it; put it back afterwards
    assert entry_gui.main(["--no-such-option"]) == 2
    assert len(shown) == 1 and "--no-such-option" in str(shown[0])


FULL_BUILD = os.environ.get("FLAGDESK_PACKAGING_TEST") == "1"


def test_gui_program_shows_a_bug_in_the_crash_dialog(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("PySide6")
    import entry_gui

    import flagdesk.cli.gui
    from flagdesk.ui import errors

    def broken(*args: Any, **kw: Any) -> int:
        raise RuntimeError("a bug in the window")

    shown: list[BaseException] = []
    monkeypatch.setattr(flagdesk.cli.gui, "run_gui", broken)
    monkeypatch.setattr(errors, "report", lambda exc, parent=None: shown.append(exc))
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    assert entry_gui.main([]) == 1
    assert [str(e) for e in shown] == ["a bug in the window"]


def test_gui_program_falls_back_to_a_native_message_when_qt_fails(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("PySide6")
    if sys.platform == "win32":
        pytest.skip("the fallback is a modal Windows message box there")
    import entry_gui

    from flagdesk.ui import errors

    def qt_broken(exc: BaseException, parent: Any = None) -> None:
        raise ImportError("DLL load failed while importing QtWidgets")

    monkeypatch.setattr(errors, "report", qt_broken)
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    assert entry_gui.main(["--no-such-option"]) == 2
    assert "FlagDesk could not start: flagdesk: unrecognized arguments: --no-such-option" in capfd.readouterr().err


@pytest.mark.skipif(not FULL_BUILD, reason="full build and smoke test: set FLAGDESK_PACKAGING_TEST=1")
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_full_build_passes_the_smoke_test(tmp_path: Path) -> None:
    pytest.importorskip("PyInstaller", reason="the package extra (PyInstaller) is not installed")
    report = tmp_path / "report.json"
    cmd = [sys.executable, str(PACKAGING / "build.py"), "--dist", str(tmp_path / "dist"), "--report", str(report)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT)
    assert report.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    steps = {s["name"]: s for s in json.loads(report.read_text())["steps"]}
    failed = {name: s["detail"] for name, s in steps.items() if s["status"] == "failed"}
    assert not failed
    for name in ("programs built", "bundled data files", "bundle size", "--version", "demo register"):
        assert steps[name]["status"] == "passed", steps[name]
    assert proc.returncode == 0
