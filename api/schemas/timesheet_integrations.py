"""Wire shapes of the timesheet integration routes. Refresh tokens never appear in any of them."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.paging import Page
from domain.models.timesheets import Integration, IntegrationStatus, ProjectSearchResult
from domain.services.integrations import ConnectionTest, TrackerKind


class TrackerKindOut(BaseModel):
    kind: str = Field(examples=["zoho_projects"])
    label: str = Field(examples=["Zoho Projects"])
    project_noun: str = Field(examples=["project"])
    data_centres: list[str] = Field(examples=[["com", "eu", "in", "com.au", "jp"]])

    @classmethod
    def of(cls, kind: TrackerKind) -> TrackerKindOut:
        return cls(
            kind=kind.kind,
            label=kind.label,
            project_noun=kind.project_noun,
            data_centres=list(kind.data_centres),
        )


class TrackerKindPage(Page[TrackerKindOut]):
    pass


class ConnectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(min_length=1, max_length=50, examples=["zoho_projects"])
    data_centre: str = Field(
        min_length=1, max_length=20, examples=["com"], description="Where the Zoho account lives."
    )
    workspace_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="The portal or org to connect; default: the only (or default) one.",
    )


class ConnectOut(BaseModel):
    authorization_url: str = Field(
        description="Send the browser here; the tracker sends it back to the callback."
    )


class IntegrationOut(BaseModel):
    id: str
    kind: str = Field(examples=["zoho_projects"])
    name: str = Field(examples=["Acme portal"])
    data_centre: str = Field(examples=["com"])
    workspace_id: str
    time_zone: str = Field(examples=["Europe/London"])
    status: IntegrationStatus
    last_error: str | None = Field(
        description="Why the integration needs reconnecting, when it does."
    )
    created_at: AwareDatetime
    updated_at: AwareDatetime

    @classmethod
    def of(cls, i: Integration) -> IntegrationOut:
        return cls(
            id=i.id,
            kind=i.kind,
            name=i.name,
            data_centre=i.data_centre,
            workspace_id=i.workspace_id,
            time_zone=i.time_zone,
            status=i.status,
            last_error=i.last_error,
            created_at=i.created_at,
            updated_at=i.updated_at,
        )


class IntegrationPage(Page[IntegrationOut]):
    pass


class ConnectionTestOut(BaseModel):
    ok: bool
    status: IntegrationStatus
    projects: int = Field(description="How many projects (or tickets) the tracker listed.")
    error: str | None

    @classmethod
    def of(cls, test: ConnectionTest) -> ConnectionTestOut:
        return cls(ok=test.ok, status=test.status, projects=test.projects, error=test.error)


class ProjectOut(BaseModel):
    integration_id: str
    project_id: str
    name: str
    detail: str = Field(description="More words matched on: ticket number, status.")
    score: float = Field(ge=0, le=100, description="Fuzzy-match score; 100 without a query.")


class IntegrationErrorOut(BaseModel):
    integration_id: str
    detail: str


class ProjectSearchOut(BaseModel):
    projects: list[ProjectOut]
    errors: list[IntegrationErrorOut] = Field(
        description="Integrations that could not answer; the others' projects are still listed."
    )

    @classmethod
    def of(cls, result: ProjectSearchResult) -> ProjectSearchOut:
        return cls(
            projects=[
                ProjectOut(
                    integration_id=p.integration_id,
                    project_id=p.project_id,
                    name=p.name,
                    detail=p.detail,
                    score=score,
                )
                for p, score in result.projects
            ],
            errors=[
                IntegrationErrorOut(integration_id=i, detail=d)
                for i, d in sorted(result.errors.items())
            ],
        )
