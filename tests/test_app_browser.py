"""The classroom app in a real headless Chromium (Debian's), driven by Playwright.

Skipped when no chromium is installed (make test installs it with apt where it can). Each main
view is saved as a screenshot under the test's temporary folder.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pandas as pd
import pytest

from .conftest import ROOT

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium (run .ci/ensure_chromium.sh)"),
]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url():
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "solara",
            "run",
            str(ROOT / "sim" / "classroom" / "app.py"),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--production",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("the app did not start within 90 s")
    yield url
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture
def page(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 800}, accept_downloads=True
        )
        pg = context.new_page()
        pg.failed = []
        pg.on("requestfailed", lambda r: pg.failed.append(f"failed {r.url}"))
        pg.on(
            "response",
            lambda r: pg.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        yield pg
        browser.close()


def _totals(page) -> str:
    return page.locator("div", has_text="median over").last.inner_text()


def test_explore_loads_offline_and_responds(page, app_url, tmp_path):
    page.goto(app_url, wait_until="networkidle")
    page.get_by_text("Controls").wait_for(timeout=60_000)
    page.get_by_text("Day 0").first.wait_for()
    page.screenshot(path=tmp_path / "explore_start.png")
    plot = page.locator("img").first
    before_plot = plot.get_attribute("src")

    # move the replicas slider (keyboard on the focused slider), reset to apply it, step
    slider = page.get_by_role("slider").last
    slider.focus()
    for _ in range(5):
        slider.press("ArrowRight")
    page.get_by_role("button", name="Reset").click()
    page.get_by_role("button", name="Step").click()
    page.get_by_text("Day 1", exact=False).first.wait_for(timeout=30_000)
    for _ in range(5):
        page.get_by_role("button", name="Step").click()
    page.get_by_text("Day 6", exact=False).first.wait_for(timeout=30_000)
    totals = _totals(page)
    assert "militia attacks" in totals and "Day 6" in totals
    assert "25 replica(s)" in totals  # 20 replicas + 5 steps of the slider
    assert page.locator("img").first.get_attribute("src") != before_plot
    assert (
        page.get_by_text("Day 0,", exact=False).count()
        + page.get_by_text("Day 1,", exact=False).count()
        > 0
    )  # plain-words events
    page.screenshot(path=tmp_path / "explore_stepped.png")
    assert not page.failed, page.failed
    assert (tmp_path / "explore_stepped.png").exists()


def _choose(page, label: str, option: str) -> None:
    page.get_by_label(label).click(force=True)
    page.get_by_role("option", name=option, exact=True).click()


def test_play_a_game_by_clicking_and_replay_its_log(page, app_url, tmp_path):
    from sim.classroom.game import replay

    page.goto(f"{app_url}/play", wait_until="networkidle")
    page.get_by_text("Play the crisis").wait_for(timeout=60_000)
    weeks = page.get_by_label("Turns")
    weeks.fill("3")
    weeks.press("Enter")
    page.get_by_role("button", name="New game").click()
    page.get_by_role("button", name="Play turn").wait_for()
    page.screenshot(path=tmp_path / "play_start.png")
    for action in ("limited_strike", "none", "strike_campaign"):
        _choose(page, "Your response this turn", action)
        page.get_by_role("button", name="Play turn").click()
        page.get_by_text(f"you chose {action}").wait_for(timeout=30_000)
    page.get_by_text("Game over").wait_for(timeout=60_000)
    page.get_by_text("Download your choices").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=tmp_path / "play_over.png")

    with page.expect_download() as info:
        page.get_by_text("Download your choices").click()
    choices = tmp_path / "choices.csv"
    info.value.save_as(choices)
    with page.expect_download() as info:
        page.get_by_text("Download the game's event log").click()
    events = tmp_path / "game_events.csv"
    info.value.save_as(events)

    played = pd.read_csv(choices)
    assert played.action.tolist() == ["limited_strike", "none", "strike_campaign"]
    again = replay({"seed": 0, "horizon_days": 21}, choices)
    logged = pd.read_csv(events, parse_dates=["date"])
    replayed = again.event_log()
    cols = ["day", "actor_name", "action", "perceived_as", "killed", "wounded"]
    pd.testing.assert_frame_equal(logged[cols], replayed[cols], check_dtype=False)
    assert not page.failed, page.failed
    assert (tmp_path / "play_start.png").exists() and (tmp_path / "play_over.png").exists()
