"""The ``crop`` flow: imagery and past harvests to per-region yield forecasts.

Steps: ``load`` (read imagery, regions, crop mask, yields) → ``features``
(mask, indices, composites, per-region series and season features; the
region aggregator is built once for all dates) → ``evaluate``
(leave-one-year-out for every model, conformal intervals, model selection,
forecast of the seasons without a yield) → ``report``.

Imagery, regions and yields are each optional, so one flow covers county
yields without imagery (trend + space-time residual), imagery without yields
(season features only) and the full pipeline.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

import dtnmodels.crop  # noqa: F401  (registers the crop regressors)
from dtnmodels.core.errors import (
    ConfigError,
    DataGapWarning,
    DataValidationError,
    InputFileError,
    warn,
)
from dtnmodels.core.interfaces import quantile_column
from dtnmodels.core.registry import create_model
from dtnmodels.flows.base import Flow, FlowOutputs, Step, StepContext
from dtnmodels.flows.config import ComputeConfig, ModelSpec, RunSettings

__all__ = ["CropConfig", "CropFlow"]

log = logging.getLogger(__name__)

#: Imagery smaller than this (bytes) is loaded into memory instead of kept lazy.
_EAGER_BYTES = 64 * 2**20


@dataclass
class CropData:
    """Input files; every one is optional."""

    imagery: str | None = None
    regions: str | None = None
    crop_mask: str | None = None
    yields: str | None = None


@dataclass
class BandSpec:
    """Where a canonical band comes from and how stored values become reflectance."""

    source: str | None = None
    scale: float = 1.0
    offset: float = 0.0
    nodata: float | None = None


@dataclass
class QASpec:
    """Cloud masking: the QA variable of the imagery (None: no masking)."""

    band: str | None = None
    clear_values: list[float] = field(default_factory=list)
    cloud_values: list[float] = field(default_factory=list)
    cloud_bits: list[int] = field(default_factory=list)


@dataclass
class ImageryConfig:
    """How to read the imagery and map its bands."""

    bands: dict[str, BandSpec] = field(default_factory=dict)
    band_names: list[str] | None = None
    time_pattern: str | None = None
    crs: str | None = None
    qa: QASpec = field(default_factory=QASpec)
    on_grid_mismatch: str = "reproject"


@dataclass
class RegionsConfig:
    """Region polygons: id column, optional group column, optional id filter."""

    id_col: str = "id"
    group_col: str | None = None
    select: list[str] = field(default_factory=list)
    tile_id: str = "tile"


@dataclass
class YieldsConfig:
    """Yield table format: ``table`` (region, year, yield[, unit]) or ``you2017``."""

    format: str = "table"
    unit: str = "bu/acre"
    duplicates: str = "error"
    group_prefix: int | None = None
    select: list[str] = field(default_factory=list)


@dataclass
class SeasonConfig:
    """Season window, compositing and in-season cutoff."""

    start: str = "05-01"
    length_days: int = 160
    period_days: int = 16
    composite: str = "max"
    cutoff: str | None = None  # None: the latest image if its season is unfinished
    forecast_year: int | None = None
    years: list[int] = field(default_factory=list)


@dataclass
class FeaturesConfig:
    """Which indices and features feed the models."""

    indices: list[str] = field(default_factory=lambda: ["ndvi"])
    season: bool = True
    period_values: bool = False
    histogram_bins: list[float] = field(default_factory=list)
    histogram_of: list[str] = field(default_factory=lambda: ["ndvi"])
    use: list[str] = field(default_factory=list)  # model inputs; empty: all


@dataclass
class EvaluationConfig:
    """Leave-one-year-out settings."""

    years: list[int] = field(default_factory=list)
    metric: str = "rmse"
    interval: float = 0.8
    min_train_years: int = 3
    past_only: bool = False
    report_past_only: bool = True


@dataclass
class CropConfig:
    """Typed config of the crop flow."""

    data: CropData = field(default_factory=CropData)
    imagery: ImageryConfig = field(default_factory=ImageryConfig)
    regions: RegionsConfig = field(default_factory=RegionsConfig)
    yields: YieldsConfig = field(default_factory=YieldsConfig)
    season: SeasonConfig = field(default_factory=SeasonConfig)
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    model: ModelSpec = field(default_factory=lambda: ModelSpec(name="trend_ridge"))
    baseline: ModelSpec = field(default_factory=lambda: ModelSpec(name="linear_trend"))
    compare: list[ModelSpec] = field(default_factory=list)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    compute: ComputeConfig = field(default_factory=ComputeConfig)
    run: RunSettings = field(default_factory=RunSettings)


# ----------------------------------------------------------------------- helpers


def _plain(node: Any) -> Any:
    if isinstance(node, DictConfig) or OmegaConf.is_list(node):
        return OmegaConf.to_container(node, resolve=True)
    return node


def _model_specs(cfg: DictConfig) -> dict[str, dict[str, Any]]:
    """Every model to score, by display name: baseline, compare list, model."""
    specs: dict[str, dict[str, Any]] = {}
    where = ["baseline", *(f"compare[{i}]" for i in range(len(cfg.compare))), "model"]
    for key, spec in zip(where, [cfg.baseline, *cfg.compare, cfg.model], strict=True):
        plain = {"name": str(spec.name), "params": _plain(spec.params) or {}}
        specs[plain["name"]] = {**plain, "where": key}
    return specs


def _create(spec: dict[str, Any]) -> Any:
    """A fresh model from a spec made by :func:`_model_specs`."""
    return create_model(
        "regressor",
        {"name": spec["name"], "params": spec["params"]},
        where=spec.get("where", "model"),
    )


def _check_choices(cfg: DictConfig) -> None:
    choices = {
        "yields.format": (cfg.yields.format, ("table", "you2017")),
        "yields.duplicates": (cfg.yields.duplicates, ("error", "mean", "last")),
        "season.composite": (cfg.season.composite, ("max", "median", "mean")),
        "imagery.on_grid_mismatch": (
            cfg.imagery.on_grid_mismatch,
            ("reproject", "error"),
        ),
        "evaluation.metric": (cfg.evaluation.metric, ("rmse", "mae", "mape")),
    }
    for key, (value, allowed) in choices.items():
        if value not in allowed:
            raise ConfigError(f"{key}: {value!r} is not one of {list(allowed)}")
    if cfg.run.as_of:
        try:
            pd.Timestamp(cfg.run.as_of)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"run.as_of: {cfg.run.as_of!r} is not a date; use YYYY-MM-DD"
            ) from exc


# -------------------------------------------------------------------------- load


def _read_yields(path: str, cfg: DictConfig) -> pd.DataFrame:
    """Yield table in the canonical columns (region, year, yield, unit)."""
    from dtnmodels.io import read_county_yields, read_table

    if cfg.yields.format == "you2017":
        frame = read_county_yields(path, unit=cfg.yields.unit)
        return frame.rename(columns={"region_id": "region"})
    return read_table(path, what="yield table", dtype={"region": str})


def _read_imagery(cfg: DictConfig) -> Any:
    """Open the imagery lazily; dates on other grids are aligned or refused."""
    import glob

    from dtnmodels.crop.preprocess import align_to_reference
    from dtnmodels.io import open_grid

    path = cfg.data.imagery
    kwargs = {
        "crs": cfg.imagery.crs,
        "band_names": _plain(cfg.imagery.band_names),
        "time_pattern": cfg.imagery.time_pattern,
    }
    try:
        return open_grid(path, **kwargs)
    except DataValidationError as exc:
        files = sorted(glob.glob(path))
        if "different" not in str(exc) or len(files) < 2:
            raise
        if cfg.imagery.on_grid_mismatch == "error":
            raise
        log.info("imagery files are on different grids; aligning %d files", len(files))
        pieces = [open_grid(f, **kwargs) for f in files]
        return align_to_reference(pieces, on_mismatch="reproject", sources=files).chunk(
            {"time": 1}
        )


def _load(ctx: StepContext) -> dict[str, Any]:
    from dtnmodels.io import open_grid, open_regions

    cfg = ctx.cfg
    _check_choices(cfg)
    for spec in _model_specs(cfg).values():
        _create(spec)

    out: dict[str, Any] = {
        "imagery": None,
        "regions": None,
        "mask": None,
        "yields": None,
    }
    if cfg.data.imagery:
        out["imagery"] = _read_imagery(cfg)
    if cfg.data.regions:
        regions = open_regions(cfg.data.regions, id_col=cfg.regions.id_col)
        if cfg.regions.select:
            keep = {str(s) for s in cfg.regions.select}
            regions = regions[regions[cfg.regions.id_col].isin(keep)]
            if regions.empty:
                raise DataValidationError(
                    f"regions.select {sorted(keep)} matches no id in data.regions"
                )
        out["regions"] = regions.reset_index(drop=True)
    if cfg.data.crop_mask:
        mask = open_grid(cfg.data.crop_mask)
        out["mask"] = mask[next(iter(mask.data_vars))].squeeze(drop=True)
    if cfg.data.yields:
        out["yields"] = _read_yields(cfg.data.yields, cfg)
    return out


# ---------------------------------------------------------------------- features


def _tile_region(grid: Any, tile_id: str) -> Any:
    import geopandas as gpd
    import shapely

    return gpd.GeoDataFrame(
        {"id": [tile_id]},
        geometry=[shapely.box(*grid.rio.bounds())],
        crs=grid.rio.crs,
    )


def _features(ctx: StepContext) -> dict[str, Any]:
    from dtnmodels.crop.features import region_series, season_features
    from dtnmodels.crop.indices import compute_indices
    from dtnmodels.crop.preprocess import cloud_mask, scale_bands
    from dtnmodels.crop.season import SeasonCalendar, composite
    from dtnmodels.grid import RegionAggregator

    cfg = ctx.cfg
    loaded = ctx.inputs["load"]
    imagery = loaded["imagery"]
    if imagery is None:
        return {"series": None, "features": None, "flags": None}

    # 1. as-of truncation, bands to reflectance, clouds out
    if cfg.run.as_of:
        imagery = imagery.sel(time=slice(None, pd.Timestamp(cfg.run.as_of)))
    if imagery.nbytes <= _EAGER_BYTES:
        imagery = imagery.load()  # small stacks: numpy beats dask's overhead
    bands = scale_bands(imagery, _plain(cfg.imagery.bands))
    qa = cfg.imagery.qa
    if qa.band:
        if qa.band not in imagery.data_vars:
            raise DataValidationError(
                f"imagery.qa.band: variable {qa.band!r} not in the imagery; "
                f"variables present: {sorted(map(str, imagery.data_vars))}"
            )
        clear = cloud_mask(
            imagery[qa.band],
            clear_values=list(qa.clear_values),
            cloud_values=list(qa.cloud_values),
            cloud_bits=list(qa.cloud_bits),
        )
        bands = bands.where(clear)

    # 2. indices and composites
    indices = compute_indices(bands, list(cfg.features.indices))
    calendar = SeasonCalendar(
        start=cfg.season.start,
        length_days=int(cfg.season.length_days),
        period_days=int(cfg.season.period_days),
    )
    cutoff = calendar.cutoff_day(cfg.season.cutoff)
    if cutoff is None:
        cutoff = _auto_cutoff(
            calendar, indices["time"].values, list(cfg.season.years), ctx.log
        )
    composites, flags = {}, None
    for name in indices.data_vars:
        composites[name], flags = composite(
            indices[name],
            calendar,
            check_valid=False,
            method=cfg.season.composite,
            cutoff_day=cutoff,
            seasons=list(cfg.season.years) or None,
        )
    import xarray as xr

    stack = xr.Dataset(composites)

    # 3. one aggregator for all dates (coverage × crop mask)
    regions = loaded["regions"]
    id_col = cfg.regions.id_col
    if regions is None:
        regions, id_col = _tile_region(imagery, cfg.regions.tile_id), "id"
    weights = None
    if loaded["mask"] is not None:
        weights = loaded["mask"].fillna(0.0)
        weights = weights.assign_coords(x=imagery.x, y=imagery.y)
    aggregator = RegionAggregator(imagery, regions, id_col=id_col, weights=weights)
    ctx.log.info("aggregator %r", aggregator)

    # 4. per-region series, season features, histograms
    series = region_series(stack, aggregator)
    first = str(next(iter(stack.data_vars)))
    if first in series and series[first].notna().sum() == 0:
        raise DataValidationError(
            f"no region has a valid {first} pixel in any composite: data.imagery="
            f"{str(cfg.data.imagery)!r} is all cloud or NaN over data.regions, or "
            "does not overlap them; check imagery.qa.clear_values, the crop mask "
            "and that both files cover the same area"
        )
    flags = _flags_from_series(flags, series, str(next(iter(stack.data_vars))))
    features = season_features(
        series, list(stack.data_vars), period_days=int(cfg.season.period_days)
    )
    if not cfg.features.period_values:
        features = features[[c for c in features.columns if "_p" not in c[-4:]]]
    histograms = None
    if cfg.features.histogram_bins:
        histograms = _histograms(
            cfg, stack, bands, calendar, cutoff, aggregator
        ).compute()
        for name in histograms.data_vars:
            flat = histograms[name].sum("period").to_dataframe().reset_index()
            wide = flat.pivot_table(
                index=["region", "season"], columns="bin", values=name
            )
            wide.columns = [f"{name}_{b:g}" for b in wide.columns]
            features = features.merge(
                wide.reset_index(), on=["region", "season"], how="left"
            )
    features = features.rename(columns={"season": "year"})
    return {
        "series": series,
        "features": features,
        "flags": flags,
        "cutoff_day": cutoff,
        "histograms": histograms,
    }


def _histograms(
    cfg: DictConfig,
    stack: Any,
    bands: Any,
    calendar: Any,
    cutoff: int | None,
    aggregator: Any,
) -> Any:
    """Per-region histograms over time of indices and (median-composited) bands."""
    import xarray as xr

    from dtnmodels.crop.features import band_histograms
    from dtnmodels.crop.season import composite

    variables = {}
    for name in cfg.features.histogram_of:
        if name in stack.data_vars:
            variables[name] = stack[name]
        elif name in bands.data_vars:
            variables[name], _ = composite(
                bands[name],
                calendar,
                method="median",
                cutoff_day=cutoff,
                seasons=list(cfg.season.years) or None,
                check_valid=False,
            )
        else:
            raise ConfigError(
                f"features.histogram_of: {name!r} is neither an index of "
                f"features.indices nor a mapped band ({sorted(map(str, bands))})"
            )
    bins = list(cfg.features.histogram_bins)
    return band_histograms(xr.Dataset(variables), aggregator, bins=bins)


def _flags_from_series(
    flags: pd.DataFrame, series: pd.DataFrame, var: str
) -> pd.DataFrame:
    """Valid share of each period = mean over regions of their valid area share."""
    from dtnmodels.crop.season import flag_periods

    valid = series.groupby(["season", "period"])[f"{var}_valid"].mean()
    keys = pd.MultiIndex.from_frame(flags[["season", "period"]])
    flags = flags.assign(valid_fraction=valid.reindex(keys).to_numpy())
    return flag_periods(flags)


def _auto_cutoff(
    calendar: Any, times: np.ndarray, years: list[int], log: logging.Logger
) -> int | None:
    """End of the composite period of the latest image, if its season is unfinished.

    Features of every season are then computed up to that day, so that past
    seasons are described by the same composite periods as the one forecast
    (past seasons may hold images up to one period later than its last one).
    """
    where = calendar.locate(times).dropna(subset=["season"])
    if years:
        where = where[where["season"].isin(years)]
    if where.empty:
        return None
    latest = where[where["season"] == where["season"].max()]
    last_day = int(latest["day"].max())
    if last_day >= calendar.length_days - calendar.period_days:
        return None
    cutoff = (last_day // calendar.period_days + 1) * calendar.period_days - 1
    log.info(
        "season %s has images up to day %d only: every season is cut at day %d, "
        "the end of that composite period (set season.cutoff to choose)",
        int(latest["season"].iloc[0]),
        last_day,
        cutoff,
    )
    return cutoff


# ---------------------------------------------------------------------- evaluate


def _warn_years_without_imagery(
    features: pd.DataFrame, yields: pd.DataFrame, cfg: Any
) -> None:
    """Name the yield years whose season has no usable image at all."""
    values = features.drop(columns=["region", "year"])
    seen = set(features.loc[values.notna().any(axis=1), "year"].astype(int))
    missing = sorted(set(yields["year"].astype(int)) - seen)
    if missing:
        warn(
            f"data.imagery ({cfg.data.imagery}) has no usable image in the seasons "
            f"of {len(missing)} yield year(s) {missing[:10]}; their image features "
            "are NaN and only the trend informs them",
            DataGapWarning,
        )


def _design(ctx: StepContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows with a yield, rows to forecast), both with model inputs."""
    from dtnmodels.crop.yields import clean_yields

    cfg = ctx.cfg
    loaded, feats = ctx.inputs["load"], ctx.inputs["features"]
    yields = clean_yields(
        loaded["yields"],
        duplicates=cfg.yields.duplicates,
        source=f"data.yields ({cfg.data.yields})",
        unit=cfg.yields.unit,
    )
    if cfg.yields.select:
        yields = yields[yields["region"].isin([str(s) for s in cfg.yields.select])]
    if cfg.run.as_of:
        yields = yields[yields["year"] < pd.Timestamp(cfg.run.as_of).year]

    keys = yields[["region"]].drop_duplicates()
    regions = loaded["regions"]
    if regions is not None and len(keys):
        ids = set(regions[cfg.regions.id_col].astype(str))
        if not keys["region"].astype(str).isin(ids).any():
            raise DataValidationError(
                f"data.yields ({cfg.data.yields}): no region id matches column "
                f"{cfg.regions.id_col!r} of data.regions, e.g. yields have "
                f"{sorted(keys['region'].astype(str))[:3]}, regions have "
                f"{sorted(ids)[:3]}; use the same ids (e.g. zero-padded FIPS)"
            )
    features = feats["features"]
    if features is not None and cfg.features.use:
        missing = [c for c in cfg.features.use if c not in features.columns]
        if missing:
            raise ConfigError(
                f"features.use: {missing} are not features of this run; available: "
                f"{sorted(c for c in features.columns if c not in ('region', 'year'))}"
            )
        features = features[["region", "year", *cfg.features.use]]
    if features is not None:
        _warn_years_without_imagery(features, yields, cfg)
        all_rows = features[["region", "year"]]
        table = all_rows.merge(yields, on=["region", "year"], how="outer")
        table = table.merge(features, on=["region", "year"], how="left")
    else:
        table = yields.copy()
    table = table[table["region"].isin(keys["region"])]

    if cfg.yields.group_prefix:
        table["group"] = table["region"].str[: int(cfg.yields.group_prefix)]
    regions = loaded["regions"]
    if regions is not None:
        id_col = cfg.regions.id_col
        centroids = regions.to_crs(regions.crs).geometry.representative_point()
        points = centroids.to_crs("EPSG:4326")
        loc = pd.DataFrame(
            {
                "region": regions[id_col].astype(str),
                "lon": points.x.to_numpy(),
                "lat": points.y.to_numpy(),
            }
        )
        if cfg.regions.group_col and cfg.regions.group_col in regions.columns:
            loc["group"] = regions[cfg.regions.group_col].astype(str).to_numpy()
        table = table.merge(loc, on="region", how="left", suffixes=("", "_r"))
        if "group_r" in table.columns:
            table = table.drop(columns="group_r")
    table = table.sort_values(["region", "year"]).reset_index(drop=True)

    known = table[table["yield"].notna()].reset_index(drop=True)
    forecast_year = cfg.season.forecast_year
    unknown = table[table["yield"].isna()]
    if forecast_year is not None:
        unknown = unknown[unknown["year"] == int(forecast_year)]
    elif len(unknown):
        unknown = unknown[unknown["year"] == unknown["year"].max()]
    return known, unknown.reset_index(drop=True)


