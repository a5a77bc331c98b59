"""Where the project's configs live: ``configs/`` beside the package in a source checkout (an
editable install), else ``sim/configs`` inside an installed wheel (see pyproject.toml)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
_CHECKOUT_CONFIGS = PROJECT_ROOT / "configs"
CONFIG_DIR = (
    _CHECKOUT_CONFIGS if _CHECKOUT_CONFIGS.is_dir() else Path(__file__).resolve().parent / "configs"
)
