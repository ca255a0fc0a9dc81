"""Hierarchies of series (station → terminal → region → total) and aggregation.

A hierarchy is given by a frame with one row per bottom series: its id in
``unique_id`` and one column per upper level, ordered from the level just
above the bottom to the top (e.g. ``terminal``, ``region``). A ``total`` node
sums everything. Node ids are the level values themselves, so they must be
unique across levels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dtnmodels.core.errors import DataValidationError

__all__ = ["Hierarchy", "aggregate", "build_hierarchy"]


@dataclass
class Hierarchy:
    """Summing structure of a hierarchy.

    Attributes
    ----------
    nodes : list of str
        Every node id, top first: total, then each level, then the bottom.
    bottom : list of str
        Bottom series ids (the columns of ``S``).
    S : ndarray of shape (n_nodes, n_bottom)
        Summing matrix: node values are ``S @ bottom values``.
    level_of : dict of str to str
        Level name of every node (``"total"``, level names, ``"bottom"``).
    """

    nodes: list[str]
    bottom: list[str]
    S: np.ndarray
    level_of: dict[str, str]

    def members(self, node: str) -> list[str]:
        """Bottom series that add up to ``node``."""
        row = self.S[self.nodes.index(node)]
        return [b for b, flag in zip(self.bottom, row, strict=True) if flag]


def build_hierarchy(
    mapping: pd.DataFrame, *, levels: Sequence[str], total: str = "total"
) -> Hierarchy:
    """Build the summing matrix from a bottom-level mapping frame.

    Parameters
    ----------
    mapping : DataFrame
        ``unique_id`` plus the columns named in ``levels``.
    levels : sequence of str
        Upper levels, from just above the bottom to just below the total.
    total : str, default "total"
        Id of the top node.

    Raises
    ------
    DataValidationError
        Missing columns, duplicated bottom ids, a node id used at two levels,
        or a bottom series mapped to two parents of one level.
    """
    missing = [c for c in ("unique_id", *levels) if c not in mapping.columns]
    if missing:
        raise DataValidationError(
            f"hierarchy: missing column(s) {missing}; columns: {list(mapping.columns)}"
        )
    frame = mapping[["unique_id", *levels]].astype(str)
    dup = frame["unique_id"][frame["unique_id"].duplicated()]
    if len(dup):
        raise DataValidationError(
            f"hierarchy: bottom series listed twice: {sorted(dup.unique())[:5]}"
        )
    frame = frame.sort_values("unique_id").reset_index(drop=True)
    bottom = frame["unique_id"].tolist()

    nodes, rows, level_of = [total], [np.ones(len(bottom), bool)], {total: "total"}
    for level in reversed(list(levels)):
        for value in sorted(frame[level].unique()):
            if value in level_of:
                raise DataValidationError(
                    f"hierarchy: node id {value!r} appears at levels "
                    f"{level_of[value]!r} and {level!r}; make ids unique"
                )
            nodes.append(value)
            rows.append((frame[level] == value).to_numpy())
            level_of[value] = level
    for uid in bottom:
        if uid in level_of:
            raise DataValidationError(
                f"hierarchy: bottom id {uid!r} is also an upper node at "
                f"level {level_of[uid]!r}"
            )
        level_of[uid] = "bottom"
    S = np.vstack([np.vstack(rows), np.eye(len(bottom), dtype=bool)]).astype(float)
    return Hierarchy(nodes=nodes + bottom, bottom=bottom, S=S, level_of=level_of)


def aggregate(df: pd.DataFrame, hierarchy: Hierarchy) -> pd.DataFrame:
    """Add the upper nodes to a long frame of bottom series.

    ``y`` is summed over each node's members; other numeric columns (price,
    temperature, flags, weights) are averaged. Upper-node rows exist only at
    timestamps where every member has a value.

    Raises
    ------
    DataValidationError
        If bottom series of the hierarchy are absent from ``df``.
    """
    present = set(df["unique_id"].astype(str))
    absent = [b for b in hierarchy.bottom if b not in present]
    if absent:
        raise DataValidationError(
            f"hierarchy lists {len(absent)} series absent from the demand data, "
            f"e.g. {absent[:5]}"
        )
    bottom = df[df["unique_id"].isin(hierarchy.bottom)]
    extra = [c for c in bottom.columns if c not in ("unique_id", "ds", "y")]
    numeric = [c for c in extra if pd.api.types.is_numeric_dtype(bottom[c])]
    parts = [bottom[["unique_id", "ds", "y", *numeric]]]
    n_bottom = len(hierarchy.bottom)
    for i, node in enumerate(hierarchy.nodes[: len(hierarchy.nodes) - n_bottom]):
        members = [
            b for b, f in zip(hierarchy.bottom, hierarchy.S[i], strict=True) if f
        ]
        sub = bottom[bottom["unique_id"].isin(members)]
        agg = sub.groupby("ds", sort=True).agg(
            y=("y", "sum"), n=("y", "size"), **{c: (c, "mean") for c in numeric}
        )
        agg = agg[agg["n"] == len(members)].drop(columns="n").reset_index()
        agg.insert(0, "unique_id", node)
        parts.append(agg)
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
