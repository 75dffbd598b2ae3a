"""A release whose RolloutPolicy has a judged check the judge cannot take (detect inside its
tolerance) is refused by the promoter with the policy-judge finding, and nothing is written (with
`expected`, validate's reachability rule asked the judge, which raised)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunCli, git
from tests.promoter.fixtures import Fleet, bootstrap, make_game_repo

JUDGED = """    checks:
      - name: churn
        test: rate
        events: hotswap_test_churned_total
        critical: {relativeIncrease: 0.5}
        detect: 0.25
        expected: 1000
"""


def test_a_policy_whose_detect_lies_inside_its_tolerance_is_refused_with_its_finding(
    tmp_path: Path, fleet: Fleet, game_name: str, run_cli: RunCli
) -> None:
    repo = make_game_repo(tmp_path, game_name)
    first = git(repo.work, "rev-parse", "HEAD")
    fleet.expose(game_name, first)
    bootstrap(tmp_path, repo, fleet.url)
    path = f"configs/{game_name}/rollout-policy.yaml"
    text = (repo.work / path).read_text()
    broken = text.replace("      minimum: 10\n", "      minimum: 10\n      counter: hotswap_test_seconds_total\n")
    broken = broken.replace("    checks:\n", JUDGED, 1)
    repo.commit(files={path: broken}, message="judge churn")
    line = broken.splitlines().index("        detect: 0.25") + 1
    before = repo.refs()
    argv = ["reconcile", "--once", "--remote", repo.url, "--cache", str(tmp_path / "c2"), "--prometheus", fleet.url]

    for _ in range(2):  # every pass: a finding, not an internal error
        code, out, err = run_cli(argv)
        assert code == 2, out + err
        assert "internal error" not in out + err and "could not be read" not in out + err
        assert f"{path}:{line}:" in out and "[policy-judge]" in out and "detect 0.25" in out, out
    assert repo.refs() == before
