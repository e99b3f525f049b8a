"""The fuzz run itself, in a child process under a memory limit (see tests/cli/test_fuzz_hardening.py).

    python tests/cli/_fuzz_child.py flags|checkpoints N [SEED]

Each case calls the command line in this process (torch is imported once) and must end in exit 0 or
exactly one line ``seq-explorer: error: ...`` — never "internal error", never a traceback — within
:data:`CASE_SECONDS`; afterwards the run folder a training case pointed at, and the pristine
checkpoint, must still load. Hypothesis runs derandomized (``SEED`` picks another fixed sequence),
so a failure is reproducible and is printed as the falsifying example. Memory is bounded by the
parent (``RLIMIT_DATA``) and checked there.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import shutil
import signal
import struct
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CASE_SECONDS = 60


class CaseTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise CaseTimeout(f"a case ran longer than {CASE_SECONDS} s")


def cli(argv: list[str]) -> tuple[int, str, str]:
    """``seq-explorer argv`` in this process: (exit status, stdout, stderr)."""
    from explorer.cli import main

    out, err = io.StringIO(), io.StringIO()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_SECONDS)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(argv)
            except SystemExit as exc:  # argparse
                rc = exc.code if isinstance(exc.code, int) else 1
    finally:
        signal.alarm(0)
    return rc, out.getvalue(), err.getvalue()


def check_outcome(argv: list[str], rc: int, err: str, out: str = "") -> None:
    assert "Traceback" not in err, (argv, err)
    assert "internal error" not in err, (argv, err)
    if rc == 1 and "--json" in argv and '"reason": "diverged"' in out:
        return  # a run that diverged: exit 1, its advice in the JSON result
    if rc != 0:
        lines = [line for line in err.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("seq-explorer: error: ")]
        assert rc == 1 and len(errors) == 1 and lines[-1] == errors[0], (argv, rc, err)


def loads(path: Path, which: str = "last") -> None:
    from engine.lm import load_language_model

    load_language_model(path, which=which)


# ----------------------------------------------------------------------------- numeric flags


FLOATS_BAD = [float("nan"), float("inf"), float("-inf"), -1.0, 0.0, 1e-320, 1e308, -1e308]
INTS_HUGE = [-(2**63), -1, 0, 2**31, 2**32, 2**63, 10**30]

# flag: (values that must work, values that must be refused or survived); valid values stay small so
# that a case runs in a moment (a huge *valid* --steps or --n would only take long, by design).
TRAIN_FLAGS = {
    "--hidden": ([1, 4, 8], INTS_HUGE + [16_385, 20_000, 8000]),
    "--layers": ([1, 2], INTS_HUGE + [65, 1_000_000]),
    "--embedding-dim": ([1, 4], INTS_HUGE + [16_385]),
    "--steps": ([1, 2, 3], [-5, 0]),
    "--batch-size": ([1, 8, 32], INTS_HUGE + [10**5, 10**7]),
    "--seq-len": ([2, 5, 64], INTS_HUGE + [1, 10**7]),
    "--lr": ([0.01, 0.5, 1e4], FLOATS_BAD + [1e300, 1e4 * 1.01]),
    "--dropout": ([0.0, 0.5], FLOATS_BAD + [1.0]),
    "--seed": ([0, 7, 2**32 - 1], INTS_HUGE),
    "--threads": ([1, 2], INTS_HUGE + [257, 100_000]),
    "--min-count": ([1, 2], INTS_HUGE + [10**9]),
    "--max-vocab": ([3, 10**6], INTS_HUGE),
    "--eval-every": ([1, 2], INTS_HUGE[:3]),
    "--sample-every": ([0, 1], [-1]),
    "--checkpoint-every": ([1, 2], INTS_HUGE[:3]),
    "--clip-value": ([1.0, 5.0], FLOATS_BAD),
    "--cell": (["lstm", "gru", "rnn", "gru-course", "lstm-peephole", "gru-simple"], []),
    "--input": (["one-hot", "embedding"], []),
    "--level": (["char", "word"], []),
    "--sequence": (["auto", "line", "stream"], []),
    "--encoding": (["utf-8", "utf-16", "latin-1"], ["rot13", "no-such-codec"]),
}
SAMPLE_FLAGS = {
    "--n": ([1, 3, 300], [-1, 0]),
    "--temperature": ([0.0, 0.5, 1.0, 1e-45, 1e308], FLOATS_BAD),
    "--top-k": ([1, 3, 10**9], [-1, 0]),
    "--max-len": ([1, 20], [-1, 0, 10**7, 2**63]),
    "--seed": ([0, 2**32 - 1], INTS_HUGE),
}


@st.composite
def flag_values(draw, flags: dict) -> dict:
    """Some flags set to values that must work, and at most one (often) to a bad one."""
    chosen = {flag: draw(st.sampled_from(valid)) for flag, (valid, _) in flags.items() if draw(st.booleans())}
    bad = [flag for flag, (_, invalid) in flags.items() if invalid]
    if draw(st.booleans()):
        flag = draw(st.sampled_from(bad))
        chosen[flag] = draw(st.sampled_from(flags[flag][1]))
    return chosen


def _argv(chosen: dict) -> list[str]:
    argv = []
    for flag, value in chosen.items():  # --flag=value: argparse would read "-inf" or "-1e308" as an option
        if value is not None:
            argv.append(f"{flag}={repr(value) if isinstance(value, float) and math.isfinite(value) else value}")
    return argv


@st.composite
def command(draw, run: Path):
    kind = draw(st.sampled_from(["train", "train", "resume", "sample", "score", "gates"]))
    if kind in ("train", "resume"):
        chosen = {"--steps": 2, "--batch-size": 8, "--sample-every": 0, "--eval-every": 1, **draw(flag_values(TRAIN_FLAGS))}
        argv = ["train", "lm", "--data", "dinos", "--device", "cpu", "--json", "--out", str(run)] + _argv(chosen)
        argv += ["--resume", str(run)] if kind == "resume" else (["--overwrite"] if draw(st.booleans()) else [])
        return argv
    which = ["--which", draw(st.sampled_from(["best", "last"]))]
    if kind == "sample":
        device = ["--device", draw(st.sampled_from(["cpu", "auto", "cuda"]))]
        return ["sample", str(run), *device, *which, *_argv(draw(flag_values(SAMPLE_FLAGS))),
                *(["--json"] if draw(st.booleans()) else [])]
    text = draw(st.text(max_size=30))
    if kind == "score":  # after "--": a text such as "-:" is not an option
        return ["score", str(run), "--json", *which, "--", text]
    layer = draw(st.one_of(st.none(), st.sampled_from([-1, 0, 1, 2, 10**9])))
    return ["gates", str(run), f"--text={text}", "--json", *which, *([f"--layer={layer}"] if layer is not None else [])]


def fuzz_flags(n: int, seed_value: int, work: Path) -> None:
    run = work / "run"
    rc, _, err = cli(["train", "lm", "--data", "dinos", "--hidden", "8", "--steps", "4", "--eval-every", "2", "--batch-size", "8",
                      "--sample-every", "0", "--device", "cpu", "--out", str(run), "--json"])
    assert rc == 0, err

    @seed(seed_value)
    @settings(max_examples=n, deadline=None, database=None, print_blob=True, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def case(data):
        argv = data.draw(command(run))
        rc, out, err = cli(argv)
        if os.environ.get("FUZZ_VERBOSE"):
            print(rc, " ".join(argv[:2]), err.strip().splitlines()[-1][:140] if err.strip() else "", file=sys.__stderr__, flush=True)
        check_outcome(argv, rc, err, out)
        loads(run)  # whatever happened, the run folder holds a whole checkpoint
        loads(run, "best")

    case()


# ----------------------------------------------------------------------------- mutated checkpoints


def _regular(path: Path) -> Path:
    """``path`` when it is a regular file (not a FIFO, device or link, which the harness must not read)."""
    if path.is_symlink() or not path.is_file() or path.stat().st_size > 1 << 24:
        raise ValueError(f"{path} is not a regular file of modest size")
    return path


def _manifest(folder: Path) -> dict:
    return json.loads(_regular(folder / "config.json").read_text())


def _files(folder: Path) -> list[Path]:
    """Regular files only (never through a symlink: a mutation must not touch what a link points to)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink() and not p.name.startswith(".")
                  and not any(q.is_symlink() for q in p.relative_to(folder).parents if q != Path(".")))