def _loyo(
    known: pd.DataFrame,
    spec: dict[str, Any],
    name: str,
    years: list[int],
    ev: DictConfig,
    *,
    past_only: bool,
) -> pd.DataFrame:
    """Out-of-fold predictions of the model ``spec`` (see loyo_predictions)."""
    from functools import partial

    from dtnmodels.crop.evaluation import loyo_predictions

    make = partial(_create, spec)
    return loyo_predictions(
        known,
        make,
        years=years,
        past_only=past_only,
        min_train_years=int(ev.min_train_years),
        interval=float(ev.interval),
    )


def _evaluate(ctx: StepContext) -> dict[str, Any]:
    from dtnmodels.crop.evaluation import interval_bounds, score_predictions
    from dtnmodels.evaluate import select_model

    cfg = ctx.cfg
    if ctx.inputs["load"]["yields"] is None:
        return {"scores": {}, "oof": None, "forecast": None, "selected": None}
    known, unknown = _design(ctx)
    if known.empty:
        raise DataValidationError(
            "no region has both a yield and the other inputs; check that region ids "
            "in data.yields match regions.id_col of data.regions"
        )
    ev = cfg.evaluation
    specs = _model_specs(cfg)
    years = [int(y) for y in ev.years]

    # 1. leave-one-year-out for every model
    scores, oof = {}, {}
    for name, spec in specs.items():
        oof[name] = _loyo(known, spec, name, years, ev, past_only=bool(ev.past_only))
        scores[name] = score_predictions(oof[name], interval=float(ev.interval))
        ctx.log.info("%s: LOYO %r", name, scores[name])

    # 2. stricter variant: train on past years only
    if ev.report_past_only and not ev.past_only:
        for name, spec in specs.items():
            try:
                past = _loyo(known, spec, name, years, ev, past_only=True)
            except DataValidationError:
                continue
            past_scores = score_predictions(past, interval=float(ev.interval))
            for metric, value in past_scores.items():
                scores[name][f"{metric}@past_only"] = value

    selected = select_model(scores, ev.metric, lower_is_better=True)

    # 3. forecast the seasons without a yield with the selected model
    forecast = None
    if len(unknown):
        model = _create(specs[selected])
        model.fit(known.drop(columns=["yield"]), known["yield"].to_numpy())
        pred = model.predict(unknown.drop(columns=["yield"]))
        resid = (oof[selected]["observed"] - oof[selected]["mean"]).to_numpy()
        lo, hi = interval_bounds(float(ev.interval))
        forecast = pd.DataFrame(
            {
                "region": unknown["region"],
                "year": unknown["year"],
                "observed": np.nan,
                "mean": pred,
            }
        )
        forecast[quantile_column(lo)] = pred + np.quantile(resid, lo)
        forecast[quantile_column(hi)] = pred + np.quantile(resid, hi)
    return {"scores": scores, "oof": oof, "forecast": forecast, "selected": selected}


