"""Calibration: rejection ABC runs at a small size, on the right patterns, the same whatever
the number of workers, and its shipped posterior is checked and carried by the historical
scenario."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import EscalationModel
from sim.analysis.calibration import (
    FIT_END,
    FREE,
    calibrate,
    distance,
    historical_base,
    observed,
    patterns,
    point_patterns,
    posterior_summary,
    prior_sample,
    record_patterns,
    stability,
)
from sim.config.validation import validate
from sim.core.params import ConfigError
from sim.core.posterior import load_posterior

from .conftest import ROOT


def test_the_fitting_window_holds_the_wave_tower_22_and_the_lull_not_may_to_august():
    obs = observed()
    assert obs.date.max() <= FIT_END < pd.Timestamp("2024-05-01")
    assert len(obs) == 9 and obs.cumulative_attacks.is_monotonic_increasing
    record = record_patterns()
    assert record["first_us_death_day"] == 103  # Tower 22, 28 Jan 2024
    assert record["spared_before_first_deaths"] == 1.0  # ~160 attacks without a US death
    assert record["lull_attacks"] == 0
    assert record["us_force_days"] >= 10
    base = historical_base()
    assert base["horizon_days"] == (FIT_END - pd.Timestamp(base["start_date"])).days + 1


def test_patterns_of_a_run_are_those_the_record_gives():
    model = EscalationModel({**historical_base(replicas=5), "seed": 1}, record_events=False).run()
    table = patterns(model)
    assert list(table.columns) == list(record_patterns())
    assert len(table) == 5
    assert (table.first_us_death_day <= model.day).all()
    cum = model.series.data["cum_attacks"]
    assert np.allclose(table.log_cum_110, np.log1p(cum[110]))
    spared = table.spared_before_first_deaths
    assert spared.isin([0.0, 1.0]).all()
    assert (spared == (table.first_us_death_day >= 103)).all()


def test_a_point_is_judged_by_its_median_history_and_the_share_spared():
    replicas = pd.DataFrame(
        {
            "log_cum_7": [1.0, 2.0, 9.0],
            "first_us_death_day": [50.0, 110.0, 120.0],
            "spared_before_first_deaths": [0.0, 1.0, 1.0],
        }
    )
    point = point_patterns(replicas)
    assert point["log_cum_7"] == 2.0 and point["first_us_death_day"] == 110.0
    assert point["spared_before_first_deaths"] == pytest.approx(2 / 3)  # a share, not a median


def test_the_distance_is_zero_at_the_record_and_grows_with_each_miss():
    record = pd.DataFrame([record_patterns()])
    assert distance(record)[0] == 0.0
    late = record.assign(first_us_death_day=record.first_us_death_day + 28)  # one tolerance
    busy = record.assign(lull_attacks=10.0)  # two tolerances
    early = record.assign(spared_before_first_deaths=0.9)  # one tolerance
    assert np.allclose(distance(late), 1.0) and np.allclose(distance(busy), 2.0)
    assert np.allclose(distance(early), 1.0)
    short = record.assign(log_cum_110=record.log_cum_110 - 0.1)  # one dated count, 10% short
    assert np.allclose(distance(short), 1.0)


def test_rejection_abc_keeps_the_closest_points_the_same_whatever_the_workers():
    base = historical_base()
    post, sample = calibrate(base, samples=16, keep=4, replicas_per_particle=2, seed=3)
    assert list(post.columns) == [p.key for p in FREE] + ["weight"]
    assert len(post) == 4 and np.allclose(post.weight, 0.25)
    for p in FREE:
        assert sample[p.key].between(p.low, p.high).all()
    closest = sample.nsmallest(4, "distance")
    np.testing.assert_array_equal(post[FREE[0].key], closest[FREE[0].key])
    assert list(sample.columns[len(FREE) : -1]) == list(record_patterns())
    again, sample2 = calibrate(base, samples=16, keep=4, replicas_per_particle=2, seed=3, workers=2)
    pd.testing.assert_frame_equal(post, again)
    pd.testing.assert_frame_equal(sample, sample2)
    table = stability(sample, keep=4)
    assert list(table.parameter) == [p.key for p in FREE]
    assert table.largest_difference_share_of_prior.between(0, 1).all()


def test_a_saved_sample_is_reselected_on_distances_recomputed_with_the_current_tolerances(
    tmp_path, monkeypatch
):
    """--from-sample never selects on the distances stored in the file: a stale column (here
    reversed) changes nothing, and a changed tolerance changes the selection."""
    import experiments.calibrate_2023 as script
    from sim.analysis import calibration

    _, sample = calibrate(historical_base(), samples=16, keep=4, replicas_per_particle=2, seed=3)
    sample.assign(distance=sample.distance.max() - sample.distance).to_parquet(
        tmp_path / "sample.parquet"
    )
    monkeypatch.setattr(script, "plot_posterior", lambda *args: None)

    def reselect() -> pd.Series:
        posterior = tmp_path / "posterior.csv"
        args = ["--from-sample", str(tmp_path / "sample.parquet"), "--keep", "4"]
        script.main([str(tmp_path / "out"), *args, "--posterior", str(posterior)])
        return pd.read_csv(posterior)[FREE[0].key]

    closest = sample.nsmallest(4, "distance")[FREE[0].key].to_numpy()
    np.testing.assert_allclose(reselect(), closest)
    # Only the lull counts (every other pattern's miss made negligible): another selection.
    tight = {k: 1e9 for k in calibration.TOLERANCE} | {"lull_attacks": 1.0}
    monkeypatch.setattr(calibration, "TOLERANCE", tight)
    lull_only = sample.assign(d=sample.lull_attacks.abs()).nsmallest(4, "d")[FREE[0].key]
    chosen = reselect()
    np.testing.assert_allclose(np.sort(chosen), np.sort(lull_only.to_numpy()))
    assert not np.allclose(np.sort(chosen), np.sort(closest))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.drop(columns="lull_attacks"), "not a calibration sample (lacks lull_attacks)"),
        (lambda s: s.assign(lull_attacks="x"), "column lull_attacks is not numeric"),
        (
            lambda s: s.assign(**{"iran.halt_trigger": 9.0}),
            "iran.halt_trigger lies outside its prior [0.3, 2.5] (a sample of other priors)",
        ),
        (lambda s: s.head(6), "--keep 4 must be at most half of the sample's 6 points"),
    ],
)
def test_an_unusable_saved_sample_is_one_line_naming_it(tmp_path, capsys, change, message):
    import experiments.calibrate_2023 as script

    points = prior_sample(16, seed=3)
    sample = pd.concat(
        [points, pd.DataFrame([record_patterns()] * 16, index=points.index)], axis=1
    ).assign(distance=0.0)
    change(sample).to_parquet(tmp_path / "sample.parquet")
    with pytest.raises(SystemExit):
        args = ["--from-sample", str(tmp_path / "sample.parquet"), "--keep", "4"]
        script.main([str(tmp_path / "out"), *args, "--posterior", str(tmp_path / "posterior.csv")])
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(message)
    assert not (tmp_path / "posterior.csv").exists()


def test_the_defaults_of_the_calibrated_parameters_are_the_posteriors_medians():
    summary = posterior_summary(load_posterior()).set_index("parameter")
    cfg = validate({"parameters": "point"})
    for key, median in summary["median"].items():
        node = cfg
        for part in key.split("."):
            node = getattr(node, part)
        assert node == median, key
    historical = yaml.safe_load((ROOT / "configs/scenario/historical_2023.yaml").read_text())
    validate({k: v for k, v in historical.items() if k != "defaults"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "is missing"),
        ("not,a,posterior\n1,2,3\n", "not the calibrated parameters"),
        ("", "is corrupt: No columns to parse"),
    ],
)
def test_a_bad_posterior_file_is_refused_with_one_line(tmp_path, text, message):
    path = tmp_path / "posterior.csv"
    if text is not None:
        path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_posterior(path)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert str(err.value).startswith("posterior: ")


def test_weights_that_do_not_sum_to_one_are_refused(tmp_path):
    post = load_posterior()
    post["weight"] *= 2
    path = tmp_path / "posterior.csv"
    post.to_csv(path, index=False)
    with pytest.raises(ConfigError, match="weights must be positive and sum to 1"):
        load_posterior(path)