def _rewrite_tensors(folder: Path, fn) -> None:
    """Change the model tensors with ``fn(dict) -> dict`` and keep the manifest consistent with them,
    so that what refuses the result is the check of its content, not the checksum."""
    import hashlib

    import torch  # noqa: F401
    from safetensors.torch import save as st_save

    from engine.safe_files import decode_safetensors, safetensors_header

    meta = _manifest(folder)
    entry = meta["files"]["model"]
    raw = _regular(folder / entry["name"]).read_bytes()
    tensors = fn(decode_safetensors(raw, safetensors_header(raw)))
    data = tensors if isinstance(tensors, bytes) else st_save(tensors)
    sha = hashlib.sha256(data).hexdigest()
    name = f"model-{sha[:16]}.safetensors"
    target = folder / name
    if target.exists() or target.is_symlink():
        _regular(target)
    target.write_bytes(data)
    meta["files"]["model"] = {"name": name, "sha256": sha, "bytes": len(data)}
    _regular(folder / "config.json").write_text(json.dumps(meta))


def _huge_header(_tensors) -> bytes:
    header = json.dumps({"rnn.weight_hh_l0": {"dtype": "F32", "shape": [80000, 20000], "data_offsets": [0, 6_400_000_000]}}).encode()
    return struct.pack("<Q", len(header)) + header + b"\0" * 64


