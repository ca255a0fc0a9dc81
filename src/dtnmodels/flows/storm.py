"""The ``storm`` flow: hazard grids and exposure → predicted outages, skill, crew plan.

Steps
-----
load
    Read regions, the hazard grid of the storm to predict, the history of
    past storms (a table, or tract winds + county outages per storm),
    exposure inputs and, for the event task, county event reports.
exposure
    Customers, line length, substations and land area per region.
hazard
    Per-region hazard features of the storm to predict, with coverage flags.
history
    Training table: one row per (past storm, region) with hazard features,
    exposure and observed customers out (storms after ``run.as_of`` dropped).
evaluate
    Leave-one-storm-out scores of the model, the baseline and ``compare``
    models; or, for ``task: events``, ROC AUC and POD/FAR/CSI of rain
    features against county event reports.
predict
    The selected model refitted on all storms predicts the new storm
    (P10/P50/P90 share and customers out); without a hazard grid, the
    held-out predictions are the output.
plan
    Crew allocation minimising expected unrestored customer-hours.
report
    metrics.json, predictions, crew plan, report.html with maps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import MISSING, OmegaConf

from dtnmodels.core.errors import ConfigError, DataValidationError, InputFileError
from dtnmodels.core.interfaces import quantile_columns
from dtnmodels.core.registry import create_model
from dtnmodels.flows.base import Flow, FlowOutputs, Step, StepContext
from dtnmodels.flows.config import ComputeConfig, ModelSpec, RunSettings

__all__ = ["StormConfig", "StormFlow"]

TASKS = ("impact", "events")


@dataclass
class StormData:
    """Input files (paths); every one but ``regions`` is optional."""

    regions: str = MISSING
    hazard: str | None = None
    history: str | None = None
    tract_winds: list[str] = field(default_factory=list)
    outages: list[str] = field(default_factory=list)
    customers: str | None = None
    lines: str | None = None
    substations: str | None = None
    events: str | None = None


@dataclass
class RegionsConfig:
    """Which regions, keyed how."""

    id_col: str = "id"
    states: list[str] = field(default_factory=list)
    crs: str | None = None


@dataclass
class ExposureConfig:
    """Where customers come from: a regions column, or population × a factor."""

    customers_col: str | None = "customers"
    customers_per_person: float = 0.47


@dataclass
class HazardConfig:
    """How the hazard grid is read and summarised."""

    gust_var: str | None = "gust"
    rain_var: str | None = "rain"
    gust_units: str | None = None
    rain_units: str | None = None
    gust_factor: float = 1.0
    wind_thresholds: list[float] = field(default_factory=lambda: [15.0, 20.0, 25.0])
    fill_value: float | None = None
    member_reduce: str = "mean"
    min_coverage: float = 0.5


@dataclass
class FeaturesConfig:
    """Feature columns the learned models use."""

    use: list[str] = field(
        default_factory=lambda: ["gust_max", "gust_mean", "hours_gust_above_20"]
    )


@dataclass
class EvaluationConfig:
    """Scoring options."""

    event_share: float = 0.1
    quantiles: list[float] = field(default_factory=lambda: [0.1, 0.5, 0.9])
    metric: str = "mae"


@dataclass
class CrewConfig:
    """Crew staging: number of crews, restoration rate per crew, horizon."""

    n_crews: int = 40
    rate: float = 150.0
    horizon: float = 72.0


@dataclass
class EventsConfig:
    """Event task: which storm, which reported event types, which score."""

    storm_id: str | None = None
    event_types: list[str] = field(default_factory=lambda: ["Flood", "Flash Flood"])
    score: str = "rain_total"
    threshold: float = 100.0


@dataclass
class ReferenceConfig:
    """An outside total to compare the predicted total with (a sanity ratio)."""

    states: list[str] = field(default_factory=list)
    customers_affected: float | None = None
    source: str = ""


@dataclass
class StormConfig:
    """Config schema of the storm flow."""

    task: str = "impact"
    data: StormData = field(default_factory=StormData)
    regions: RegionsConfig = field(default_factory=RegionsConfig)
    exposure: ExposureConfig = field(default_factory=ExposureConfig)
    hazard: HazardConfig = field(default_factory=HazardConfig)
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    model: ModelSpec = field(default_factory=lambda: ModelSpec(name="gbm_share"))
    baseline: ModelSpec = field(default_factory=lambda: ModelSpec(name="wind_step"))
    compare: list[ModelSpec] = field(default_factory=list)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    crews: CrewConfig = field(default_factory=CrewConfig)
    events: EventsConfig = field(default_factory=EventsConfig)
    reference: ReferenceConfig = field(default_factory=ReferenceConfig)
    compute: ComputeConfig = field(default_factory=ComputeConfig)
    run: RunSettings = field(default_factory=RunSettings)


# -- helpers -------------------------------------------------------------------


def _model_specs(cfg: Any) -> dict[str, tuple[str, dict]]:
    """Model label → (config path, spec) for model, baseline and compare.

    The label is the model name; a second entry with the same name but other
    params (e.g. the step function with cleaned labels as the model and the
    plain one as baseline) is labelled ``<name>:<config path>``. Exact
    duplicates are scored once.
    """
    specs: dict[str, tuple[str, dict]] = {}
    for where, plain in _spec_entries(cfg):
        label = str(plain["name"])
        if label in specs and specs[label][1] != plain:
            label = f"{label}:{where}"
        specs.setdefault(label, (where, plain))
    return specs


def _spec_entries(cfg: Any) -> list[tuple[str, dict]]:
    entries = [("model", cfg.model), ("baseline", cfg.baseline)]
    entries += [(f"compare[{i}]", s) for i, s in enumerate(cfg.compare)]
    return [(w, OmegaConf.to_container(s, resolve=True)) for w, s in entries]


def _baseline_label(cfg: Any) -> str:
    """Label under which the baseline is scored (see :func:`_model_specs`)."""
    baseline = OmegaConf.to_container(cfg.baseline, resolve=True)
    return next(
        label for label, (_, spec) in _model_specs(cfg).items() if spec == baseline
    )


def _factories(cfg: Any) -> dict[str, Any]:
    import dtnmodels.storm  # noqa: F401  (registers the impact models)

    out = {}
    for name, (where, spec) in _model_specs(cfg).items():
        create_model("impact", spec, where=where)  # fail fast on bad names/params
        out[name] = partial(create_model, "impact", spec, where=where)
    return out


def _check_task(cfg: Any) -> None:
    if cfg.task not in TASKS:
        raise ConfigError(f"task: must be one of {TASKS}, got {cfg.task!r}")
    if cfg.hazard.member_reduce not in ("mean", "max"):
        raise ConfigError(
            f"hazard.member_reduce: must be 'mean' or 'max', got "
            f"{cfg.hazard.member_reduce!r}"
        )
    if not 0 < cfg.evaluation.event_share < 1:
        raise ConfigError(
            "evaluation.event_share: must lie strictly between 0 and 1, got "
            f"{cfg.evaluation.event_share!r}"
        )
    if cfg.task == "impact" and not (cfg.data.history or cfg.data.tract_winds):
        raise ConfigError(
            "data.history or data.tract_winds: the impact task needs past storms"
        )
    if len(cfg.data.tract_winds) != len(cfg.data.outages):
        raise ConfigError(
            f"data.tract_winds ({len(cfg.data.tract_winds)} files) and data.outages "
            f"({len(cfg.data.outages)} files) must pair up, one of each per storm"
        )
    if cfg.task == "events" and not (cfg.data.events and cfg.data.hazard):
        raise ConfigError("data.events and data.hazard: the events task needs both")
    bad_levels = [q for q in cfg.evaluation.quantiles if not 0 < q < 1]
    if bad_levels or not len(cfg.evaluation.quantiles):
        raise ConfigError(
            "evaluation.quantiles: give levels strictly between 0 and 1 (e.g. "
            f"[0.1, 0.5, 0.9]), got {list(cfg.evaluation.quantiles)}"
        )
    if cfg.run.as_of:
        try:
            pd.Timestamp(cfg.run.as_of)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"run.as_of: {cfg.run.as_of!r} is not a date; use YYYY-MM-DD"
            ) from exc


# -- steps ---------------------------------------------------------------------


def _load(ctx: StepContext) -> dict[str, Any]:
    from dtnmodels.io import open_grid, open_regions
    from dtnmodels.io.county_centers import read_county_centers
    from dtnmodels.io.osm_powergrid import read_power_lines, read_substations
    from dtnmodels.io.tables import read_table
    from dtnmodels.io.tract_winds import read_impact_history, read_tract_winds

    cfg = ctx.cfg
    _check_task(cfg)
    if cfg.task == "impact":
        _factories(cfg)
    data = cfg.data

    regions = open_regions(data.regions, id_col=cfg.regions.id_col, crs=cfg.regions.crs)
    if cfg.regions.states:
        ids = regions[cfg.regions.id_col].astype(str)
        regions = regions[ids.str[:2].isin(list(cfg.regions.states))]
        if regions.empty:
            raise DataValidationError(
                f"regions.states {list(cfg.regions.states)} matches no id in "
                f"column {cfg.regions.id_col!r} of {data.regions!r}"
            )
    regions = regions.sort_values(cfg.regions.id_col).reset_index(drop=True)
    ctx.log.info("%r regions", len(regions))

    out: dict[str, Any] = {"regions": regions}
    out["hazard"] = open_grid(data.hazard) if data.hazard else None
    out["history"] = read_impact_history(data.history) if data.history else None
    out["tract_winds"] = [read_tract_winds(p) for p in data.tract_winds]
    out["outages"] = [
        read_table(p, what="county outage table", dtype={"geoid": str})
        for p in data.outages
    ]
    out["centers"] = read_county_centers(data.customers) if data.customers else None
    out["lines"] = read_power_lines(data.lines) if data.lines else None
    out["substations"] = (
        read_substations(data.substations) if data.substations else None
    )
    out["events"] = (
        read_table(data.events, what="county events table", dtype={"fips": str})
        if data.events
        else None
    )
    return out


def _exposure(ctx: StepContext) -> pd.DataFrame:
    from dtnmodels.storm.exposure import exposure_features

    cfg, loaded = ctx.cfg, ctx.inputs["load"]
    regions = loaded["regions"]
    id_col = cfg.regions.id_col
    customers = None
    col = cfg.exposure.customers_col
    if col:
        if col not in regions.columns:
            raise DataValidationError(
                f"exposure.customers_col: column {col!r} not in data.regions; "
                "set it to null to use data.customers (population) instead"
            )
        customers = pd.Series(
            regions[col].to_numpy(float), index=regions[id_col].astype(str)
        )
    elif loaded["centers"] is not None:
        population = loaded["centers"]["population"].astype(float)
        customers = np.round(population * cfg.exposure.customers_per_person)
    return exposure_features(
        regions,
        id_col=id_col,
        customers=customers,
        lines=loaded["lines"],
        substations=loaded["substations"],
    )


def _hazard(ctx: StepContext) -> pd.DataFrame | None:
    from dtnmodels.storm.hazard import hazard_features

    cfg, loaded = ctx.cfg, ctx.inputs["load"]
    if loaded["hazard"] is None:
        return None
    h = cfg.hazard
    feats = hazard_features(
        loaded["hazard"],
        loaded["regions"],
        id_col=cfg.regions.id_col,
        min_coverage=h.min_coverage,
        gust_var=h.gust_var,
        rain_var=h.rain_var,
        gust_units=h.gust_units,
        rain_units=h.rain_units,
        gust_factor=h.gust_factor,
        wind_thresholds=tuple(h.wind_thresholds),
        fill_value=h.fill_value,
        member_reduce=h.member_reduce,
    )
    ctx.log.info("hazard features for %r regions", len(feats))
    if "coverage" in feats and not (feats["coverage"].fillna(0) > 0).any():
        raise DataValidationError(
            f"no region has a valid hazard pixel: the grid data.hazard="
            f"{str(cfg.data.hazard)!r} does not overlap data.regions="
            f"{str(cfg.data.regions)!r} or holds only NaN in {h.gust_var!r}; check "
            "both files cover the same area and their CRSs"
        )
    return feats


def _history(ctx: StepContext) -> pd.DataFrame | None:
    from dtnmodels.storm.hazard import aggregate_tracts

    cfg, loaded, exposure = ctx.cfg, ctx.inputs["load"], ctx.inputs["exposure"]
    if cfg.task != "impact":
        return None
    pieces = []
    if loaded["history"] is not None:
        pieces.append(loaded["history"])
    for tracts, outages in zip(loaded["tract_winds"], loaded["outages"], strict=True):
        pieces.append(_storm_from_tracts(tracts, outages, exposure, aggregate_tracts))
    history = pd.concat(pieces, ignore_index=True)

    as_of = cfg.run.as_of
    if as_of and "date" in history.columns:
        dates = pd.to_datetime(history["date"], utc=True, format="ISO8601")
        cutoff = pd.Timestamp(as_of, tz="UTC")
        dropped = sorted(history.loc[dates > cutoff, "storm_id"].unique())
        history = history[dates <= cutoff]
        ctx.log.info("run.as_of %s: dropped storms %r", as_of, dropped)

    extra = [c for c in exposure.columns if c not in history.columns]
    history = history.join(exposure[extra], on="region")
    if "customers" not in history.columns:
        raise DataValidationError(
            "no customers for the history: give a 'customers' column in "
            "data.history or customers via exposure"
        )
    missing = [c for c in cfg.features.use if c not in history.columns]
    if missing:
        raise ConfigError(
            f"features.use: {missing} not in the history; available: "
            f"{sorted(c for c in history.columns if c not in ('storm_id', 'region'))}"
        )
    return history.sort_values(["storm_id", "region"]).reset_index(drop=True)


def _storm_from_tracts(
    tracts: pd.DataFrame, outages: pd.DataFrame, exposure: pd.DataFrame, agg: Any
) -> pd.DataFrame:
    """One storm's county rows from tract winds and county outage shares."""
    storm = str(tracts["storm_id"].iloc[0])
    value_cols = ["vmax_gust"] + (["gust_dur"] if "gust_dur" in tracts else [])
    county = agg(tracts, value_cols=value_cols)
    feats = pd.DataFrame(
        {"gust_max": county["vmax_gust_max"], "gust_mean": county["vmax_gust_mean"]}
    )
    if "gust_dur" in tracts:
        feats["hours_gust_above_20"] = county["gust_dur_mean"] / 60.0
    for col in ("geoid", "max_pct_out"):
        if col not in outages.columns:
            raise DataValidationError(
                f"county outage table of {storm} lacks column {col!r}"
            )
    share = outages.set_index(outages["geoid"].astype(str).str.zfill(5))["max_pct_out"]
    frame = feats.reindex(share.index)
    frame.index.name = "region"
    frame = frame.reset_index()
    customers = exposure["customers"].reindex(frame["region"]).to_numpy()
    frame["customers"] = customers
    frame["customers_out"] = np.round(share.to_numpy(float) * customers)
    frame.insert(0, "storm_id", storm)
    if "date" in tracts:
        frame["date"] = tracts["date"].max()
    no_wind = frame["gust_max"].isna()
    if no_wind.any():
        frame = frame[~no_wind]
    return frame


