"""Load benchmark of the classroom app: simulated students speaking Solara's websocket protocol.

Starts ``escalation-sim-app`` on a free loopback port, then drives it as browsers would, over
the same websocket (Jupyter messages: the page opens the ``solara.control`` comm and asks it to
run the app; the server creates the widgets; a click is a ``custom`` message to a button):

1. one user presses Play on Explore: seconds until the page shows day 365;
2. N users at once (default 30) each press Step, one day at a time: step latency (click to
   the page showing the next day) p50 / p95 / max, and sessions stuck (no answer in 10 s);
3. the same N users press Play together: days each reached after 10 s;
4. the server's memory (RSS) before, with N sessions, and after they disconnect; with
   ``--cull``, how long until the server frees the closed sessions.

``--class-game`` measures class mode instead: an instructor opens a room, N laptops join it
in four teams (the US, a militia faction, Iraq and Iran), and for each turn the time from the
last choice to every laptop showing the next turn.

Prints its figures (it is a benchmark, not a test). Loopback only; nothing leaves the machine.

    python benchmarks/app_load.py            # 30 sessions
    python benchmarks/app_load.py --sessions 10 --steps 10
    python benchmarks/app_load.py --cull     # also waits for the sessions to be freed
    python benchmarks/app_load.py --cull --waves 3   # three classes in a row: memory
    python benchmarks/app_load.py --class-game       # a class game: 30 laptops in 4 teams
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import websockets
from solara.server.kernel import deserialize_binary_message

SERVER_LOG = Path(tempfile.gettempdir()) / "app_load_server.log"

DAY = re.compile(r"<b>Day (\d+)</b>")
STUCK_AFTER = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Student:
    """One browser tab, as the Solara front end speaks to the server."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = str(uuid.uuid4())
        self.widgets: dict[str, dict[str, Any]] = {}
        self.changed = asyncio.Event()
        self.ws: Any = None
        self.reader: asyncio.Task | None = None

    def _message(self, msg_type: str, content: dict[str, Any]) -> str:
        header = {
            "msg_id": str(uuid.uuid4()),
            "msg_type": msg_type,
            "session": self.session,
            "username": "student",
            "date": dt.datetime.now(dt.UTC).isoformat(),
            "version": "5.3",
        }
        return json.dumps(
            {
                "header": header,
                "parent_header": {},
                "metadata": {},
                "content": content,
                "channel": "shell",
                "buffers": [],
            }
        )

    async def open(self, path: str = "", ready: str = "Play") -> None:
        """Load the page: a session cookie, the websocket, and the app run in it (loaded when
        the button ``ready`` is shown)."""
        with urllib.request.urlopen(f"http://{self.base}/{path}", timeout=30) as r:
            cookie = "; ".join(c.split(";")[0] for c in r.headers.get_all("set-cookie") or [])
        kernel = str(uuid.uuid4())
        url = f"ws://{self.base}/jupyter/api/kernels/{kernel}/channels?session_id={self.session}"
        self.ws = await websockets.connect(
            url, additional_headers={"Cookie": cookie}, max_size=2**24
        )
        self.reader = asyncio.create_task(self._read())
        control = str(uuid.uuid4())
        await self.ws.send(
            self._message(
                "comm_open", {"comm_id": control, "target_name": "solara.control", "data": {}}
            )
        )
        await self.ws.send(
            self._message(
                "comm_msg",
                {"comm_id": control, "data": {"method": "run", "args": {"path": path}}},
            )
        )
        await self.wait_for(lambda: self.button(ready) is not None, 60)
        if path == "":
            await self.wait_for(lambda: self.day() is not None, 60)

    async def _read(self) -> None:
        async for raw in self.ws:
            msg = json.loads(raw) if isinstance(raw, str) else deserialize_binary_message(raw)
            kind = msg["header"]["msg_type"]
            content = msg["content"]
            data = content.get("data", {})
            if kind == "comm_open" and "state" in data:
                self.widgets[content["comm_id"]] = dict(data["state"])
            elif kind == "comm_msg" and data.get("method") == "update":
                self.widgets.setdefault(content["comm_id"], {}).update(data["state"])
            elif kind == "comm_close":
                self.widgets.pop(content.get("comm_id"), None)
            else:
                continue
            self.changed.set()

    async def wait_for(self, condition, timeout: float) -> bool:
        """Wait until ``condition()`` holds; False after ``timeout`` seconds."""
        deadline = time.perf_counter() + timeout
        while not condition():
            left = deadline - time.perf_counter()
            if left <= 0:
                return False
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                return False
        return True

    def day(self) -> int | None:
        """The day the page shows (from the running totals)."""
        for state in self.widgets.values():
            match = DAY.search(str(state.get("unsafe_innerHTML") or ""))
            if match:
                return int(match.group(1))
        return None

    def text(self) -> str:
        """Every HTML text the page shows."""
        return " ".join(str(w.get("unsafe_innerHTML") or "") for w in self.widgets.values())

    async def type(self, label: str, value: str) -> None:
        """Set the text field or select with this label, as typing or choosing does."""
        for comm_id, state in self.widgets.items():
            if state.get("label") == label and "v_model" in state:
                update = {"method": "update", "state": {"v_model": value}, "buffer_paths": []}
                await self.ws.send(self._message("comm_msg", {"comm_id": comm_id, "data": update}))
                return
        raise LookupError(f"no field {label!r}")

    def button(self, label: str) -> str | None:
        """The comm id of the newest button with this label (the one the page shows: a
        button replaced by a re-render may stay open, unseen)."""
        for comm_id, state in reversed(self.widgets.items()):
            if state.get("_model_name") == "BtnModel" and label in state.get("children", []):
                return comm_id
        return None

    async def click(self, label: str) -> None:
        """Click the button with this label (once the page shows it)."""
        await self.wait_for(lambda: self.button(label) is not None, 10)
        comm_id = self.button(label)
        if comm_id is None:
            raise LookupError(f"no button {label!r}")
        click = {"method": "custom", "content": {"event": "click", "data": {}}}
        await self.ws.send(self._message("comm_msg", {"comm_id": comm_id, "data": click}))

    async def close(self) -> None:
        await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()


