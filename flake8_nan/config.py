"""Settings for the standalone command, read the way flake8 reads them.

Precedence: command line > `[tool.flake8-nan]` in pyproject.toml > the
`[flake8]` section of setup.cfg / tox.ini / .flake8, found from the working
directory upwards like flake8 does.
"""
from __future__ import annotations

import configparser
import os
import sys
from dataclasses import dataclass, field
from typing import Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .budget import DEFAULT_FILE_TIMEOUT
from .engine import DEFAULT_MIN_EPS

DEFAULT_EXCLUDE = (".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__", ".tox", ".nox",
                   ".eggs", "*.egg", "*.egg-info", ".venv", "venv", "build", "dist",
                   "node_modules", ".mypy_cache", ".pytest_cache", ".ipynb_checkpoints",
                   "site-packages")

KEYS = ("select", "extend-select", "ignore", "extend-ignore", "exclude", "extend-exclude",
        "per-file-ignores", "nan-min-eps", "nan-file-timeout", "nan-strict")


class ConfigError(ValueError):
    """A setting with a value that cannot be used; the message names it."""


@dataclass
class Settings:
    select: Optional[list[str]] = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    extend_ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    extend_exclude: list[str] = field(default_factory=list)
    per_file_ignores: list[tuple[str, list[str]]] = field(default_factory=list)
    min_eps: float = DEFAULT_MIN_EPS
    file_timeout: float = DEFAULT_FILE_TIMEOUT
    strict: bool = False
    source: str = ""  # the config file the settings came from


def split_list(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).replace("\n", ",").split(",") if v.strip()]


def parse_min_eps(value, where: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: nan-min-eps must be a number, got {value!r}") from None
    if not number > 0:
        raise ConfigError(f"{where}: nan-min-eps must be positive, got {value!r}")
    return number


def parse_file_timeout(value, where: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: nan-file-timeout must be a number, got {value!r}") from None
    if not 0 <= number < float("inf"):
        raise ConfigError(f"{where}: nan-file-timeout must be 0 (no limit) or positive, "
                          f"got {value!r}")
    return number


def parse_bool(value, where: str) -> bool:
    """`true`/`false` as flake8 reads a flag from a config file (and TOML's booleans)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{where}: nan-strict must be true or false, got {value!r}")


def parse_per_file_ignores(value) -> list[tuple[str, list[str]]]:
    """`pattern: CODE,CODE` entries, one per line or separated by spaces."""
    out: list[tuple[str, list[str]]] = []
    text = "\n".join(value) if isinstance(value, (list, tuple)) else str(value)
    for chunk in text.replace(",", " , ").split():
        if chunk.endswith(":") or ":" in chunk:
            pattern, _, rest = chunk.partition(":")
            out.append((pattern, split_list(rest)))
        elif chunk != "," and out:
            out[-1][1].append(chunk)
    return out


def apply(settings: Settings, values: dict, where: str) -> None:
    for raw_key, value in values.items():
        key = raw_key.replace("_", "-")
        if key not in KEYS:
            continue
        attr = key.replace("-", "_")
        if key == "nan-min-eps":
            settings.min_eps = parse_min_eps(value, where)
        elif key == "nan-file-timeout":
            settings.file_timeout = parse_file_timeout(value, where)
        elif key == "nan-strict":
            settings.strict = parse_bool(value, where)
        elif key == "per-file-ignores":
            settings.per_file_ignores = parse_per_file_ignores(value)
        else:
            setattr(settings, attr, split_list(value))


def find_ini(start: str) -> Optional[str]:
    path = os.path.abspath(start)
    while True:
        for name in ("setup.cfg", "tox.ini", ".flake8"):
            candidate = os.path.join(path, name)
            if os.path.isfile(candidate):
                cfg = configparser.RawConfigParser()
                try:
                    cfg.read(candidate, encoding="utf-8")
                except (UnicodeDecodeError, configparser.Error):
                    continue
                if cfg.has_section("flake8"):
                    return candidate
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


def find_pyproject(start: str) -> Optional[str]:
    path = os.path.abspath(start)
    while True:
        candidate = os.path.join(path, "pyproject.toml")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


def load(start: str = ".", config_file: Optional[str] = None, isolated: bool = False) -> Settings:
    settings = Settings()
    if isolated:
        return settings
    ini = config_file or find_ini(start)
    if ini:
        cfg = configparser.RawConfigParser()
        cfg.read(ini, encoding="utf-8")
        if cfg.has_section("flake8"):
            apply(settings, dict(cfg.items("flake8")), ini)
            settings.source = ini
    pyproject = None if config_file else find_pyproject(start)
    if pyproject:
        try:
            with open(pyproject, "rb") as f:
                data = tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{pyproject}: {exc}") from None
        table = data.get("tool", {}).get("flake8-nan")
        if isinstance(table, dict):
            apply(settings, table, f"{pyproject} [tool.flake8-nan]")
            settings.source = pyproject
    return settings
