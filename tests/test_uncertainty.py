"""Parameter uncertainty: each replica draws its calibrated parameters from the posterior."""

from __future__ import annotations

import numpy as np
import pytest

from sim import EscalationModel
from sim.analysis.sensitivity import _merge, _nested
from sim.core.params import ConfigError
from sim.core.posterior import UNCERTAIN, load_posterior
from sim.model.uncertainty import drawn

BASE = {"seed": 5, "replicas": 12, "horizon_days": 120}


def test_by_default_each_replica_draws_its_own_calibrated_parameters():
    model = EscalationModel(BASE, record_events=False)
    assert sorted(model.draws) == sorted(UNCERTAIN)
    post = load_posterior()
    for key, values in model.draws.items():
        assert values.shape == (12,)
        assert np.isin(values, post[key].to_numpy()).all()
    assert len(np.unique(model.draws["militia.policy.base_rate"])) > 3
    assert EscalationModel({**BASE, "parameters": "point"}).draws == {}


def test_a_replica_draws_the_same_set_however_it_is_run_and_scenarios_share_draws():
    full = EscalationModel(BASE, record_events=False)
    part = EscalationModel(BASE, replica_ids=[3, 7], record_events=False)
    other = EscalationModel({**BASE, "withdrawal": {"start_month": 2}}, record_events=False)
    for key in UNCERTAIN:
        assert part.draws[key].tolist() == full.draws[key][[3, 7]].tolist()
        assert other.draws[key].tolist() == full.draws[key].tolist()


def test_a_replica_run_with_its_draws_is_the_point_run_at_those_values():
    """The drawn values reach every kernel: each replica of the posterior run is the point run
    of that replica with its draws set as the configuration. Over a year some replicas have US
    deaths and Iranian halts, so the parameters of those paths are exercised too (checked:
    a draw that never reached its kernel hid behind a replica without deaths)."""
    base = {**BASE, "horizon_days": 365}
    model = EscalationModel(base, record_events=False).run()
    data = model.series.data
    assert (data["us_killed"].sum(axis=0) > 0).sum() >= 3
    assert (data["iran_halt"].sum(axis=0) > 0).sum() >= 3
    for r in range(model.n_replicas):
        point = {key: float(values[r]) for key, values in model.draws.items()}
        cfg = _merge({**base, "parameters": "point"}, _nested(point))
        alone = EscalationModel(cfg, replica_ids=[r], record_events=False).run()
        for name, values in data.items():
            np.testing.assert_array_equal(
                values[:, r], alone.series.data[name][:, 0], err_msg=f"{name}, replica {r}"
            )


def test_a_calibrated_parameter_the_scenario_sets_holds_for_every_replica():
    cfg = {**BASE, "iran": {"restraint": 0.05}}
    model = EscalationModel(cfg, record_events=False)
    assert "iran.restraint" not in model.draws and "iraq.offramp" in model.draws
    assert (model.iran.params.restraint == 0.05).all()
    assert "militia.policy.base_rate" not in drawn(
        EscalationModel({**BASE, "militia": {"policy": {"name": "tit_for_tat"}}}).config
    )


@pytest.mark.parametrize(
    ("posterior", "message"),
    [
        ("/nonexistent/posterior.csv", "posterior: the posterior file /nonexistent/posterior.csv"),
        ("troops", "not the calibrated parameters"),  # a shipped CSV that is no posterior
    ],
)
def test_an_unusable_posterior_is_one_line_naming_it(posterior, message):
    with pytest.raises(ConfigError) as err:
        EscalationModel({**BASE, "posterior": posterior})
    assert message in str(err.value) and "\n" not in str(err.value)
    EscalationModel({**BASE, "posterior": posterior, "parameters": "point"})  # not needed