def _evaluate(ctx: StepContext) -> dict[str, Any]:
    from dtnmodels.storm.evaluation import leave_one_storm_out, score_impacts

    cfg = ctx.cfg
    if cfg.task == "events":
        return _evaluate_events(ctx)
    history = ctx.inputs["history"]
    factories = _factories(cfg)
    held_out = leave_one_storm_out(
        history,
        factories,
        features=list(cfg.features.use),
        quantiles=tuple(cfg.evaluation.quantiles),
        progress=ctx.progress,
    )
    scores = score_impacts(held_out, event_share=cfg.evaluation.event_share)
    names = list(_model_specs(cfg))
    return {"held_out": held_out, "scores": scores, "models": names}


def _evaluate_events(ctx: StepContext) -> dict[str, Any]:
    from dtnmodels.evaluate import contingency_scores, roc_auc
    from dtnmodels.storm.events import county_event_labels

    cfg, loaded, feats = ctx.cfg, ctx.inputs["load"], ctx.inputs["hazard"]
    labels = county_event_labels(
        loaded["events"],
        storm_id=cfg.events.storm_id,
        event_types=list(cfg.events.event_types),
        regions=feats.index,
    )
    table = feats.join(labels)
    scored = table[~table["partial_coverage"]]
    candidates = [
        c for c in ("rain_total", "rain_max_1h", "rain_total_max") if c in scored
    ]
    if cfg.events.score not in scored.columns:
        raise ConfigError(
            f"events.score: {cfg.events.score!r} is not a hazard feature; "
            f"choose one of {candidates}"
        )
    scores: dict[str, dict[str, float]] = {}
    for name in dict.fromkeys([cfg.events.score, *candidates]):
        entry = {"roc_auc": float(roc_auc(scored[name].to_numpy(), scored["event"]))}
        if name == cfg.events.score:
            threshold = cfg.events.threshold
            cont = contingency_scores(
                scored[name].to_numpy(),
                scored["event"].to_numpy(),
                threshold=threshold,
                obs_threshold=1,
            )
            entry.update({k: float(cont[k]) for k in ("pod", "far", "csi")})
        scores[name] = entry
    ctx.log.info("event scores %r", scores)
    return {
        "scores": scores,
        "table": table,
        "n_excluded": int(len(table) - len(scored)),
    }


