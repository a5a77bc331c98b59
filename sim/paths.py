"""Where the project's files live: the package's data (``sim/data``), and the configs:
``configs/`` beside the package in a source checkout (an editable install), else
``sim/configs`` inside an installed wheel (see pyproject.toml)."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
DATA_DIR = PACKAGE_DIR / "data"
_CHECKOUT_CONFIGS = PROJECT_ROOT / "configs"
CONFIG_DIR = _CHECKOUT_CONFIGS if _CHECKOUT_CONFIGS.is_dir() else PACKAGE_DIR / "configs"
