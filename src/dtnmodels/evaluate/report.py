"""The one HTML report builder every flow uses, and the metrics payload it reads.

A :class:`Report` collects sections (text, tables, figures, a skill summary) and
renders one self-contained HTML page: styles are inline and figures are
embedded as base64 PNG, so the page opens offline and can be archived as a
single file. Writing the page to disk is the caller's job (through
:mod:`dtnmodels.io`); this module only builds strings.

:func:`metrics_payload` is the small, JSON-ready dictionary a flow records
for its run and hands to :meth:`Report.add_skill`; :func:`select_model`
picks the best model from such scores.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dtnmodels.core.errors import DataValidationError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = [
    "HIGHER_IS_BETTER",
    "Report",
    "lower_is_better",
    "metrics_payload",
    "select_model",
    "skill_sentence",
]

log = logging.getLogger(__name__)

#: Metric names (lower case) for which a larger value is better.
HIGHER_IS_BETTER: frozenset[str] = frozenset(
    {
        "r2",
        "spearman",
        "roc_auc",
        "auc",
        "pod",
        "csi",
        "ets",
        "skill",
        "accuracy",
        "nse",
        "kge",
    }
)

#: Order in which :meth:`Report.add_skill` picks the headline metric.
_HEADLINE_PREFERENCE = (
    "mase",
    "rmsse",
    "crps",
    "pinball",
    "brier",
    "mae",
    "rmse",
    "smape",
    "r2",
    "roc_auc",
    "csi",
)

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;
max-width:64rem;padding:0 1rem;color:#1b1f24;line-height:1.45}
h1{margin-bottom:.2rem}p.subtitle{color:#57606a;margin-top:0}
h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:right}
th{background:#f6f8fa}td.label,th.label{text-align:left}
tr.selected td{font-weight:600;background:#eef6ee}
tr.baseline td{color:#57606a;font-style:italic}
img{max-width:100%;height:auto}p.skill{font-size:1.05rem}
footer{margin-top:3rem;color:#8c959f;font-size:.8rem}
"""


def lower_is_better(metric: str) -> bool:
    """Whether a smaller value of ``metric`` is better (error-like metrics).

    Names in :data:`HIGHER_IS_BETTER` (R², Spearman, ROC AUC, POD, CSI, ETS,
    skill scores) are better when larger; any name starting with ``skill`` too.
    Everything else (errors, losses, FAR) is better when smaller.
    """
    name = metric.lower()
    return not (name in HIGHER_IS_BETTER or name.startswith("skill"))


#: Alias used where a parameter named ``lower_is_better`` shadows the function.
_lower_is_better = lower_is_better


def select_model(
    models_scores: Mapping[str, Mapping[str, float]],
    metric: str = "mase",
    *,
    lower_is_better: bool | None = True,
) -> str:
    """Name of the model with the best ``metric``.

    Parameters
    ----------
    models_scores : mapping of str to mapping of str to float
        ``{model_name: {metric_name: value}}``, e.g. the ``"models"`` entry of
        :func:`metrics_payload`.
    metric : str, default "mase"
        Metric to rank by.
    lower_is_better : bool or None, default True
        Rank ascending (errors) or descending (R², skill, AUC); ``None`` infers
        the direction from the metric name (see :func:`lower_is_better`).

    Returns
    -------
    str
        The winning model. Models whose value is missing or NaN are skipped;
        ties go to the model listed first.

    Raises
    ------
    DataValidationError
        If no model has a finite value for ``metric``.
    """
    if lower_is_better is None:
        lower_is_better = _lower_is_better(metric)

    candidates = []
    for order, (name, scores) in enumerate(models_scores.items()):
        value = _as_float(scores.get(metric))
        if value is not None:
            key = value if lower_is_better else -value
            candidates.append((key, order, name))

    if not candidates:
        known = sorted({m for s in models_scores.values() for m in s})
        raise DataValidationError(
            f"cannot select a model: no model has a finite value for metric "
            f"{metric!r}; metrics present: {known}"
        )
    best = min(candidates)[2]
    log.debug("selected %r on %r among %r", best, metric, list(models_scores))
    return best


