"""Bad input, table-driven: every case must fail cleanly.

Through the real command line (a subprocess, as users run it) each case must exit with status
2 and print exactly one line on stderr, ``escalation-sim: error: ...``, naming the offending
key and saying what is allowed, with no traceback. A Python-API twin runs the value errors
through :func:`sim.config.validation.validate` with nested dicts in milliseconds.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from sim import EscalationModel
from sim.config.validation import ConfigError, validate
from sim.policies import policies_for

PREFIX = "escalation-sim: error: "


def choices(actor: str) -> str:
    """The policies an error must offer an actor, from the registry (a new policy needs no
    edit here): every one it may play."""
    return "choose from: " + ", ".join(policies_for(actor))


US_POLICIES, MILITIA_POLICIES, IRAQ_POLICIES = (choices(a) for a in ("us", "militia", "iraq"))
MILITIA_RUNGS = "its rungs: truce, none, condemn, threaten, harassment_attack, casualty_attack"


def case(overrides: str | list[str], key: str, allowed: str, id: str, **kwargs):
    """One row of a table: the bad input, the key the message must name, what it must allow."""
    if isinstance(overrides, str):
        overrides = [overrides]
    return pytest.param(overrides, key, allowed, id=id, **kwargs)


CLI_CASES = [
    # config groups
    case("us/policy=nope", "us/policy", US_POLICIES, "unknown-us-policy-option"),
    case(
        "militia/policy=balancing",
        "militia/policy",
        MILITIA_POLICIES,
        "iraq-policy-for-militia",
    ),
    # unknown keys
    case("foo=1", "foo", "allowed keys here: seed, replicas", "unknown-top-level-key"),
    case("us.foo=1", "us.foo", "allowed keys here: policy, troops_iraq", "unknown-us-key"),
    case(
        "us.policy.generosity=0.2",
        "us.policy.generosity",
        "allowed keys here: name, threshold",
        "param-of-unchosen-policy",
    ),
    # wrong types (reported by the same validator as the Python API)
    case("seed=abc", "seed", "must be an integer", "seed-not-integer"),
    case("replicas=1.5", "replicas", "must be an integer", "replicas-fractional"),
    case("iran.enabled=maybe", "iran.enabled", "must be true or false", "enabled-not-bool"),
    case(
        "withdrawal.start_month=abc",
        "withdrawal.start_month",
        "must be a number",
        "start-month-not-number",
    ),
    # impossible values (all value errors are also in the fast Python-API twin below)
    case(
        "withdrawal.start_month=-3",
        "withdrawal.start_month",
        "[0.0, 600.0]",
        "start-month-negative",
    ),
    case("perception.noise=1.3", "perception.noise", "[0.0, 1.0]", "noise-above-one"),
    case("horizon_days=0", "horizon_days", "[1, 36500]", "horizon-zero"),
    case("us.troops_iraq=-5", "us.troops_iraq", "[0, 200000]", "troops-negative"),
    case(
        "withdrawal.residual_troops=3000",
        "withdrawal.residual_troops",
        "must not exceed us.troops_iraq (2500)",
        "residual-above-troops",
    ),
    case(
        ["us/policy=generous_tit_for_tat", "us.policy.generosity=1.5"],
        "us.policy.generosity",
        "[0.0, 1.0]",
        "generosity-above-one",
    ),
    # a policy chosen through its name key
    case("us.policy.name=hazard", "us.policy.name", US_POLICIES, "militia-only-policy-for-us"),
    # dates
    case("start_date=2023-13-01", "start_date", "YYYY-MM-DD", "month-13"),
    # shocks
    case(
        "shocks=[{day:1000,actor:militia,action:mass_casualty_attack}]",
        "shocks[0].day",
        "< horizon_days (730)",
        "shock-beyond-horizon",
    ),
    case(
        "shocks=[{day:10,actor:militia,action:targeted_killing}]",
        "shocks[0].action",
        MILITIA_RUNGS,
        "shock-action-not-militias",
    ),
    case(
        "shocks=[{day:10,actor:militia,action:nuke}]",
        "shocks[0].action",
        "choose from: withdrawal_step, truce",
        "shock-unknown-action",
    ),
    case(
        "shocks=[{day:10,actor:militia,action:harassment_attack,faction:Hamas}]",
        "shocks[0].faction",
        "choose from: Kataib Hezbollah, Harakat al-Nujaba, Kataib Sayyid al-Shuhada",
        "shock-unknown-faction",
    ),
    case(
        "shocks=[{day:10,actor:iran,action:harassment_attack}]",
        "shocks[0].actor",
        "must be one of us, militia, iraq",
        "shock-unknown-actor",
    ),
    case(
        "shocks=[{day:10,actor:militia,action:harassment_attack,foo:1}]",
        "shocks[0].foo",
        "allowed keys here: day, actor, action, faction, killed",
        "shock-unknown-key",
    ),
    # Iran's orders, inline or from a file
    case(
        "iran.orders=[{day:3,order:attack}]",
        "iran.orders[0].order",
        "must be one of halt, restrain, back; got 'attack'",
        "iran-unknown-order",
    ),
    case(
        "iran.orders=/nonexistent/iran_orders.csv",
        "iran.orders",
        "cannot read /nonexistent/iran_orders.csv",
        "iran-orders-file-missing",
    ),
    # a replay file
    case(
        ["us/policy=human", "us.policy.log=/nonexistent/choices.csv"],
        "us.policy.log",
        "cannot read /nonexistent/choices.csv",
        "replay-file-missing",
    ),
    # factions
    case("militia.factions=[]", "militia.factions", "at least one faction", "no-factions"),
    # the ladder, by name or path
    case("ladder=nope", "ladder", "choose from: default, or give the path", "unknown-ladder"),
    # override syntax
    case("seed", "'seed'", "missing EQUAL", "override-without-equals"),
    case(
        "seed=[1",
        "seed",
        "override_grammar",
        "override-unclosed-list",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("overrides", "key", "allowed"), CLI_CASES)
def test_cli_rejects_bad_input_in_one_line(tmp_path, overrides, key, allowed):
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    proc = subprocess.run(
        [sys.executable, "-m", "sim", *overrides, f"hydra.run.dir={tmp_path}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output
    assert proc.returncode == 2, output
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    (message,) = lines
    assert message.startswith(PREFIX), message
    assert key in message, message
    assert allowed in message, message


# --------------------------------------------------------------------------- Python API twin

API_CASES = [
    ({"us": {"policy": "nope"}}, "us.policy.name", US_POLICIES),
    ({"ladder": "nope"}, "ladder", "choose from: default, or give the path"),
    ({"ladder": "no/such/ladder.yaml"}, "ladder", "no ladder 'no/such/ladder.yaml'"),
    ({"militia": {"policy": "balancing"}}, "militia.policy.name", MILITIA_POLICIES),
    (
        {"iraq": {"policy": "tit_for_tat"}},
        "iraq.policy.name",
        IRAQ_POLICIES,
    ),
    ({"us": {"policy": 5}}, "us.policy", "a mapping with 'name'"),
    ({"foo": 1}, "foo", "allowed keys here: seed, replicas"),
    ({"us": {"foo": 1}}, "us.foo", "allowed keys here: policy, troops_iraq"),
    (
        {"us": {"policy": {"name": "proportional", "generosity": 0.2}}},
        "us.policy.generosity",
        "allowed keys here: name, threshold",
    ),
    ({"seed": "abc"}, "seed", "must be an integer"),
    ({"seed": True}, "seed", "must be an integer"),
    ({"replicas": 1.5}, "replicas", "must be an integer"),
    ({"iran": {"enabled": "maybe"}}, "iran.enabled", "must be true or false"),
    ({"withdrawal": {"start_month": "abc"}}, "withdrawal.start_month", "must be a number"),
    ({"perception": {"noise": float("nan")}}, "perception.noise", "must be a finite number"),
    ({"withdrawal": {"start_month": -3}}, "withdrawal.start_month", "must be in [0.0, 600.0]"),
    ({"perception": {"noise": 1.3}}, "perception.noise", "must be in [0.0, 1.0]"),
    ({"perception": {"misattribution": -0.1}}, "perception.misattribution", "[0.0, 1.0]"),
    ({"horizon_days": 0}, "horizon_days", "must be in [1, 36500]"),
    ({"replicas": 0}, "replicas", "must be in [1, 1000000]"),
    ({"seed": -1}, "seed", "must be in [0, 9223372036854775808)"),
    ({"us": {"troops_iraq": -5}}, "us.troops_iraq", "must be in [0, 200000]"),
    (
        {"withdrawal": {"residual_troops": 3000}},
        "withdrawal.residual_troops",
        "must not exceed us.troops_iraq (2500)",
    ),
    ({"withdrawal": {"duration_months": -1}}, "withdrawal.duration_months", "[0.0, 600.0]"),
    ({"us": {"reaction_lag_days": 0}}, "us.reaction_lag_days", "must be in [1, 60]"),
    ({"index": {"crisis_threshold": 11}}, "index.crisis_threshold", "must be in [0.0, 10.0]"),
    (
        {"us": {"policy": {"name": "generous_tit_for_tat", "generosity": 1.5}}},
        "us.policy.generosity",
        "must be in [0.0, 1.0]",
    ),
    (
        {"us": {"policy": {"name": "grim_trigger", "trigger_level": 0}}},
        "us.policy.trigger_level",
        "must be in [1, 10]",
    ),
    ({"us": {"policy": {"name": "hazard"}}}, "us.policy.name", US_POLICIES),
    ({"start_date": "2023-13-01"}, "start_date", "must be a date YYYY-MM-DD"),
    (
        {"shocks": [{"day": 1000, "actor": "militia", "action": "mass_casualty_attack"}]},
        "shocks[0].day",
        "must be < horizon_days (730)",
    ),
    (
        {"horizon_days": 100, "shocks": [{"day": 100, "action": "harassment_attack"}]},
        "shocks[0].day",
        "must be < horizon_days (100)",
    ),
    ({"shocks": [{"day": -1}]}, "shocks[0].day", "must be >= 0"),
    (
        {"shocks": [{"day": 10, "actor": "militia", "action": "targeted_killing"}]},
        "shocks[0].action",
        MILITIA_RUNGS,
    ),
    (
        {"shocks": [{"day": 10, "actor": "militia", "action": "nuke"}]},
        "shocks[0].action",
        "choose from: withdrawal_step, truce",
    ),
    (
        {"shocks": [{"day": 10, "action": "harassment_attack", "faction": "Hamas"}]},
        "shocks[0].faction",
        "choose from: Kataib Hezbollah, Harakat al-Nujaba, Kataib Sayyid al-Shuhada",
    ),
    (
        {"shocks": [{"day": 10, "actor": "iran", "action": "harassment_attack"}]},
        "shocks[0].actor",
        "must be one of us, militia, iraq",
    ),
    (
        {"iran": {"orders": [{"day": 3, "order": "attack"}]}},
        "iran.orders[0].order",
        "must be one of halt, restrain, back; got 'attack'",
    ),
    ({"iran": {"orders": [{"day": 3, "days": 0}]}}, "iran.orders[0].days", "must be >= 1"),
    (
        {"horizon_days": 50, "iran": {"orders": [{"day": 3}, {"day": 50}]}},
        "iran.orders[1].day",
        "must be < horizon_days (50)",
    ),
    (
        {"iran": {"enabled": False, "orders": [{"day": 3}]}},
        "iran.orders[0]",
        "Iran gives no orders when it is switched off",
    ),
    ({"iran": {"orders": [{"day": 3, "who": "Qaani"}]}}, "iran.orders[0].who", "day, order"),
    ({"iran": {"orders": 5}}, "iran.orders", "expected a list"),
    ({"shocks": [{"day": 10, "foo": 1}]}, "shocks[0].foo", "allowed keys here: day, actor"),
    ({"shocks": 5}, "shocks", "expected a list"),
    ({"militia": {"factions": []}}, "militia.factions", "at least one faction is needed"),
    (
        {"militia": {"factions": [{"name": "A"}, {"name": "A"}]}},
        "militia.factions",
        "faction names must be unique",
    ),
    (
        {"militia": {"factions": [{"name": "A", "resolve": 9}]}},
        "militia.factions[0].resolve",
        "must be in [0.0, 3.0]",
    ),
]


@pytest.mark.parametrize(
    ("config", "key", "allowed"),
    [pytest.param(*row, id=f"{i:02d}-{row[1]}") for i, row in enumerate(API_CASES)],
)
def test_validate_rejects_bad_input(config, key, allowed):
    with pytest.raises(ConfigError, match=rf"^{re.escape(key)}: .*{re.escape(allowed)}") as err:
        validate(config)
    assert err.value.key == key
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("content", "allowed"),
    [
        ("turn,choice\n1,4\n", "needs the columns day and level; it has turn, choice"),
        ("day,level\n3,4\nx,5\n", "line 3: day and level must be whole numbers, got 'x' and '5'"),
        ("day,level\n3,\n", "line 2: day and level must be whole numbers, got '3' and ''"),
        ("day,level\n-1,4\n", "line 2: day must be >= 0, got -1"),
        (b"\xff\xfe\x00", "cannot read"),
    ],
)
def test_a_replay_file_that_cannot_be_used_is_refused_in_one_line(tmp_path, content, allowed):
    choices = tmp_path / "choices.csv"
    if isinstance(content, bytes):
        choices.write_bytes(content)
    else:
        choices.write_text(content)
    for actor in ("us", "militia", "iraq"):
        _replay_refused(actor, choices, allowed)


def _replay_refused(actor: str, choices, allowed: str) -> None:
    """The actor's replay of ``choices`` is refused in one line naming its log and ``allowed``."""
    config = {actor: {"policy": {"name": "human", "log": str(choices)}}}
    with pytest.raises(ConfigError, match=re.escape(allowed)) as err:
        validate(config)
    assert err.value.key == f"{actor}.policy.log"
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (
            "militia",
            "line 3: unknown faction 'Kataib Hizbollah'; the factions are Kataib Hezbollah, "
            "Harakat al-Nujaba, Kataib Sayyid al-Shuhada",
        ),
        ("us", "line 2: faction 'Kataib Hezbollah' given, but only the militias' choices name"),
    ],
)
def test_a_replay_file_naming_an_unknown_faction_is_refused_in_one_line(tmp_path, actor, allowed):
    choices = tmp_path / "choices.csv"
    choices.write_text("day,faction,level\n0,Kataib Hezbollah,4\n1,Kataib Hizbollah,4\n")
    _replay_refused(actor, choices, allowed)


