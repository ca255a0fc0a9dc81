"""Tests for dtnmodels.grid.zonal: hand-computed faults on a 3×4 grid, oracles, dask."""

from __future__ import annotations

import warnings

import dask
import dask.array
import geopandas as gpd
import numpy as np
import pytest
import rioxarray  # noqa: F401
import shapely
import xarray as xr
from dask.callbacks import Callback

from dtnmodels.core.errors import DataGapWarning, DataValidationError
from dtnmodels.grid import RegionAggregator, zonal_stats

# The 3×4 test grid: 1° cells, lat rows 3→0 (descending), lon 0→4.
# Cell (row r, col c) spans lon [c, c+1], lat [2-r, 3-r] and holds 4r + c:
#
#   lat 2..3 |  0  1  2  3
#   lat 1..2 |  4  5  6  7
#   lat 0..1 |  8  9 10 11
LAT = np.array([2.5, 1.5, 0.5])
LON = np.array([0.5, 1.5, 2.5, 3.5])


def grid(values=None, dtype=np.float64) -> xr.DataArray:
    """The 3×4 lat/lon test grid (EPSG:4326 via rioxarray)."""
    if values is None:
        values = np.arange(12).reshape(3, 4)
    da = xr.DataArray(
        np.asarray(values, dtype=dtype),
        dims=("lat", "lon"),
        coords={"lat": LAT, "lon": LON},
        name="v",
    )
    return da.rio.write_crs("EPSG:4326")


def regions(*boxes, crs="EPSG:4326") -> gpd.GeoDataFrame:
    """GeoDataFrame of (id, geometry) pairs."""
    ids = [b[0] for b in boxes]
    geoms = [b[1] for b in boxes]
    return gpd.GeoDataFrame({"id": ids}, geometry=geoms, crs=crs)


def one(ds: xr.Dataset, stat: str, region: str) -> float:
    """A single statistic of one region as a float."""
    return float(ds[stat].sel(region=region))


def test_partly_outside_gives_stats_of_covered_part_and_coverage():
    """A box half off the east edge: mean of the covered cells, outside share."""
    regs = regions(("p", shapely.box(2.5, 1.0, 5.0, 3.0)))

    out = zonal_stats(
        grid(), regs, id_col="id", stats=("mean", "sum", "min", "max", "coverage")
    )

    # cells 2 and 6 half covered, 3 and 7 fully: (1 + 3 + 3 + 7) / 3
    assert one(out, "mean", "p") == pytest.approx(14 / 3)
    assert one(out, "sum", "p") == pytest.approx(14.0)
    assert one(out, "min", "p") == 2.0
    assert one(out, "max", "p") == 7.0
    # area 2.5 × 2 = 5 deg², covered 3 deg²
    assert one(out, "coverage_valid", "p") == pytest.approx(0.6)
    assert one(out, "coverage_nodata", "p") == pytest.approx(0.0)
    assert one(out, "coverage_outside", "p") == pytest.approx(0.4)


def test_wholly_outside_regions_are_nan_with_one_warning():
    """Two regions off the grid: NaN stats, coverage 0, a single warning."""
    regs = regions(
        ("in", shapely.box(0, 2, 1, 3)),
        ("far1", shapely.box(10, 10, 11, 11)),
        ("far2", shapely.box(-20, -20, -19, -19)),
    )

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = zonal_stats(grid(), regs, id_col="id", stats=("mean", "max", "coverage"))

    gap = [w for w in caught if issubclass(w.category, DataGapWarning)]
    assert len(gap) == 1
    assert "2 of 3 regions" in str(gap[0].message)
    assert one(out, "mean", "in") == 0.0
    for rid in ("far1", "far2"):
        assert np.isnan(one(out, "mean", rid))
        assert np.isnan(one(out, "max", rid))
        assert one(out, "coverage_valid", rid) == 0.0
        assert one(out, "coverage_outside", rid) == 1.0


