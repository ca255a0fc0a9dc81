"""The ``fuel`` flow: demand forecasts that survive shocks, reconcile and plan loads.

Steps: ``load`` (read and check demand, regressors, hierarchy and stations;
apply ``run.as_of``; mark shocks) → ``backtest`` (rolling-origin
cross-validation of the model, the baseline and the compared models through
:func:`dtnmodels.evaluate.cross_validate`, reconciled when a hierarchy is
given) → ``evaluate`` (scores overall, per segment, per hierarchy level) →
``forecast`` (refit on all history, forecast the horizon, reconcile, detect
structural breaks) → ``plan`` (delivery plan per station) → ``report``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import MISSING, DictConfig, OmegaConf

import dtnmodels.fuel  # noqa: F401  (registers the fuel forecasters)
from dtnmodels.core.errors import ConfigError, DataValidationError, InputFileError
from dtnmodels.core.registry import create_model
from dtnmodels.flows.base import Flow, FlowOutputs, Step, StepContext
from dtnmodels.flows.config import ComputeConfig, ModelSpec, RunSettings

__all__ = ["FuelConfig", "FuelFlow"]

READERS = ("long", "eia", "anp", "m4")
EXOG_POLICIES = ("lag", "forecast", "refuse")


# --------------------------------------------------------------------------- schema
@dataclass
class FuelData:
    """Input files; only ``demand`` is required."""

    demand: str = MISSING
    test: str | None = None
    future_exog: str | None = None
    prices: str | None = None
    hierarchy: str | None = None
    stations: str | None = None


@dataclass
class InputConfig:
    """How to read ``data.demand`` (``reader``: long, eia, anp or m4)."""

    reader: str = "long"
    id_col: str = "unique_id"
    time_col: str = "ds"
    target_col: str = "y"
    series: list[str] = field(default_factory=list)
    price_series: str | None = None
    segment: str = "POSTO REVENDEDOR"
    freq: str | None = None
    start: str | None = None
    end: str | None = None
    max_series: int | None = None


@dataclass
class ExogConfig:
    """Regressors: which are known ahead, and what to do with the others."""

    known_future: list[str] = field(default_factory=list)
    policy: str = "forecast"


@dataclass
class ShockWindowSpec:
    name: str = MISSING
    start: str = MISSING
    end: str = MISSING


@dataclass
class ShockConfig:
    """One-off shock windows and how models treat them; break detection."""

    windows: list[ShockWindowSpec] = field(default_factory=list)
    mode: str = "intervention"
    weight: float = 0.1
    detect_breaks: bool = True


@dataclass
class HierarchyConfig:
    """Upper levels (bottom → top, total added) and the reconciliation method."""

    levels: list[str] = field(default_factory=list)
    method: str = "none"
    total: str = "total"


@dataclass
class SegmentSpec:
    start: str | None = None
    end: str | None = None


@dataclass
class EvaluationConfig:
    """Rolling-origin backtest and scoring."""

    n_windows: int = 2
    step_size: int | None = None
    first_cutoff: str | None = None
    metric: str = "mase"
    season_length: int | None = None
    segments: dict[str, SegmentSpec] = field(default_factory=dict)
    select_best: bool = False
    duplicate_check: bool = False


@dataclass
class DeliveryConfig:
    enabled: bool = True
    quantile: float = 0.9


@dataclass
class ValidationConfig:
    fill_gaps: bool = False


@dataclass
class FuelConfig:
    """Typed config of the fuel flow."""

    data: FuelData = field(default_factory=FuelData)
    input: InputConfig = field(default_factory=InputConfig)
    model: ModelSpec = field(default_factory=lambda: ModelSpec(name="gbm"))
    baseline: ModelSpec = field(
        default_factory=lambda: ModelSpec(name="seasonal_naive")
    )
    compare: list[ModelSpec] = field(default_factory=list)
    horizon: int = 28
    quantiles: list[float] = field(default_factory=lambda: [0.1, 0.5, 0.9])
    season_length: int | None = None
    final_forecast: bool = True
    exog: ExogConfig = field(default_factory=ExogConfig)
    shocks: ShockConfig = field(default_factory=ShockConfig)
    hierarchy: HierarchyConfig = field(default_factory=HierarchyConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)
    validation: ValidationConfig = field(default_factory=ValidationConfig)
    compute: ComputeConfig = field(default_factory=ComputeConfig)
    run: RunSettings = field(default_factory=RunSettings)


# --------------------------------------------------------------------------- helpers
def _container(node: Any) -> Any:
    if isinstance(node, DictConfig) or OmegaConf.is_list(node):
        return OmegaConf.to_container(node, resolve=True)
    return node


def _model_specs(cfg: DictConfig) -> dict[str, dict[str, Any]]:
    """``{name: spec}`` of the model, the baseline and the compared models."""
    specs: dict[str, dict[str, Any]] = {}
    for where, spec in [
        ("model", cfg.model),
        ("baseline", cfg.baseline),
        *((f"compare[{i}]", s) for i, s in enumerate(cfg.compare)),
    ]:
        spec = _container(spec)
        name = spec["name"]
        label = name if name not in specs else f"{name}_{where}"
        specs[label] = {**spec, "where": where}
    return specs


def _factory(spec: dict[str, Any], season_length: int):
    """Zero-argument factory creating the model, seeded and seasonal where it can."""
    import inspect

    def make():
        from dtnmodels.core.registry import _REGISTRY

        params = dict(spec.get("params") or {})
        cls = _REGISTRY["forecaster"].get(spec["name"])
        if cls is not None:
            accepted = inspect.signature(cls).parameters
            if "season_length" in accepted and "season_length" not in params:
                params["season_length"] = season_length
        return create_model(
            "forecaster", {"name": spec["name"], "params": params}, where=spec["where"]
        )

    return make


def _check_choices(cfg: DictConfig) -> None:
    from dtnmodels.fuel.reconcile import METHODS
    from dtnmodels.fuel.shocks import MODES

    checks = [
        ("input.reader", cfg.input.reader, READERS),
        ("exog.policy", cfg.exog.policy, EXOG_POLICIES),
        ("shocks.mode", cfg.shocks.mode, MODES),
        ("hierarchy.method", cfg.hierarchy.method, METHODS),
    ]
    for key, value, allowed in checks:
        if value not in allowed:
            raise ConfigError(f"{key}: {value!r} is not one of {', '.join(allowed)}")
    if cfg.horizon < 1:
        raise ConfigError(f"horizon: must be >= 1, got {cfg.horizon}")
    if any(not 0 < q < 1 for q in cfg.quantiles):
        raise ConfigError(
            f"quantiles: each must lie in (0, 1), got {list(cfg.quantiles)}"
        )
    if cfg.delivery.enabled and cfg.delivery.quantile not in cfg.quantiles:
        raise ConfigError(
            f"delivery.quantile: {cfg.delivery.quantile} must be one of quantiles "
            f"{list(cfg.quantiles)}"
        )
    if (
        cfg.hierarchy.method != "none"
        and cfg.data.hierarchy is None
        and cfg.input.reader != "anp"
    ):
        raise ConfigError("hierarchy.method needs data.hierarchy (a mapping file)")


# --------------------------------------------------------------------------- load
def _read_demand(
    cfg: DictConfig,
) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """Demand frame, hierarchy mapping (or None) and M4 test frame (or None)."""
    from dtnmodels.io import read_eia_series, read_table

    reader, data = cfg.input.reader, cfg.data
    mapping = test = None
    if reader == "long":
        raw = read_table(data.demand, what="data.demand")
        names = {
            cfg.input.id_col: "unique_id",
            cfg.input.time_col: "ds",
            cfg.input.target_col: "y",
        }
        df = raw.rename(columns=names)
    elif reader == "eia":
        series = list(cfg.input.series) or None
        df = read_eia_series(data.demand, series=series).drop(columns="unit")
    elif reader == "anp":
        from dtnmodels.io.anp import read_anp_sales

        sales = read_anp_sales(data.demand, segment=cfg.input.segment)
        mapping = sales[["unique_id", "region"]].drop_duplicates("unique_id")
        df = sales[["unique_id", "ds", "y"]]
    else:
        from dtnmodels.io.m4 import read_m4

        if data.test is None:
            raise ConfigError("input.reader m4 needs data.test (the test file)")
        train, test = read_m4(data.demand, data.test)
        df = pd.concat([train, test], ignore_index=True)

    if reader == "eia" and data.prices is not None:
        column = cfg.input.price_series
        prices = read_eia_series(data.prices, series=column)
        prices = prices[["ds", "y"]].rename(columns={"y": "price"}).sort_values("ds")
        df = pd.merge_asof(df.sort_values("ds"), prices, on="ds", direction="backward")
    if data.hierarchy is not None:
        mapping = read_table(data.hierarchy, what="data.hierarchy")
    return df, mapping, test


def _load(ctx: StepContext) -> dict[str, Any]:
    from dtnmodels.fuel.data import check_demand, fill_gaps, infer_freq, season_length
    from dtnmodels.fuel.hierarchy import aggregate, build_hierarchy
    from dtnmodels.fuel.shocks import ShockWindow, apply_shocks, shock_columns
    from dtnmodels.io import read_table

    cfg = ctx.cfg
    _check_choices(cfg)
    specs = _model_specs(cfg)
    for spec in specs.values():  # unknown names fail here, before any fitting
        _factory(spec, 1)()

    df, mapping, _ = _read_demand(cfg)
    df["unique_id"] = df["unique_id"].astype(str)
    df["ds"] = _parse_stamps(df, f"data.demand ({cfg.data.demand})")
    if cfg.input.start:
        df = df[df["ds"] >= pd.Timestamp(cfg.input.start)]
    if cfg.input.end:
        df = df[df["ds"] <= pd.Timestamp(cfg.input.end)]
    if cfg.input.max_series:
        keep = sorted(df["unique_id"].unique())[: cfg.input.max_series]
        df = df[df["unique_id"].isin(keep)]
        if mapping is not None:
            mapping = mapping[mapping["unique_id"].astype(str).isin(keep)]
    as_of = cfg.run.as_of
    full = df
    if as_of:
        df = df[df["ds"] <= pd.Timestamp(as_of)]
    if df.empty:
        raise DataValidationError(
            "data.demand: no rows left after input.start/end and run.as_of"
        )

    freq = cfg.input.freq or infer_freq(df)
    m = int(cfg.season_length or season_length(freq))
    exog_cols = [c for c in df.columns if c not in ("unique_id", "ds", "y")]
    if cfg.validation.fill_gaps:
        df = fill_gaps(df, freq=freq)
    df = check_demand(
        df,
        freq=freq,
        min_length=m + cfg.horizon,
        exog_cols=exog_cols,
        source=f"data.demand ({cfg.data.demand})",
    )

    hierarchy = None
    if mapping is not None and cfg.hierarchy.method != "none":
        hierarchy = build_hierarchy(
            mapping, levels=list(cfg.hierarchy.levels), total=cfg.hierarchy.total
        )
        df = aggregate(df, hierarchy)

    windows = [ShockWindow(w.name, w.start, w.end) for w in cfg.shocks.windows]
    steps_per_year = {"D": 364, "W": 52, "MS": 12}.get(_base(freq), m)
    marked = apply_shocks(
        df,
        windows,
        mode=cfg.shocks.mode,
        weight=cfg.shocks.weight,
        season_length=steps_per_year,
    )

    future = _future_exog(cfg, full, df, hierarchy)
    stations = None
    if cfg.data.stations is not None and cfg.delivery.enabled:
        stations = read_table(cfg.data.stations, what="data.stations")
        stations["unique_id"] = stations["unique_id"].astype(str)

    ctx.log.info(
        "loaded %d series, %d rows, freq %s, season %d",
        df["unique_id"].nunique(),
        len(df),
        freq,
        m,
    )
    return {
        "df": marked,
        "observed": df[["unique_id", "ds", "y"]],
        "freq": freq,
        "m": m,
        "hierarchy": hierarchy,
        "future": future,
        "stations": stations,
        "shock_cols": shock_columns(windows)
        if cfg.shocks.mode == "intervention"
        else [],
        "specs": specs,
    }


def _future_exog(
    cfg: DictConfig, full: pd.DataFrame, df: pd.DataFrame, hierarchy
) -> pd.DataFrame | None:
    """Values of the regressors declared known ahead, for dates after the history.

    They come from ``data.future_exog`` and, for an ``as_of`` run, from the
    demand file's own rows after the as-of date (known ahead by declaration).
    """
    from dtnmodels.io import read_table

    known = [c for c in cfg.exog.known_future if c in full.columns]
    parts = []
    if cfg.run.as_of and known:
        later = full[full["ds"] > pd.Timestamp(cfg.run.as_of)]
        parts.append(later[["unique_id", "ds", *known]])
    if cfg.data.future_exog is not None:
        source = f"data.future_exog ({cfg.data.future_exog})"
        future = read_table(cfg.data.future_exog, what="data.future_exog")
        future["unique_id"] = future["unique_id"].astype(str)
        future["ds"] = _parse_stamps(future, source)
        absent = [c for c in known if c not in future.columns]
        if absent:
            raise DataValidationError(
                f"{source}: lacks column(s) {absent} declared in exog.known_future; "
                f"columns present: {list(future.columns)}"
            )
        lacking = sorted(set(full["unique_id"]) - set(future["unique_id"]))
        if lacking and known:
            raise DataValidationError(
                f"{source}: no rows for {len(lacking)} series of data.demand, e.g. "
                f"{lacking[:5]}; give their {known} for the forecast horizon"
            )
        parts.append(future)
    if not parts:
        return None
    future = pd.concat(parts, ignore_index=True)
    future = future[future["unique_id"].isin(set(full["unique_id"]))]
    future = future.drop_duplicates(["unique_id", "ds"], keep="first")
    if hierarchy is not None:
        future = _aggregate_exog(future, hierarchy)
    return future


def _parse_stamps(frame: pd.DataFrame, source: str) -> pd.Series:
    from dtnmodels.fuel.data import _parse_stamps as parse

    return parse(frame, source)


def _base(freq: str) -> str:
    from dtnmodels.fuel.data import normalize_freq

    return normalize_freq(freq)


def _aggregate_exog(future: pd.DataFrame, hierarchy) -> pd.DataFrame:
    from dtnmodels.fuel.hierarchy import aggregate

    frame = future.copy()
    frame["y"] = 0.0
    return aggregate(frame, hierarchy).drop(columns="y")


# --------------------------------------------------------------------------- backtest
def _known(cfg: DictConfig, loaded: dict[str, Any]) -> list[str]:
    cols = [c for c in loaded["df"].columns if c not in ("unique_id", "ds", "y")]
    known = [c for c in cols if c in set(cfg.exog.known_future) or c == "weight"]
    return known


def _residuals(history: pd.DataFrame, m: int) -> pd.DataFrame:
    """Seasonal-difference errors per node (wide), the MinT covariance proxy."""
    wide = history.pivot(index="ds", columns="unique_id", values="y").sort_index()
    return (wide - wide.shift(m)).iloc[m:]


def _backtest(ctx: StepContext) -> pd.DataFrame:
    from dtnmodels.evaluate import cross_validate
    from dtnmodels.fuel.reconcile import reconcile

    cfg, loaded = ctx.cfg, ctx.inputs["load"]
    df, m, h = loaded["df"], loaded["m"], cfg.horizon
    step = cfg.evaluation.step_size or h
    n_windows = cfg.evaluation.n_windows
    if cfg.evaluation.first_cutoff:
        times = pd.Index(np.sort(df["ds"].unique()))
        first = times.searchsorted(pd.Timestamp(cfg.evaluation.first_cutoff))
        n_windows = max((len(times) - 1 - h - first) // step + 1, 1)
    factories = {name: _factory(spec, m) for name, spec in loaded["specs"].items()}
    ctx.log.info("backtest: %d models x %d windows, h=%d", len(factories), n_windows, h)

    cv = cross_validate(
        factories,
        df,
        h=h,
        n_windows=n_windows,
        step_size=step,
        known_future=_known(cfg, loaded),
        exog_policy=cfg.exog.policy,
        quantiles=list(cfg.quantiles),
        freq=loaded["freq"],
    )
    observed = loaded["observed"].rename(columns={"y": "y_obs"})
    cv = cv.merge(observed, on=["unique_id", "ds"], how="left")
    cv["y"] = cv.pop("y_obs")  # score against observed demand, never imputed

    hierarchy = loaded["hierarchy"]
    if hierarchy is None or cfg.hierarchy.method == "none":
        return cv
    parts = []
    for (name, cutoff), part in cv.groupby(["model", "cutoff"], sort=False):
        history = loaded["observed"][loaded["observed"]["ds"] <= cutoff]
        fixed = reconcile(
            part.drop(columns=["model", "y"]),
            hierarchy,
            method=cfg.hierarchy.method,
            residuals=_residuals(history, m),
            history=history,
        )
        fixed = fixed.merge(part[["unique_id", "ds", "y"]], on=["unique_id", "ds"])
        fixed["model"] = name
        base = part.copy()
        base["model"] = f"{name}_unreconciled"
        parts += [fixed[part.columns], base]
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- evaluate
def _score(
    cv: pd.DataFrame, history: pd.DataFrame, m: int, models: list[str]
) -> dict[str, dict[str, float]]:
    from dtnmodels.evaluate import score_frame

    table = score_frame(
        cv,
        metrics=("mase", "smape", "mae", "rmse", "pinball", "coverage"),
        models=[n for n in models if n in set(cv["model"])],
        train_df=history,
        season_length=m,
    ).set_index("model")
    return {
        str(k): {c: float(v) for c, v in row.items()} for k, row in table.iterrows()
    }


def _evaluate(ctx: StepContext) -> dict[str, Any]:
    from dtnmodels.evaluate import metrics_payload, select_model

    cfg, loaded, cv = ctx.cfg, ctx.inputs["load"], ctx.inputs["backtest"]
    history = loaded["observed"]
    m_scale = int(cfg.evaluation.season_length or loaded["m"])
    names = list(dict.fromkeys(cv["model"]))
    scores = _score(cv, history, m_scale, names)

    for seg_name, seg in (cfg.evaluation.segments or {}).items():
        mask = np.ones(len(cv), bool)
        if seg.start:
            mask &= (cv["ds"] >= pd.Timestamp(seg.start)).to_numpy()
        if seg.end:
            mask &= (cv["ds"] <= pd.Timestamp(seg.end)).to_numpy()
        if mask.any():
            _merge_scores(scores, _score(cv[mask], history, m_scale, names), seg_name)

    hierarchy = loaded["hierarchy"]
    if hierarchy is not None:
        from dtnmodels.fuel.reconcile import coherence_error

        for level in sorted(set(hierarchy.level_of.values())):
            ids = [n for n, lv in hierarchy.level_of.items() if lv == level]
            part = cv[cv["unique_id"].isin(ids)]
            _merge_scores(scores, _score(part, history, m_scale, names), level)
        for name in names:
            sub = cv[cv["model"] == name]
            scores[name]["coherence_max_abs"] = coherence_error(
                sub.drop(columns=["model", "y"]), hierarchy
            )

    duplicates: list[str] = []
    if cfg.evaluation.duplicate_check:
        from dtnmodels.fuel.diagnostics import leaky_duplicates

        duplicates = leaky_duplicates(history, cv["cutoff"].min())
        clean = cv[~cv["unique_id"].isin(duplicates)]
        _merge_scores(scores, _score(clean, history, m_scale, names), "no_duplicates")

    metric = cfg.evaluation.metric
    selected = next(iter(loaded["specs"]))  # the configured model
    if cfg.evaluation.select_best:
        candidates = {
            k: v for k, v in scores.items() if not k.endswith("_unreconciled")
        }
        selected = select_model(candidates, metric)
    baseline = list(loaded["specs"])[1]
    payload = metrics_payload(
        flow="fuel", models=scores, selected=selected, baseline=baseline
    )
    return {"metrics": payload, "duplicates": duplicates}


def _merge_scores(scores: dict, extra: dict, segment: str) -> None:
    for model, values in extra.items():
        for metric, value in values.items():
            scores.setdefault(model, {})[f"{metric}@{segment}"] = value


# --------------------------------------------------------------------------- forecast
def _forecast(ctx: StepContext) -> dict[str, Any]:
    from dtnmodels.fuel.data import future_grid
    from dtnmodels.fuel.reconcile import coherence_error, reconcile
    from dtnmodels.fuel.shocks import ShockWindow, detect_breaks

    cfg, loaded = ctx.cfg, ctx.inputs["load"]
    selected = ctx.inputs["evaluate"]["metrics"]["selected"]
    breaks = (
        detect_breaks(loaded["observed"], season_length=loaded["m"])
        if cfg.shocks.detect_breaks
        else None
    )
    if not cfg.final_forecast:
        return {"forecast": None, "breaks": breaks, "coherence": None}

    df, h, freq = loaded["df"], cfg.horizon, loaded["freq"]
    spec = loaded["specs"][selected]
    model = _factory(spec, loaded["m"])()
    shock_cols = list(loaded["shock_cols"])
    known = [*_known(cfg, loaded), *shock_cols]  # shock dummies: from the windows
    exog = [c for c in df.columns if c not in ("unique_id", "ds", "y")]
    unknown = [c for c in exog if c not in known]
    if unknown and cfg.exog.policy == "refuse":
        raise DataValidationError(
            f"regressors {unknown} are not declared in exog.known_future and "
            "exog.policy is 'refuse'"
        )
    train = df.copy()
    if unknown and cfg.exog.policy == "lag":
        lagged = train.groupby("unique_id")[unknown].shift(h)
        train = train.drop(columns=unknown).join(lagged.add_suffix(f"_lag{h}"))
        train = train.dropna(subset=[f"{c}_lag{h}" for c in unknown])
    model.fit(train, freq=freq)

    X_df = None
    if model.supports_exog and len(exog):
        ids = sorted(train["unique_id"].unique())
        last = train.groupby("unique_id")["ds"].max()
        X_df = future_grid(ids, last, h=h, freq=freq)
        if "weight" in train:
            X_df["weight"] = 1.0
        for window in cfg.shocks.windows:  # computed, never read from future_exog
            column = f"shock_{window.name}"
            if column in shock_cols:
                inside = ShockWindow(window.name, window.start, window.end).mask(
                    X_df["ds"]
                )
                X_df[column] = inside.astype(float)
        user_known = [c for c in known if c != "weight" and c not in shock_cols]
        if user_known:
            future = loaded["future"]
            if future is None:
                raise DataValidationError(
                    f"regressors {user_known} are declared known ahead but "
                    "data.future_exog is not set; supply their values for the "
                    f"{h}-step horizon"
                )
            absent = [c for c in user_known if c not in future.columns]
            if absent:
                raise DataValidationError(
                    f"regressors {absent} are declared in exog.known_future but "
                    "data.future_exog has no such columns; add them or remove "
                    "them from exog.known_future"
                )
            X_df = X_df.merge(
                future[["unique_id", "ds", *user_known]],
                on=["unique_id", "ds"],
                how="left",
            )
        if unknown and cfg.exog.policy == "forecast":
            held = train.groupby("unique_id")[unknown].last()
            X_df = X_df.join(held, on="unique_id")
        if unknown and cfg.exog.policy == "lag":
            history = df.sort_values(["unique_id", "ds"]).groupby("unique_id").tail(h)
            for col in unknown:
                X_df[f"{col}_lag{h}"] = history[col].to_numpy()
    fcst = model.predict(h, X_df=X_df, quantiles=list(cfg.quantiles))

    coherence = None
    hierarchy = loaded["hierarchy"]
    if hierarchy is not None and cfg.hierarchy.method != "none":
        fcst = reconcile(
            fcst,
            hierarchy,
            method=cfg.hierarchy.method,
            residuals=_residuals(loaded["observed"], loaded["m"]),
            history=loaded["observed"],
        )
        coherence = coherence_error(fcst, hierarchy)
    fcst.insert(2, "model", selected)
    fcst = fcst.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    return {"forecast": fcst, "breaks": breaks, "coherence": coherence}


# --------------------------------------------------------------------------- plan
def _plan(ctx: StepContext) -> dict[str, Any] | None:
    from dtnmodels.fuel.delivery import plan_deliveries

    cfg, loaded = ctx.cfg, ctx.inputs["load"]
    fcst = ctx.inputs["forecast"]["forecast"]
    stations = loaded["stations"]
    if stations is None or fcst is None or not cfg.delivery.enabled:
        return None
    if _base(loaded["freq"]) != "D":
        raise ConfigError(
            "delivery planning needs daily demand; set "
            "delivery.enabled: false for other frequencies"
        )
    stations = _forecast_stations(stations, fcst, limited=bool(cfg.input.max_series))
    ctx.log.info("delivery plan for %d forecast stations", len(stations))
    if stations.empty:
        return None
    plan, trajectory = plan_deliveries(fcst, stations, quantile=cfg.delivery.quantile)
    return {"plan": plan, "trajectory": trajectory, "stations": stations}


def _forecast_stations(
    stations: pd.DataFrame, fcst: pd.DataFrame, *, limited: bool
) -> pd.DataFrame:
    """The rows of ``stations`` whose demand was forecast.

    Stations without a forecast are dropped: quietly when ``input.max_series``
    limited the run on purpose, with a
    :class:`~dtnmodels.core.errors.DataGapWarning` naming them otherwise.
    """
    from dtnmodels.core.errors import DataGapWarning, warn

    ids = stations["unique_id"].astype(str)
    keep = ids.isin(set(fcst["unique_id"].astype(str))).to_numpy()
    dropped = sorted(ids[~keep])
    if dropped and not limited:
        shown = ", ".join(dropped[:5]) + (" ..." if len(dropped) > 5 else "")
        warn(
            f"data.stations: no demand series for {len(dropped)} stations "
            f"({shown}); they are left out of the delivery plan",
            DataGapWarning,
        )
    return stations[keep].reset_index(drop=True)


# --------------------------------------------------------------------------- report
def _report(ctx: StepContext) -> FlowOutputs:
    from dtnmodels.evaluate import Report
    from dtnmodels.evaluate.plots import error_by_horizon, forecast_vs_actual
    from dtnmodels.fuel.plots import delivery_plot, level_totals_plot

    cfg, loaded = ctx.cfg, ctx.inputs["load"]
    cv = ctx.inputs["backtest"]
    evaluated, forecasted, planned = (
        ctx.inputs["evaluate"],
        ctx.inputs["forecast"],
        ctx.inputs["plan"],
    )
    metrics = evaluated["metrics"]
    selected = metrics["selected"]
    observed = loaded["observed"]

    report = Report(
        title="Fuel demand forecast",
        subtitle=f"model {selected}; horizon {cfg.horizon} steps at "
        f"{loaded['freq']}; as of {cfg.run.as_of or 'end of data'}",
    )
    report.add_text(
        "Data",
        (
            f"{observed['unique_id'].nunique()} series, {len(observed)} observations "
            f"from {observed['ds'].min().date()} to {observed['ds'].max().date()}. "
            f"Backtest: {cv['cutoff'].nunique()} rolling origins."
        ),
    )
    report.add_skill(metrics, metric=cfg.evaluation.metric)
    top = [c for c in ("mase", "smape", "mae", "pinball", "coverage")]
    table = pd.DataFrame(
        {
            n: {k: v for k, v in s.items() if k in top}
            for n, s in metrics["models"].items()
        }
    ).T
    report.add_table("Overall scores by model", table)

    sel = cv[cv["model"] == selected]
    ids = list(sel.groupby("unique_id")["y"].mean().sort_values().index[-3:])
    report.add_figure(
        "Backtest: forecast vs actual (selected model)",
        forecast_vs_actual(observed, sel, ids=ids),
    )
    report.add_figure("Error by horizon", error_by_horizon(cv))

    fcst = forecasted["forecast"]
    if fcst is not None:
        ids = list(observed.groupby("unique_id")["y"].mean().sort_values().index[-4:])
        report.add_figure(
            "Forecast of the largest series",
            level_totals_plot(
                observed, fcst, ids, n_history=4 * max(cfg.horizon, loaded["m"])
            ),
        )
    if forecasted["coherence"] is not None:
        report.add_text(
            "Reconciliation",
            (
                f"Method {cfg.hierarchy.method}; largest gap between a node and the "
                f"sum of its members: {forecasted['coherence']:.2e}."
            ),
        )
    breaks = forecasted["breaks"]
    if breaks is not None and len(breaks):
        found = breaks[breaks["significant"]]
        report.add_text(
            "Structural breaks",
            (
                f"{len(found)} of {len(breaks)} series show a lasting level shift "
                "(sup-F test on season means, 5 %)."
            ),
        )
        if len(found):
            report.add_table(
                "Series with a structural break",
                found.sort_values("sup_f", ascending=False).head(15),
            )
    if evaluated["duplicates"]:
        report.add_text(
            "Near-duplicate series",
            (
                f"{len(evaluated['duplicates'])} series have test values found inside "
                f"another series' history: {', '.join(evaluated['duplicates'][:20])}. "
                "Scores without them are the '@no_duplicates' keys."
            ),
        )

    tables: dict[str, pd.DataFrame] = {}
    if planned is not None:
        plan = planned["plan"]
        report.add_table("Delivery plan", plan.head(40))
        report.add_figure(
            "Projected tank inventory and planned loads",
            delivery_plot(planned["trajectory"], plan, planned["stations"]),
        )
        tables["delivery_plan"] = plan
    if breaks is not None:
        tables["breaks"] = breaks

    predictions = fcst if fcst is not None else sel.drop(columns=["y"])
    predictions = predictions.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    return FlowOutputs(
        metrics=metrics,
        report_html=report.to_html(),
        predictions=predictions,
        tables=tables,
    )


# --------------------------------------------------------------------------- flow
class FuelFlow(Flow):
    """Fuel demand: forecasts with quantiles, reconciliation and delivery plans."""

    name = "fuel"
    summary = "fuel demand forecasts with quantiles, reconciliation and delivery plans"
    schema = FuelConfig
    steps = (
        Step(
            "load",
            _load,
            data_inputs=(
                "demand",
                "test",
                "future_exog",
                "prices",
                "hierarchy",
                "stations",
            ),
            config_keys=(
                "data",
                "input",
                "model",
                "baseline",
                "compare",
                "horizon",
                "quantiles",
                "season_length",
                "exog",
                "shocks",
                "hierarchy",
                "delivery",
                "validation",
            ),
        ),
        Step(
            "backtest",
            _backtest,
            needs=("load",),
            config_keys=(
                "horizon",
                "quantiles",
                "evaluation",
                "exog",
                "hierarchy",
                "compute",
                "run.seed",
            ),
        ),
        Step(
            "evaluate",
            _evaluate,
            needs=("load", "backtest"),
            config_keys=("evaluation",),
        ),
        Step(
            "forecast",
            _forecast,
            needs=("load", "evaluate"),
            config_keys=(
                "horizon",
                "quantiles",
                "final_forecast",
                "exog",
                "hierarchy",
                "shocks",
                "run.seed",
            ),
        ),
        Step(
            "plan",
            _plan,
            needs=("load", "forecast"),
            config_keys=("delivery", "input.max_series"),
        ),
        Step(
            "report",
            _report,
            needs=("load", "backtest", "evaluate", "forecast", "plan"),
            config_keys=("evaluation", "horizon", "hierarchy"),
        ),
    )

    def check_inputs(self, cfg: DictConfig) -> None:
        """Check the files exist, then read a few rows of each table."""
        from dtnmodels.io import read_table

        super().check_inputs(cfg)
        _check_choices(cfg)
        for spec in _model_specs(cfg).values():
            _factory(spec, 1)()
        for key in ("demand", "future_exog", "hierarchy", "stations", "prices", "test"):
            path = cfg.data.get(key)
            if not path:
                continue
            try:
                kwargs = {} if str(path).endswith(".parquet") else {"nrows": 5}
                read_table(path, what=f"data.{key}", **kwargs)
            except InputFileError:
                raise
            except Exception as exc:
                raise InputFileError(
                    f"data.{key}: cannot read {path!r}: {exc}"
                ) from exc
