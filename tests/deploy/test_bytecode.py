"""The byte code `make package` adds to the deployment zip (scripts/bytecode.py): compiled for the functions' runtime,
used whatever the sources' mtimes are, and refused rather than lost when no interpreter of that version is here.

The zip's tree is the real one (app.py, chalicelib and the runtime dependencies, as scripts/bench_coldstart.py builds
it). The functions' own runtime (python3.13) is not guaranteed on a development machine, so the full check runs
with this interpreter standing in for it (the template names this interpreter's version), and again with the
runtime's interpreter where one is found.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scripts import bench_coldstart, bytecode
from scripts.package_fix import RUNTIME
from tests.deploy.test_template import STAGES, merged

HERE = f"python{sys.version_info.major}.{sys.version_info.minor}"
NOWHERE = "python3.99"  # no interpreter of this version exists
STALE = ("chalicelib/__pycache__/runtime.{tag}.pyc", "chalicelib/domain/__pycache__/model.cpython-39.pyc")

# In the unpacked zip, made read-only with every source's mtime moved away from the zip's 1980 dates: import the
# app, wire the bot and build the first message's clients, failing if any module of the tree is compiled from its
# source rather than read from its byte code.
IMPORT_FROM_BYTECODE = """
import importlib.machinery, os, sys
tree = sys.argv[1]
compiled = []
to_code = importlib.machinery.SourceFileLoader.source_to_code
def spy(self, data, path, *args, **kwargs):
    if str(path).startswith(tree):
        compiled.append(str(path))
    return to_code(self, data, path, *args, **kwargs)
importlib.machinery.SourceFileLoader.source_to_code = spy
sys.path.insert(0, tree)
import app
from chalicelib import runtime
runtime.bot()
import botocore.session
session = botocore.session.get_session()
for service in ("ssm", "dynamodb"):
    session.create_client(service, region_name="ap-northeast-2")
