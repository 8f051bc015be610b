"""`bff simulate all`: every simulator on one socket as `/{host}/...`, reached by a process that
forwards the same `.sim` addresses there (decision D47)."""

from __future__ import annotations

import httpx

from simulators.kit.server import serve_in_thread
from simulators.sandbox import RemoteSimulators
from tests.support.sandbox import seeded_simulators


async def test_a_forwarding_process_reaches_each_simulator_by_its_own_address() -> None:
    sims = seeded_simulators(seed=42, users=20, classes=2)
    with serve_in_thread(sims.asgi()) as server:
        async with httpx.AsyncClient(transport=RemoteSimulators(server.url).transport()) as http:
            for host, system in [
                ("timeback.sim", "timeback"),
                ("accounts.zoho.sim", "zoho"),
                ("projectsapi.zoho.sim", "zoho"),
                ("idp.sim", "oidc"),
            ]:
                state = await http.get(f"http://{host}/_sim/state?x=1")
                assert state.status_code == 200, (host, state.text)
                assert state.json()["system"] == system
            # one state: what one client scripts, a client of the socket itself sees
            scripted = await http.post("http://timeback.sim/_sim/faults/fail", json={"status": 503})
            assert scripted.status_code < 300, scripted.text
        async with httpx.AsyncClient(base_url=server.url) as plain:
            root = await plain.get("/")
            assert root.status_code == 200
            assert "timeback.sim" in root.json()["hosts"]
            unknown = await plain.get("/nowhere.sim/x")
            assert unknown.status_code == 404
            faults = await plain.get("/timeback.sim/_sim/faults")
            assert "503" in faults.text
