"""convolve.tune() and cost profiles: measured, saved, read by later processes on this CPU only,
and moving the choices of method='auto'. Each case runs in a subprocess: the active profile is
the process's."""

import json
import os
import subprocess
import sys

import pytest


def run(code, profile):
    env = dict(os.environ, CONVOLVE_PROFILE=str(profile))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


SHOW = "import convolve, json; print(json.dumps(convolve.profile()))"


def test_tune_saves_a_profile_later_processes_use(tmp_path):
    path = tmp_path / "profile.txt"
    code = (
        "import convolve, json;"
        f"p = convolve.tune(quick=True, path={str(path)!r});"
        "print(json.dumps([p, convolve.profile()]))"
    )
    tuned, active = run(code, "none")
    assert tuned["path"] == str(path) and path.exists()
    assert tuned["cpu"] and tuned["created"] > 1.7e9
    assert len(tuned["factors"]) == 16
    assert all(0.1 <= x <= 10.0 for x in tuned["factors"].values()), tuned
    assert active["factors"] == tuned["factors"]
    assert "activated in this process" in active["status"]

    later = run(SHOW, path)
    assert "measured on this CPU" in later["status"], later
    for k, v in tuned["factors"].items():
        assert later["factors"][k] == pytest.approx(v, rel=1e-3)

    # Measured on another CPU: ignored, with the reason.
    other = tmp_path / "other.txt"
    text = path.read_text()
    other.write_text(text.replace(f"cpu = {tuned['cpu']}", "cpu = Some Other CPU"))
    shown = run(SHOW, other)
    assert "not this CPU" in shown["status"] and "Some Other CPU" in shown["status"]
    assert shown["factors"] == run(SHOW, "none")["factors"]

    broken = tmp_path / "broken.txt"
    broken.write_text("version = 1\nthis is not a profile\n")
    assert "ignored" in run(SHOW, broken)["status"]
    assert "CONVOLVE_PROFILE=none" in run(SHOW, "none")["status"]


def test_a_profile_moves_autos_choice(tmp_path):
    shipped = run(SHOW, "none")
    assert all(0.1 <= x <= 10.0 for x in shipped["factors"].values())
    factors = dict(shipped["factors"], **{"f64.direct": 20.0})
    lines = [f"{k} = {v}" for k, v in factors.items()]
    path = tmp_path / "slow-direct.txt"
    path.write_text(
        "version = 1\n" f"cpu = {shipped['cpu']}\n" "created = 1\n" + "\n".join(lines) + "\n"
    )
    code = "import convolve, json; print(json.dumps(convolve.choose_method(100_000, 32)))"
    assert run(code, "none") == "direct"
    assert run(code, path) == "overlap-add"


def test_tune_without_saving_and_bad_arguments(tmp_path):
    code = (
        "import convolve, json;"
        "p = convolve.tune(quick=True, save=False);"
        "print(json.dumps(p['path']))"
    )
    assert run(code, "none") is None
    import convolve

    with pytest.raises(TypeError):
        convolve.tune(quick="yes")