JSON_PATHS = [("config", "model", "hidden"), ("config", "model", "layers"), ("config", "model", "vocab_size"),
              ("config", "model", "cell"), ("config", "model", "input"), ("config", "model", "embedding_dim"),
              ("config", "model", "dropout"), ("config", "model"), ("config",), ("vocab", "tokens"), ("vocab", "level"),
              ("vocab", "counts"), ("vocab",), ("files", "model", "name"), ("files", "model", "bytes"),
              ("files", "model", "sha256"), ("files",), ("format_version",), ("model_kind",), ("config", "case_mode"),
              ("config", "split_seed"), ("config", "val_fraction"), ("config", "data"), ("config", "sequence_mode"),
              ("training", "step"), ("training", "ema"), ("best", "val_loss")]
JSON_VALUES = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 3, 50, 20_000, 1_000_000, 10**9, 10**30, 2**63, 1.5, 1e308, "",
                     "50", "lstm", "one-hot", "../../../etc/passwd", "model.safetensors", "/dev/zero", [], {}, [1, 2],
                     {"name": "x"}, ["<eos>", "<unk>", "a"], ["a"] * 5, json.loads("[" * 20 + "1" + "]" * 20)]),
    st.integers(), st.text(max_size=8),
)


@st.composite
def mutation(draw):
    kind = draw(st.sampled_from(["truncate", "flip", "swap", "symlink", "fifo", "dir", "json", "json", "dtype", "nan",
                                 "huge-header", "deep", "sparse-huge"]))
    return kind, draw(st.integers(0, 10**6)), draw(st.integers(0, 10**6)), draw(st.sampled_from(JSON_PATHS)), draw(JSON_VALUES)


def _set(meta, path, value):
    node = meta
    for key in path[:-1]:
        if not isinstance(node.get(key) if isinstance(node, dict) else None, dict):
            return
        node = node[key]
    if isinstance(node, dict):
        node[path[-1]] = value


def apply(folder: Path, m, outside: Path) -> None:
    kind, a, b, json_path, value = m
    best = folder / "best"
    where = best if (a % 3 == 0 and best.is_dir() and not best.is_symlink()) else folder
    files = [f for f in _files(where) if f.parent == where and f.stat().st_size < 1 << 24]  # not a sparse giant
    if not files:
        return
    target = files[a % len(files)]
    try:
        _apply(kind, a, b, json_path, value, where, files, target, outside)
    except (ValueError, KeyError, TypeError, OSError, AttributeError, IndexError, RecursionError):
        pass  # an earlier mutation broke what this one needs (the manifest, the tensors): skip it