# ------------------------------------------------------------------------ report


def _report(ctx: StepContext) -> FlowOutputs:
    from dtnmodels.crop.plots import season_curves
    from dtnmodels.evaluate import Report, metrics_payload
    from dtnmodels.evaluate.plots import choropleth

    cfg = ctx.cfg
    loaded, feats, ev = (
        ctx.inputs["load"],
        ctx.inputs["features"],
        ctx.inputs["evaluate"],
    )
    cutoff = feats.get("cutoff_day")
    subtitle = "whole season" if cutoff is None else f"images up to day {cutoff}"
    report = Report(title="Crop yield", subtitle=f"season features: {subtitle}")
    tables: dict[str, pd.DataFrame] = {}

    # 1. metrics (models, or season summaries when there are no yields)
    if ev["selected"] is not None:
        baseline = str(cfg.baseline.name)
        metrics = metrics_payload(
            flow="crop", models=ev["scores"], selected=ev["selected"], baseline=baseline
        )
        report.add_skill(metrics, metric=cfg.evaluation.metric)
    else:
        summary = _season_summary(feats, cfg)
        metrics = metrics_payload(
            flow="crop",
            models={"season_features": summary},
            selected="season_features",
            baseline="season_features",
        )
        report.add_text("Models", "No yields given: season features only.")
        report.add_table("Season summary", pd.DataFrame([summary]))

    # 2. predictions (backtest of every model + forecast)
    frames = []
    if ev["oof"]:
        for name, frame in ev["oof"].items():
            frames.append(frame.assign(model=name, kind="backtest"))
    if ev["forecast"] is not None:
        frames.append(ev["forecast"].assign(model=ev["selected"], kind="forecast"))
    predictions = None
    if frames:
        predictions = pd.concat(frames, ignore_index=True)
        first = ["kind", "model", "region", "year", "observed", "mean"]
        predictions = predictions[
            first + [c for c in predictions.columns if c not in first]
        ]
        predictions = predictions.sort_values(
            ["kind", "model", "region", "year"]
        ).reset_index(drop=True)

    # 3. figures: season curves, maps of predicted yield and error
    if feats["series"] is not None:
        var = str(cfg.features.indices[0])
        report.add_figure(
            f"{var.upper()} by season", season_curves(feats["series"], var)
        )
        flags = feats["flags"]
        bad = flags[flags["flag"] != "ok"]
        tables["composite_flags"] = flags
        if len(bad):
            report.add_table("Composite periods without data", bad)
        if feats["features"] is not None:
            tables["season_features"] = feats["features"]
    regions = loaded["regions"]
    if regions is not None and ev["oof"]:
        id_col = cfg.regions.id_col
        sel = ev["oof"][ev["selected"]]
        err = (sel["mean"] - sel["observed"]).abs().groupby(sel["region"]).mean()
        shown = regions[regions[id_col].isin(err.index)]
        report.add_figure(
            "Mean absolute LOYO error (selected model)",
            choropleth(shown, err, key=id_col, label="bu/acre", cmap="magma_r"),
        )
        target = (
            ev["forecast"]
            if ev["forecast"] is not None
            else sel[sel["year"] == sel["year"].max()]
        )
        pred = target.set_index("region")["mean"]
        year = int(target["year"].max())
        report.add_figure(
            f"Predicted yield {year}",
            choropleth(
                shown,
                pred,
                key=id_col,
                label="bu/acre",
                title=f"Predicted yield {year} ({ev['selected']})",
            ),
        )
    report.add_text("Method", _method_text(cfg))
    grids = {}
    if feats.get("histograms") is not None:
        grids["histograms"] = feats["histograms"]
    return FlowOutputs(
        metrics=metrics,
        report_html=report.to_html(),
        predictions=predictions,
        tables=tables,
        grids=grids,
    )


