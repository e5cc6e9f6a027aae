"""Production settings refuse to start half-configured; development needs no configuration.

Each case runs Django in a fresh subprocess: settings are read once per process.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
REAL_SECRET = secrets.token_urlsafe(45)  # 60 characters
PRINT_SECRET = (
    "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY, settings.DEBUG)"
)


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PILOTAGE_", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_"))
    }
    clean.update(
        DJANGO_SETTINGS_MODULE="pilotage.config.settings",
        PILOTAGE_VAR_DIR=str(tmp_path / "var"),
        **env,
    )
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120, check=False
    )


def _production(tmp_path: Path, args: list[str] | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return _run(args or ["-c", PRINT_SECRET], tmp_path, PILOTAGE_ENV="production", **env)


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = _production(tmp_path, ALLOWED_HOSTS="example.com")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


@pytest.mark.parametrize("weak", ["short", "dev-" + "x" * 60, "ab" * 30])
def test_production_refuses_a_weak_secret_key(tmp_path: Path, weak: str) -> None:
    result = _production(tmp_path, SECRET_KEY=weak, ALLOWED_HOSTS="example.com")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path: Path) -> None:
    result = _production(tmp_path, SECRET_KEY=REAL_SECRET)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_refuses_debug(tmp_path: Path) -> None:
    result = _production(tmp_path, SECRET_KEY=REAL_SECRET, ALLOWED_HOSTS="example.com", DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_production_deploy_check_is_clean(tmp_path: Path) -> None:
    result = _production(
        tmp_path,
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=REAL_SECRET,
        ALLOWED_HOSTS="example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_file_is_read(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(REAL_SECRET + "\n", encoding="utf-8")
    result = _production(tmp_path, SECRET_KEY_FILE=str(secret_file), ALLOWED_HOSTS="example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [REAL_SECRET, "False"]


def test_unreadable_secret_key_file_is_named(tmp_path: Path) -> None:
    result = _production(tmp_path, SECRET_KEY_FILE=str(tmp_path / "missing"), ALLOWED_HOSTS="example.com")
    assert result.returncode != 0
    assert "SECRET_KEY_FILE" in result.stderr


def test_development_generates_and_keeps_a_secret_key(tmp_path: Path) -> None:
    first = _run(["-c", PRINT_SECRET], tmp_path)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "var" / "secret_key"
    key, debug = first.stdout.split()
    assert key == key_file.read_text(encoding="utf-8").strip()
    assert key.startswith("dev-") and len(key) >= 50
    assert debug == "True"
    assert key_file.stat().st_mode & 0o777 == 0o600
    second = _run(["-c", PRINT_SECRET], tmp_path)
    assert second.stdout.split()[0] == key


def test_every_variable_is_documented() -> None:
    """Each variable settings.py reads appears in .env.example and in the README's table."""
    settings_source = (ROOT / "src/pilotage/config/settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z_]+)"', settings_source))
    assert {"SECRET_KEY", "DATABASE_URL", "EMAIL_HOST"} <= names
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert not [n for n in names if f"# {n}=" not in example]
    assert not [n for n in names if f"| `{n}`" not in readme]
