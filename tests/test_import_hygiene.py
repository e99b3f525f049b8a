"""The engine never loads the UI: importing every engine module loads no textual, rich or explorer."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import engine

FORBIDDEN = ("textual", "rich", "explorer")


def engine_modules() -> list[str]:
    names = ["engine"]
    for info in pkgutil.walk_packages(engine.__path__, prefix="engine."):
        names.append(info.name)
    return names


def test_engine_has_modules():
    assert "engine.errors" in engine_modules()


def test_engine_never_imports_ui():
    code = (
        "import importlib, json, sys\n"
        f"for name in {engine_modules()!r}:\n"
        "    if name.endswith('__main__'): continue\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_cli_help_does_not_import_torch():
    code = (
        "import sys\n"
        "from explorer.cli import build_parser\n"
        "build_parser()\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_jobs_and_events_import_neither_textual_nor_torch():
    """A child process imports a job module (explorer.jobs.train) before its job comes: no Textual there;
    the screens import the events modules and the kinds table at start-up and build the engine's
    configs on the UI thread: no torch, no numba."""
    code = (
        "import importlib, json, pkgutil, sys\n"
        "import explorer.jobs\n"
        "names = ['explorer.jobs.' + m.name for m in pkgutil.iter_modules(explorer.jobs.__path__)]\n"
        "names += ['explorer.child_runs', 'explorer.progress', 'explorer.fields', 'engine.events',\n"
        "          'engine.embeddings.events', 'engine.gradients.events', 'engine.gradients.configs',\n"
        "          'engine.recurrent.kinds', 'engine.training', 'engine.smoothing']\n"
        "for name in names: importlib.import_module(name)\n"
        "from engine.embeddings.w2v_config import Word2VecConfig\n"
        "from engine.embeddings.glove_config import GloveConfig\n"
        "from engine.tasks.config import TaskConfig\n"
        "Word2VecConfig(dim=8, negatives='per-pair', watch=('king',)); GloveConfig(dim=8, watch=('king',))\n"
        "TaskConfig(task='ner', bidirectional=True)  # screens build (and validate) these on the UI thread\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'torch', 'numba'})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_widgets_hold_only_widgets():
    """Every module of explorer/widgets defines a Textual Widget, and of the engine imports only what is
    plain data (the kinds table, the error type, TrainConfig's defaults): no ML, no jobs."""
    import ast
    import pathlib

    folder = pathlib.Path(__file__).resolve().parents[1] / "explorer" / "widgets"
    for path in sorted(folder.glob("*.py")):
        if path.name == "__init__.py" or path.name == "colormap.py":  # colormap: the widgets' colours
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(n) for block in tree.body if isinstance(block, ast.If)
                       and getattr(block.test, "id", "") == "TYPE_CHECKING" for n in ast.walk(block)}
        imported = {n.module for n in ast.walk(tree)
                    if isinstance(n, ast.ImportFrom) and n.module and id(n) not in typing_only}
        allowed = {"engine.errors", "engine.recurrent", "engine.recurrent.kinds", "engine.training"}
        assert all(not m.startswith(("engine", "explorer.jobs")) or m in allowed for m in imported), (path.name, imported)
        bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for n in ast.walk(tree)
                 if isinstance(n, ast.ClassDef) for b in n.bases}
        assert bases & {"Widget", "Static", "VerticalScroll"}, f"{path.name} defines no widget"