def _season_summary(feats: dict[str, Any], cfg: DictConfig) -> dict[str, float]:
    """Mean index per calendar month and mean season features (no-yield runs)."""
    series = feats["series"]
    if series is None:
        raise DataValidationError(
            "the crop flow needs data.yields or data.imagery; both are empty"
        )
    var = str(cfg.features.indices[0])
    out: dict[str, float] = {}
    month = pd.to_datetime(series["time"]).dt.strftime("%Y-%m")
    for key, value in series.groupby(month)[var].mean().items():
        out[f"{var}@{key}"] = float(value)
    for col in feats["features"].columns:
        if col.startswith(var) and "_p" not in col[-4:] and "_hist" not in col:
            out[col] = float(feats["features"][col].mean())
    return out


def _method_text(cfg: DictConfig) -> str:
    return (
        f"Indices {list(cfg.features.indices)} from reflectance (scale and nodata "
        f"per band), clouds masked with the QA band, {cfg.season.composite}-value "
        f"composites of {cfg.season.period_days} days from {cfg.season.start}, "
        "crop-mask-weighted region means through one coverage operator.\n\n"
        "Models are scored by leave-one-year-out (each test year predicted by a "
        "model fitted on all other years); '@past_only' scores train on earlier "
        f"years only. Intervals ({cfg.evaluation.interval:.0%}) are split-conformal "
        "from the out-of-fold errors of the other years."
    )