def _predict(ctx: StepContext) -> pd.DataFrame | None:
    from dtnmodels.evaluate import select_model

    cfg = ctx.cfg
    if cfg.task != "impact":
        return None
    history, feats = ctx.inputs["history"], ctx.inputs["hazard"]
    exposure, ev = ctx.inputs["exposure"], ctx.inputs["evaluate"]
    quantiles = tuple(cfg.evaluation.quantiles)
    metric = cfg.evaluation.metric
    selected = select_model(ev["scores"], metric, lower_is_better=None)
    share_cols = ["mean", *quantile_columns(quantiles)]

    if feats is None:  # no new storm: the held-out predictions are the output
        frame = ev["held_out"][ev["held_out"]["model"] == selected].copy()
        frame = frame.rename(columns={c: f"share_{c}" for c in share_cols})
        frame = frame.rename(columns={"observed": "share_observed"})
    else:
        model = _factories(cfg)[selected]()
        recorded = history[history["customers_out"].notna()]
        X = recorded.set_index("region")[list(cfg.features.use)]
        model.fit(
            X,
            recorded["customers_out"].to_numpy(),
            customers=recorded["customers"].to_numpy(),
            groups=recorded["storm_id"].to_numpy(),
        )
        new = feats.join(exposure[[c for c in exposure if c not in feats]])
        missing = [c for c in cfg.features.use if c not in new.columns]
        if missing:
            raise ConfigError(
                f"features.use: {missing} cannot be computed from data.hazard "
                f"(hazard features: {sorted(feats.columns)})"
            )
        usable = new[cfg.features.use].notna().all(axis=1)
        pred = model.predict(
            new.loc[usable, cfg.features.use],
            customers=new.loc[usable, "customers"].to_numpy(),
            quantiles=quantiles,
        ).reindex(new.index)
        frame = pred.rename(columns={c: f"share_{c}" for c in share_cols})
        frame.insert(0, "customers", new["customers"].to_numpy())
        frame["coverage"] = new["coverage"].to_numpy()
        frame["partial_coverage"] = new["partial_coverage"].to_numpy()
        frame = frame.reset_index().rename(columns={"index": "region"})
        frame.insert(0, "model", selected)
        frame.insert(1, "storm_id", "forecast")
    for c in share_cols:
        frame[f"customers_out_{c}"] = np.round(frame[f"share_{c}"] * frame["customers"])
    return frame.sort_values(["storm_id", "region"]).reset_index(drop=True)


