"""End-to-end tests of the crop flow on the sample, on bad input and on real data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import rioxarray  # noqa: F401
import xarray as xr

from dtnmodels.core.errors import (
    CRSWarning,
    DataValidationError,
    UnknownModelError,
)
from dtnmodels.flows import run

QUIET = ["run.progress=false"]


def test_default_flow_on_sample(tmp_path):
    """The sample run selects a feature model that beats the trend baseline."""
    result = run("crop", overrides=QUIET, out_dir=tmp_path)

    metrics = json.loads((result.run_dir / "metrics.json").read_text())
    models = metrics["models"]
    assert metrics["baseline"] == "linear_trend"
    assert metrics["selected"] in ("trend_ridge", "trend_gbm")
    assert models[metrics["selected"]]["rmse"] < 0.8 * models["linear_trend"]["rmse"]
    assert "rmse@past_only" in models["linear_trend"]
    assert 0.5 < models[metrics["selected"]]["coverage80"] <= 1.0
    assert "<img" in (result.run_dir / "report.html").read_text()

    hist = xr.open_dataset(result.run_dir / "histograms.nc")
    assert {"ndvi_hist", "red_hist", "nir_hist"} <= set(hist.data_vars)
    assert float(hist["red_hist"].sum("bin").max()) <= 1.0 + 1e-9
    hist.close()

    flags = pd.read_parquet(result.run_dir / "composite_flags.parquet")
    bad = flags[flags["flag"] != "ok"].set_index("season")["flag"].to_dict()
    assert bad == {2019: "all_cloud", 2021: "missing"}

    pred = pd.read_parquet(result.run_dir / "predictions.parquet")
    forecast = pred[pred["kind"] == "forecast"]
    assert {"region", "year", "mean", "q0.1", "q0.9", "model"} <= set(pred.columns)
    assert sorted(forecast["year"].unique()) == [2025]
    assert len(forecast) == 16
    assert (forecast["q0.1"] < forecast["mean"]).all()
    assert (forecast["mean"] < forecast["q0.9"]).all()


def test_in_season_cutoff_uses_only_early_images(tmp_path):
    """With season.cutoff no composite after the cutoff enters the features."""
    overrides = [
        *QUIET,
        "season.cutoff=2025-06-20",
        "compare=[]",
        "evaluation.report_past_only=false",
    ]

    result = run("crop", overrides=overrides, out_dir=tmp_path)

    flags = pd.read_parquet(result.run_dir / "composite_flags.parquet")
    assert flags["day"].max() <= 50
    assert flags["period"].max() == 3
    assert result.metrics["selected"] in ("trend_ridge", "linear_trend")


def test_unknown_model_name_fails_fast(tmp_path):
    """An unknown model name is refused before any data is read."""
    with pytest.raises(UnknownModelError, match="does_not_exist"):
        run("crop", overrides=[*QUIET, "model.name=does_not_exist"], out_dir=tmp_path)


def _write_dates(folder, *, shift_second: float = 0.0, crs2: str = "EPSG:5070"):
    folder.mkdir()
    for k, day in enumerate(["20200601", "20200617"]):
        x = 150_000.0 + 30.0 * (np.arange(8) + 0.5) + (shift_second if k else 0.0)
        y = 2_000_000.0 - 30.0 * (np.arange(8) + 0.5)
        data = np.stack([np.full((8, 8), 500.0), np.full((8, 8), 3000.0)])
        da = xr.DataArray(
            data.astype("int16"),
            dims=("band", "y", "x"),
            coords={"band": [1, 2], "y": y, "x": x},
        )
        da = da.rio.write_crs("EPSG:5070").rio.write_nodata(-9999)
        if k and crs2 != "EPSG:5070":
            da = da.rio.reproject(crs2)
        da.rio.to_raster(folder / f"img_{day}.tif")
    return str(folder / "img_*.tif")


def _imagery_only(pattern):
    return [
        *QUIET,
        f"data.imagery={pattern}",
        "data.regions=null",
        "data.crop_mask=null",
        "data.yields=null",
        "imagery.qa.band=null",
        "imagery.band_names=[red,nir]",
        "imagery.time_pattern=%Y%m%d",
        "imagery.bands.red.source=red",
        "imagery.bands.nir.source=nir",
        "season.start=05-01",
        "season.length_days=60",
        "features.histogram_bins=[]",
    ]


def test_dates_on_other_grids_error_names_the_file(tmp_path):
    """With on_grid_mismatch=error the message names the file that differs."""
    pattern = _write_dates(tmp_path / "img", shift_second=15.0)
    overrides = [*_imagery_only(pattern), "imagery.on_grid_mismatch=error"]

    with pytest.raises(DataValidationError, match=r"img_20200617\.tif"):
        run("crop", overrides=overrides, out_dir=tmp_path / "runs")


def test_dates_on_other_crs_are_reprojected(tmp_path):
    """A date in another CRS is reprojected onto the first grid (with a warning)."""
    pattern = _write_dates(tmp_path / "img", crs2="EPSG:32615")

    with pytest.warns(CRSWarning, match=r"img_20200617\.tif"):
        result = run(
            "crop", overrides=_imagery_only(pattern), out_dir=tmp_path / "runs"
        )

    summary = result.metrics["models"]["season_features"]
    assert summary["ndvi_peak"] == pytest.approx((0.3 - 0.05) / 0.35, abs=1e-3)


def test_duplicate_yields_are_refused(tmp_path):
    """Two yields for one field and year stop the run, naming the pair."""
    from dtnmodels.datasets import sample_path

    frame = pd.read_csv(sample_path("crop/yields.csv"), dtype={"region": str})
    frame = pd.concat([frame, frame.iloc[[0]]])
    path = tmp_path / "yields.csv"
    frame.to_csv(path, index=False)

    with pytest.raises(DataValidationError, match="F01/2015"):
        run("crop", overrides=[*QUIET, f"data.yields={path}"], out_dir=tmp_path)


# ------------------------------------------------------------------ real data

REPO = __import__("pathlib").Path(__file__).resolve().parents[2]


@pytest.mark.real_data
def test_cbers_season_values(real_data, tmp_path, monkeypatch):
    """CBERS season: NDVI ~0.30 in Sep 2017, ~0.83 at the Feb 2018 peak, ~0.38 Jul."""
    monkeypatch.setenv("DTNMODELS_DATA", str(real_data))

    result = run(
        "crop",
        [REPO / "configs/crop-cbers-season.yaml"],
        overrides=QUIET,
        out_dir=tmp_path,
    )

    s = result.metrics["models"]["season_features"]
    assert s["ndvi@2017-09"] == pytest.approx(0.30, abs=0.03)
    assert s["ndvi@2018-02"] == pytest.approx(0.83, abs=0.02)
    assert s["ndvi@2018-07"] == pytest.approx(0.38, abs=0.02)
    assert s["ndvi_peak"] == pytest.approx(0.83, abs=0.02)
    peak = pd.Timestamp("2017-08-28") + pd.Timedelta(days=s["ndvi_peak_day"])
    assert peak.month == 2 and peak.year == 2018


@pytest.mark.real_data
def test_soybean_counties_beats_ols_trend(real_data, tmp_path, monkeypatch):
    """County soybeans (3 test years): pooled trend + space-time GP beats OLS trend."""
    monkeypatch.setenv("DTNMODELS_DATA", str(real_data))
    overrides = [
        *QUIET,
        "evaluation.years=[2013,2014,2015]",
        "evaluation.report_past_only=false",
        "compare=[]",
    ]

    with pytest.warns(Warning, match="2016"):
        result = run(
            "crop",
            [REPO / "configs/crop-soybean-counties.yaml"],
            overrides=overrides,
            out_dir=tmp_path,
        )

    models = result.metrics["models"]
    assert result.metrics["selected"] == "trend_gp"
    assert models["trend_gp"]["rmse"] < 0.95 * models["linear_trend"]["rmse"]
    assert models["trend_gp"]["rmse"] < 7.0


@pytest.mark.real_data
def test_naip_stutsman_end_to_end(real_data, tmp_path, monkeypatch):
    """NAIP over Stutsman: NDVI per year joined to the county's yields, scored."""
    monkeypatch.setenv("DTNMODELS_DATA", str(real_data))

    result = run(
        "crop",
        [REPO / "configs/crop-naip-stutsman.yaml"],
        overrides=[*QUIET, "evaluation.report_past_only=false"],
        out_dir=tmp_path,
    )

    features = pd.read_parquet(result.run_dir / "season_features.parquet")
    assert features["region"].unique().tolist() == ["38093"]
    assert sorted(features["year"]) == [2009, 2010, 2012, 2014, 2015]
    # NDVI from uint8 DN: finite and in [-1, 1], but not reflectance-calibrated
    assert features["ndvi_peak"].between(-1.0, 1.0).all()
    assert set(result.metrics["models"]) == {
        "linear_trend",
        "historical_mean",
        "trend_ridge",
    }