@pytest.mark.parametrize(
    ("content", "key", "allowed"),
    [
        ("turn,choice\n1,halt\n", "iran.orders", "needs the columns day and order; it has turn"),
        ("day,days,order\n0,7,halt\n7,7,attack\n", "iran.orders[1].order", "got 'attack'"),
        ("day,order\nx,halt\n", "iran.orders[0].day", "must be an integer, got 'x'"),
        ("day,days,order\n0,,back\n3,2.5,back\n", "iran.orders[1].days", "an integer"),
        (b"\xff\xfe\x00", "iran.orders", "cannot read"),
    ],
)
def test_an_iran_orders_file_that_cannot_be_used_is_refused_in_one_line(
    tmp_path, content, key, allowed
):
    orders = tmp_path / "iran_orders.csv"
    if isinstance(content, bytes):
        orders.write_bytes(content)
    else:
        orders.write_text(content)
    with pytest.raises(ConfigError, match=re.escape(allowed)) as err:
        validate({"iran": {"orders": str(orders)}})
    assert err.value.key == key
    assert "\n" not in str(err.value)


def test_iran_orders_from_a_file_are_the_orders_given_inline(tmp_path):
    orders = tmp_path / "iran_orders.csv"
    orders.write_text("day,days,order\n0,7,halt\n7,,back\n")
    inline = [{"day": 0, "days": 7, "order": "halt"}, {"day": 7, "order": "back"}]
    assert validate({"iran": {"orders": str(orders)}}) == validate({"iran": {"orders": inline}})