async def one_user_year(base: str) -> float:
    student = Student(base)
    await student.open()
    started = time.perf_counter()
    await student.click("Play")
    reached = await student.wait_for(lambda: student.day() == 365, 120)
    elapsed = time.perf_counter() - started
    await student.close()
    return elapsed if reached else float("inf")


async def step_latencies(student: Student, steps: int) -> tuple[list[float], bool]:
    latencies = []
    for _ in range(steps):
        before = student.day() or 0
        started = time.perf_counter()
        await student.click("Step (1 day)")
        ok = await student.wait_for(lambda b=before: (student.day() or 0) > b, STUCK_AFTER)
        if not ok:
            return latencies, True
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.2)  # a student's pace between clicks, at its fastest
    return latencies, False


async def class_game(base: str, students: int, turns: int) -> None:
    """An instructor and ``students`` laptops in four teams play ``turns`` turns; for each,
    the time from the last team's choice until every laptop shows the next turn."""
    teacher = Student(base)
    await teacher.open("class", ready="Open a room")
    await teacher.type("Turns", str(turns + 1))
    await teacher.type("Seconds to choose", "600")
    await asyncio.sleep(0.5)
    await teacher.click("Open a room")
    await teacher.wait_for(lambda: ROOM.search(teacher.text()) is not None, 30)
    code = ROOM.search(teacher.text()).group(1)
    laptops = [Student(base) for _ in range(students)]
    await asyncio.gather(*(s.open("class", ready="Join") for s in laptops))
    # (team, its least escalatory move): a militia faction is a team of its own; Iran has
    # orders, not rungs
    teams = [
        ("us", "no action"),
        ("Kataib Hezbollah", "no action"),
        ("iraq", "no action"),
        ("iran", "urge restraint"),
    ]
    move = {s: teams[i % len(teams)][1] for i, s in enumerate(laptops)}
    for i, laptop in enumerate(laptops):
        await laptop.type("Room code", code)
        await laptop.type("Your team", teams[i % len(teams)][0])
    await asyncio.sleep(0.5)
    await asyncio.gather(*(s.click("Join") for s in laptops))
    joined = await asyncio.gather(
        *(s.wait_for(lambda s=s: s.button(move[s]) is not None, 30) for s in laptops)
    )
    print(f"class game: {sum(joined)} of {students} laptops joined room {code}")
    waits = []
    for turn in range(1, turns + 1):
        clicked = {s: s.button(move[s]) for s in laptops}
        await asyncio.gather(*(s.click(move[s]) for s in laptops))
        started = time.perf_counter()
        nxt = f"Turn {turn + 1} of"

        def redrawn(s: Student, nxt: str = nxt, clicked: dict = clicked) -> bool:
            """The page drawn for the next turn: its buttons are new widgets (each turn's are
            keyed by the turn). The countdown is not enough: it is written in place and may
            show the next turn while the page's render is still under way in another thread,
            and a click on the last turn's button is then refused as late (or lost)."""
            text = s.text()
            button = s.button(move[s])
            return (
                nxt in text
                and "not chosen yet" in text
                and button is not None
                and button != clicked[s]
            )

        seen = await asyncio.gather(*(s.wait_for(lambda s=s: redrawn(s), 30) for s in laptops))
        waits.append(time.perf_counter() - started)
        if not all(seen):
            refused = sum("has been played" in s.text() for s in laptops)
            print(
                f"turn {turn}: {students - sum(seen)} laptops did not see the next turn "
                f"({refused} had a choice refused as late)"
            )
    print(
        f"class game, {students} laptops: from the last choice to every laptop showing the next "
        f"turn: median {np.median(waits):.2f} s, max {max(waits):.2f} s over {turns} turns"
    )
    await asyncio.gather(*(s.close() for s in [teacher, *laptops]))