def test_region_smaller_than_a_pixel_gets_the_pixel_value():
    """A 0.25° box inside cell 5 gets 5; one straddling cells 4|5 gets 4.5."""
    regs = regions(
        ("tiny", shapely.box(1.25, 1.25, 1.5, 1.5)),
        ("edge", shapely.box(0.9, 1.2, 1.1, 1.4)),
    )

    out = zonal_stats(grid(), regs, id_col="id", stats=("mean", "count", "coverage"))

    assert one(out, "mean", "tiny") == pytest.approx(5.0)
    assert one(out, "count", "tiny") == pytest.approx(0.0625)
    assert one(out, "coverage_valid", "tiny") == pytest.approx(1.0)
    assert one(out, "mean", "edge") == pytest.approx(4.5)


def test_fill_value_and_nan_never_leak_into_the_mean():
    """-999 (_FillValue) and NaN in row 0 are skipped; coverage shows them."""
    values = np.arange(12, dtype=float).reshape(3, 4)
    values[0, 0] = -999.0
    values[0, 1] = np.nan
    da = grid(values)
    da.attrs["_FillValue"] = -999.0
    regs = regions(("top", shapely.box(0, 2, 3, 3)))

    out = zonal_stats(da, regs, id_col="id", stats=("mean", "std", "sum", "coverage"))

    assert one(out, "mean", "top") == 2.0
    assert one(out, "std", "top") == 0.0
    assert one(out, "sum", "top") == 2.0
    assert one(out, "coverage_valid", "top") == pytest.approx(1 / 3)
    assert one(out, "coverage_nodata", "top") == pytest.approx(2 / 3)
    assert one(out, "coverage_outside", "top") == pytest.approx(0.0)


def test_explicit_nodata_and_rio_nodata_on_integer_band():
    """An int16 band with rio nodata 0: zeros are missing."""
    values = np.arange(12).reshape(3, 4)  # cell 0 holds 0
    da = grid(values, dtype=np.int16).rio.write_nodata(0)
    regs = regions(("top", shapely.box(0, 2, 2, 3)))

    out = zonal_stats(da, regs, id_col="id", stats=("mean", "coverage_nodata"))
    explicit = zonal_stats(grid(values), regs, id_col="id", nodata=0.0)

    assert one(out, "mean", "top") == 1.0
    assert one(out, "coverage_nodata", "top") == pytest.approx(0.5)
    assert one(explicit, "mean", "top") == 1.0


@pytest.mark.parametrize(
    ("dtype", "value", "expected_sum"),
    [(np.uint8, 255, 12 * 255.0), (np.int16, 30000, 12 * 30000.0)],
)
def test_integer_sums_do_not_overflow(dtype, value, expected_sum):
    """Sums of uint8/int16 bands are computed in float64."""
    da = grid(np.full((3, 4), value), dtype=dtype)
    regs = regions(("all", shapely.box(0, 0, 4, 3)))

    out = zonal_stats(da, regs, id_col="id", stats=("sum", "mean", "max"))

    assert out["sum"].dtype == np.float64
    assert one(out, "sum", "all") == expected_sum
    assert one(out, "mean", "all") == float(value)
    assert one(out, "max", "all") == float(value)


def test_box_west_of_zero_on_a_0_360_grid_is_not_empty():
    """Boxes at lon -2..-1 and -1..1 find columns 358 and 359/0 of a 0..360 grid."""
    lon = np.arange(360) + 0.5
    values = np.tile(np.arange(360, dtype=float), (3, 1)) + 1000 * np.arange(3)[:, None]
    da = xr.DataArray(values, dims=("lat", "lon"), coords={"lat": LAT, "lon": lon})
    regs = regions(
        ("west", shapely.box(-2, 2, -1, 3)),
        ("across", shapely.box(-1, 1, 1, 2)),
    )

    out = zonal_stats(da, regs, id_col="id", stats=("mean", "coverage_outside"))

    assert one(out, "mean", "west") == 358.0
    assert one(out, "mean", "across") == pytest.approx((1359 + 1000) / 2)
    assert one(out, "coverage_outside", "across") == pytest.approx(0.0)


