"""Tableau's own clients against the release mock server binary, unchanged.

The mock must behave like a real Tableau Server, and with --flavor cloud like Tableau Cloud, for
the official clients: the Python client (tableauserverclient, "TSC") and tabcmd. This script
starts the binary twice on free loopback ports, as Tableau Server and as Tableau Cloud behind a
front door (--front-door, which redirects every request to the pod as online.tableau.com does),
drives each client through sign-in, the user look-up, switch site and sign-out (plus the
rejections a real server gives), and then reads the mock's request log to prove which requests
the client really sent and what the mock answered. On Tableau Cloud, a unified access token
minted here with PyJWT and cryptography (RS256, a key generated for the run and registered
through the control API) signs in through TSC's JWTAuth(jwt, isUat=True).

Run it through `just official-clients`, which builds the binary and installs the clients into
virtual environments under target/. It needs TSC, PyJWT and cryptography importable (run it with
that venv's python):

    python check.py --mock target/release/tableau-mock-server --tabcmd PATH/TO/tabcmd

The last line is "official-clients: N passed, M failed"; the exit status is 1 when a check failed.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
import uuid

import jwt as pyjwt
import tableauserverclient as TSC
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

JWT_SECRET = "c2VjcmV0LXZhbHVl+/=="  # looks like base64 and must never be decoded


class Mock:
    """The mock server binary, started on a free port; its URL, its front door's (when it has
    one) and its default credentials."""

    def __init__(self, binary, *args):
        self.proc = subprocess.Popen(
            [binary, "--bind", "127.0.0.1:0", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        first = self.proc.stdout.readline().strip()
        match = re.fullmatch(r"tableau-mock-server listening on (http://127\.0\.0\.1:\d+)", first)
        if not match:
            raise SystemExit(f"unexpected first stdout line: {first!r}")
        self.url = match.group(1)
        self.front_door = None
        if "--front-door" in args:
            second = self.proc.stdout.readline().strip()
            match = re.fullmatch(r"tableau-mock-server front door on (http://127\.0\.0\.1:\d+)", second)
            if not match:
                raise SystemExit(f"unexpected second stdout line: {second!r}")
            self.front_door = match.group(1)
        # The credentials follow, up to the PAT secret (there is no password line on Cloud).
        self.credentials = {}
        while "PAT secret" not in self.credentials:
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit(f"stdout ended before the PAT secret: {self.credentials.keys()}")
            if ":" in line:
                key, value = line.split(":", 1)
                self.credentials[key.strip()] = value.strip()
        self.site = json.loads(self.credentials["site (contentUrl)"])
        self.pat_name = self.credentials["PAT name"]
        self.pat_secret = self.credentials["PAT secret"]

    def control(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return json.loads(raw) if raw else None

    def reset(self):
        self.control("POST", "/_mock/reset")

    def requests(self):
        """The request log as (method, path with LUIDs as {id}, status, headers) tuples."""
        log = self.control("GET", "/_mock/requests")
        luid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
        return [(r["method"], luid.sub("{id}", r["path"]), r["status"], r["headers"]) for r in log]

    def stop(self):
        self.proc.terminate()
        return self.proc.wait(timeout=10)


def expect_log(mock, expected):
    """The request log is exactly `expected`: (method, path, status) in order."""
    seen = [(m, p, s) for (m, p, s, _) in mock.requests()]
    if seen != expected:
        lines = "\n".join(f"      {m} {p} -> {s}" for (m, p, s) in seen)
        raise AssertionError(f"request log differs from the expected one; it was:\n{lines}")


def expect_tableau_error(call, code):
    """`call` raises the client's error for Tableau error `code`."""
    try:
        call()
    except (TSC.ServerResponseError, TSC.NotSignedInError) as error:
        got = getattr(error, "code", None)
        if got != code:
            raise AssertionError(f"expected Tableau error {code}, got {got}: {error}")
        return
    raise AssertionError(f"expected Tableau error {code}, the call succeeded")