class CropFlow(Flow):
    """Crop yield forecasts from satellite imagery and past harvests."""

    name = "crop"
    summary = "per-region crop yield forecasts from satellite imagery and past yields"
    schema = CropConfig
    steps = (
        Step(
            "load",
            _load,
            config_keys=(
                "data",
                "imagery",
                "regions",
                "yields",
                "model",
                "baseline",
                "compare",
            ),
            data_inputs=("imagery", "regions", "crop_mask", "yields"),
        ),
        Step(
            "features",
            _features,
            needs=("load",),
            config_keys=("imagery", "regions", "season", "features", "run.as_of"),
        ),
        Step(
            "evaluate",
            _evaluate,
            needs=("load", "features"),
            config_keys=(
                "yields",
                "regions",
                "season",
                "model",
                "baseline",
                "compare",
                "evaluation",
                "run.as_of",
            ),
        ),
        Step(
            "report",
            _report,
            needs=("load", "features", "evaluate"),
            config_keys=("season", "features", "evaluation", "regions", "baseline"),
        ),
    )

    def input_paths(self, cfg: DictConfig) -> dict[str, Path]:
        """Inputs to record; a glob of images is recorded as its folder."""
        paths = super().input_paths(cfg)
        imagery = paths.get("imagery")
        if imagery is not None and _is_glob(str(imagery)):
            paths["imagery"] = imagery.parent
        return paths

    def check_inputs(self, cfg: DictConfig) -> None:
        """Existence checks, a glob that matches, choices, model names, probes."""
        import glob

        from dtnmodels.io import open_grid

        super().check_inputs(cfg)
        imagery = cfg.data.imagery
        if imagery and _is_glob(imagery) and not glob.glob(imagery):
            raise InputFileError(
                f"data.imagery: no file matches {imagery!r}; fix the pattern or pass "
                "--set data.imagery=PATH"
            )
        _check_choices(cfg)
        for spec in _model_specs(cfg).values():
            _create(spec)
        if cfg.data.crop_mask:
            open_grid(cfg.data.crop_mask)


def _is_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")