def _plan(ctx: StepContext) -> pd.DataFrame | None:
    from dtnmodels.storm.crews import plan_crews

    cfg, pred = ctx.cfg, ctx.inputs["predict"]
    if pred is None:
        return None
    latest = pred[pred["storm_id"] == sorted(pred["storm_id"].unique())[-1]]
    demand = pd.Series(
        latest["customers_out_mean"].to_numpy(), index=latest["region"].astype(str)
    )
    return plan_crews(
        demand,
        n_crews=cfg.crews.n_crews,
        rate=cfg.crews.rate,
        horizon=cfg.crews.horizon,
    )


def _report(ctx: StepContext) -> FlowOutputs:
    from dtnmodels.evaluate import Report, metrics_payload, select_model

    cfg = ctx.cfg
    ev = ctx.inputs["evaluate"]
    report = Report(title="Storm impact", subtitle=f"task: {cfg.task}")
    if cfg.task == "events":
        return _report_events(ctx, report)

    scores = ev["scores"]
    selected = select_model(scores, cfg.evaluation.metric, lower_is_better=None)
    baseline = _baseline_label(cfg)
    pred, plan = ctx.inputs["predict"], ctx.inputs["plan"]
    ref = _reference_ratio(cfg, pred)
    if ref is not None:
        scores[selected] = {**scores[selected], **ref}
    metrics = metrics_payload(
        flow="storm", models=scores, selected=selected, baseline=baseline
    )
    _impact_sections(ctx, report, metrics, pred, plan, ref)
    tables = {"held_out": ev["held_out"]}
    if plan is not None:
        tables["crew_plan"] = plan.reset_index()
    return FlowOutputs(
        metrics=metrics, report_html=report.to_html(), predictions=pred, tables=tables
    )


