"""Regenerate data/samples from the seeded generators (run from the repo root).

python scripts/make_samples.py [--seed 20261204] [--out data/samples]
"""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path

from dtnmodels.io.samples import write_sample_files

DOMAINS = ("storm", "crop", "fuel")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument(
        "--out", default=str(Path(__file__).parents[1] / "data" / "samples")
    )
    parser.add_argument("--only", choices=DOMAINS, action="append")
    args = parser.parse_args()

    out = Path(args.out)
    manifest_path = out / "MANIFEST.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    manifest.setdefault("files", {})
    manifest["seed"] = args.seed
    manifest["generator"] = "scripts/make_samples.py"
    for domain in args.only or DOMAINS:
        module = importlib.import_module(f"dtnmodels.datasets.synthetic.{domain}")
        files = getattr(module, f"make_{domain}_sample")(args.seed)
        written = write_sample_files(out, files)
        manifest["files"] = {
            k: v for k, v in manifest["files"].items() if not k.startswith(f"{domain}/")
        }
        manifest["files"].update(written)
        size = sum(v["size"] for v in written.values()) / 1e6
        print(f"{domain}: {len(written)} files, {size:.2f} MB")
    out.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
