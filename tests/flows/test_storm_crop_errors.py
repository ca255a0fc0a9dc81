"""Bad input to the storm and crop flows: one clear error and a failed run record."""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import pandas as pd
import pytest
import xarray as xr

from dtnmodels.core.errors import ConfigError, DataGapWarning, DataValidationError
from dtnmodels.datasets import sample_path
from dtnmodels.flows import load_config, run
from dtnmodels.flows.storm import _check_task


@pytest.mark.parametrize(
    ("override", "match"),
    [
        ("evaluation.quantiles=[0.1,2.0]", r"evaluation\.quantiles: give levels"),
        ("run.as_of=notadate", r"run\.as_of: 'notadate' is not a date"),
    ],
)
def test_storm_config_values_checked_before_running(override, match):
    """Out-of-range quantiles and unparsable as-of dates are config errors."""
    cfg = load_config("storm", overrides=[override])

    with pytest.raises(ConfigError, match=match):
        _check_task(cfg)


def test_storm_regions_outside_the_grid_fail_the_run(tmp_path):
    """Regions that miss the hazard grid stop the run instead of forecasting NaN."""
    regions = gpd.read_file(sample_path("storm/counties.geojson"))
    regions["geometry"] = regions.translate(40.0, 0.0)
    path = tmp_path / "elsewhere.geojson"
    regions.to_file(path)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataGapWarning)
        with pytest.raises(DataValidationError, match="no region has a valid hazard"):
            run(
                "storm",
                overrides=[f"data.regions={path}", "run.progress=false"],
                out_dir=tmp_path / "runs",
            )

    (record,) = (tmp_path / "runs" / "storm").iterdir()
    manifest = json.loads((record / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert "no region has a valid hazard" in manifest["error"]["message"]


def _crop_run(tmp_path, override):
    """Run the crop flow on the sample with one input swapped."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataGapWarning)
        return run(
            "crop",
            overrides=[override, "run.progress=false", "compare=[]"],
            out_dir=tmp_path / "runs",
        )


def test_crop_all_cloud_imagery_fails(tmp_path):
    """Imagery that is cloud everywhere stops the run instead of fitting on trend."""
    imagery = xr.open_dataset(sample_path("crop/imagery.nc")).load()
    imagery["qa"][:] = 1
    path = tmp_path / "cloudy.nc"
    imagery.to_netcdf(path)

    with pytest.raises(DataValidationError, match="no region has a valid ndvi pixel"):
        _crop_run(tmp_path, f"data.imagery={path}")


def test_crop_yields_for_other_regions_fail(tmp_path):
    """Yields whose ids match no region are refused, showing both id styles."""
    yields = pd.read_csv(sample_path("crop/yields.csv"))
    yields["region"] = "ZZ" + yields["region"]
    path = tmp_path / "yields.csv"
    yields.to_csv(path, index=False)

    with pytest.raises(DataValidationError, match=r"no region id matches .*'ZZF01'"):
        _crop_run(tmp_path, f"data.yields={path}")


def test_crop_years_without_imagery_are_named(tmp_path):
    """Yield years whose season has no image are named in a DataGapWarning."""
    imagery = xr.open_dataset(sample_path("crop/imagery.nc")).load()
    path = tmp_path / "two_seasons.nc"
    imagery.sel(time=slice("2015", "2016")).to_netcdf(path)

    with pytest.warns(DataGapWarning, match=r"no usable image .* \[2017, 2018"):
        run(
            "crop",
            overrides=[f"data.imagery={path}", "run.progress=false", "compare=[]"],
            out_dir=tmp_path / "runs",
        )


def test_crop_as_of_must_be_a_date():
    """An unparsable run.as_of is a config error naming the key."""
    from dtnmodels.flows.crop import _check_choices

    cfg = load_config("crop", overrides=["run.as_of=notadate"])

    with pytest.raises(ConfigError, match=r"run\.as_of: 'notadate' is not a date"):
        _check_choices(cfg)
