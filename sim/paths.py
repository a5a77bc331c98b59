"""Where the project's data lives (the Hydra configs sit beside the package, installed editable)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = PROJECT_ROOT / "configs"
