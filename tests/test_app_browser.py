"""The classroom app in a real headless Chromium (Debian's), driven by Playwright.

Skipped when no chromium is installed (make test installs it with apt where it can). Each main
view is saved as a screenshot under the test's temporary folder.
"""

from __future__ import annotations

import re
import shutil
import time

import pandas as pd
import pytest

from .conftest import free_port, start_app

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


@pytest.fixture(scope="module")
def app_url():
    server, url = start_app(free_port())
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
        pg.requested = []
        pg.on("request", lambda r: pg.requested.append(r.url))
        pg.on("requestfailed", lambda r: pg.failed.append(f"failed {r.url}"))
        pg.on(
            "response",
            lambda r: pg.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        yield pg
        browser.close()


def _choose(page, label: str, option: str) -> None:
    page.get_by_label(label).click(force=True)
    page.get_by_role("option", name=option, exact=True).click()


def _outside(page, app_url: str) -> list[str]:
    """Requests that left the machine (anything not to the app)."""
    return [u for u in page.requested if not u.startswith(app_url) and not u.startswith("data:")]


def test_explore_loads_offline_applies_controls_at_once_and_plays_a_year(page, app_url, tmp_path):
    page.goto(app_url, wait_until="networkidle")
    page.get_by_text("Escalation: what if?").wait_for(timeout=60_000)
    page.get_by_text("Day 0").first.wait_for()
    page.locator(".solara-echarts canvas").first.wait_for(timeout=30_000)  # drawn by the browser
    assert page.get_by_text("Play Interval").count() == 0
    assert page.get_by_text("Use Threads").count() == 0
    page.screenshot(path=tmp_path / "explore_start.png")

    # moving the replicas slider applies at once and says so
    slider = page.get_by_role("slider").last
    slider.focus()
    for _ in range(5):
        slider.press("ArrowRight")
    page.get_by_text("the run restarted from day 0").first.wait_for(timeout=30_000)
    page.get_by_text("25 worlds (bands show their spread)").wait_for()
    for _ in range(3):
        page.get_by_role("button", name="Step (1 day)").click()
    page.get_by_text("median of 25 simulated worlds").first.wait_for(timeout=30_000)
    page.get_by_text("Day 3", exact=False).first.wait_for(timeout=30_000)

    started = time.perf_counter()
    page.get_by_role("button", name="Play").click()
    page.get_by_text("Day 365", exact=False).first.wait_for(timeout=60_000)
    year = time.perf_counter() - started
    assert year <= 20, f"a year of Explore took {year:.1f} s"  # ~8 s when the machine is idle
    assert page.get_by_text(re.compile(r"Day 3\d\d, 2024-")).count() > 0  # plain-words events
    page.screenshot(path=tmp_path / "explore_year.png")

    # a bad seed gives a message, not a traceback
    seed = page.get_by_label("Seed")
    seed.fill("abc")
    seed.press("Enter")
    page.get_by_text("Seed: a whole number from 0 to 999,999").wait_for(timeout=30_000)
    assert "Traceback" not in page.inner_text("body")
    assert not page.failed, page.failed
    assert not _outside(page, app_url), _outside(page, app_url)


def test_play_a_game_by_clicking_and_replay_its_log(page, app_url, tmp_path):
    from sim.classroom.game import replay

    page.goto(f"{app_url}/play", wait_until="networkidle")
    page.get_by_text("Play the crisis").wait_for(timeout=60_000)
    turns = page.get_by_label("Turns")
    turns.fill("100000")
    page.get_by_role("button", name="New game").click()
    page.get_by_text("Turns: a whole number from 1 to 104").wait_for(timeout=30_000)
    turns.fill("3")
    page.get_by_role("button", name="New game").click()
    page.get_by_role("button", name="no action").wait_for(timeout=30_000)
    page.screenshot(path=tmp_path / "play_start.png")
    labels = {
        "limited_strike": "US strike on militia facilities",
        "none": "no action",
        "strike_campaign": "US strike campaign on many targets",
    }
    for turn, action in enumerate(("limited_strike", "none", "strike_campaign"), start=1):
        page.wait_for_timeout(500)  # the buttons of the new turn are wired
        page.get_by_role("button", name=labels[action], exact=True).click()
        page.get_by_text(f"Turn {turn}: you chose: {labels[action]}").wait_for(timeout=30_000)
    page.get_by_text("Game over").wait_for(timeout=60_000)
    verdict = page.get_by_text("Your game was")
    assert verdict.bounding_box()["y"] < page.get_by_text("so far in this game").bounding_box()["y"]
    assert page.get_by_text("replica(s)").count() == 0
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
    assert not _outside(page, app_url), _outside(page, app_url)


def test_a_class_game_with_an_instructor_and_four_teams(page, app_url, tmp_path):
    """The US, Iraq, one militia faction (Kataib Hezbollah) and Iran are teams; the model plays
    the other two factions."""
    page.goto(f"{app_url}/class", wait_until="networkidle")
    page.get_by_text("A whole class in one crisis").wait_for(timeout=60_000)
    page.get_by_label("Turns").fill("2")
    page.get_by_label("Seconds to choose").fill("600")
    page.get_by_role("button", name="Open a room").click()
    heading = page.get_by_text("Room code:")
    heading.wait_for(timeout=30_000)
    code = heading.inner_text().split(":")[1].strip()
    assert len(code) == 5

    # each team on its own "laptop": a browser context with its own session cookie
    browser = page.context.browser
    teams = {}
    outside = []
    kh = "Kataib Hezbollah"
    joining = (
        ("us", "United States"),
        ("iraq", "the Iraqi government"),
        (kh, kh),
        ("iran", "Iran"),
    )
    for team, label in joining:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        student = context.new_page()
        student.on("request", lambda r: outside.append(r.url) if app_url not in r.url else 0)
        student.goto(f"{app_url}/class", wait_until="networkidle")
        student.get_by_label("Room code").fill(code.lower())
        _choose(student, "Your team", team)
        student.get_by_role("button", name="Join").click()
        student.get_by_text(f"you play {label}").wait_for(timeout=30_000)
        teams[team] = student
    page.get_by_text("United States (1 laptop): choosing").wait_for(timeout=30_000)
    moves = {
        "us": ["US strike on militia facilities", "no action"],
        "iraq": ["public condemnation", "mediation between the US and the militias"],
        kh: ["drone/rocket attack on a US base", "no action"],
        "iran": ["back the campaign", "order every faction to halt"],
    }
    for turn in (0, 1):
        for team, student in teams.items():
            student.wait_for_timeout(500)
            student.get_by_role("button", name=moves[team][turn], exact=True).click()
            if team == "us":  # the first to choose waits; the last one's choice plays the turn
                student.get_by_text("Your team chose:").wait_for(timeout=30_000)
                page.get_by_text("United States (1 laptop): has chosen").wait_for(timeout=30_000)
        if turn == 0:
            page.get_by_text("Turn 2 of 2").wait_for(timeout=30_000)
            page.get_by_text("Day 0: Iran: back the campaign").wait_for(timeout=30_000)
            iran = teams["iran"]
            iran.get_by_text("Now: your perceived risk of a US strike on Iran").wait_for()
            iran.get_by_text("Attacks reported: Kataib Hezbollah").wait_for()
            assert "back the campaign" not in teams["us"].inner_text("body")
    page.get_by_text("Debrief: the class against the model").wait_for(timeout=60_000)
    page.get_by_text("United States:", exact=False).last.wait_for()
    page.screenshot(path=tmp_path / "class_debrief.png", full_page=True)
    with page.expect_download() as info:
        page.get_by_text("Download turns.csv").click()
    turns = tmp_path / "turns.csv"
    info.value.save_as(turns)
    played = pd.read_csv(turns)
    assert played.team.tolist() == ["us", kh, "iraq", "iran"] * 2
    assert played.action.tolist() == [
        "limited_strike",
        "harassment_attack",
        "condemn",
        "back",
        "none",
        "none",
        "mediation",
        "halt",
    ]
    page.get_by_text(
        "Iran: backed the campaign in 1, urged restraint in 0, ordered a halt in 1"
    ).wait_for()
    with page.expect_download() as info:
        page.get_by_text("Download iran_orders.csv").click()
    orders = tmp_path / "iran_orders.csv"
    info.value.save_as(orders)
    assert pd.read_csv(orders).order.tolist() == ["back", "halt"]
    page.get_by_text("iran.orders=iran_orders.csv", exact=False).wait_for()
    with page.expect_download() as info:
        page.get_by_text("Download militia_choices.csv").click()
    militia = tmp_path / "militia_choices.csv"
    info.value.save_as(militia)
    assert set(pd.read_csv(militia).faction) == {kh}  # the model played the other factions
    page.get_by_text("militia.policy.fallback=hazard", exact=False).wait_for()
    # a laptop that reloads is back in its team
    teams["us"].reload(wait_until="networkidle")
    teams["us"].get_by_text("you play United States").wait_for(timeout=30_000)
    teams["iran"].reload(wait_until="networkidle")
    teams["iran"].get_by_text("you play Iran").wait_for(timeout=30_000)
    assert not outside, outside
    assert not _outside(page, app_url), _outside(page, app_url)
