"""Query templates are scanned in linear time, by the validator and the promoter's renderer alike."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipeline.rules.templates import POLICY_VARIABLES, template_problems
from pipeline.template import Variable, scan
from promoter.analysis import render
from tests.conftest import REPO_ROOT
from tests.pipeline.fixtures import HOSTILE


@pytest.mark.parametrize(
    ("text", "parts", "unbalanced"),
    [
        ("up", ("up",), False),
        ('a{g="{{game}}"}', ('a{g="', Variable("game"), '"}'), False),
        ("{{ region }}x{{revision}}", (Variable("region"), "x", Variable("revision")), False),
        ("{{{game}}}", ("{", Variable("game"), "}"), False),
        ("{{a}b}}", ("{{a}b}}",), True),
        ("}{{x}}}", ("}", Variable("x"), "}"), True),  # what is left joins into `}}`
        ("{{ two words }}", (Variable("two words"),), False),
        ("{{game", ("{{game",), True),
        ("game}}", ("game}}",), True),
        ("{{}}", (Variable(""),), False),
        ("", (), False),
    ],
)
def test_scan_splits_text_and_placeholders(text: str, parts: tuple[object, ...], unbalanced: bool) -> None:
    scanned = scan(text)
    assert scanned.parts == parts and scanned.unbalanced == unbalanced


def test_the_rule_and_the_renderer_agree() -> None:
    assert template_problems('x{r="{{region}}"}', POLICY_VARIABLES) == []
    assert template_problems("{{nope}} {{", POLICY_VARIABLES) == [
        "unknown variable {{nope}} (known: baseline, game, interval, region, revision)",
        "unbalanced {{ or }}",
    ]
    assert render('x{g="{{ game }}"}', {"game": 'a"b'}) == 'x{g="a\\"b"}'
    with pytest.raises(KeyError):
        render("{{nope}}", {"game": "g"})


_PROBE = """
import sys
from pipeline.rules.templates import POLICY_VARIABLES, template_problems
from promoter.analysis import render
from tests.pipeline.fixtures import HOSTILE
text = HOSTILE[sys.argv[1]]
print(template_problems(text, POLICY_VARIABLES)[-1])
print(len(render(text, {})))
"""


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_100kb_hostile_template_is_judged_and_rendered_promptly(name: str) -> None:
    # A hang guard, not a benchmark: the old regex took minutes on 4 KB of these.
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, name], cwd=REPO_ROOT, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    problem, length = done.stdout.splitlines()
    assert problem == "unbalanced {{ or }}"
    assert int(length) == len(HOSTILE[name])
