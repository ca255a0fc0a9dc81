"""The ``dtnmodels`` command line (cli.py), driven in-process on a toy flow."""

from __future__ import annotations

import json

import pytest

from dtnmodels import cli, flows


@pytest.fixture(autouse=True)
def toy_registered(monkeypatch):
    monkeypatch.setitem(flows._FLOWS, "toy", "tests.flows.toy_flow:ToyFlow")


@pytest.fixture
def series_file(tmp_path):
    path = tmp_path / "series.csv"
    path.write_text("y\n1\n2\n3\n", encoding="utf-8")
    return path


def test_flows_lists_each_flow_with_a_summary(capsys, monkeypatch):
    """`dtnmodels flows` prints one line per flow."""
    monkeypatch.setattr(flows, "_FLOWS", {"toy": "tests.flows.toy_flow:ToyFlow"})

    assert cli.main(["flows"]) == 0

    assert capsys.readouterr().out.strip() == "toy     a toy flow for tests"


def test_config_prints_default(capsys):
    """`dtnmodels config FLOW` prints the packaged default config."""
    assert cli.main(["config", "toy"]) == 0

    assert "name: mean" in capsys.readouterr().out


def test_validate_reports_missing_input_in_one_line(capsys, tmp_path):
    """A missing input file exits 2 with one line naming the key and path."""
    missing = tmp_path / "absent.csv"

    code = cli.main(["validate", "toy", "--set", f"data.series={missing}"])

    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0
    assert "data.series" in err and "absent.csv" in err and "Traceback" not in err


def test_validate_ok(capsys, series_file):
    """A valid config with readable inputs passes validation."""
    assert cli.main(["validate", "toy", "--set", f"data.series={series_file}"]) == 0

    assert "config valid" in capsys.readouterr().out


def test_misspelled_key_exits_2_with_one_line(capsys, tmp_path, series_file):
    """A config file with a misspelled key exits 2 naming the key and the file."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"data:\n  series: {series_file}\nscael: 2\n", encoding="utf-8")

    code = cli.main(["run", "toy", "-c", str(bad), "--out", str(tmp_path / "runs")])

    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0
    assert "'scael'" in err and "bad.yaml" in err
    assert not (tmp_path / "runs").exists()


def test_unknown_flow_exits_2(capsys):
    """An unknown flow name exits 2 and lists the flows."""
    assert cli.main(["run", "nope"]) == 2

    assert "unknown flow 'nope'" in capsys.readouterr().err


def test_run_prints_report_path_and_writes_record(capsys, tmp_path, series_file):
    """`dtnmodels run` records the run and prints where the report is."""
    code = cli.main(
        [
            "run",
            "toy",
            "--set",
            f"data.series={series_file}",
            "--out",
            str(tmp_path / "runs"),
        ]
    )

    out = capsys.readouterr().out
    (run_dir,) = (tmp_path / "runs" / "toy").iterdir()
    assert code == 0
    assert str(run_dir / "report.html") in out
    assert json.loads((run_dir / "manifest.json").read_text())["status"] == "succeeded"


def test_user_error_in_a_step_exits_2_and_keeps_record(capsys, tmp_path, series_file):
    """A data error raised inside a step exits 2 and points at the failed record."""
    code = cli.main(
        [
            "run",
            "toy",
            "--set",
            f"data.series={series_file}",
            "--set",
            "fail_in_fit=true",
            "--out",
            str(tmp_path / "runs"),
        ]
    )

    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "negative demand" in err and "run record:" in err


def test_debug_shows_traceback(tmp_path):
    """--debug lets the exception propagate for a traceback."""
    with pytest.raises(Exception, match="unknown flow"):
        cli.main(["--debug", "run", "nope"])


def test_as_of_is_recorded_in_config(tmp_path, series_file):
    """--as-of sets run.as_of in the recorded config."""
    cli.main(
        [
            "run",
            "toy",
            "--set",
            f"data.series={series_file}",
            "--as-of",
            "2021-06-30",
            "--out",
            str(tmp_path / "runs"),
        ]
    )

    (run_dir,) = (tmp_path / "runs" / "toy").iterdir()
    assert "as_of: '2021-06-30'" in (run_dir / "config.yaml").read_text()


def test_out_pointing_at_a_file_exits_2(capsys, tmp_path, series_file):
    """--out naming a file is one line and exit 2."""
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")

    code = cli.main(
        ["run", "toy", "--set", f"data.series={series_file}", "--out", str(afile)]
    )

    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0 and "afile" in err


def test_run_uses_a_local_cluster_by_default(tmp_path, series_file):
    """`dtnmodels run` turns `compute.scheduler: auto` into a dask LocalCluster."""
    code = cli.main(
        [
            "run",
            "toy",
            "--set",
            f"data.series={series_file}",
            "--set",
            "compute.n_workers=1",
            "--out",
            str(tmp_path / "runs"),
        ]
    )

    (run_dir,) = (tmp_path / "runs" / "toy").iterdir()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert code == 0
    assert manifest["compute"]["scheduler"] == "local"
    assert manifest["compute"]["n_workers"] == 1