def _reference_ratio(cfg: Any, pred: pd.DataFrame) -> dict[str, float] | None:
    ref = cfg.reference
    if ref.customers_affected is None or pred is None:
        return None
    latest = pred[pred["storm_id"] == sorted(pred["storm_id"].unique())[-1]]
    mask = latest["region"].astype(str).str[:2].isin(list(ref.states) or [""])
    if not ref.states:
        mask[:] = True
    total = float(latest.loc[mask, "customers_out_mean"].sum())
    return {
        "predicted_total_customers_out": total,
        "reference_customers_affected": float(ref.customers_affected),
        "ratio_to_reference": total / float(ref.customers_affected),
    }


def _impact_sections(
    ctx: StepContext,
    report: Any,
    metrics: dict,
    pred: pd.DataFrame,
    plan: pd.DataFrame | None,
    ref: dict | None,
) -> None:
    from dtnmodels.storm.plots import held_out_scatter, region_map

    cfg, ev = ctx.cfg, ctx.inputs["evaluate"]
    regions = ctx.inputs["load"]["regions"]
    id_col = cfg.regions.id_col
    history = ctx.inputs["history"]
    storms = sorted(history["storm_id"].astype(str).unique())
    used = sorted(ev["held_out"]["storm_id"].astype(str).unique())  # as scored
    dropped = [s for s in storms if s not in used]
    note = f" ({', '.join(dropped)} left out: no recorded impacts)" if dropped else ""
    report.add_text(
        "Data",
        f"{len(regions)} regions; {len(used)} past storms with recorded impacts "
        f"({', '.join(used)}){note}; features {', '.join(cfg.features.use)}. "
        "Models are scored leaving one storm "
        "out at a time; shares are customers out / customers (0-1). The event "
        f"for POD/FAR/CSI is at least {cfg.evaluation.event_share:.0%} out; "
        "coverage is the share of held-out counties inside P10-P90 (nominal 0.8).",
    )
    report.add_skill(metrics, metric=cfg.evaluation.metric)
    report.add_figure(
        "Held-out predictions vs observed",
        held_out_scatter(ev["held_out"], models=ev["models"]),
    )
    flagged = []
    for storm in sorted(pred["storm_id"].unique()):
        part = pred[pred["storm_id"] == storm]
        values = pd.Series(
            part["share_mean"].to_numpy(), index=part["region"].astype(str)
        )
        if "partial_coverage" in part:
            flagged = part.loc[part["partial_coverage"].astype(bool), "region"].tolist()
        report.add_figure(
            f"Predicted share of customers out: {storm}",
            region_map(
                regions,
                values,
                id_col=id_col,
                label="share out (0-1)",
                title=f"{metrics['selected']}: predicted share out, {storm}",
                flagged=flagged,
            ),
        )
        if "share_observed" in part:
            obs = pd.Series(part["share_observed"].to_numpy(), index=values.index)
            report.add_figure(
                f"Observed share of customers out: {storm}",
                region_map(
                    regions,
                    obs,
                    id_col=id_col,
                    label="share out (0-1)",
                    title=f"observed share out, {storm}",
                ),
            )
    if flagged:
        report.add_text(
            "Hazard coverage",
            f"{len(flagged)} regions are less than {cfg.hazard.min_coverage:.0%} "
            "covered by valid hazard pixels and are hatched: "
            f"{', '.join(flagged[:30])}.",
        )
    if ref is not None:
        report.add_text(
            "Sanity check against a reported total",
            f"Predicted customers out in states {list(cfg.reference.states)}: "
            f"{ref['predicted_total_customers_out']:,.0f}; reported "
            f"{ref['reference_customers_affected']:,.0f} ({cfg.reference.source}); "
            f"ratio {ref['ratio_to_reference']:.2f}.",
        )
    if plan is not None:
        report.add_text(
            "Crew plan",
            f"{cfg.crews.n_crews} crews restoring {cfg.crews.rate:g} customers per "
            f"crew-hour, horizon {cfg.crews.horizon:g} h. Crews are handed out one "
            "at a time to the region where the next crew saves the most unrestored "
            "customer-hours; with linear restoration the cost per region is convex "
            "in crews, so this greedy marginal-gain allocation is optimal. "
            f"Customer-hours within the horizon: {plan['customer_hours'].sum():,.0f} "
            f"(without crews {plan['customer_hours_no_crews'].sum():,.0f}).",
        )
        shown = plan[plan["crews"] > 0].sort_values("crews", ascending=False)
        report.add_table(
            "Crew plan (regions with crews)", shown.head(30), floatfmt=".1f"
        )
        report.add_figure(
            "Crew map",
            region_map(
                regions,
                plan["crews"].astype(float),
                id_col=id_col,
                label="crews",
                title="crews per region",
                cmap="Blues",
                annotate=True,
            ),
        )


