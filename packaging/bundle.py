"""What goes into the frozen FlagDesk: data files, hidden imports, exclusions and version info.

Plain Python with no PyInstaller import at module level, so `flagdesk.spec` and
`tests/test_packaging.py` share one answer. Everything is computed from the source tree at build
time, so a new command module, migration or resource is bundled without editing the spec.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
APP_NAME = "FlagDesk"
CLI_NAME = "flagdesk"  # console program: the command line (and the GUI when run without arguments)
GUI_NAME = "flagdesk-gui"  # windowed program: what the Start menu opens; no console window on Windows
ICON_BASENAME = "resources/icons/flagdesk"

# Loaded by name at run time (importlib, Alembic, SQLAlchemy URLs), so import analysis cannot see them.
CODE_PACKAGES = ("flagdesk", "importers", "db", "resources")
# Files the program opens from disk next to its modules: resources.RESOURCES_DIR and db.MIGRATIONS_DIR.
DATA_PACKAGES = ("resources", "db")
DATA_SKIP_PARTS = {"__pycache__"}
DATA_SKIP_SUFFIXES = {".pyc", ".pyo"}
EXTRA_HIDDEN_IMPORTS = (
    # SQLAlchemy resolves dialects from the URL string.
    "sqlalchemy.dialects.sqlite.pysqlite",
    "sqlalchemy.dialects.postgresql.psycopg",
    # psycopg picks its compiled implementation with a dynamic import.
    "psycopg_binary",
)

# Qt modules a register, tables, dialogs and painted charts never need. Any module the UI does
# import is dropped from this list by qt_excludes(), so the list can only be too short, never wrong.
UNUSED_QT_MODULES = (
    "Qt3DAnimation", "Qt3DCore", "Qt3DExtras", "Qt3DInput", "Qt3DLogic", "Qt3DRender",
    "QtAxContainer", "QtBluetooth", "QtCharts", "QtConcurrent", "QtDataVisualization", "QtDBus",
    "QtDesigner", "QtGraphs", "QtGraphsWidgets", "QtHelp", "QtHttpServer", "QtLabsStyleKit", "QtLocation",
    "QtMultimedia", "QtMultimediaWidgets", "QtNetwork", "QtNetworkAuth", "QtNfc", "QtOpenGL", "QtOpenGLWidgets",
    "QtPdf", "QtPdfWidgets", "QtPositioning", "QtQml", "QtQmlFeatures", "QtQuick", "QtQuick3D",
    "QtQuickControls2", "QtQuickTest", "QtQuickWidgets", "QtRemoteObjects", "QtScxml", "QtSensors",
    "QtSerialBus", "QtSerialPort", "QtSpatialAudio", "QtSql", "QtStateMachine", "QtTest",
    "QtTextToSpeech", "QtUiTools", "QtWebChannel", "QtWebEngineCore", "QtWebEngineQuick",
    "QtWebEngineWidgets", "QtWebSockets", "QtWebView", "QtXml",
)  # fmt: skip
# Bundled files we drop: Qt's own translations (FlagDesk installs no QTranslator; it speaks UK English).
DROPPED_DATA_PREFIXES = ("PySide6/Qt/translations/",)
# Development and benchmark tools installed next to FlagDesk. As with Qt, any of them our code
# does import is kept (python_excludes()).
UNUSED_PYTHON_MODULES = (
    "tkinter", "_tkinter", "pandas", "matplotlib", "IPython", "pytest", "_pytest", "pytestqt",
    "hypothesis", "jsonschema", "pypdf", "ruff", "PyInstaller", "setuptools", "pip",
)  # fmt: skip


def _package_files(package: str) -> Iterator[Path]:
    for path in sorted((REPO_ROOT / package).rglob("*")):
        if path.is_file() and not DATA_SKIP_PARTS & set(path.parts) and path.suffix not in DATA_SKIP_SUFFIXES:
            yield path


def data_files() -> list[tuple[str, str]]:
    """(source file, destination folder) pairs in PyInstaller's `datas` form.

    The .py files of db/ go in as files as well as modules: Alembic reads env.py and the revisions
    from db.MIGRATIONS_DIR on disk, it does not import them.
    """
    pairs = []
    for package in DATA_PACKAGES:
        for path in _package_files(package):
            pairs.append((str(path), path.parent.relative_to(REPO_ROOT).as_posix()))
    return pairs


def keep_collected(dest: str) -> bool:
    """Filter for what PyInstaller's hooks collected (destination paths inside _internal/)."""
    return not dest.replace("\\", "/").startswith(DROPPED_DATA_PREFIXES)


TocEntry = tuple[str, str, str]  # PyInstaller's (destination, source, kind)


