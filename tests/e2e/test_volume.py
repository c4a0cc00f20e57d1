"""The notebook volume backup/restore scripts and names (no AWS here; see
test_emulator_notebooks.py for the scripts played end to end in the emulator)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from sagewarden.remediation.volume import (
    CONTROL_DIR,
    VOLUME,
    backup_manifest_key,
    backup_script,
    lifecycle_name,
    locate,
    parse_marker,
    restore_manifest_key,
    restore_script,
)

LCC_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")

HOSTILE = [
    "it's",
    'say "hi"',
    "a b  c",
    "$(touch /tmp/sagewarden-pwned)",
    "`touch /tmp/sagewarden-pwned`",
    "x; rm -rf /; '",
    "new\nline",
    "SAGEWARDEN_EOF",
    "back\\slash $HOME ${X} !! *",
]

needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def bash_syntax_ok(script: str) -> None:
    checked = subprocess.run(
        ["bash", "-n"], input=script, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("s3://bucket", ("bucket", "nb/")),
        ("s3://bucket/", ("bucket", "nb/")),
        ("s3://bucket/some/prefix", ("bucket", "some/prefix/nb/")),
        ("s3://bucket/some/prefix/", ("bucket", "some/prefix/nb/")),
        ("s3://my.bucket-1/p", ("my.bucket-1", "p/nb/")),
    ],
)
def test_locate(uri: str, expected: tuple[str, str]) -> None:
    assert locate(uri, "nb") == expected


@pytest.mark.parametrize(
    "uri", ["", "bucket/prefix", "s3://", "s3:///prefix", "https://bucket/x", "s3://a b/p"]
)
def test_locate_refuses_bad_uris(uri: str) -> None:
    with pytest.raises(ValueError):
        locate(uri, "nb")


def test_locate_refuses_bad_notebook_names() -> None:
    for name in ("", "-nb", "nb/x", "x" * 64):
        with pytest.raises(ValueError):
            locate("s3://bucket/p", name)


def test_manifest_keys_live_in_the_control_dir() -> None:
    assert backup_manifest_key("p/nb/") == "p/nb/_sagewarden/backup-manifest.json"
    assert restore_manifest_key("p/nb/", "nb2") == "p/nb/_sagewarden/restore-nb2.json"
    assert backup_manifest_key("p/nb/").startswith("p/nb/" + CONTROL_DIR)


def test_lifecycle_names_are_valid_short_and_distinct() -> None:
    assert lifecycle_name("backup", "nb") == "sw-backup-nb"
    assert lifecycle_name("restore", "nb") == "sw-restore-nb"
    names = set()
    notebooks = ["nb", "a--b", "x" * 63, "x" * 62 + "y", "x" * 50 + "-" + "z" * 12, "x" * 52]
    for kind in ("backup", "restore"):
        for notebook in notebooks:
            name = lifecycle_name(kind, notebook)
            assert len(name) <= 63
            assert LCC_NAME.match(name), name
            assert name == lifecycle_name(kind, notebook)  # deterministic
            names.add(name)
    assert len(names) == 2 * len(notebooks)
    with pytest.raises(ValueError):
        lifecycle_name("delete", "nb")


def test_markers_round_trip() -> None:
    assert parse_marker(backup_script("bucket", "p/nb/")) == {
        "action": "backup",
        "bucket": "bucket",
        "prefix": "p/nb/",
    }
    assert parse_marker(restore_script("bucket", "p/nb/", "nb2")) == {
        "action": "restore",
        "bucket": "bucket",
        "prefix": "p/nb/",
        "notebook": "nb2",
    }
    for value in HOSTILE:
        marker = parse_marker(restore_script(value, value, "nb2"))
        assert marker is not None
        assert (marker["bucket"], marker["prefix"]) == (value, value)


def test_other_scripts_have_no_marker() -> None:
    assert parse_marker("") is None
    assert parse_marker("#!/bin/bash\necho hi\n") is None
    assert parse_marker("#!/bin/bash\n# sagewarden-volume: not json\n") is None
    assert parse_marker('#!/bin/bash\n# sagewarden-volume: {"action": "format"}\n') is None
    restore_without_notebook = (
        '#!/bin/bash\n# sagewarden-volume: {"action": "restore", "bucket": "b", "prefix": "p/"}\n'
    )
    assert parse_marker(restore_without_notebook) is None


def test_scripts_say_what_they_do() -> None:
    backup = backup_script("bucket", "p/nb/")
    assert backup.startswith("#!/bin/bash\n# sagewarden-volume: ")
    assert "nohup bash -c" in backup
    assert "aws s3 sync" in backup and '--exclude "_sagewarden/*"' in backup
    assert VOLUME in backup
    assert "export MANIFEST=p/nb/_sagewarden/backup-manifest.json" in backup
    assert "find" in backup and "wc -l" in backup and "--metadata" in backup
    restore = restore_script("bucket", "p/nb/", "nb2")
    assert "chown -R ec2-user:ec2-user" in restore
    assert "export MANIFEST=p/nb/_sagewarden/restore-nb2.json" in restore


@needs_bash
def test_scripts_are_valid_bash() -> None:
    bash_syntax_ok(backup_script("bucket", "p/nb/"))
    bash_syntax_ok(restore_script("bucket", "p/nb/", "nb2"))


@needs_bash
@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_stay_quoted(value: str) -> None:
    for script in (backup_script(value, value), restore_script(value, value, "nb2")):
        bash_syntax_ok(script)
        assigned = [
            line
            for line in script.splitlines()
            if line.startswith(("export BUCKET=", "export PREFIX="))
        ]
        if "\n" not in value:  # a quoted newline spans two lines; checked by bash below
            assert len(assigned) == 2
            for line in assigned:
                assert shlex.split(line.split("=", 1)[1]) == [value]
    # What bash itself makes of the assignments: the value, literally, nothing run.
    script = backup_script(value, value)
    head = script.split("nohup", 1)[0]  # the assignments only, not the background copy
    shown = subprocess.run(
        ["bash", "-c", head + 'printf "%s\\0%s" "$BUCKET" "$PREFIX"'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout == f"{value}\0{value}"


def _worker(script: str) -> str:
    """The background part of a script: the command nohup runs."""
    words = shlex.split(script[script.index("\nnohup ") : script.rindex("\nexit 0")])
    assert words[:3] == ["nohup", "bash", "-c"] and words[-1] == "&"
    return words[3]


@needs_bash
@pytest.mark.parametrize("action", ["backup", "restore"])
def test_the_worker_counts_the_volume_and_uploads_the_manifest(tmp_path: Path, action: str) -> None:
    """Run the real background worker with a fake `aws` and `chown` on PATH."""
    if shutil.which("find") is None or shutil.which("awk") is None:
        pytest.skip("needs find and awk")
    root = tmp_path
    volume = root / "volume"
    (volume / "sub dir").mkdir(parents=True)
    (volume / "a.ipynb").write_bytes(b"x" * 10)
    (volume / "sub dir" / "it's $(odd).txt").write_bytes(b"y" * 5)
    (volume / ".hidden").write_bytes(b"")
    (volume / "_sagewarden").mkdir()
    (volume / "_sagewarden" / "ignored").write_bytes(b"zzz")
    fakes = root / "bin"
    fakes.mkdir()
    (fakes / "aws").write_text(
        "#!/bin/bash\n"
        'printf "%s\\n" "$*" >> "$FAKE_LOG"\n'
        'if [ "$1 $2" = "s3 cp" ]; then cp "$3" "$FAKE_UPLOAD"; fi\n'
    )
    (fakes / "chown").write_text('#!/bin/bash\nprintf "chown %s\\n" "$*" >> "$FAKE_LOG"\n')
    for fake in ("aws", "chown"):
        (fakes / fake).chmod(0o755)
    script = (
        backup_script("my bucket", "p/nb/")
        if action == "backup"
        else restore_script("my bucket", "p/nb/", "nb2")
    )
    env = {
        "PATH": f"{fakes}:/usr/bin:/bin",
        "ACTION": action,
        "BUCKET": "my bucket",
        "PREFIX": "p/nb/",
        "VOLUME": str(volume),
        "MANIFEST": "p/nb/_sagewarden/m.json",
        "FAKE_LOG": str(root / "log"),
        "FAKE_UPLOAD": str(root / "upload"),
    }
    subprocess.run(["bash", "-c", _worker(script)], env=env, check=True, capture_output=True)
    assert json.loads((root / "upload").read_text()) == {"files": 3, "bytes": 15}
    log = (root / "log").read_text().splitlines()
    assert any(line.startswith("s3 sync") and "_sagewarden/*" in line for line in log)
    assert any("s3://my bucket/p/nb/_sagewarden/m.json" in line for line in log)
    assert any("files=3,bytes=15" in line for line in log)
    assert any(line.startswith("chown") for line in log) == (action == "restore")