def mint_jwt(client_id, secret_id, secret_value, user, scopes=("tableau:content:read", "tableau:users:read")):
    def b64(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=")

    header = {"alg": "HS256", "typ": "JWT", "kid": secret_id, "iss": client_id}
    claims = {
        "iss": client_id,
        "sub": user,
        "aud": "tableau",
        "exp": int(time.time()) + 300,
        "jti": str(uuid.uuid4()),
        "scp": list(scopes),
    }
    signing_input = b64(json.dumps(header).encode()) + b"." + b64(json.dumps(claims).encode())
    signature = hmac.new(secret_value.encode(), signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + b64(signature)).decode()


class UatKey:
    """An RSA key made for this run and a UAT configuration for it, registered with a mock's
    control API (docs/protocol.md section 15)."""

    ISSUER = "https://idp.official-clients.example"
    TENANT = "official-clients-tenant"
    KID = "official-clients-key"

    def __init__(self):
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_pem = (
            self.private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def register(self, mock, name="official-clients", scopes=None):
        config = {
            "name": name,
            "issuer": self.ISSUER,
            "tenantId": self.TENANT,
            "keyId": self.KID,
            "publicKeyPem": self.public_pem,
        }
        if scopes is not None:
            config["scopes"] = scopes
        return mock.control("POST", "/_mock/uat-configs", config)

    def mint(self, user, tenant=None, scopes=("tableau:content:read", "tableau:users:read")):
        """A UAT as Tableau's MCP server mints one: RS256 with the key id in the header, the
        user in the `email` claim, a fresh jti."""
        now = int(time.time())
        claims = {
            "iss": self.ISSUER,
            "https://tableau.com/tenantId": tenant or self.TENANT,
            "email": user,
            "scp": list(scopes),
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
        }
        return pyjwt.encode(claims, self.private, algorithm="RS256", headers={"kid": self.KID})


UAT_KEY = None


def uat_key():
    """One key for the whole run (generating one takes a moment)."""
    global UAT_KEY
    if UAT_KEY is None:
        UAT_KEY = UatKey()
    return UAT_KEY


# --- Tableau Server Client -------------------------------------------------------------------


USER_LOOKUP = ("GET", "/api/3.27/sites/{id}/users/{id}", 200)


def tsc_session(*calls):
    """What the Python client sends for one session: sign-in at its default /api/2.4/, then
    serverInfo to learn the version, the calls at that version, and sign-out."""
    return [
        ("POST", "/api/2.4/auth/signin", 200),
        ("GET", "/api/2.4/serverInfo", 200),
        *calls,
        ("POST", "/api/3.27/auth/signout", 204),
    ]


def tsc_password(mock):
    """Password sign-in at the client's default /api/2.4/, then serverInfo, look-up, switch, out."""
    server = TSC.Server(mock.url)
    with server.auth.sign_in(TSC.TableauAuth("admin", "admin", site_id="")):
        server.use_server_version()
        assert server.version == "3.27", server.version
        user = server.users.get_by_id(server.user_id)
        assert (user.name, user.site_role) == ("admin", "ServerAdministrator"), user
        default_site = server.site_id
        server.auth.switch_site(TSC.SiteItem("analytics", "analytics"))
        assert server.site_id != default_site
        assert server.users.get_by_id(server.user_id).name == "admin"
    expect_log(mock, tsc_session(USER_LOOKUP, ("POST", "/api/3.27/auth/switchSite", 200), USER_LOOKUP))
    bodies = [r for r in mock.requests() if r[1].endswith("/auth/signin")]
    assert bodies[0][3].get("content-type") == "text/xml", bodies[0][3]


def tsc_pat(mock):
    """PAT sign-in; the answer's estimatedTimeToExpiration does not confuse the client."""
    server = TSC.Server(mock.url, use_server_version=True)
    with server.auth.sign_in(TSC.PersonalAccessTokenAuth(mock.pat_name, mock.pat_secret, site_id="")):
        assert server.users.get_by_id(server.user_id).name == "admin"
    expect_log(mock, tsc_session(USER_LOOKUP))


def tsc_connected_app(mock):
    """A connected-app JWT minted as Tableau's samples do, with the scopes the user look-up
    needs (tableau:users:read); the client sends isUat="false"."""
    mock.control(
        "POST",
        "/_mock/connected-apps",
        {"site": "", "clientId": "cid-1", "secretId": "sid-1", "secretValue": JWT_SECRET, "enabled": True},
    )
    server = TSC.Server(mock.url, use_server_version=True)
    with server.auth.sign_in(TSC.JWTAuth(mint_jwt("cid-1", "sid-1", JWT_SECRET, "admin"), site_id="")):
        assert server.users.get_by_id(server.user_id).name == "admin"
    expect_log(mock, tsc_session(USER_LOOKUP))
    log = mock.control("GET", "/_mock/requests")
    assert 'jwt="[redacted]" isUat="false"' in log[0]["body"], log[0]["body"]


def tsc_connected_app_scopes(mock):
    """A JWT session is limited by its scopes: with tableau:content:read only, the user
    look-up is refused with 401002, as a real server does (TSC #1581)."""
    mock.control(
        "POST",
        "/_mock/connected-apps",
        {"site": "", "clientId": "cid-2", "secretId": "sid-2", "secretValue": JWT_SECRET, "enabled": True},
    )
    server = TSC.Server(mock.url, use_server_version=True)
    jwt = mint_jwt("cid-2", "sid-2", JWT_SECRET, "admin", scopes=["tableau:content:read"])
    with server.auth.sign_in(TSC.JWTAuth(jwt, site_id="")):
        expect_tableau_error(lambda: server.users.get_by_id(server.user_id), "401002")
    expect_log(mock, tsc_session(("GET", "/api/3.27/sites/{id}/users/{id}", 401)))


def tsc_uat_refused(mock):
    """Tableau Server has no unified access tokens: a valid UAT is refused with 401001, and the
    mock's log says why."""
    key = uat_key()
    key.register(mock)
    server = TSC.Server(mock.url)
    auth = TSC.JWTAuth(key.mint("admin"), isUat=True, site_id="")
    expect_tableau_error(lambda: server.auth.sign_in(auth), "401001")
    log = mock.control("GET", "/_mock/requests")
    assert [(r["status"], r.get("refusal")) for r in log] == [
        (401, "Tableau Server has no unified access tokens")
    ], log


def tsc_impersonation(mock):
    """A server administrator's PAT impersonates another user: the session is that user's."""
    ana = mock.control("POST", "/_mock/users", {"site": "", "name": "ana", "siteRole": "Viewer"})
    server = TSC.Server(mock.url, use_server_version=True)
    auth = TSC.PersonalAccessTokenAuth(mock.pat_name, mock.pat_secret, site_id="", user_id_to_impersonate=ana["id"])
    with server.auth.sign_in(auth):
        assert server.user_id == ana["id"], server.user_id
        user = server.users.get_by_id(server.user_id)
        assert (user.name, user.site_role) == ("ana", "Viewer"), user
    expect_log(mock, tsc_session(USER_LOOKUP))
    log = mock.control("GET", "/_mock/requests")
    assert f'<user id="{ana["id"]}"' in log[0]["body"], log[0]["body"]


def tsc_pat_superseded(mock):
    """One session per PAT: a second sign-in with the same PAT kills the first session (401002)."""
    first = TSC.Server(mock.url, use_server_version=True)
    first.auth.sign_in(TSC.PersonalAccessTokenAuth(mock.pat_name, mock.pat_secret, site_id=""))
    second = TSC.Server(mock.url, use_server_version=True)
    second.auth.sign_in(TSC.PersonalAccessTokenAuth(mock.pat_name, mock.pat_secret, site_id=""))
    expect_tableau_error(lambda: first.users.get_by_id(first.user_id), "401002")
    assert second.users.get_by_id(second.user_id).name == "admin"
    second.auth.sign_out()


def tsc_wrong_password(mock):
    """A wrong password is 401001, and nothing else was sent."""
    server = TSC.Server(mock.url)
    expect_tableau_error(lambda: server.auth.sign_in(TSC.TableauAuth("admin", "wrong", site_id="")), "401001")
    expect_log(mock, [("POST", "/api/2.4/auth/signin", 401)])


def tsc_revoked_pat(mock):
    """A revoked PAT is refused with 401001."""
    mock.control("POST", "/_mock/tokens/revoke", {"site": "", "user": "admin", "name": mock.pat_name})
    server = TSC.Server(mock.url)
    auth = TSC.PersonalAccessTokenAuth(mock.pat_name, mock.pat_secret, site_id="")
    expect_tableau_error(lambda: server.auth.sign_in(auth), "401001")


# --- The read side (issue 15) ------------------------------------------------------------------


def log_statuses(mock, needle):
    """The statuses of the logged requests whose path contains `needle`."""
    return [status for (_, path, status, _) in mock.requests() if needle in path]


def tsc_read_common(server, site_name, viewer):
    """What both flavours serve: the session's site by id and by name, users with a name filter,
    workbooks through TSC.Pager at page size 1, a workbook's views, data sources, projects and
    views, all from the embedded data set."""
    site = server.sites.get_by_id(server.site_id)
    assert site.name == site_name, site.name
    by_name = server.sites.get_by_name(site_name)
    assert by_name.id == server.site_id, (by_name.id, server.site_id)
    options = TSC.RequestOptions()
    options.filter.add(TSC.Filter(TSC.RequestOptions.Field.Name, TSC.RequestOptions.Operator.Equals, viewer))
    users, pagination = server.users.get(options)
    assert [(u.name, u.site_role) for u in users] == [(viewer, "Viewer")], users
    assert pagination.total_available == 1, pagination
    workbooks = list(TSC.Pager(server.workbooks, TSC.RequestOptions(pagesize=1)))
    assert [w.name for w in workbooks] == ["Superstore", "Regional"], [w.name for w in workbooks]
    assert workbooks[0].project_name == "Samples", workbooks[0].project_name
    assert workbooks[0].owner_id, "the owner's LUID"
    superstore = server.workbooks.get_by_id(workbooks[0].id)
    assert superstore.name == "Superstore"
    server.workbooks.populate_views(superstore)
    assert [v.name for v in superstore.views] == ["Overview", "Product", "Customers"], superstore.views
    datasources, _ = server.datasources.get()
    assert [d.name for d in datasources] == ["Sample - Superstore"], datasources
    assert server.datasources.get_by_id(datasources[0].id).project_name == "Samples"
    projects, _ = server.projects.get()
    assert [p.name for p in projects] == ["Default", "Samples"], projects
    views, _ = server.views.get()
    assert [v.name for v in views] == ["Overview", "Product", "Customers", "Obesity"], views
    paged = server.workbooks.get(TSC.RequestOptions(pagesize=1, pagenumber=2))[0]
    assert [w.name for w in paged] == ["Regional"], paged


def tsc_read_side(mock):
    """After a PAT sign-in the Python client lists sites and reads the content of the embedded
    data set; every read call was answered 200."""
    server = TSC.Server(mock.url, use_server_version=True)
    with server.auth.sign_in(TSC.PersonalAccessTokenAuth(mock.pat_name, mock.pat_secret, site_id="")):
        sites, pagination = server.sites.get()
        assert [s.name for s in sites] == ["Default", "analytics"], sites
        assert pagination.total_available == 2, pagination
        tsc_read_common(server, "Default", "viewer")
        expect_tableau_error(
            lambda: server.workbooks.get(TSC.RequestOptions(pagesize=1, pagenumber=9)), "400006"
        )
    statuses = log_statuses(mock, "/sites")
    assert statuses.count(400) == 1 and all(s in (200, 400) for s in statuses), statuses


def tsc_read_as_viewer(mock):
    """A Viewer reads the content too, and sees only the sites they have a user on."""
    server = TSC.Server(mock.url)
    with server.auth.sign_in(TSC.TableauAuth("viewer", "viewer", site_id="")):
        server.use_server_version()
        sites, _ = server.sites.get()
        assert [s.name for s in sites] == ["Default"], sites
        assert [w.name for w in TSC.Pager(server.workbooks)] == ["Superstore", "Regional"]


def cloud_tsc_read_side(cloud):
    """On Tableau Cloud `GET sites` is refused with 403069 (as the Migration SDK expects); the
    rest of the read side works as on Server, through the front door."""
    server = TSC.Server(cloud.front_door, use_server_version=True)
    with server.auth.sign_in(TSC.PersonalAccessTokenAuth(cloud.pat_name, cloud.pat_secret, site_id=cloud.site)):
        expect_tableau_error(lambda: server.sites.get(), "403069")
        tsc_read_common(server, "Analytics", "viewer@example.com")


def tabcmd_read(mock, tabcmd, login_args, sites):
    """tabcmd's read commands: listsites (Server only), list projects, list workbooks with their
    views (-d), list datasources. tabcmd 2.0.21 does not reuse the saved session in a new
    process: each command signs in again with the saved PAT (after a password login it would
    prompt for the password), hence a PAT login."""
    with tempfile.TemporaryDirectory() as home:
        output = run_tabcmd(tabcmd, home, "login", *login_args)
        assert "Succeeded" in output, output
        if sites is not None:
            output = run_tabcmd(tabcmd, home, "listsites")
            for name in sites:
                assert f"NAME: {name}" in output, output
        output = run_tabcmd(tabcmd, home, "list", "projects", "-n")
        assert "NAME: Samples" in output and "2 total projects" in output, output
        output = run_tabcmd(tabcmd, home, "list", "workbooks", "-n", "-d")
        assert "NAME: Superstore" in output and "Overview, Product, Customers" in output, output
        output = run_tabcmd(tabcmd, home, "list", "datasources", "-n")
        assert "NAME: Sample - Superstore" in output, output
        run_tabcmd(tabcmd, home, "logout")
    statuses = log_statuses(mock, "/sites")
    assert statuses and all(s == 200 for s in statuses), statuses


# --- Tableau Cloud, through the front door ----------------------------------------------------
#
# The second mock runs with --flavor cloud --front-door: the clients are given the front door's
# URL, which answers every request with a 301 to the pod, as https://online.tableau.com does.
# The pod's request log shows what arrived after the redirect.


def cloud_tsc_pat(cloud):
    """TSC signs in with a PAT through the front door (it re-sends the POST to the pod), looks
    its user up and signs out."""
    server = TSC.Server(cloud.front_door, use_server_version=True)
    with server.auth.sign_in(TSC.PersonalAccessTokenAuth(cloud.pat_name, cloud.pat_secret, site_id=cloud.site)):
        user = server.users.get_by_id(server.user_id)
        assert (user.name, user.site_role) == ("admin@example.com", "SiteAdministratorCreator"), user
    assert server.server_address == cloud.front_door, server.server_address
    expect_log(cloud, tsc_session(USER_LOOKUP))


def cloud_tsc_password(cloud):
    """Tableau Cloud refuses password sign-in: 401001, through the front door too."""
    cloud.control("POST", "/_mock/users", {"site": cloud.site, "name": "ana@example.com", "password": "pw"})
    server = TSC.Server(cloud.front_door)
    auth = TSC.TableauAuth("ana@example.com", "pw", site_id=cloud.site)
    expect_tableau_error(lambda: server.auth.sign_in(auth), "401001")
    expect_log(cloud, [("POST", "/api/2.4/auth/signin", 401)])


def cloud_tsc_switch_site(cloud):
    """Switch site does not exist on Tableau Cloud: 405000; the session goes on working and
    signs out."""
    cloud.control("POST", "/_mock/sites", {"contentUrl": "finance", "name": "Finance"})
    cloud.control("POST", "/_mock/users", {"site": "finance", "name": "admin@example.com"})
    server = TSC.Server(cloud.front_door, use_server_version=True)
    with server.auth.sign_in(TSC.PersonalAccessTokenAuth(cloud.pat_name, cloud.pat_secret, site_id=cloud.site)):
        site_id = server.site_id
        expect_tableau_error(lambda: server.auth.switch_site(TSC.SiteItem("Finance", "finance")), "405000")
        assert server.site_id == site_id
        assert server.users.get_by_id(server.user_id).name == "admin@example.com"
    expect_log(cloud, tsc_session(("POST", "/api/3.27/auth/switchSite", 405), USER_LOOKUP))


def cloud_tsc_uat(cloud):
    """A unified access token minted in Python (PyJWT, RS256) signs in through the front door
    with JWTAuth(jwt, isUat=True): the session is a UAT session of the user the email claim
    names, limited to its scopes, and signs out."""
    key = uat_key()
    answer = key.register(cloud, scopes=["tableau:content:*", "tableau:users:read"])
    assert answer["keyIds"] == [key.KID], answer
    server = TSC.Server(cloud.front_door, use_server_version=True)
    auth = TSC.JWTAuth(key.mint("admin@example.com"), isUat=True, site_id=cloud.site)
    with server.auth.sign_in(auth):
        user = server.users.get_by_id(server.user_id)
        assert (user.name, user.site_role) == ("admin@example.com", "SiteAdministratorCreator"), user
        sessions = cloud.control("GET", "/_mock/sessions")
        assert [(s["credential"], s["user"]) for s in sessions] == [("uat", "admin@example.com")], sessions
    expect_log(cloud, tsc_session(USER_LOOKUP))
    log = cloud.control("GET", "/_mock/requests")
    assert 'jwt="[redacted]" isUat="true"' in log[0]["body"], log[0]["body"]


def cloud_tsc_uat_refused(cloud):
    """UATs the configuration does not accept are 401001 for TSC too: another tenant, a
    scope outside the configuration's, a user of no site; the mock's log says which."""
    key = uat_key()
    key.register(cloud, scopes=["tableau:content:read"])
    cases = [
        (key.mint("admin@example.com", tenant="another-tenant", scopes=["tableau:content:read"]),
         "https://tableau.com/tenantId is not the configuration's tenant"),
        (key.mint("admin@example.com", scopes=["tableau:users:read"]),
         "scp asks for a scope the configuration does not allow"),
        (key.mint("nobody@example.com", scopes=["tableau:content:read"]),
         "the user-name claim names no user of the site"),
    ]
    for token, reason in cases:
        server = TSC.Server(cloud.url)
        auth = TSC.JWTAuth(token, isUat=True, site_id=cloud.site)
        expect_tableau_error(lambda: server.auth.sign_in(auth), "401001")
        last = cloud.control("GET", "/_mock/requests")[-1]
        assert last.get("refusal") == f"unified access token refused: {reason}", last


def run_tabcmd_failing(tabcmd, home, *args):
    """Runs tabcmd expecting it to fail; its output."""
    env = dict(os.environ, HOME=home)
    done = subprocess.run(
        [tabcmd, *args], env=env, cwd=home, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120
    )
    if done.returncode == 0:
        raise AssertionError(f"tabcmd {' '.join(args[:1])} succeeded:\n{done.stdout}{done.stderr}")
    return done.stdout + done.stderr


def cloud_tabcmd_pat(cloud, tabcmd):
    """tabcmd logs in with a PAT through the front door (its client re-POSTs on the 301), then
    logs out."""
    with tempfile.TemporaryDirectory() as home:
        args = ["-s", cloud.front_door, "-t", cloud.site, "--token-name", cloud.pat_name, "--token-value=" + cloud.pat_secret]
        output = run_tabcmd(tabcmd, home, "login", *args)
        assert "Succeeded" in output, output
        output = run_tabcmd(tabcmd, home, "logout")
        assert "Signed out" in output, output
    expect_log(
        cloud,
        [
            ("GET", "/api/2.4/serverInfo", 200),
            ("POST", "/api/3.27/auth/signin", 200),
            ("GET", "/api/3.27/sites/{id}/users/{id}", 200),
        ],
    )


def cloud_tabcmd_password(cloud, tabcmd):
    """tabcmd's password login is refused by Tableau Cloud (401001)."""
    cloud.control("POST", "/_mock/users", {"site": cloud.site, "name": "ana@example.com", "password": "pw"})
    with tempfile.TemporaryDirectory() as home:
        args = ["-s", cloud.front_door, "-t", cloud.site, "-u", "ana@example.com", "-p", "pw"]
        output = run_tabcmd_failing(tabcmd, home, "login", *args)
        assert "401001" in output, output
    log = [entry for entry in cloud.requests() if entry[1].endswith("/auth/signin")]
    assert [(m, s) for (m, _, s, _) in log] == [("POST", 401)], log


# --- tabcmd ----------------------------------------------------------------------------------


def run_tabcmd(tabcmd, home, *args):
    env = dict(os.environ, HOME=home)
    done = subprocess.run(
        [tabcmd, *args],
        env=env,
        cwd=home,  # tabcmd writes tabcmd.log into its working directory
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise AssertionError(f"tabcmd {' '.join(args[:1])} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout + done.stderr


def tabcmd_flow(mock, tabcmd, login_args):
    with tempfile.TemporaryDirectory() as home:
        output = run_tabcmd(tabcmd, home, "login", "-s", mock.url, *login_args)
        assert "Succeeded" in output, output
        output = run_tabcmd(tabcmd, home, "logout")
        assert "Signed out" in output, output
    log = mock.requests()
    expect_log(
        mock,
        [
            ("GET", "/api/2.4/serverInfo", 200),
            ("POST", "/api/3.27/auth/signin", 200),
            ("GET", "/api/3.27/sites/{id}/users/{id}", 200),
        ],
    )
    signin_headers = log[1][3]
    assert "content-type" not in signin_headers, signin_headers  # tabcmd sends none


def tabcmd_password(mock, tabcmd):
    """tabcmd login with a password (no Content-Type on its sign-in), then logout."""
    tabcmd_flow(mock, tabcmd, ["-u", "admin", "-p", "admin"])


def tabcmd_pat(mock, tabcmd):
    """tabcmd login with a personal access token."""
    tabcmd_flow(mock, tabcmd, ["--token-name", mock.pat_name, "--token-value=" + mock.pat_secret])


def tabcmd_site_and_case(mock, tabcmd):
    """tabcmd login to a named site, site and user name in another case than stored."""
    tabcmd_flow(mock, tabcmd, ["-t", "ANALYTICS", "-u", "ADMIN", "-p", "admin"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mock", required=True, help="path of the tableau-mock-server binary")
    parser.add_argument("--tabcmd", help="path of the tabcmd executable (its checks are skipped without it)")
    args = parser.parse_args()

    checks = [
        ("tsc.password", tsc_password),
        ("tsc.pat", tsc_pat),
        ("tsc.connected-app", tsc_connected_app),
        ("tsc.connected-app-scopes", tsc_connected_app_scopes),
        ("tsc.uat-refused", tsc_uat_refused),
        ("tsc.impersonation", tsc_impersonation),
        ("tsc.pat-superseded", tsc_pat_superseded),
        ("tsc.wrong-password", tsc_wrong_password),
        ("tsc.revoked-pat", tsc_revoked_pat),
        ("tsc.read-side", tsc_read_side),
        ("tsc.read-as-viewer", tsc_read_as_viewer),
    ]
    if args.tabcmd:
        checks += [
            ("tabcmd.password", lambda m: tabcmd_password(m, args.tabcmd)),
            ("tabcmd.pat", lambda m: tabcmd_pat(m, args.tabcmd)),
            ("tabcmd.site-and-case", lambda m: tabcmd_site_and_case(m, args.tabcmd)),
            (
                "tabcmd.read",
                lambda m: tabcmd_read(
                    m,
                    args.tabcmd,
                    ["-s", m.url, "--token-name", m.pat_name, "--token-value=" + m.pat_secret],
                    ["Default", "analytics"],
                ),
            ),
        ]

    cloud_checks = [
        ("cloud.tsc.pat", cloud_tsc_pat),
        ("cloud.tsc.password-refused", cloud_tsc_password),
        ("cloud.tsc.switch-site-refused", cloud_tsc_switch_site),
        ("cloud.tsc.uat", cloud_tsc_uat),
        ("cloud.tsc.uat-refused", cloud_tsc_uat_refused),
        ("cloud.tsc.read-side", cloud_tsc_read_side),
    ]
    if args.tabcmd:
        cloud_checks += [
            ("cloud.tabcmd.pat", lambda m: cloud_tabcmd_pat(m, args.tabcmd)),
            ("cloud.tabcmd.password-refused", lambda m: cloud_tabcmd_password(m, args.tabcmd)),
            (
                "cloud.tabcmd.read",
                lambda m: tabcmd_read(
                    m,
                    args.tabcmd,
                    ["-s", m.front_door, "-t", m.site, "--token-name", m.pat_name, "--token-value=" + m.pat_secret],
                    None,
                ),
            ),
        ]

    passed = failed = 0
    for flavor, mock_args, flavor_checks in [
        ("server", (), checks),
        ("cloud", ("--flavor", "cloud", "--front-door", "127.0.0.1:0"), cloud_checks),
    ]:
        mock = Mock(args.mock, *mock_args)
        try:
            for name, check in flavor_checks:
                mock.reset()
                try:
                    check(mock)
                except Exception as error:  # a failed check is reported, the others still run
                    failed += 1
                    detail = "".join(traceback.format_exception_only(type(error), error)).strip()
                    print(f"FAIL {name}\n    {detail}")
                else:
                    passed += 1
                    print(f"PASS {name}")
        finally:
            status = mock.stop()
        if status != 0:
            failed += 1
            print(f"FAIL shutdown: the {flavor} mock exited {status} on SIGTERM")
    print(f"official-clients: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