def strip_interpreter_debug_info(binaries: list[TocEntry], workdir: str | Path) -> list[TocEntry]:
    """Swap the interpreter's own Linux libraries for copies without debug sections.

    A locally built Python carries debug information (libpython 23 MB, 6 MB without; lib-dynload
    12 MB, 5 MB without). Only files of the Python installation are touched: wheel libraries are patched by
    auditwheel and break when stripped (numpy's OpenBLAS then fails to load). Windows and macOS
    binaries are left as they are (stripping would also invalidate signatures).
    """
    strip = shutil.which("strip")
    if not sys.platform.startswith("linux") or strip is None:
        return binaries
    python_home = Path(sys.base_prefix).resolve()
    out_dir = Path(workdir) / "stripped"
    result = []
    for dest, src, kind in binaries:
        source = Path(src).resolve()
        from_python = source.is_relative_to(python_home) and "site-packages" not in source.parts
        if kind in {"BINARY", "EXTENSION"} and from_python:
            target = out_dir / dest
            if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
                target.parent.mkdir(parents=True, exist_ok=True)
                subprocess.run([strip, "--strip-debug", "-o", str(target), str(source)], check=True)
            src = str(target)
        result.append((dest, src, kind))
    return result


def module_name(path: Path) -> str | None:
    """Dotted module name of a source file, or None if it is not importable by name."""
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) if all(p.isidentifier() for p in parts) else None


def _imports_of(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def hidden_imports() -> list[str]:
    """Every module of our packages, plus what the migration scripts import (Alembic loads them from files)."""
    names: set[str] = set(EXTRA_HIDDEN_IMPORTS)
    for package in CODE_PACKAGES:
        for path in (REPO_ROOT / package).rglob("*.py"):
            name = module_name(path)
            if name:
                names.add(name)
            else:  # e.g. db/versions/0001_initial_register.py
                names.update(n for n in _imports_of(path) if n != "__future__")
    return sorted(names)


def qt_modules_used(folder: Path | None = None) -> set[str]:
    """The PySide6 modules the desktop client imports, e.g. {"QtCore", "QtWidgets"}."""
    used = set()
    for path in (folder or REPO_ROOT / "flagdesk" / "ui").rglob("*.py"):
        for name in _imports_of(path):
            if name.startswith("PySide6."):
                used.add(name.split(".")[1])
    return used


def qt_excludes(used: Iterable[str] | None = None) -> list[str]:
    keep = set(qt_modules_used() if used is None else used)
    return [f"PySide6.{m}" for m in UNUSED_QT_MODULES if m not in keep]


def top_level_imports() -> set[str]:
    """First names of every module our packages import, e.g. {"sqlalchemy", "numpy"}."""
    names = set()
    for package in CODE_PACKAGES:
        for path in (REPO_ROOT / package).rglob("*.py"):
            names.update(name.split(".")[0] for name in _imports_of(path))
    return names


def python_excludes(used: Iterable[str] | None = None) -> list[str]:
    keep = set(top_level_imports() if used is None else used)
    return [m for m in UNUSED_PYTHON_MODULES if m not in keep]


def excludes() -> list[str]:
    return [*python_excludes(), *qt_excludes()]


def package_version() -> str:
    """flagdesk.__version__, read without importing flagdesk (the spec runs in PyInstaller's process)."""
    text = (REPO_ROOT / "flagdesk" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.MULTILINE)
    if not match:
        raise RuntimeError("flagdesk/__init__.py has no __version__")
    return match.group(1)


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """Windows wants four 16-bit numbers: '1.2.3' -> (1, 2, 3, 0); '1.2.0rc1' -> (1, 2, 0, 0)."""
    numbers = [int(n) for n in re.findall(r"\d+", version.split("+")[0])[:3]]
    if not numbers:
        raise ValueError(f"not a version number: {version!r}")
    if any(n > 0xFFFF for n in numbers):
        raise ValueError(f"a Windows version number part must be at most 65535: {version!r}")
    return (*numbers, 0, 0, 0, 0)[:4]  # type: ignore[return-value]


def version_strings(version: str) -> dict[str, str]:
    """The StringFileInfo entries Windows shows in the file's Properties > Details."""
    return {
        "CompanyName": "FlagDesk developers",
        "FileDescription": "FlagDesk: joint ICT commissioning register",
        "FileVersion": version,
        "InternalName": CLI_NAME,
        "LegalCopyright": "MIT licence. Reference data: see resources/LICENCES.txt",
        "OriginalFilename": f"{CLI_NAME}.exe",
        "ProductName": APP_NAME,
        "ProductVersion": version,
    }


def version_file_text(version: str | None = None, exe_name: str = CLI_NAME) -> str:
    """Windows version information for one program, in PyInstaller's version-file format."""
    version = version or package_version()
    numbers = version_tuple(version)
    strings = version_strings(version) | {"InternalName": exe_name, "OriginalFilename": f"{exe_name}.exe"}
    string_structs = ",\n".join(f"          StringStruct({k!r}, {v!r})" for k, v in strings.items())
    # 040904B0 = US English, Unicode: the language pair every Windows shell reads.
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={numbers}, prodvers={numbers}, mask=0x3F, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
{string_structs}
    ])]),
    VarFileInfo([VarStruct('Translation', [0x0409, 1200])])
  ]
)
"""


def write_version_file(folder: str | Path, exe_name: str) -> str:
    """Write the version file PyInstaller's EXE(version=...) reads; returns its path."""
    path = Path(folder) / f"version-{exe_name}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(version_file_text(exe_name=exe_name), encoding="utf-8")
    return str(path)


def icon_file() -> str | None:
    """The .ico for Windows executables; other platforms' executables carry no icon."""
    return str(REPO_ROOT / (ICON_BASENAME + ".ico")) if sys.platform == "win32" else None
