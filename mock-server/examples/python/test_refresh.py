"""Tableau's Python client (tableauserverclient) against the mock, for an endpoint the mock does
not model: "Update Workbook Now" (POST /api/{v}/sites/{site-id}/workbooks/{workbook-id}/refresh,
202 with a job), registered as a stub over the control API. The stub sits behind the mock's real
authentication, so the client's session handling is exercised too.

Run: pytest mock-server/examples/python (after cargo build --release -p tableau-mock-server
--features cli), or `just official-clients`, which runs it.
"""

import pytest
import tableauserverclient as TSC

# The answer shape of Tableau's REST reference for "Update Workbook Now" (202 Accepted).
REFRESH_STUB = {
    "request": {
        "method": "POST",
        "path": "/sites/{siteId}/workbooks/{workbookId}/refresh",
        "bodyContains": "<tsRequest",
    },
    "response": {
        "status": 202,
        "body": (
            '<tsResponse xmlns="http://tableau.com/api">'
            '<job id="{{uuid}}" mode="Asynchronous" type="RefreshExtract" '
            'createdAt="2026-12-02T10:00:00Z">'
            '<extractRefreshJob><workbook id="{{path.workbookId}}"/></extractRefreshJob>'
            "</job></tsResponse>"
        ),
    },
    "scopes": ["tableau:tasks:run"],
}


def signed_in(mock):
    server = TSC.Server(mock.url, use_server_version=False)
    server.version = "3.27"
    auth = TSC.PersonalAccessTokenAuth(mock.pat_name, mock.pat_secret, site_id=mock.site)
    server.auth.sign_in(auth)
    return server


def test_refresh_returns_its_job(mock):
    status, created = mock.control("POST", "/stubs", REFRESH_STUB)
    assert status == 201, created
    server = signed_in(mock)

    job = server.workbooks.refresh("a-workbook-id")

    assert isinstance(job, TSC.JobItem)
    assert job.type == "RefreshExtract"
    assert job.mode == "Asynchronous"
    assert len(job.id) == 36  # a fresh LUID per answer ({{uuid}})
    status, details = mock.control("GET", f"/stubs/{created['id']}")
    assert status == 200
    assert details["calls"] == 1
    request = details["requests"][0]
    assert request["path"].endswith(f"/sites/{server.site_id}/workbooks/a-workbook-id/refresh")
    assert request["headers"]["x-tableau-auth"] == "[redacted]"


def test_the_session_expires_mid_test(mock):
    status, created = mock.control("POST", "/stubs", REFRESH_STUB)
    assert status == 201, created
    server = signed_in(mock)
    assert server.workbooks.refresh("wb-1").type == "RefreshExtract"

    # A night passes: past the 240-minute idle limit of a Tableau Server session.
    status, clock = mock.control("POST", "/clock/advance", {"seconds": 5 * 3600})
    assert status == 200 and clock["offsetSeconds"] == 5 * 3600

    # A real server answers 401 with code 401002; the client raises FailedSignInError for it.
    with pytest.raises(TSC.FailedSignInError) as raised:
        server.workbooks.refresh("wb-1")
    assert raised.value.code == "401002"
    _, details = mock.control("GET", f"/stubs/{created['id']}")
    assert details["calls"] == 1, "the stub never saw the refused call"

    # Signing in again is what the calling code has to do; then the call works.
    server = signed_in(mock)
    assert server.workbooks.refresh("wb-1").type == "RefreshExtract"


def test_a_stub_for_another_site_is_refused_as_tableau_refuses_it(mock):
    status, _ = mock.control("POST", "/stubs", REFRESH_STUB)
    assert status == 201
    status, finance = mock.control("POST", "/sites", {"contentUrl": "finance", "name": "Finance"})
    assert status == 201
    server = signed_in(mock)
    # The same call with another site's LUID in the path: 403010, as from a real server.
    server._site_id = finance["id"]
    with pytest.raises(TSC.ServerResponseError) as raised:
        server.workbooks.refresh("wb-1")
    assert raised.value.code == "403010"


def test_the_auth_surface_cannot_be_stubbed(mock):
    status, body = mock.control("POST", "/stubs", {"request": {"path": "/auth/signin"}})
    assert status == 400
    assert "auth surface" in body["error"]