def test_a_fallback_policy_is_checked_like_the_actors_policy(tmp_path):
    with pytest.raises(ConfigError, match="unknown militia policy 'hazzard'") as err:
        validate({"militia": {"policy": {"name": "human", "fallback": "hazzard"}}})
    assert err.value.key == "militia.policy.fallback.name"
    with pytest.raises(ConfigError, match="the fallback cannot be a person") as err:
        validate({"militia": {"policy": {"name": "human", "fallback": "human"}}})
    with pytest.raises(ConfigError, match="unknown us policy 'hazard'"):
        validate({"us": {"policy": {"name": "human", "fallback": "hazard"}}})
    cfg = validate({"militia": {"policy": {"name": "human", "fallback": {"base_rate": 2.0}}}})
    assert cfg.militia.policy.fallback.name == "hazard"  # the default policy's parameters
    assert cfg.militia.policy.fallback.base_rate == 2.0


def test_a_run_too_large_for_memory_is_refused_in_one_line_before_it_allocates():
    """replicas=200000 used to pass validation and grow until the kernel killed it."""
    from sim.model.memory import check_memory

    with pytest.raises(ConfigError) as err:
        check_memory(730, 200_000, available=8 * 2**30)
    message = str(err.value)
    assert message.startswith(
        "replicas: 200000 replicas x 730 days with its event log and per-day table need about"
    )
    assert "8.0 GiB are available, enough for about" in message and "\n" not in message
    check_memory(730, 100, available=8 * 2**30)  # the default run fits
    # the outputs count: 2,000 replicas x 5 years fit in 4 GiB without them, not with them
    check_memory(1826, 2000, events=False, table=False, available=4 * 2**30)
    with pytest.raises(ConfigError, match="with its event log need about"):
        check_memory(1826, 2000, events=True, table=False, available=4 * 2**30)
    # a sweep's jobs that start together share the memory: one that fits alone may not
    check_memory(1826, 2000, events=False, table=False, available=8 * 2**30)
    with pytest.raises(ConfigError) as shared:
        check_memory(1826, 2000, events=False, table=False, available=8 * 2**30, shared_by=8)
    assert "available, shared by 8 jobs at once" in str(shared.value)
    assert "fewer jobs at once (hydra.launcher.n_jobs)" in str(shared.value)


