"""The ``dtnmodels`` command: list, show, validate and run flows.

Errors a user can cause print one line on stderr and exit with status 2;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Sequence

from dtnmodels.core.errors import DtnModelsError

__all__ = ["main"]

EXIT_USER_ERROR = 2
EXIT_RUN_FAILED = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dtnmodels",
        description="Forecasting flows: storm impact, crop yield, fuel demand.",
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="show the log (-v info, -vv debug)",
    )
    parser.add_argument("--version", action="store_true", help="print the version")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("flows", help="list the flows")

    show = sub.add_parser("config", help="print a flow's default config")
    show.add_argument("flow")
    show.add_argument(
        "-c",
        "--config",
        action="append",
        default=[],
        metavar="FILE",
        help="merge this config file (repeatable); prints the result",
    )
    show.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides"
    )

    for name, help_text in (
        ("validate", "check a config and that its inputs exist and open"),
        ("run", "run a flow (or 'all') and record the run"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument(
            "flow", help="storm, crop, fuel" + (" or all" if name == "run" else "")
        )
        cmd.add_argument(
            "-c",
            "--config",
            action="append",
            default=[],
            metavar="FILE",
            help="config file merged over the default (repeatable, later wins)",
        )
        cmd.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            dest="overrides",
            help="override one key (repeatable)",
        )
        if name == "run":
            cmd.add_argument(
                "--out",
                default="runs",
                metavar="DIR",
                help="folder for run records (default: ./runs)",
            )
            cmd.add_argument(
                "--resume",
                metavar="RUN_DIR",
                help="reuse unchanged steps of this earlier run",
            )
            cmd.add_argument(
                "--as-of",
                metavar="DATE",
                dest="as_of",
                help="forecast as it could have been made on DATE",
            )
    return parser


def _configure_logging(verbose: int) -> None:
    level = logging.WARNING
    if verbose == 1:
        level = logging.INFO
    elif verbose >= 2:
        level = logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for noisy in (
        "cmdstanpy",
        "prophet",
        "distributed",
        "matplotlib",
        "fiona",
        "rasterio",
        "numexpr",
    ):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    """``dtnmodels: warning: ...`` instead of the script path and source line."""
    return f"dtnmodels: {category.__name__}: {message}\n"


def _cmd_flows() -> int:
    from dtnmodels.flows import available_flows

    for name, summary in available_flows().items():
        print(f"{name:<7} {summary}")
    return 0


def _cmd_config(args: argparse.Namespace) -> int:
    from omegaconf import OmegaConf

    from dtnmodels.flows import get_flow, load_config

    if not args.config and not args.overrides:
        print(get_flow(args.flow).default_config().read_text(encoding="utf-8"), end="")
        return 0
    cfg = load_config(args.flow, args.config, args.overrides)
    print(OmegaConf.to_yaml(cfg), end="")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from dtnmodels.flows import get_flow, load_config

    flow = get_flow(args.flow)
    cfg = load_config(args.flow, args.config, args.overrides)
    flow.check_inputs(cfg)
    n_inputs = len(flow.input_paths(cfg))
    print(f"{args.flow}: config valid, {n_inputs} input(s) found and readable")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from dtnmodels.flows import _FLOWS, run

    names = sorted(_FLOWS) if args.flow == "all" else [args.flow]
    overrides = list(args.overrides)
    if args.as_of:
        overrides.append(f"run.as_of={args.as_of}")
    if args.flow == "all" and args.config:
        raise DtnModelsError(
            "-c cannot be combined with 'run all'; run flows one by one"
        )

    status = 0
    for name in names:
        try:
            result = run(
                name,
                args.config,
                overrides,
                out_dir=args.out,
                resume=args.resume,
                auto_scheduler="local",
            )
        except DtnModelsError as exc:
            run_dir = getattr(exc, "run_dir", None)
            if run_dir is None or len(names) == 1:
                raise
            print(
                f"dtnmodels: error: {name}: {exc} (record: {run_dir})", file=sys.stderr
            )
            status = EXIT_USER_ERROR
            continue
        summary = _summary(result.metrics)
        print(f"{name}: {result.status} -> {result.run_dir / 'report.html'}{summary}")
    return status


def _summary(metrics: dict | None) -> str:
    if not metrics:
        return ""
    selected = metrics.get("selected")
    scores = (metrics.get("models") or {}).get(selected) or {}
    shown = [
        f"{k}={v:.4g}"
        for k, v in scores.items()
        if isinstance(v, (int, float)) and "@" not in k
    ][:3]
    return f" (selected {selected}: {', '.join(shown)})" if shown else ""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dtnmodels`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version:
        import dtnmodels

        print(f"dtnmodels {dtnmodels.__version__}")
        return 0
    if args.command is None:
        parser.print_help()
        return EXIT_USER_ERROR
    _configure_logging(args.verbose)
    if not args.debug:
        warnings.formatwarning = _one_line_warning

    handlers = {
        "flows": lambda: _cmd_flows(),
        "config": lambda: _cmd_config(args),
        "validate": lambda: _cmd_validate(args),
        "run": lambda: _cmd_run(args),
    }
    try:
        return handlers[args.command]()
    except DtnModelsError as exc:
        if args.debug:
            raise
        run_dir = getattr(exc, "run_dir", None)
        where = f" (run record: {run_dir})" if run_dir else ""
        print(f"dtnmodels: error: {exc}{where}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("dtnmodels: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # e.g. --out names a file or a read-only folder
        if args.debug:
            raise
        where = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
        print(
            f"dtnmodels: error: cannot use{where}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return EXIT_USER_ERROR
    except Exception as exc:  # a bug: say so in one line, keep the record
        if args.debug:
            raise
        run_dir = getattr(exc, "run_dir", None)
        where = f" (run record: {run_dir})" if run_dir else ""
        print(
            f"dtnmodels: internal error: {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}{where}; rerun with "
            "--debug for the traceback and report it",
            file=sys.stderr,
        )
        return EXIT_RUN_FAILED


if __name__ == "__main__":
    sys.exit(main())
