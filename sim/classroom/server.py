"""``escalation-sim-app``: start the classroom web app (the same as
``solara run sim/classroom/app.py``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> None:
    """Run Solara's server on the app module; extra arguments go to ``solara run``
    (e.g. ``--port 8765 --host 0.0.0.0`` to serve a classroom network)."""
    app = Path(__file__).with_name("app.py")
    sys.exit(subprocess.call([sys.executable, "-m", "solara", "run", str(app), *sys.argv[1:]]))


if __name__ == "__main__":
    main()