def test_a_sweeps_jobs_at_once_are_its_local_workers():
    from joblib import effective_n_jobs
    from omegaconf import OmegaConf

    from sim.sweeps.cli import _jobs_at_once

    assert _jobs_at_once(OmegaConf.create({"n_jobs": 2})) == 2
    assert _jobs_at_once(OmegaConf.create({"n_jobs": -1})) == effective_n_jobs(-1)
    assert _jobs_at_once(OmegaConf.create({"partition": "debug"})) == 1  # Slurm: its own
    with pytest.raises(ConfigError, match=r"^replicas: "):
        EscalationModel({"replicas": 1_000_000, "horizon_days": 36_500})  # ~10 TiB


def test_a_run_too_large_for_memory_is_one_line_on_the_command_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "replicas=1000000", "horizon_days=36500",
         f"hydra.run.dir={tmp_path / 'big'}"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines[-1].startswith("escalation-sim: error: replicas: 1000000 replicas x 36500")
    assert "Traceback" not in proc.stderr


def test_a_file_that_is_not_a_csv_never_has_its_content_echoed(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("root:*:20228:0:99999:7:::\n")
    for config, key in (
        ({"us": {"policy": {"name": "human", "log": str(secret)}}}, "us.policy.log"),
        ({"iran": {"orders": str(secret)}}, "iran.orders"),
    ):
        with pytest.raises(ConfigError, match="not a header of column names") as err:
            validate(config)
        assert err.value.key == key and "20228" not in str(err.value)


def test_a_shock_cannot_force_deaths_the_day_does_not_draw():
    """Only a militia attack's and a US strike's deaths are resolved; a shock forcing the
    deaths of another actor's use of force (here an Iraqi raid of a custom ladder) would be
    silently ignored, so it is refused."""
    from sim.core.ladder import read_ladder

    rungs = read_ladder("default")["rungs"]
    raid = {"name": "raid", "level": 5, "actors": ["iraq"], "goldstein": -10.0}
    shock = {"day": 3, "actor": "iraq", "action": "raid", "killed": 2}
    with pytest.raises(ConfigError) as caught:
        validate({"ladder": {"rungs": [*rungs, raid]}, "shocks": [shock]})
    assert caught.value.key == "shocks[0].killed"
    assert "militia and us actions only" in str(caught.value)
    validate({"ladder": {"rungs": [*rungs, raid]}, "shocks": [{**shock, "killed": None}]})


def test_bad_input_on_the_plain_command_leaves_no_process_behind(tmp_path):
    """The plain command forks its model's process at start (which forks the figure's): on
    bad input the model's process, never called, is stopped, and it stops the figure's."""
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "unique-run-dir"
    err = tmp_path / "stderr.txt"
    with err.open("w") as stderr:  # a file, not a pipe: run() returns when the command ends
        proc = subprocess.run(
            [sys.executable, "-m", "sim", "replicas=-1", f"hydra.run.dir={out}"],
            stdout=subprocess.DEVNULL, stderr=stderr, cwd=tmp_path, timeout=120,
        )  # fmt: skip
    assert proc.returncode == 2
    assert err.read_text().strip().splitlines()[-1].startswith("escalation-sim: error: replicas")
    left = []
    for p in psutil.process_iter(["cmdline", "status"]):
        cmdline = p.info["cmdline"] or []
        if any(str(out) in arg for arg in cmdline):
            left.append((p.pid, p.info["status"], cmdline))
    assert left == []