def _report_events(ctx: StepContext, report: Any) -> FlowOutputs:
    from dtnmodels.evaluate import metrics_payload
    from dtnmodels.storm.plots import region_map

    cfg, ev = ctx.cfg, ctx.inputs["evaluate"]
    scores = ev["scores"]
    selected = cfg.events.score
    baseline = next((n for n in scores if n != selected), selected)
    metrics = metrics_payload(
        flow="storm", models=scores, selected=selected, baseline=baseline
    )
    table = ev["table"]
    report.add_text(
        "Task",
        f"Score whether a county reported {list(cfg.events.event_types)} during "
        f"{cfg.events.storm_id} from its rain features. {ev['n_excluded']} regions "
        "with partial grid coverage are excluded from scoring. POD/FAR/CSI use "
        f"{selected} >= {cfg.events.threshold:g} mm as the forecast event.",
    )
    report.add_skill(metrics, metric="roc_auc")
    regions = ctx.inputs["load"]["regions"]
    flagged = table.index[table["partial_coverage"]].tolist()
    report.add_figure(
        f"County {selected} (mm)",
        region_map(
            regions,
            table[selected],
            id_col=cfg.regions.id_col,
            label="mm",
            title=f"{selected}, counties",
            cmap="Blues",
            flagged=flagged,
        ),
    )
    report.add_figure(
        "Counties reporting the events",
        region_map(
            regions,
            table["event"].astype(float),
            id_col=cfg.regions.id_col,
            label="reported (1) or not (0)",
            title="reported events",
            cmap="Reds",
            flagged=flagged,
        ),
    )
    pred = table.reset_index()
    return FlowOutputs(metrics=metrics, report_html=report.to_html(), predictions=pred)