assert not compiled, f"{len(compiled)} modules compiled from source, e.g. {compiled[:3]}"
print(sum(1 for m in list(sys.modules.values()) if (getattr(m, "__file__", None) or "").startswith(tree)))
"""


def package(build: Path, runtime: str, tree_from: str = sys.executable) -> Path:
    """A build folder as `chalice package` and package_fix leave it: sam.json naming ``runtime``, and a zip of the
    app and its dependencies, every entry dated 1980-01-01 as Chalice dates them, with the byte code a working tree's
    ``chalicelib/__pycache__`` holds (Chalice copies it: the developer's interpreter's, here a stale one of the
    runtime's own version too)."""
    tree = build / "tree"
    bench_coldstart.build_tree(tree_from, tree)
    build.mkdir(exist_ok=True)
    function = {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": runtime}}
    template = {"Resources": {"APIHandler": function, "EveryMinute": function}}
    (build / "sam.json").write_text(json.dumps(template), encoding="utf-8")
    with zipfile.ZipFile(build / "deployment.zip", "w") as z:
        for name in STALE:  # among the first entries, as Chalice adds the app's folders before the dependencies
            z.writestr(zipfile.ZipInfo(name.format(tag=bytecode.tag_of(runtime))), b"stale byte code")
        for path in sorted(p for p in tree.rglob("*") if p.is_file()):
            entry = zipfile.ZipInfo(path.relative_to(tree).as_posix())  # date_time: 1980-01-01
            entry.external_attr = 0o100644 << 16
            z.writestr(entry, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    return build / "deployment.zip"


def runtime_python(runtime: str) -> str:
    if runtime == HERE:
        return sys.executable
    found = bytecode.find_python(runtime)
    if found is None:
        pytest.skip(f"no {runtime} on this machine (PATH, pyenv): checked with {HERE} standing in for it")
    return found


@pytest.mark.parametrize("runtime", sorted({HERE, RUNTIME}))
def test_the_zip_carries_byte_code_for_its_runtime_and_imports_from_it(tmp_path: Path, runtime: str) -> None:
    python = runtime_python(runtime)
    tag = bytecode.tag_of(runtime)
    zip_path = package(tmp_path / "build", runtime)
    assert bytecode.main([str(tmp_path / "build"), "--python", python]) == 0

    with zipfile.ZipFile(zip_path) as z:
        names = set(z.namelist())
        sources = sorted(n for n in names if n.endswith(".py"))
        pycs = sorted(n for n in names if n.endswith(".pyc"))
        assert len(sources) > 400 and len(pycs) == len(sources)  # the app's and every dependency's, once each
        assert {bytecode.pyc_name(s, tag) for s in sources} == set(pycs)  # and the working tree's are gone
        assert z.getinfo("__pycache__/app." + tag + ".pyc").date_time == z.getinfo("app.py").date_time
        magic = subprocess.run(
            [python, "-I", "-c", "import importlib.util, sys; sys.stdout.write(importlib.util.MAGIC_NUMBER.hex())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for name in pycs:
            header = z.read(name)[:8]
            assert header[:4].hex() == magic, name
            assert int.from_bytes(header[4:8], "little") == bytecode.UNCHECKED_HASH, name
        z.extractall(tmp_path / "task")

    task = tmp_path / "task"
    later = 2_000_000_000  # 2033: no source has the mtime its zip entry had
    for path in task.rglob("*.py"):
        os.utime(path, (later, later))
    for path in [task, *task.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)  # /var/task is read-only
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_REGION": "ap-northeast-2",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "HJ_TABLE_PREFIX": "haengjeong-test",
        "HJ_SKILL_SECRET_PARAM": "/haengjeong/test/skill-secret",
    }
    try:
        done = subprocess.run(
            [python, "-I", "-B", "-c", IMPORT_FROM_BYTECODE, str(task)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        for path in [task, *task.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)  # so that tmp_path can be removed
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.split()[-1]) > 200  # the app, chalicelib, chalice, pynamodb, botocore: all from byte code


def test_an_interpreter_of_another_version_does_not_count(tmp_path: Path) -> None:
    package_dir = tmp_path / "build"
    package_dir.mkdir()
    (package_dir / "sam.json").write_text(
        json.dumps({"Resources": {"F": {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": NOWHERE}}}})
    )
    with pytest.raises(SystemExit, match=f"is not {NOWHERE}"):
        bytecode.main([str(package_dir), "--python", sys.executable])


def test_without_the_runtimes_python_packaging_stops_and_says_how_to_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    build = tmp_path / "build"
    build.mkdir()
    (build / "sam.json").write_text(
        json.dumps({"Resources": {"F": {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": NOWHERE}}}})
    )
    with zipfile.ZipFile(build / "deployment.zip", "w") as z:
        z.writestr("app.py", "import chalice\n")
        z.writestr("__pycache__/app.cpython-311.pyc", b"the working tree's")
    before = (build / "deployment.zip").read_bytes()
    monkeypatch.delenv("RUNTIME_PYTHON", raising=False)
    with pytest.raises(SystemExit) as refused:
        bytecode.main([str(build)])
    said = str(refused.value)
    assert f"no {NOWHERE} found" in said and "RUNTIME_PYTHON=" in said and "BYTECODE=no" in said
    assert (build / "deployment.zip").read_bytes() == before

    # BYTECODE=no is the explicit way through: the zip as Chalice built it, less the working tree's byte code, and a
    # line saying so.
    assert bytecode.main([str(build), "--no-bytecode"]) == 0
    assert "no byte code" in capsys.readouterr().out
    with zipfile.ZipFile(build / "deployment.zip") as z:
        assert z.namelist() == ["app.py"] and z.read("app.py") == b"import chalice\n"


def test_the_runtime_is_read_from_the_template_package_fix_wrote() -> None:
    assert {bytecode.runtime_of(merged(stage)) for stage in STAGES} == {RUNTIME}
    assert bytecode.tag_of("python3.13") == "cpython-313"
    with pytest.raises(SystemExit, match="one runtime"):
        two = {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": "python3.12"}}
        bytecode.runtime_of({"Resources": {"A": two, "B": {**two, "Properties": {"Runtime": "python3.13"}}}})


def test_the_interpreter_is_found_past_a_stub_that_does_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pyenv shim on PATH for a version that is not selected fails when run; pyenv's newest version is taken."""
    stubs = tmp_path / "bin"
    stubs.mkdir()
    (stubs / HERE).write_text("#!/bin/sh\nexit 127\n")
    (stubs / HERE).chmod(0o755)
    version = HERE.removeprefix("python")
    for patch in ("2", "10"):
        bin_dir = tmp_path / "pyenv" / "versions" / f"{version}.{patch}" / "bin"
        bin_dir.mkdir(parents=True)
        (bin_dir / HERE).symlink_to(sys.executable)
    (tmp_path / "pyenv" / "versions" / f"{version}.3-dev").mkdir()  # not a release: passed over
    monkeypatch.setenv("PATH", str(stubs))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    assert bytecode.find_python(HERE) == str(tmp_path / "pyenv" / "versions" / f"{version}.10" / "bin" / HERE)
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "nothing"))
    assert bytecode.find_python(HERE) is None