def metrics_payload(
    *,
    flow: str,
    models: Mapping[str, Mapping[str, float]],
    selected: str,
    baseline: str,
) -> dict[str, Any]:
    """JSON-ready record of a flow's scores: the input of :meth:`Report.add_skill`.

    Parameters
    ----------
    flow : str
        Flow name (``"fuel"``, ``"crop"``, ``"storm"``).
    models : mapping of str to mapping of str to float
        ``{model_name: {metric_name: value}}``; values are cast to ``float``,
        NaN and infinities become ``None`` so the dictionary serialises to
        strict JSON.
    selected, baseline : str
        Name of the chosen model and of the reference it is compared with;
        both must be keys of ``models``.

    Returns
    -------
    dict
        ``{"flow", "selected", "baseline", "models"}``.

    Raises
    ------
    DataValidationError
        If ``selected`` or ``baseline`` is not one of ``models``.
    """
    for role, name in (("selected", selected), ("baseline", baseline)):
        if name not in models:
            raise DataValidationError(
                f"metrics_payload: {role} model {name!r} has no scores; "
                f"models scored: {sorted(models)}"
            )

    clean = {
        str(model): {str(k): _as_float(v) for k, v in scores.items()}
        for model, scores in models.items()
    }
    return {
        "flow": str(flow),
        "selected": str(selected),
        "baseline": str(baseline),
        "models": clean,
    }


@dataclass
class Report:
    """An offline HTML report built section by section.

    Parameters
    ----------
    title : str
        Page title and top heading.
    subtitle : str, optional
        One line under the title (run id, date, data version).

    Examples
    --------
    >>> import pandas as pd
    >>> report = Report(title="Fuel demand", subtitle="run 1")
    >>> report.add_text("Data", "Weekly US gasoline product supplied.")
    >>> report.add_table("Scores", pd.DataFrame({"mae": [1.23456]}, index=["ets"]))
    >>> page = report.to_html()
    >>> page.startswith("<!DOCTYPE html>") and "1.235" in page
    True
    """

    title: str
    subtitle: str = ""
    _sections: list[str] = field(default_factory=list, repr=False)

    def add_text(self, heading: str, text: str) -> None:
        """Add a section of plain text; blank lines separate paragraphs (escaped)."""
        paragraphs = [p.strip() for p in str(text).split("\n\n") if p.strip()]
        body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        self._add(heading, body)

    def add_table(
        self, heading: str, df: pd.DataFrame, *, floatfmt: str = ".3f"
    ) -> None:
        """Add a table; floats are formatted with ``floatfmt`` and text is escaped.

        The index is shown as the first column unless it is a plain
        ``RangeIndex``.
        """
        self._add(heading, _frame_to_html(df, floatfmt=floatfmt))

    def add_figure(self, heading: str, fig: Figure) -> None:
        """Embed a matplotlib figure as a base64 PNG, then close it.

        Works with figures made by :class:`matplotlib.figure.Figure` directly
        (as every function of :mod:`dtnmodels.evaluate.plots` does) and with
        pyplot figures, which are also removed from pyplot's registry.
        """
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        _close_figure(fig)

        encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
        alt = html.escape(heading, quote=True)
        self._add(heading, f'<img alt="{alt}" src="data:image/png;base64,{encoded}">')

    def add_skill(
        self,
        metrics: Mapping[str, Any],
        *,
        metric: str | None = None,
        heading: str = "Skill against the baseline",
        floatfmt: str = ".3f",
    ) -> str:
        """Add the skill table and the one-sentence verdict from a metrics payload.

        Parameters
        ----------
        metrics : mapping
            Output of :func:`metrics_payload`.
        metric : str, optional
            Headline metric. By default the first of mase, rmsse, crps,
            pinball, brier, mae, rmse, smape, r2, roc_auc, csi that both the
            selected model and the baseline have, else their first shared one.
        heading : str, default "Skill against the baseline"
            Section heading.
        floatfmt : str, default ".3f"
            Format of the numbers in the table.

        Returns
        -------
        str
            The verdict sentence, e.g. ``"selected ets beats baseline
            seasonal_naive by 12.5% on mase"``.
        """
        import pandas as pd

        selected, baseline = metrics["selected"], metrics["baseline"]
        models = metrics["models"]
        metric = metric or _headline_metric(models[selected], models[baseline])
        sentence = skill_sentence(models, selected, baseline, metric)

        table = pd.DataFrame.from_dict(models, orient="index")
        table.index.name = "model"
        rows = {selected: "selected", baseline: "baseline"}
        body = f'<p class="skill">{html.escape(sentence)}.</p>'
        body += _frame_to_html(table, floatfmt=floatfmt, row_classes=rows)
        self._add(heading, body)
        return sentence

    def to_html(self) -> str:
        """The whole page as one string, with no external assets."""
        title = html.escape(self.title)
        subtitle = (
            f'<p class="subtitle">{html.escape(self.subtitle)}</p>'
            if self.subtitle
            else ""
        )
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>{_CSS}</style></head>\n"
            f"<body><h1>{title}</h1>{subtitle}\n"
            + "\n".join(self._sections)
            + "\n<footer>Made with dtnmodels.</footer></body></html>\n"
        )

    def _add(self, heading: str, body: str) -> None:
        self._sections.append(
            f"<section><h2>{html.escape(heading)}</h2>{body}</section>"
        )