def test_descending_lat_grid_equals_ascending_twin(rng):
    """Flipping the latitude order of grid and values changes no statistic."""
    da = grid(rng.normal(size=(3, 4)))
    twin = da.isel(lat=slice(None, None, -1))
    regs = regions(
        ("a", shapely.box(0.3, 0.2, 2.7, 1.9)),
        ("b", shapely.Polygon([(0, 0), (4, 3), (4, 0)])),
    )
    stats = ("mean", "sum", "std", "min", "max", "coverage")

    down = zonal_stats(da, regs, id_col="id", stats=stats, quantiles=(0.5,))
    up = zonal_stats(twin, regs, id_col="id", stats=stats, quantiles=(0.5,))

    xr.testing.assert_allclose(down, up)


def test_projected_grid_with_ascending_y_and_reprojected_regions():
    """A y/x grid in EPSG:3857 with ascending y, regions given in EPSG:4326."""
    from pyproj import Transformer

    to_merc = Transformer.from_crs(4326, 3857, always_xy=True)
    x0, y0 = to_merc.transform(0.0, 0.0)
    x1, y1 = to_merc.transform(4.0, 3.0)
    x = np.linspace(x0, x1, 9)[1::2]
    y = np.linspace(y0, y1, 7)[1::2]  # ascending; row 0 is the south
    da = xr.DataArray(
        np.arange(12.0).reshape(3, 4), dims=("y", "x"), coords={"y": y, "x": x}
    ).rio.write_crs("EPSG:3857")
    lon_edges = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    lon_edge, _ = to_merc.transform(lon_edges, np.zeros(5))
    assert np.allclose(np.diff(lon_edge), np.diff(lon_edge)[0])
    regs = regions(("sw", shapely.box(0.0, 0.0, 2.0, 0.5)))

    out = zonal_stats(da, regs, id_col="id")

    # in Mercator the box is 2 columns wide in the southern row (values 0, 1)
    assert one(out, "mean", "sw") == pytest.approx(0.5)


def _reference(values, geoms, x_edges, y_edges):
    """Naive per-region, per-pixel loop with shapely intersection areas."""
    out = []
    for g in geoms:
        vals, covs = [], []
        for r in range(values.shape[0]):
            for c in range(values.shape[1]):
                cell = shapely.box(
                    x_edges[c], y_edges[r + 1], x_edges[c + 1], y_edges[r]
                )
                cov = g.intersection(cell).area / cell.area
                if cov > 0:
                    vals.append(values[r, c])
                    covs.append(cov)
        vals, covs = np.array(vals), np.array(covs)
        ok = np.isfinite(vals)
        w, v = covs[ok], vals[ok]
        mean = np.sum(w * v) / np.sum(w)
        std = np.sqrt(np.sum(w * (v - mean) ** 2) / np.sum(w))
        covered = np.sum(covs) * cell.area / g.area
        out.append(
            {
                "mean": mean,
                "sum": np.sum(w * v),
                "std": std,
                "min": v.min(),
                "max": v.max(),
                "count": np.sum(w),
                "coverage_valid": np.sum(w) * cell.area / g.area,
                "coverage_outside": 1 - covered,
            }
        )
    return out


def test_operator_matches_naive_reference_loop(rng):
    """Random 5×6 grid with NaNs and random polygons vs a shapely loop."""
    values = rng.normal(size=(5, 6))
    values[rng.random((5, 6)) < 0.15] = np.nan
    x_edges = np.linspace(100.0, 160.0, 7)  # 10 m cells, projected
    y_edges = np.linspace(250.0, 200.0, 6)
    da = xr.DataArray(
        values,
        dims=("y", "x"),
        coords={
            "y": (y_edges[:-1] + y_edges[1:]) / 2,
            "x": (x_edges[:-1] + x_edges[1:]) / 2,
        },
    ).rio.write_crs("EPSG:32615")
    geoms = []
    for _ in range(6):
        pts = rng.uniform([95, 195], [165, 255], size=(4, 2))
        geoms.append(shapely.MultiPoint(pts).convex_hull.buffer(2.0))
    regs = regions(*[(f"r{i}", g) for i, g in enumerate(geoms)], crs="EPSG:32615")
    stats = ("mean", "sum", "std", "min", "max", "count", "coverage")

    out = zonal_stats(da, regs, id_col="id", stats=stats)
    expected = _reference(values, geoms, x_edges, y_edges)

    for i, exp in enumerate(expected):
        for stat, value in exp.items():
            assert one(out, stat, f"r{i}") == pytest.approx(value, rel=1e-6, abs=1e-9)


