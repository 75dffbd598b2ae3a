"""Session cookies and the page's release links, with plain values."""

from __future__ import annotations

from dataclasses import replace

from promoter.model import Candidate
from promoter.observed import Reports, observe
from promoter.service import session
from promoter.service.auth import AuthSettings, Principal
from promoter.service.page import render
from promoter.status import ReleaseMeta
from tests.conftest import RunCli
from tests.promoter.observed_cases import GOOD, NOW, OTHER, report, servers_on, settled

KEY = session.session_key(AuthSettings(secret="s" * 40))
ALICE = Principal("alice", "viewer")


def test_a_session_is_signed_and_expires() -> None:
    cookie = session.mint(KEY, ALICE, expires=1000)
    assert session.verify(KEY, cookie, now=999) == ALICE
    assert session.verify(KEY, cookie, now=1000) is None  # expired
    assert session.verify(session.session_key(AuthSettings(secret="t" * 40)), cookie, now=0) is None
    payload, signature = cookie.split(".")
    forged = session.mint(KEY, Principal("alice", "admin"), expires=1000).split(".")[0]
    assert session.verify(KEY, f"{forged}.{signature}", now=0) is None  # a payload changed under a signature
    for junk in (None, "", "a.b.c", "no-dot", f"{payload}.", "!!.??"):
        assert session.verify(KEY, junk, now=0) is None


def test_the_cookie_is_http_only_strict_and_secure_over_https() -> None:
    assert session.cookie_header("v", 900, secure=False) == (
        "hotswap_session=v; Max-Age=900; Path=/; HttpOnly; SameSite=Strict"
    )
    assert session.cookie_header("v", 900, secure=True).endswith("; Secure")
    assert len(session.session_key(AuthSettings(public_key="pem"))) == 32  # RS256: a key per process


def test_the_page_names_the_release_links_its_diff_and_escapes_everything() -> None:
    snap = settled()
    fleet = observe(snap, Reports((report(servers_on(100, 1)[0], GOOD),)), NOW)
    meta = ReleaseMeta("Buff <script>alert(1)</script>", "Ann & Bob")
    page = render([snap], NOW, {"g": fleet}, {"g": meta}, "https://github.com/studio/configs/compare/")
    assert '<q class="subject">Buff &lt;script&gt;alert(1)&lt;/script&gt;</q>' in page
    assert '<span class="author">Ann &amp; Bob</span>' in page
    assert "<script>alert" not in page
    assert 'class="summary">up to date: every region serves aaaaaaaaaaaa; observed: 1/1' in page
    assert "rolled back at" in page and 'class="reason">critical churn</span>' in page
    assert 'class="diff"' not in page  # nothing to compare against: every ring serves what main holds

    newer = replace(snap, candidate=Candidate(OTHER, "t3"))  # main moved: the release is OTHER
    page = render([newer], NOW, {}, {}, "https://github.com/studio/configs/compare/")
    assert f'<a class="diff" href="/api/v1/games/g/diff?base={GOOD}&amp;head={OTHER}">diff</a>' in page
    assert f'<a class="compare" href="https://github.com/studio/configs/compare/{GOOD}...{OTHER}">' in page
    assert "observed: unknown" in page and "up to date" not in page


def test_stale_after_must_be_positive(run_cli: RunCli) -> None:
    code, _, err = run_cli(["status", "--remote", "/nowhere", "--stale-after", "0"])
    assert code == 2 and "--stale-after must be positive" in err
