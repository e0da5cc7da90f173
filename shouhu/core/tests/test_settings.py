"""Settings come from SHOUHU_* variables; production values pass Django's deploy checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_shouhu(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "SHOUHU_DATA_DIR": str(tmp_path)}
    return subprocess.run(  # noqa: S603  (our own interpreter and module)
        [sys.executable, "-m", "shouhu.cli", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_with_production_values(tmp_path: Path) -> None:
    production = {
        "SHOUHU_DEBUG": "0",
        "SHOUHU_SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-0123456789",
        "SHOUHU_ENCRYPTION_KEY": "cHJvZHVjdGlvbi1rZXktMzItYnl0ZXMtbG9uZy0xMjM=",
        "SHOUHU_ALLOWED_HOSTS": "shouhu.example.gov.cn",
        "SHOUHU_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    result = run_shouhu(["check", "--deploy", "--fail-level", "WARNING"], production, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_with_development_defaults(tmp_path: Path) -> None:
    result = run_shouhu(["check", "--deploy", "--fail-level", "WARNING"], {}, tmp_path)
    assert result.returncode != 0
    assert "DEBUG" in result.stderr + result.stdout


def test_check_deploy_refuses_the_development_encryption_key(tmp_path: Path) -> None:
    env = {
        "SHOUHU_DEBUG": "0",
        "SHOUHU_SECRET_KEY": "p" * 60,
        "SHOUHU_ALLOWED_HOSTS": "shouhu.example.gov.cn",
        "SHOUHU_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    result = run_shouhu(["check", "--deploy"], env, tmp_path)
    assert result.returncode != 0 and "shouhu.E002" in result.stderr


def test_console_command_works_from_any_directory(tmp_path: Path) -> None:
    shouhu = Path(sys.executable).parent / "shouhu"
    result = subprocess.run(  # noqa: S603
        [str(shouhu), "help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "SHOUHU_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert "worker" in result.stdout and "demo" in result.stdout