def skill_sentence(
    models: Mapping[str, Mapping[str, Any]],
    selected: str,
    baseline: str,
    metric: str,
) -> str:
    """``"selected X beats baseline Y by Z% on METRIC"`` (or the honest opposite).

    Z is the relative improvement ``(baseline - selected) / |baseline|`` in
    percent for error metrics, and ``(selected - baseline) / |baseline|`` for
    metrics where larger is better.
    """
    value = _as_float(models[selected].get(metric))
    reference = _as_float(models[baseline].get(metric))
    if value is None or reference is None:
        return (
            f"selected {selected} cannot be compared with baseline {baseline} "
            f"on {metric}: a value is missing"
        )
    if selected == baseline:
        return f"selected {selected} is the baseline ({metric} {value:.3g})"
    if reference == 0:
        return (
            f"selected {selected} scores {value:.3g} against baseline "
            f"{baseline} {reference:.3g} on {metric}"
        )

    gain = (reference - value) if _lower_is_better(metric) else (value - reference)
    percent = 100.0 * gain / abs(reference)
    if percent > 0:
        return (
            f"selected {selected} beats baseline {baseline} by {percent:.1f}% "
            f"on {metric}"
        )
    if percent == 0:
        return f"selected {selected} ties baseline {baseline} on {metric}"
    return (
        f"selected {selected} does not beat baseline {baseline}: "
        f"worse by {-percent:.1f}% on {metric}"
    )


def _headline_metric(a: Mapping[str, Any], b: Mapping[str, Any]) -> str:
    shared = [m for m in a if m in b]
    for name in _HEADLINE_PREFERENCE:
        if name in shared:
            return name
    if not shared:
        raise DataValidationError(
            "add_skill: the selected model and the baseline share no metric; "
            f"selected has {sorted(a)}, baseline has {sorted(b)}"
        )
    return shared[0]


def _as_float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _format_cell(value: Any, floatfmt: str) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            return "–"
        return format(value, floatfmt) if isinstance(value, float) else str(value)
    if value is None:
        return "–"
    if hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "f":
        return _format_cell(float(value), floatfmt)
    return html.escape(str(value))


def _frame_to_html(
    df: pd.DataFrame,
    *,
    floatfmt: str,
    row_classes: Mapping[Any, str] | None = None,
) -> str:
    import pandas as pd

    show_index = not isinstance(df.index, pd.RangeIndex)
    index_name = "" if df.index.name is None else str(df.index.name)
    head = [f'<th class="label">{html.escape(index_name)}</th>'] if show_index else []
    head += [f"<th>{html.escape(str(c))}</th>" for c in df.columns]

    rows = []
    for label, record in zip(df.index, df.itertuples(index=False), strict=True):
        css = (row_classes or {}).get(label)
        attr = f' class="{css}"' if css else ""
        cells = (
            [f'<td class="label">{html.escape(str(label))}</td>'] if show_index else []
        )
        cells += [f"<td>{_format_cell(v, floatfmt)}</td>" for v in record]
        rows.append(f"<tr{attr}>{''.join(cells)}</tr>")

    return (
        f'<div class="scroll"><table><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _close_figure(fig: Figure) -> None:
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None and pyplot.fignum_exists(getattr(fig, "number", -1)):
        pyplot.close(fig)
    fig.clear()