ROOM = re.compile(r"Room code: <b>(\w+)</b>")


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


async def class_load(base: str, pid: int, sessions: int, steps: int, cull: bool) -> None:
    print(f"server memory before: {rss_mb(pid):.0f} MB")
    students = [Student(base) for _ in range(sessions)]
    started = time.perf_counter()
    await asyncio.gather(*(s.open() for s in students))
    print(f"{sessions} sessions opened in {time.perf_counter() - started:.1f} s")
    results = await asyncio.gather(*(step_latencies(s, steps) for s in students))
    latencies = np.array([x for lat, _ in results for x in lat])
    stuck = sum(s for _, s in results)
    p50, p95 = np.percentile(latencies, [50, 95])
    print(
        f"step latency, {sessions} sessions x {steps} steps: p50 {p50:.3f} s, p95 {p95:.3f} s, "
        f"max {latencies.max():.3f} s; sessions stuck: {stuck}"
    )
    print(f"server memory with {sessions} sessions: {rss_mb(pid):.0f} MB")

    before = [s.day() or 0 for s in students]
    await asyncio.gather(*(s.click("Play") for s in students))
    await asyncio.sleep(10)
    advanced = np.array([(s.day() or 0) - b for s, b in zip(students, before, strict=True)])
    print(
        f"all {sessions} playing at once, days advanced in 10 s: median "
        f"{np.median(advanced):.0f}, min {advanced.min()}, max {advanced.max()}"
    )
    await asyncio.gather(*(s.close() for s in students))
    await asyncio.sleep(3)
    print(
        f"after they disconnect: {live_kernels(base)} sessions kept, server memory "
        f"{rss_mb(pid):.0f} MB"
    )
    if cull:
        started = time.perf_counter()
        while live_kernels(base) and time.perf_counter() - started < 300:
            await asyncio.sleep(5)
        print(
            f"sessions freed {time.perf_counter() - started + 3:.0f} s after the disconnect: "
            f"{live_kernels(base)} kept, server memory {rss_mb(pid):.0f} MB"
        )


def live_kernels(base: str) -> int:
    """Sessions the server holds (Solara's /resourcez, aggregates only)."""
    with urllib.request.urlopen(f"http://{base}/resourcez", timeout=10) as r:
        return int(json.load(r)["kernels"]["total"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument(
        "--cull", action="store_true", help="wait until the closed sessions are freed (~2 min)"
    )
    parser.add_argument(
        "--class-game", action="store_true", help="instead: a class game of N laptops in teams"
    )
    parser.add_argument(
        "--waves", type=int, default=1, help="classes one after another (memory stays bounded?)"
    )
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim.classroom.server",
            "--port",
            str(port),
            "--max-sessions",
            str(args.sessions + 5),
        ],
        stdout=subprocess.DEVNULL,
        stderr=SERVER_LOG.open("w"),  # the server's log, for a look after a bad run
    )
    base = f"127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://{base}/", timeout=2).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise SystemExit("the app did not start within 90 s") from None
                time.sleep(0.5)
        print(f"machine: {psutil.cpu_count()} cores, load {psutil.getloadavg()[0]:.1f}")
        year = asyncio.run(one_user_year(base))
        print(f"one user, a year of Explore (Play to day 365): {year:.1f} s")
        if args.class_game:
            asyncio.run(class_game(base, args.sessions, 5))
            return
        for wave in range(1, args.waves + 1):
            if args.waves > 1:
                print(f"-- class {wave} of {args.waves}")
            asyncio.run(class_load(base, server.pid, args.sessions, args.steps, args.cull))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