# -- the flow ------------------------------------------------------------------


class StormFlow(Flow):
    """Predicted outages per region from hazard grids, with skill and a crew plan."""

    name = "storm"
    summary = "storm impact: hazard grids + exposure -> outages per county, crew plan"
    schema = StormConfig
    steps = (
        Step(
            "load",
            _load,
            config_keys=("task", "data", "regions", "model", "baseline", "compare"),
            data_inputs=(
                "regions",
                "hazard",
                "history",
                "customers",
                "lines",
                "substations",
                "events",
            ),
        ),
        Step(
            "exposure", _exposure, needs=("load",), config_keys=("regions", "exposure")
        ),
        Step("hazard", _hazard, needs=("load",), config_keys=("regions", "hazard")),
        Step(
            "history",
            _history,
            needs=("load", "exposure"),
            config_keys=("task", "features", "run.as_of"),
        ),
        Step(
            "evaluate",
            _evaluate,
            needs=("load", "history", "hazard"),
            config_keys=(
                "task",
                "model",
                "baseline",
                "compare",
                "features",
                "evaluation",
                "events",
            ),
        ),
        Step(
            "predict",
            _predict,
            needs=("history", "hazard", "exposure", "evaluate"),
            config_keys=(
                "task",
                "features",
                "evaluation",
                "model",
                "baseline",
                "compare",
            ),
        ),
        Step("plan", _plan, needs=("predict",), config_keys=("crews",)),
        Step(
            "report",
            _report,
            needs=("load", "history", "evaluate", "predict", "plan"),
            config_keys=(
                "task",
                "evaluation",
                "reference",
                "crews",
                "hazard",
                "baseline",
            ),
        ),
    )

    def check_inputs(self, cfg: Any) -> None:
        """Check files exist, list inputs pair up and the model names are known."""
        super().check_inputs(cfg)
        _check_task(cfg)
        for key in ("tract_winds", "outages"):
            for i, path in enumerate(cfg.data[key]):
                if not Path(path).is_file():
                    raise InputFileError(f"data.{key}[{i}]: {path!r} not found")
        if cfg.task == "impact":
            _factories(cfg)
        if cfg.data.hazard:
            from dtnmodels.io import open_grid

            open_grid(cfg.data.hazard)
