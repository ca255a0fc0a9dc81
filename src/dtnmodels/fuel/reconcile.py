r"""Forecast reconciliation: make node forecasts add up across a hierarchy.

All methods are linear projections :math:`\tilde y = S G \hat y` of the base
forecasts :math:`\hat y` of every node onto the coherent subspace spanned by
the summing matrix :math:`S`:

- bottom-up: :math:`G = [0 \; I]` (keep the bottom forecasts);
- top-down: the total forecast split by average historical proportions;
- OLS: :math:`G = (S^\top S)^{-1} S^\top`;
- MinT-shrink: :math:`G = (S^\top W^{-1} S)^{-1} S^\top W^{-1}` with
  :math:`W` the covariance of one-step errors, shrunk toward its diagonal
  (Schäfer & Strimmer, 2005).

The ``mean`` column is reconciled; each quantile column is moved by the same
shift as its mean (quantiles of sums are not sums of quantiles, so only the
means are exactly coherent).

References
----------
Wickramasuriya, S. L., Athanasopoulos, G., & Hyndman, R. J. (2019). Optimal
forecast reconciliation for hierarchical and grouped time series through trace
minimization. JASA, 114(526), 804–819.
https://doi.org/10.1080/01621459.2018.1448825

Schäfer, J., & Strimmer, K. (2005). A shrinkage approach to large-scale
covariance matrix estimation. Statistical Applications in Genetics and
Molecular Biology, 4(1). https://doi.org/10.2202/1544-6115.1175
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from dtnmodels.core.errors import ConfigError, DataValidationError
from dtnmodels.fuel.hierarchy import Hierarchy

__all__ = ["METHODS", "coherence_error", "reconcile", "shrink_covariance"]

log = logging.getLogger(__name__)

METHODS = ("none", "bottom_up", "top_down", "ols", "mint_shrink")


def shrink_covariance(residuals: np.ndarray) -> tuple[np.ndarray, float]:
    """Covariance of residuals shrunk toward its diagonal, and the intensity.

    Parameters
    ----------
    residuals : ndarray of shape (n_time, n_nodes)
        Rows with any NaN are dropped.

    Returns
    -------
    W : ndarray of shape (n_nodes, n_nodes)
    lambda_ : float
        Shrinkage intensity in [0, 1] (1 = diagonal only).
    """
    r = residuals[~np.isnan(residuals).any(axis=1)]
    n = r.shape[0]
    if n < 3:
        raise DataValidationError(
            f"mint_shrink needs at least 3 complete residual rows, got {n}"
        )
    r = r - r.mean(axis=0)
    cov = r.T @ r / n
    sd = np.sqrt(np.diag(cov))
    sd = np.where(sd > 0, sd, 1.0)
    z = r / sd
    corr = z.T @ z / n
    w = np.einsum("ti,tj->tij", z, z)
    var_corr = n / (n - 1) ** 2 * ((w - corr) ** 2).sum(axis=0)
    off = ~np.eye(len(corr), dtype=bool)
    denom = (corr[off] ** 2).sum()
    lam = float(np.clip(var_corr[off].sum() / denom, 0, 1)) if denom > 0 else 1.0
    shrunk = cov * (1 - lam)
    shrunk[np.diag_indices_from(shrunk)] = np.diag(cov)
    return shrunk, lam


def _projection(
    hierarchy: Hierarchy,
    method: str,
    *,
    residuals: np.ndarray | None,
    proportions: np.ndarray | None,
) -> np.ndarray:
    S = hierarchy.S
    n_nodes, n_bottom = S.shape
    if method == "bottom_up":
        G = np.zeros((n_bottom, n_nodes))
        G[:, n_nodes - n_bottom :] = np.eye(n_bottom)
        return G
    if method == "top_down":
        if proportions is None:
            raise DataValidationError("top_down needs the historical proportions")
        G = np.zeros((n_bottom, n_nodes))
        G[:, 0] = proportions
        return G
    if method == "ols":
        return np.linalg.solve(S.T @ S, S.T)
    if method == "mint_shrink":
        if residuals is None:
            raise DataValidationError("mint_shrink needs in-sample residuals")
        W, lam = shrink_covariance(residuals)
        log.info("mint_shrink: shrinkage intensity %.3f", lam)
        W = W + np.eye(n_nodes) * 1e-9 * np.trace(W) / n_nodes
        Winv_S = np.linalg.solve(W, S)
        return np.linalg.solve(S.T @ Winv_S, Winv_S.T)
    raise ConfigError(f"hierarchy.method: {method!r} is not one of {METHODS}")


def reconcile(
    fcst: pd.DataFrame,
    hierarchy: Hierarchy,
    *,
    method: str = "mint_shrink",
    residuals: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Reconcile base forecasts of every node so that they add up.

    Parameters
    ----------
    fcst : DataFrame
        Long forecasts ``unique_id``, ``ds``, ``mean`` and ``q*`` columns, one
        row per node of ``hierarchy`` and time (extra key columns such as
        ``cutoff`` are kept and reconciled group by group).
    hierarchy : Hierarchy
    method : {"bottom_up", "top_down", "ols", "mint_shrink", "none"}
    residuals : DataFrame, optional
        Wide in-sample errors (index time, one column per node) for
        ``mint_shrink``.
    history : DataFrame, optional
        Long history (``unique_id``, ``ds``, ``y``) for ``top_down``
        proportions (mean of each bottom series over the mean total).

    Returns
    -------
    DataFrame
        Same rows and columns as ``fcst``, reconciled.
    """
    if method == "none":
        return fcst
    missing = sorted(set(hierarchy.nodes) - set(fcst["unique_id"]))
    if missing:
        raise DataValidationError(
            f"reconcile: forecasts missing for {len(missing)} nodes, e.g. {missing[:5]}"
        )

    resid = None
    if residuals is not None:
        resid = residuals.reindex(columns=hierarchy.nodes).to_numpy(float)
    proportions = None
    if history is not None:
        means = history.groupby("unique_id")["y"].mean()
        bottom = means.reindex(hierarchy.bottom).to_numpy(float)
        proportions = bottom / bottom.sum()
    G = _projection(hierarchy, method, residuals=resid, proportions=proportions)
    P = hierarchy.S @ G

    keys = [c for c in ("cutoff", "ds") if c in fcst.columns]
    values = [c for c in fcst.columns if c == "mean" or c.startswith("q")]
    frame = fcst.set_index(["unique_id", *keys])
    mean = frame["mean"].unstack("unique_id").reindex(columns=hierarchy.nodes)
    if mean.isna().any().any():
        raise DataValidationError(
            "reconcile: every node needs a forecast at every time step"
        )
    reconciled = pd.DataFrame(
        mean.to_numpy() @ P.T,
        index=mean.index,
        columns=pd.Index(hierarchy.nodes, name="unique_id"),
    )
    shift = (reconciled - mean).stack().rename("shift")
    out = frame.join(shift.reorder_levels(["unique_id", *keys]))
    for col in values:
        out[col] = out[col] + out["shift"]
    return out.drop(columns="shift").reset_index()[fcst.columns]


def coherence_error(
    fcst: pd.DataFrame, hierarchy: Hierarchy, *, column: str = "mean"
) -> float:
    """Largest absolute gap between a node's forecast and the sum of its bottoms."""
    keys = [c for c in ("cutoff", "ds") if c in fcst.columns]
    wide = fcst.set_index(["unique_id", *keys])[column].unstack("unique_id")
    wide = wide.reindex(columns=hierarchy.nodes).to_numpy(float)
    n_bottom = len(hierarchy.bottom)
    implied = wide[:, -n_bottom:] @ hierarchy.S.T
    return float(np.nanmax(np.abs(implied - wide)))
