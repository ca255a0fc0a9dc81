"""Reader of Brazil's ANP fuel sales by state, product and segment (monthly).

The file (ANP open data, re-tabulated) has columns ``month`` (``YYYY-MM``),
``state`` (upper-case Portuguese name, e.g. ``"SÃO PAULO"``), ``product``
(``GASOLINA C``, ``ETANOL HIDRATADO``, ``ÓLEO DIESEL``), ``segment``
(``POSTO REVENDEDOR`` = deliveries to gas stations, ``CONSUMIDOR FINAL``,
``TRR``) and ``sales_m3`` (cubic metres in the month).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import pandas as pd

from dtnmodels.core.errors import DataValidationError
from dtnmodels.io.tables import read_table, require_columns, short_list

__all__ = ["BRAZIL_REGIONS", "read_anp_sales"]

log = logging.getLogger(__name__)

#: The 27 federative units of Brazil (as spelled in ANP files) by IBGE macro-region.
BRAZIL_REGIONS: dict[str, str] = {
    **dict.fromkeys(
        ["ACRE", "AMAPÁ", "AMAZONAS", "PARÁ", "RONDÔNIA", "RORAIMA", "TOCANTINS"],
        "NORTE",
    ),
    **dict.fromkeys(
        [
            "ALAGOAS",
            "BAHIA",
            "CEARÁ",
            "MARANHÃO",
            "PARAÍBA",
            "PERNAMBUCO",
            "PIAUÍ",
            "RIO GRANDE DO NORTE",
            "SERGIPE",
        ],
        "NORDESTE",
    ),
    **dict.fromkeys(
        ["DISTRITO FEDERAL", "GOIÁS", "MATO GROSSO", "MATO GROSSO DO SUL"],
        "CENTRO-OESTE",
    ),
    **dict.fromkeys(
        ["ESPÍRITO SANTO", "MINAS GERAIS", "RIO DE JANEIRO", "SÃO PAULO"], "SUDESTE"
    ),
    **dict.fromkeys(["PARANÁ", "RIO GRANDE DO SUL", "SANTA CATARINA"], "SUL"),
}


def read_anp_sales(
    path: str | os.PathLike[str],
    *,
    segment: str = "POSTO REVENDEDOR",
    products: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read the ANP monthly sales file as a long frame of one segment.

    Parameters
    ----------
    path : path-like
        The CSV described in the module docstring.
    segment : str, default "POSTO REVENDEDOR"
        Segment to keep (deliveries to gas stations by default).
    products : sequence of str, optional
        Products to keep; all by default.

    Returns
    -------
    pandas.DataFrame
        Columns ``unique_id`` (``"STATE|PRODUCT"``), ``ds`` (first day of the
        month, datetime64), ``y`` (sales, m³ per month), ``state``,
        ``product`` and ``region`` (IBGE macro-region), sorted by id and date.

    Raises
    ------
    InputFileError
        Missing or unreadable file.
    DataValidationError
        Missing columns, unknown segment, product or state, bad months.
    """
    source = os.fspath(path)
    raw = read_table(path, what="ANP fuel sales file")
    require_columns(
        raw, ["month", "state", "product", "segment", "sales_m3"], source=source
    )

    segments = sorted(raw["segment"].astype(str).unique())
    if segment not in segments:
        raise DataValidationError(
            f"{source!r}: segment {segment!r} not found; segments: {segments}"
        )
    df = raw[raw["segment"] == segment]
    if products is not None:
        unknown = sorted(set(products) - set(df["product"]))
        if unknown:
            raise DataValidationError(
                f"{source!r}: products {unknown} not found; products: "
                f"{short_list(sorted(df['product'].unique()))}"
            )
        df = df[df["product"].isin(list(products))]

    states = set(df["state"].astype(str))
    unknown_states = sorted(states - set(BRAZIL_REGIONS))
    if unknown_states:
        raise DataValidationError(
            f"{source!r}: unknown states {unknown_states}; expected the 27 "
            "upper-case ANP names"
        )
    ds = pd.to_datetime(df["month"].astype(str), format="%Y-%m", errors="coerce")
    if ds.isna().any():
        bad = df.loc[ds.isna(), "month"].astype(str).unique()[:3].tolist()
        raise DataValidationError(f"{source!r}: months not in YYYY-MM form: {bad}")

    out = pd.DataFrame(
        {
            "unique_id": df["state"].astype(str) + "|" + df["product"].astype(str),
            "ds": ds.to_numpy(),
            "y": pd.to_numeric(df["sales_m3"], errors="coerce").to_numpy(float),
            "state": df["state"].astype(str).to_numpy(),
            "product": df["product"].astype(str).to_numpy(),
        }
    )
    out["region"] = out["state"].map(BRAZIL_REGIONS)
    out = out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    log.info(
        "read %d ANP series (%d rows) from %r",
        out["unique_id"].nunique(),
        len(out),
        source,
    )
    return out
