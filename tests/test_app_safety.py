"""The classroom app on a school network: one test per finding of issue 14's safety review.

Widget values are set here as a crafted websocket message sets them (the widget's ``v_model``
trait, which is what Solara's comm message changes), so these tests cover what a browser
could send, not only what its controls allow.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import ipyvuetify as v
import pandas as pd
import psutil
import pytest
import solara

from sim.classroom import app
from sim.classroom.controls import (
    EXPLORE,
    PLAY,
    SORRY,
    UPLOAD_LIMIT,
    BadInput,
    explore_scenario,
    guarded,
    play_settings,
    read_uploaded_choices,
)
from sim.classroom.game import Game
from sim.classroom.server import assets_folder, safe_environment

from .conftest import ROOT, free_port, start_app
from .test_app import page_text

CRAFTED_POLICIES = [
    {"name": "human", "log": "/etc/shadow"},
    {"name": "human", "log": "http://127.0.0.1:1/secret"},
    "human",
    "proportional\x00",
    ["proportional"],
]


@pytest.mark.parametrize("policy", CRAFTED_POLICIES)
def test_no_browser_value_names_a_file_or_url(policy):
    """The US policy as a mapping naming a file made the server read any file or URL."""
    for key in ("us_policy", "militia_policy"):
        with pytest.raises(BadInput, match="policy: one of"):
            explore_scenario({key: policy})
    assert all("human" not in c.choices for c in (*EXPLORE, *PLAY))


def test_a_crafted_widget_message_cannot_set_a_policy_that_reads_a_file():
    _box, rc = solara.render(app.Explore(), handle_error=False)
    select = rc.find(v.Select).widgets[0]
    select.v_model = {"name": "human", "log": "/dev/zero"}
    text = page_text(rc)
    assert "US policy: one of" in text and "/dev/zero" in text  # the refusal quotes it
    rc.find(v.Btn, children=["Step (1 day)"]).widget.click()
    assert "Day 1" in page_text(rc)  # the run goes on with the policy it had


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"replicas": 5000}, "Simulated worlds: a whole number from 1 to 200 (got 5000)"),
        ({"replicas": 10**6}, "Simulated worlds: a whole number from 1 to 200"),
        ({"replicas": 2.5}, "Simulated worlds: a whole number"),
        ({"seed": "abc"}, "Seed: a whole number from 0 to 999,999 (got 'abc')"),
        ({"seed": -1}, "Seed: a whole number from 0 to 999,999 (got -1)"),
        ({"seed": "9" * 40}, "Seed: a whole number"),
        ({"noise": float("nan")}, "Misperception: a number from 0 to 0.3"),
        ({"noise": "inf"}, "Misperception: a number from 0 to 0.3"),
        ({"shock": "yes"}, "Mass-casualty attack shock: on or off"),
        ({"shock_day": True}, "Shock on: a whole number"),
        ({"horizon_days": 10}, "Unknown setting: 'horizon_days'"),
    ],
)
def test_explore_values_are_bounded_on_the_server(raw, message):
    """Slider limits were enforced only in the browser (replicas=10^6 killed the session)."""
    with pytest.raises(BadInput) as error:
        explore_scenario(raw)
    assert message in str(error.value)
    assert "Traceback" not in str(error.value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"turns": 100000}, "Turns: a whole number from 1 to 104 (got 100000)"),
        ({"seed": -5}, "Seed: a whole number from 0 to 999,999 (got -5)"),
        ({"seed": "1.5"}, "Seed: a whole number"),
        ({"turn_days": "0"}, "Days per turn: a whole number from 1 to 28"),
        ({"role": "iran"}, "Your role: one of us, iraq"),
    ],
)
def test_play_values_are_bounded_on_the_server(raw, message):
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        play_settings(raw)


def test_huge_values_sent_by_widgets_give_a_message_not_a_session_crash():
    _box, rc = solara.render(app.Explore(), handle_error=False)
    rc.find(v.Slider).widgets[-1].v_model = 10**6
    assert "Simulated worlds: a whole number from 1 to 200 (got 1000000)" in page_text(rc)
    seed = rc.find(v.TextField).widgets[0]
    seed.v_model = "not a number"
    seed.fire_event("focusout", None)
    assert "Seed: a whole number from 0 to 999,999 (got 'not a number')" in page_text(rc)

    _box, rc = solara.render(app.Play(), handle_error=False)
    fields = {w.label: w for w in rc.find(v.TextField).widgets}
    fields["Turns"].v_model = "100000"
    fields["Seed"].v_model = "-1"
    rc.find(v.Btn, children=["New game"]).widget.click()
    text = page_text(rc)
    assert "Seed: a whole number from 0 to 999,999 (got '-1')" in text  # the first refusal
    assert "a whole number from 1 to 104" in text  # shown under Turns while it is wrong
    assert "Traceback" not in text and "Choose a role and press" in text


def test_unexpected_errors_show_a_message_and_go_to_the_log(caplog):
    shown: list[str] = []

    def broken() -> None:
        raise RuntimeError(f"details from {ROOT}")

    with caplog.at_level(logging.ERROR, logger="sim.classroom"):
        guarded(broken, shown.append)()
    assert shown == [SORRY]
    assert "Traceback" in caplog.text and str(ROOT) in caplog.text


def test_a_page_that_fails_to_draw_shows_no_traceback(caplog):
    @solara.component
    def Broken():
        raise RuntimeError(f"secret path {ROOT}")

    with caplog.at_level(logging.ERROR, logger="sim.classroom"):
        _box, rc = solara.render(app.Guarded(Broken), handle_error=False)
    text = page_text(rc)
    assert SORRY in text and str(ROOT) not in text and "Traceback" not in text
    assert str(ROOT) in caplog.text


def test_sessions_over_the_cap_are_told_the_class_is_full(monkeypatch):
    monkeypatch.setattr(app, "live_sessions", lambda: 41)
    _box, rc = solara.render(app.Explore(), handle_error=False)
    text = page_text(rc)
    assert "maximum of 40 browser tabs" in text and "Day 0" not in text
    monkeypatch.setattr(app, "live_sessions", lambda: 40)
    _box, rc = solara.render(app.Explore(), handle_error=False)
    assert "Day 0" in page_text(rc)


def test_solara_settings_are_safe_for_a_school_network():
    """Telemetry on, an asset proxy fetching from a CDN, sessions kept 24 h: all off."""
    env = {**os.environ, **safe_environment()}
    code = (
        "import solara.settings as s, solara.server.settings as ss\n"
        "print(s.assets.proxy, s.assets.cdn, ss.telemetry.mixpanel_enable,"
        " ss.kernel.cull_timeout, [str(p) for p in ss.assets.extra_paths()])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == f"False /static/assets False 2m ['{assets_folder()}']"


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.mark.slow
def test_the_server_binds_loopback_serves_its_own_assets_and_stops_on_sigterm():
    port = free_port()
    server, url = start_app(port)
    try:
        listening = {
            c.laddr.ip
            for c in psutil.Process(server.pid).net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN
        }
        assert listening == {"127.0.0.1"}

        page = _get(url)[1].decode()
        assert "/static/assets/requirejs@2.3.6/require.js" in page
        assert "cdn.jsdelivr" not in page and "solara.dev/static" not in page
        status, body = _get(f"{url}/static/assets/requirejs@2.3.6/require.js")
        assert status == 200 and b"requirejs" in body

        # the asset proxy is off: a GET on a folder of its cache deleted the folder
        folder = assets_folder() / "@widgetti"
        before = sorted(p.name for p in folder.iterdir())
        status, body = _get(f"{url}/_solara/cdn/@widgetti/")
        _get(f"{url}/_solara/cdn/@widgetti")
        assert sorted(p.name for p in folder.iterdir()) == before
        status, body = _get(f"{url}/_solara/cdn/requirejs@2.3.6/require.js")
        assert b"requirejs" not in body
        status, body = _get(f"{url}/static/assets/..%2f..%2f..%2f..%2fetc%2fpasswd")
        assert b"root:" not in body

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) is not None
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def _choices_csv(game) -> bytes:
    buffer = io.StringIO()
    game.choices_frame().to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def test_replay_files_are_uploads_read_in_memory_with_a_size_limit(monkeypatch):
    """Replay logs come in as uploads (never as a path the server opens), at most 64 KB."""
    original = Game({"seed": 3, "horizon_days": 21}, turn_days=7)
    for action in ("threaten", "limited_strike", "none"):
        original.play(action)
    assert read_uploaded_choices(_choices_csv(original)) == [
        (0, "threaten"),
        (7, "limited_strike"),
        (14, "none"),
    ]
    with pytest.raises(BadInput, match="larger than 64 KB"):
        read_uploaded_choices(b"day,action\n" + b"0,none\n" * 20_000)
    with pytest.raises(BadInput, match="not a CSV"):
        read_uploaded_choices(b"\xff\xfe\x00")
    with pytest.raises(BadInput, match="columns"):
        read_uploaded_choices(b"/etc/shadow\n")

    dropped = {}

    def fake_file_drop(label, on_file, lazy):
        dropped["on_file"], dropped["lazy"] = on_file, lazy
        return solara.Text(label)

    monkeypatch.setattr(solara, "FileDrop", fake_file_drop)
    _box, rc = solara.render(app.Play(), handle_error=False)
    fields = {w.label: w for w in rc.find(v.TextField).widgets}
    fields["Seed"].v_model = "3"
    fields["Turns"].v_model = "3"
    assert dropped["lazy"], "the upload is read on demand, not all at once"

    huge = io.BytesIO(b"day,action\n" + b"0,none\n" * 1_000_000)
    dropped["on_file"]({"name": "big.csv", "size": 1, "file_obj": huge, "data": None})
    assert "larger than 64 KB" in page_text(rc)
    assert huge.tell() == UPLOAD_LIMIT + 1, "no more than the limit is read"

    upload = io.BytesIO(_choices_csv(original))
    dropped["on_file"]({"name": "choices.csv", "size": 1, "file_obj": upload, "data": None})
    text = page_text(rc)
    assert "Replayed 3 turn(s) from the file." in text and "Game over" in text
    fields["Turns"].v_model = "4"
    fields["Days per turn"].v_model = "5"
    upload = io.BytesIO(_choices_csv(original))
    dropped["on_file"]({"name": "choices.csv", "size": 1, "file_obj": upload, "data": None})
    assert "turn 2 of the file was played on day 7, but with these settings" in page_text(rc)


def test_a_replayed_upload_is_the_same_game():
    original = Game({"seed": 3, "horizon_days": 21}, turn_days=7)
    for action in ("threaten", "limited_strike", "none"):
        original.play(action)
    again = Game({"seed": 3, "horizon_days": 21}, turn_days=7)
    again.replay(read_uploaded_choices(_choices_csv(original)))
    pd.testing.assert_frame_equal(original.model.event_log(), again.model.event_log())


def test_values_quoted_back_to_the_page_are_escaped():
    _box, rc = solara.render(app.Explore(), handle_error=False)
    seed = rc.find(v.TextField).widgets[0]
    seed.v_model = "<img src=x onerror=alert(1)>"
    seed.fire_event("focusout", None)
    html = " ".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img" not in html