def _apply(kind, a, b, json_path, value, where, files, target, outside) -> None:
    import torch

    if kind == "truncate":
        data = target.read_bytes()
        target.write_bytes(data[: b % (len(data) + 1)])
    elif kind == "flip":
        data = bytearray(target.read_bytes())
        if data:
            data[b % len(data)] ^= 1 << (a % 8)
            target.write_bytes(bytes(data))
    elif kind == "swap":
        other = files[b % len(files)]
        if other == target:
            return
        tmp = target.with_name(".swap")
        target.rename(tmp)
        other.rename(target)
        tmp.rename(other)
    elif kind in ("symlink", "fifo", "dir"):
        target.unlink()
        if kind == "fifo":
            os.mkfifo(target)
        elif kind == "dir":
            target.mkdir()
        else:
            dest = ["/dev/zero", "/dev/urandom", str(outside), str(files[b % len(files)]), "no-such-file"][b % 5]
            os.symlink(dest, target)
    elif kind == "json":
        meta = _manifest(where)
        _set(meta, json_path, value)
        _regular(where / "config.json").write_text(json.dumps(meta))
    elif kind == "deep":
        _regular(where / "config.json").write_text("[" * (a % 200_000 + 1) + "]" * (a % 200_000 + 1))
    elif kind == "sparse-huge":
        if (where / "config.json") in files:
            os.truncate(where / "config.json", 1 << 34)  # a 16 GiB sparse file: refused by size, not read
    elif kind == "dtype":
        dtype = [torch.int8, torch.bool, torch.uint8, torch.int64, torch.float16, torch.bfloat16, torch.float64][b % 7]
        _rewrite_tensors(where, lambda t: {k: v.to(dtype) for k, v in t.items()})
    elif kind == "nan":
        def poison(t):
            name = sorted(t)[b % len(t)]
            flat = t[name].clone().reshape(-1)
            flat[a % flat.numel()] = [float("nan"), float("inf"), float("-inf")][b % 3]
            t[name] = flat.reshape(t[name].shape)
            return t
        _rewrite_tensors(where, poison)
    elif kind == "huge-header":
        _rewrite_tensors(where, _huge_header)


def fuzz_checkpoints(n: int, seed_value: int, work: Path) -> None:
    pristine = work / "pristine"
    rc, _, err = cli(["train", "lm", "--data", "dinos", "--hidden", "8", "--steps", "4", "--eval-every", "2", "--batch-size", "8",
                      "--sample-every", "0", "--device", "cpu", "--out", str(pristine), "--json"])
    assert rc == 0, err
    outside = work / "outside.txt"
    outside.write_text("not yours")
    counter = [0]

    @seed(seed_value)
    @settings(max_examples=n, deadline=None, database=None, print_blob=True, suppress_health_check=list(HealthCheck))
    @given(st.lists(mutation(), min_size=1, max_size=3), st.sampled_from(["score", "sample", "gates", "resume"]),
           st.sampled_from(["best", "last"]))
    def case(mutations, what, which):
        counter[0] += 1
        folder = work / f"case{counter[0]}"
        shutil.copytree(pristine, folder, symlinks=True)
        for m in mutations:
            apply(folder, m, outside)
        if os.environ.get("FUZZ_VERBOSE"):
            print(counter[0], what, which, [m[:2] + m[3:] for m in mutations], file=sys.__stderr__, flush=True)
        if what == "score":
            argv = ["score", str(folder), "ab", "--json", "--which", which]
        elif what == "sample":
            argv = ["sample", str(folder), "--n", "2", "--seed", "0", "--which", which]
        elif what == "gates":
            argv = ["gates", str(folder), "--text", "ab", "--json", "--which", which]
        else:
            argv = ["train", "lm", "--data", "dinos", "--hidden", "8", "--steps", "6", "--batch-size", "8", "--eval-every", "3",
                    "--sample-every", "0", "--device", "cpu", "--resume", str(folder), "--json"]
        rc, out, err = cli(argv)
        check_outcome(argv, rc, err, out)
        if what == "resume" and rc == 0:
            loads(folder)  # a resumed run leaves a whole checkpoint behind
        loads(pristine)
        shutil.rmtree(folder, ignore_errors=True)

    case()


def main() -> int:
    what, n = sys.argv[1], int(sys.argv[2])
    seed_value = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    import torch

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory(prefix="seq-explorer-fuzz-") as tmp:
        {"flags": fuzz_flags, "checkpoints": fuzz_checkpoints}[what](n, seed_value, Path(tmp))
    print(f"{what}: {n} cases passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
