"""Seeded generators of the embedded samples, one module per domain.

Each ``make_<domain>_sample(seed)`` returns ``{relative path: object}`` in
memory; ``scripts/make_samples.py`` writes them with
:func:`dtnmodels.io.samples.write_sample_files`.
"""