def test_weights_grid_multiplies_coverage():
    """A cropland-style mask of 0 on cell 0 and 3 on cell 1: mean = 1."""
    weights = grid(np.zeros((3, 4)))
    weights[0, 0], weights[0, 1] = 0.0, 3.0
    regs = regions(("top", shapely.box(0, 2, 2, 3)))

    out = zonal_stats(
        grid(),
        regs,
        id_col="id",
        weights=weights,
        stats=("mean", "min", "coverage_valid"),
    )

    assert one(out, "mean", "top") == 1.0
    assert one(out, "min", "top") == 1.0  # zero-weight pixels are not in the support
    assert one(out, "coverage_valid", "top") == 1.0  # geometry share, not weighted


def test_quantiles_and_threshold_fractions():
    """Median and share above 5 of the four cells 4, 5, 8, 9."""
    regs = regions(("sw", shapely.box(0, 0, 2, 2)))

    out = zonal_stats(
        grid(), regs, id_col="id", stats=(), quantiles=(0.5, 0.25), thresholds=(5,)
    )

    assert one(out, "q0.5", "sw") == 6.5
    assert one(out, "q0.25", "sw") == 4.75
    assert one(out, "frac_above_5", "sw") == 0.5


def test_dataset_input_names_and_tidy_frame():
    """Dataset variables become <var>_<stat>; frame output has a region column."""
    ds = xr.Dataset({"a": grid(), "b": grid() * 10})
    regs = regions(("top", shapely.box(0, 2, 2, 3)))

    out = zonal_stats(ds, regs, id_col="id", stats=("mean", "max"))
    frame = zonal_stats(ds, regs, id_col="id", output="frame")

    assert sorted(out.data_vars) == ["a_max", "a_mean", "b_max", "b_mean"]
    assert one(out, "b_max", "top") == 10.0
    assert list(frame.columns) == ["region", "a_mean", "b_mean"]
    assert frame.loc[0, "b_mean"] == 5.0


class _CountComputes(Callback):
    """Dask callback counting graph executions."""

    def __init__(self):
        super().__init__()
        self.n = 0

    def _start(self, dsk):
        self.n += 1


def test_dask_stack_stays_lazy_until_compute():
    """Aggregating a chunked (time, member, lat, lon) stack triggers no compute."""
    base = np.arange(12.0).reshape(3, 4)
    stack = np.stack([base * (t + 1) for t in range(6)]).reshape(3, 2, 3, 4)
    da = grid().expand_dims(time=3, member=2).copy(data=stack)
    lazy = da.chunk({"time": 1, "member": 2})
    agg = RegionAggregator(da, regions(("top", shapely.box(0, 2, 2, 3))), id_col="id")

    with _CountComputes() as counter:
        out = agg.aggregate(lazy, stats=("mean", "max"))
        n_before = counter.n
        values = out["mean"].compute()

    assert n_before == 0
    assert isinstance(out["mean"].data, dask.array.Array)
    assert counter.n == 1
    assert values.dims == ("time", "member", "region")
    np.testing.assert_allclose(
        values.values[..., 0], 0.5 * np.arange(1, 7).reshape(3, 2)
    )


def test_spatially_chunked_input_is_rechunked_not_loaded():
    """A stack chunked over lat/lon gives the eager answer."""
    da = (
        grid()
        .expand_dims(time=2)
        .copy(data=np.stack([np.arange(12.0).reshape(3, 4)] * 2))
    )
    regs = regions(("p", shapely.box(2.5, 1.0, 5.0, 3.0)))

    lazy = zonal_stats(da.chunk({"lat": 1, "lon": 2}), regs, id_col="id")

    with dask.config.set(scheduler="synchronous"):
        np.testing.assert_allclose(lazy["mean"].values, [[14 / 3], [14 / 3]])


