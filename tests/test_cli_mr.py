"""``gutbone mr`` and ``gutbone mediate`` through :func:`gutbone.cli.main`."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from gutbone.cli import main
from references import mr_references as ref
from tolerances import BOOTSTRAP_SE, SE, printed

FIXTURES = Path(__file__).parent / "fixtures" / "mr"
LDLC_CSV = str(FIXTURES / "ldlc_chd.csv")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_mr_json_matches_mendelianrandomization(capsys):
    code, out, err = run(capsys, "mr", LDLC_CSV, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["n_variants"] == 28
    for key in ("estimate", "se", "ci_lower", "ci_upper"):
        value, decimals = ref.IVW[key]
        assert abs(data["ivw"][key] - value) <= printed(decimals), key
        value, decimals = ref.EGGER[key]
        assert abs(data["egger"][key] - value) <= printed(decimals), key
    for key in ("intercept", "intercept_se", "intercept_p"):
        value, decimals = ref.EGGER[key]
        assert abs(data["egger"][key] - value) <= printed(decimals), key
    for name, expected in (
        ("weighted_median", ref.WEIGHTED_MEDIAN),
        ("simple_median", ref.SIMPLE_MEDIAN),
    ):
        assert abs(data[name]["estimate"] - expected["estimate"][0]) <= printed(3)
        # bootstrap SE: Monte Carlo agreement only (numpy vs R generator)
        assert math.isclose(data[name]["se"], expected["se"][0], rel_tol=BOOTSTRAP_SE)
    assert abs(data["q"] - ref.IVW["q"][0]) <= printed(4)
    assert data["q_p"] < 0.00005
    assert math.isclose(data["ivw_fe"]["se"] * data["rse"], data["ivw"]["se"], rel_tol=SE)
    assert {"ivw_se", "egger_orientation", "egger_distribution", "median_bootstrap"} <= set(
        data["conventions"]
    )


def test_mr_table_output(capsys):
    code, out, _ = run(capsys, "mr", LDLC_CSV, "--method", "ivw", "--format", "table")
    assert code == 0
    assert "IVW (random)" in out and "2.8342" in out and "0.5298" in out
    assert "MR-Egger" not in out
    assert "Cochran's Q = 99.5304 on 27 df" in out


def test_mr_method_ivw_json_has_null_methods(capsys):
    code, out, _ = run(capsys, "mr", LDLC_CSV, "--method", "ivw", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["egger"] is None and data["weighted_median"] is None
    assert data["ivw"] is not None and data["ivw_fe"] is not None


def test_mr_bootstrap_options_are_reported(capsys):
    argv = ("mr", LDLC_CSV, "--method", "median", "--format", "json")
    code, out, _ = run(capsys, *argv, "--bootstrap", "300", "--seed", "5")
    first = json.loads(out)
    _, out, _ = run(capsys, *argv, "--bootstrap", "300", "--seed", "5")
    again = json.loads(out)
    assert code == 0
    assert first["weighted_median"]["se"] == again["weighted_median"]["se"]
    assert first["weighted_median"]["n_boot"] == 300 and first["weighted_median"]["seed"] == 5
    assert "300 samples" in first["conventions"]["median_bootstrap"]


def test_mr_bad_cells_exit_1_with_file_row_column(capsys):
    path = str(FIXTURES / "bad_cells.csv")
    code, out, err = run(capsys, "mr", path)
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert f"error: {path}:3:se_exposure: standard error must be > 0, got 0" in lines
    assert f"error: {path}:5:beta_outcome: blank is not a finite number" in lines
    assert f"error: {path}:6:beta_exposure: 'abc' is not a finite number" in lines
    assert f"error: {path}:7:variant: duplicate variant name 'rs1' (first on row 2)" in lines
    assert len(lines) == 6


def test_mr_missing_column_and_too_few_variants(capsys):
    code, _, err = run(capsys, "mr", str(FIXTURES / "missing_column.csv"))
    assert code == 1 and "missing_column.csv:1:se_outcome: missing column" in err
    code, _, err = run(capsys, "mr", str(FIXTURES / "two_variants.csv"), "--method", "egger")
    assert code == 1 and "MR-Egger needs at least 3 variants, got 2" in err
    code, _, _ = run(capsys, "mr", str(FIXTURES / "two_variants.csv"), "--method", "ivw")
    assert code == 0


def test_mr_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["mr", LDLC_CSV, "--method", "mode"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["mr", LDLC_CSV, "--bootstrap", "0"])
    assert info.value.code == 2


def test_help_states_conventions(capsys):
    with pytest.raises(SystemExit) as info:
        main(["mr", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for phrase in ("multiplicative random effects", "re-oriented", "floored at 1", "10000"):
        assert phrase in text
    with pytest.raises(SystemExit):
        main(["mediate", "--help"])
    text = capsys.readouterr().out
    assert "Sobel" in text and "--aroian" in text and "--b=-0.4,0.1" in text


def test_mediate_json(capsys):
    code, out, err = run(
        capsys, "mediate", "--a", "0.5,0.1", "--b", "0.4,0.1", "--total", "0.4,0.1",
        "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    # hand calculation in tests/test_stats_mediation.py::test_delta_method_hand_calculation
    assert data["indirect"] == pytest.approx(0.2)
    assert data["indirect_se"] == pytest.approx(math.sqrt(0.0041), rel=SE)
    assert data["proportion"] == pytest.approx(0.5)
    assert data["direct"] == pytest.approx(0.2)
    for key in (
        "indirect_ci_lower",
        "indirect_ci_upper",
        "indirect_p",
        "proportion_ci_lower",
        "proportion_ci_upper",
        "conventions",
        "method",
        "notes",
        "direct_se",
    ):
        assert key in data
    assert data["method"] == "delta"


def test_mediate_negative_value_and_sign_note(capsys):
    code, out, _ = run(
        capsys, "mediate", "--a", "0.5,0.1", "--b=-0.4,0.1", "--total", "0.3,0.1",
        "--format", "json",
    )  # fmt: skip
    data = json.loads(out)
    assert code == 0
    assert data["proportion"] == pytest.approx(-2 / 3)
    assert any(note.startswith("inconsistent mediation") for note in data["notes"])


def test_mediate_mc(capsys):
    code, out, _ = run(
        capsys, "mediate", "--a", "0.5,0.1", "--b", "0.4,0.1", "--method", "mc",
        "--draws", "2000", "--seed", "9", "--format", "json",
    )  # fmt: skip
    data = json.loads(out)
    assert code == 0
    assert data["method"] == "mc" and data["draws"] == 2000 and data["seed"] == 9
    assert data["indirect_ci_lower"] < 0.2 < data["indirect_ci_upper"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--a", "0.5", "--b", "0.4,0.1"], "error: --a: expected B,SE"),
        (["--a", "0.5,0.1", "--b", "x,0.1"], "error: --b: expected B,SE with numeric"),
        (["--a", "0.5,0", "--b", "0.4,0.1"], "error: --a: the standard error must be > 0"),
        (["--a", "0.5,0.1", "--b", "0.4,0.1", "--total", "nan,0.1"], "error: --total:"),
    ],
)
def test_mediate_malformed_values_exit_1_naming_the_option(capsys, argv, message):
    code, out, err = run(capsys, "mediate", *argv)
    assert code == 1 and out == ""
    assert message in err


def test_mediate_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["mediate", "--b", "0.4,0.1"])
    assert info.value.code == 2
    code, _, err = run(
        capsys, "mediate", "--a", "0.5,0.1", "--b", "0.4,0.1", "--method", "mc", "--aroian"
    )
    assert code == 2 and "--aroian applies to --method delta only" in err
