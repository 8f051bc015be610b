"""The OIDC provider simulator on its own: discovery, keys, and the errors its endpoints answer."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from simulators.oidc import OidcProviderSimulator

REDIRECT = "http://bff.test/cb"
VERIFIER = "v" * 43
CHALLENGE = (
    base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).decode().rstrip("=")
)
GOOD = {
    "client_id": "learning-bff",
    "redirect_uri": REDIRECT,
    "response_type": "code",
    "scope": "openid email",
    "state": "s-1",
    "nonce": "n-1",
    "code_challenge": CHALLENGE,
    "code_challenge_method": "S256",
    "login_hint": "ada@example.test",
}


@pytest.fixture
def sim() -> OidcProviderSimulator:
    sim = OidcProviderSimulator(seed=3, users=2, classes=1)
    sim.add_user("ada", "ada@example.test", name="Ada")
    return sim


@pytest.fixture
async def http(sim: OidcProviderSimulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://idp.sim") as client:
        yield client


async def test_discovery_describes_a_code_flow_provider_with_pkce(http: httpx.AsyncClient) -> None:
    doc = (await http.get("/.well-known/openid-configuration")).json()

    assert doc["issuer"] == "http://idp.sim"
    assert doc["authorization_endpoint"] == "http://idp.sim/authorize"
    assert doc["token_endpoint"] == "http://idp.sim/token"
    assert doc["jwks_uri"] == "http://idp.sim/jwks"
    assert doc["userinfo_endpoint"] == "http://idp.sim/userinfo"
    assert doc["response_types_supported"] == ["code"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(doc["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }
    assert "openid" in doc["scopes_supported"]


async def test_an_issuer_with_a_path_serves_below_it() -> None:
    sim = OidcProviderSimulator("http://idp.sim/realms/school")
    transport = httpx.ASGITransport(app=sim.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://idp.sim") as client:
        doc = (await client.get("/realms/school/.well-known/openid-configuration")).json()
        jwks = await client.get("/realms/school/jwks")
    assert doc["issuer"] == "http://idp.sim/realms/school"
    assert doc["token_endpoint"] == "http://idp.sim/realms/school/token"
    assert jwks.status_code == 200


async def test_jwks_publishes_public_keys_only_and_keeps_old_ones_after_rotation(
    sim: OidcProviderSimulator, http: httpx.AsyncClient
) -> None:
    first = sim.active_kid
    second = sim.rotate_key()

    keys = (await http.get("/jwks")).json()["keys"]

    assert [k["kid"] for k in keys] == [first, second]
    assert all(k["kty"] == "RSA" and k["alg"] == "RS256" and "d" not in k for k in keys)
    sim.reset()
    assert sim.active_kid == first


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "email profile"}, "invalid_scope"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"login_hint": "nobody@example.test"}, "access_denied"),
        ({"login_hint": None, "prompt": "none"}, "login_required"),
    ],
)
async def test_authorize_errors_go_back_to_the_client_with_its_state(
    http: httpx.AsyncClient, change: dict[str, str | None], error: str
) -> None:
    params = {k: v for k, v in (GOOD | change).items() if v is not None}

    response = await http.get("/authorize", params=params)

    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["error"] == [error]
    assert query["state"] == ["s-1"]
    assert "code" not in query


async def test_without_a_login_hint_a_browser_gets_a_sign_in_page_that_comes_back(
    http: httpx.AsyncClient,
) -> None:
    params = {k: v for k, v in GOOD.items() if k != "login_hint"}
    page = await http.get("/authorize", params=params)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    # the form goes back to authorize, relative (it works under any prefix), with every parameter
    assert 'action="authorize"' in page.text
    for key, value in params.items():
        assert f'name="{key}" value="{value}"' in page.text
    assert 'name="login_hint"' in page.text


async def test_a_loopback_redirect_uri_may_use_any_port(http: httpx.AsyncClient) -> None:
    params = GOOD | {"redirect_uri": "http://127.0.0.1:8765/v1/auth/sso/callback"}
    answer = await http.get("/authorize", params=params)
    assert answer.status_code == 302
    assert answer.headers["location"].startswith("http://127.0.0.1:8765/v1/auth/sso/callback?")
    refused = await http.get(
        "/authorize", params=GOOD | {"redirect_uri": "http://127.0.0.1.evil.test:8765/cb"}
    )
    assert refused.status_code == 400


@pytest.mark.parametrize(
    "change",
    [{"client_id": "stranger"}, {"redirect_uri": "http://evil.test/cb"}, {"redirect_uri": None}],
)
async def test_authorize_never_redirects_for_an_unknown_client_or_redirect_uri(
    http: httpx.AsyncClient, change: dict[str, str | None]
) -> None:
    params = {k: v for k, v in (GOOD | change).items() if v is not None}

    response = await http.get("/authorize", params=params)

    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.json()["error"] == "invalid_request"


async def test_next_login_overrides_the_hint_once(
    sim: OidcProviderSimulator, http: httpx.AsyncClient
) -> None:
    other = next(u for u in sim.users.values() if u.subject != "ada")
    sim.next_login(other.subject)

    first = await http.get("/authorize", params=GOOD)
    second = await http.get("/authorize", params=GOOD)

    subjects = [sim.codes[_code(r)].subject for r in (first, second)]
    assert subjects == [other.subject, "ada"]


async def test_token_endpoint_with_client_secret_post_and_its_errors(
    sim: OidcProviderSimulator, http: httpx.AsyncClient
) -> None:
    code = _code(await http.get("/authorize", params=GOOD))
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
        "client_id": "learning-bff",
    }

    missing_auth = await http.post("/token", data=form)
    bad_basic = await http.post("/token", data=form, auth=("learning-bff", "wrong"))
    wrong_grant = await http.post(
        "/token", data=form | {"grant_type": "password", "client_secret": "sandbox-secret"}
    )
    ok = await http.post("/token", data=form | {"client_secret": "sandbox-secret"})

    assert (missing_auth.status_code, missing_auth.json()["error"]) == (401, "invalid_client")
    assert (bad_basic.status_code, bad_basic.json()["error"]) == (401, "invalid_client")
    assert bad_basic.headers["www-authenticate"].startswith("Basic")
    assert (wrong_grant.status_code, wrong_grant.json()["error"]) == (400, "unsupported_grant_type")
    assert ok.status_code == 200, ok.text
    assert ok.headers["cache-control"] == "no-store"
    body = ok.json()
    assert body["token_type"] == "Bearer"
    keys = KeySet.import_key_set((await http.get("/jwks")).json())
    claims = jwt.decode(body["id_token"], keys, algorithms=["RS256"]).claims
    assert claims["iss"] == "http://idp.sim"
    assert (claims["sub"], claims["aud"], claims["nonce"]) == ("ada", "learning-bff", "n-1")
    assert (claims["email"], claims["email_verified"]) == ("ada@example.test", True)
    assert "name" not in claims  # the profile scope was not asked for
    assert claims["exp"] > claims["iat"]
    assert sim.codes[code].used

    userinfo = await http.get(
        "/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert userinfo.json() == {"sub": "ada", "email": "ada@example.test", "email_verified": True}
    assert (await http.get("/userinfo")).status_code == 401


async def test_scripted_faults_answer_in_oauth_error_format(
    sim: OidcProviderSimulator, http: httpx.AsyncClient
) -> None:
    sim.fail_next(503, path="/token")

    response = await http.post("/token", data={})

    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"


def test_unknown_tamper_kinds_and_users_are_refused(sim: OidcProviderSimulator) -> None:
    with pytest.raises(ValueError, match="unknown tamper kind"):
        sim.tamper_next_id_token("sloppy")  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        sim.next_login("nobody")


def test_seeded_users_are_deterministic() -> None:
    one = OidcProviderSimulator(seed=5, users=4, classes=1).users
    two = OidcProviderSimulator(seed=5, users=4, classes=1).users
    other = OidcProviderSimulator(seed=6, users=4, classes=1).users

    assert one == two
    assert one != other
    assert all(u.email and u.email_verified and u.name for u in one.values())


def _code(response: httpx.Response) -> str:
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