def test_save_load_roundtrip_and_grid_mismatch(tmp_path):
    """A saved operator reloads to equal results and refuses another grid."""
    regs = regions(
        ("p", shapely.box(2.5, 1.0, 5.0, 3.0)), ("q", shapely.box(0, 0, 1, 1))
    )
    agg = RegionAggregator(grid(), regs, id_col="id")
    path = tmp_path / "op.npz"

    agg.save(path)
    loaded = RegionAggregator.load(path, grid=grid(), regions=regs, id_col="id")

    xr.testing.assert_identical(
        agg.aggregate(grid(), stats=("mean", "coverage")),
        loaded.aggregate(grid(), stats=("mean", "coverage")),
    )
    assert loaded.key == agg.key
    other = grid().assign_coords(lon=LON + 1)
    with pytest.raises(DataValidationError, match="another grid"):
        RegionAggregator.load(path, grid=other)
    with pytest.raises(DataValidationError, match="other regions"):
        RegionAggregator.load(path, regions=regs.iloc[:1], id_col="id")


def test_applying_to_a_different_grid_is_refused():
    """An operator built on one grid rejects values on shifted coordinates."""
    agg = RegionAggregator(grid(), regions(("q", shapely.box(0, 0, 1, 1))), id_col="id")

    with pytest.raises(DataValidationError, match="does not match the grid"):
        agg.aggregate(grid().assign_coords(lon=LON + 1))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda: grid().rename(lat="y", lon="x").drop_vars("spatial_ref"),
            "rio.write_crs",
        ),
        (lambda: grid().rename(lat="a", lon="b"), "expected spatial dims"),
        (
            lambda: grid().assign_coords(lon=[0.5, 1.5, 2.5, 9.0]),
            "not regularly spaced",
        ),
    ],
)
def test_bad_grids_raise_clear_errors(make, match):
    """Missing CRS on y/x, unknown dims and irregular coords are refused."""
    regs = regions(("q", shapely.box(0, 0, 1, 1)))

    with pytest.raises(DataValidationError, match=match):
        zonal_stats(make(), regs, id_col="id")


def test_bad_regions_and_options_raise_clear_errors():
    """Duplicate ids, missing id column, missing CRS and unknown stats."""
    dup = regions(("a", shapely.box(0, 0, 1, 1)), ("a", shapely.box(1, 1, 2, 2)))
    no_crs = regions(("a", shapely.box(0, 0, 1, 1))).set_crs(None, allow_override=True)

    with pytest.raises(DataValidationError, match="not unique"):
        zonal_stats(grid(), dup, id_col="id")
    with pytest.raises(DataValidationError, match="no id column 'fips'"):
        zonal_stats(grid(), dup, id_col="fips")
    with pytest.raises(DataValidationError, match="no CRS"):
        zonal_stats(grid(), no_crs, id_col="id")
    with pytest.raises(DataValidationError, match="unknown statistic 'median'"):
        zonal_stats(grid(), no_crs.set_crs(4326), id_col="id", stats=("median",))


def test_tidy_frame_keeps_time_and_latitude_longitude_dims_work():
    """A (time, latitude, longitude) stack gives one row per time and region."""
    da = (
        grid()
        .expand_dims(time=2)
        .copy(data=np.stack([np.arange(12.0).reshape(3, 4)] * 2) * [[[1]], [[2]]])
        .rename(lat="latitude", lon="longitude")
        .assign_coords(time=[10, 20])
    )
    regs = regions(("top", shapely.box(0, 2, 2, 3)), ("sw", shapely.box(0, 0, 2, 2)))

    frame = zonal_stats(da, regs, id_col="id", output="frame")

    assert list(frame.columns) == ["time", "region", "mean"]
    assert frame["mean"].tolist() == [0.5, 6.5, 1.0, 13.0]
