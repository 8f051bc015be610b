from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from api.paging import Page
from api.schemas.common import Email, SourcedId
from domain.models.identity import Account, ApiToken, AuditEvent, Role, TokenScope


class TokenOut(BaseModel):
    """OAuth2 token response (RFC 6749 §5.1)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - RFC 6749's token type, not a secret
    expires_in: int = Field(examples=[900], description="Seconds until the access token expires.")
    refresh_token: str


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str = Field(min_length=1, max_length=200)


class LogoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str | None = Field(
        default=None,
        max_length=200,
        description=(
            "End this session only; without it every session, access token and personal API "
            "token of the account ends."
        ),
    )


class AccountOut(BaseModel):
    id: str
    email: str = Field(examples=["teacher@demo.bff"])
    display_name: str
    role: Role
    person_sourced_id: str | None = Field(description="The linked OneRoster user.")
    active: bool
    sso_linked: bool
    created_at: AwareDatetime

    @classmethod
    def of(cls, account: Account) -> AccountOut:
        return cls(
            id=account.id,
            email=account.email,
            display_name=account.display_name,
            role=account.role,
            person_sourced_id=account.person_sourced_id,
            active=account.active,
            sso_linked=account.sso_subject is not None,
            created_at=account.created_at,
        )


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


#: An optional string that, when sent, is a string: absent is fine, an explicit null is not. The
#: schema says ``type: string`` alone (no ``anyOf`` with null), so the body's rules below need
#: only ``required``: restating a property's type inside them made ReDoc merge ``string`` with
#: ``null`` and warn, once per combination (issue 13).
def _optional_text(*, min_length: int, max_length: int, **extra: Any) -> Any:
    return Field(
        default=None,
        min_length=min_length,
        max_length=max_length,
        json_schema_extra=_no_default,
        **extra,
    )


class AccountIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [{"required": ["password"]}, {"required": ["sso_subject"]}],
            # Everyone but an admin is a roster person.
            "if": {"properties": {"role": {"not": {"const": "admin"}}}},
            "then": {"required": ["person_sourced_id"]},
        },
    )
    email: Email = Field(examples=["ada.lovelace@school.example"])
    display_name: str = Field(default="", max_length=200)
    role: Role
    person_sourced_id: SourcedId | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra=_no_default
    )
    password: str | SkipJsonSchema[None] = _optional_text(
        min_length=12,
        max_length=256,
        examples=["a long passphrase of yours"],
        description="At least 12 characters, not your email, not one of the most common passwords.",
    )
    sso_subject: str | SkipJsonSchema[None] = _optional_text(min_length=1, max_length=255)

    @field_validator("person_sourced_id", "password", "sso_subject", mode="before")
    @classmethod
    def _sent_means_text(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("leave the field out instead of sending null")
        return value

    @model_validator(mode="after")
    def _password_or_sso(self) -> AccountIn:
        if self.password is None and self.sso_subject is None:
            raise ValueError("give a password, or an SSO subject to log in with")
        return self


class AccountPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: str | None = Field(default=None, max_length=200)
    role: Role | None = None
    person_sourced_id: str | None = Field(default=None, max_length=255)
    active: StrictBool | None = None
    password: str | None = Field(default=None, min_length=12, max_length=256)
    current_password: str | None = Field(
        default=None,
        max_length=256,
        description="Your present password: needed to change your own password.",
    )


class AccountPage(Page[AccountOut]):
    pass


class ApiTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, examples=["grade export script"])
    scope: TokenScope = TokenScope.READ
    expires_in_days: StrictInt | None = Field(
        default=None, ge=1, le=366, description="Days until the token stops working; none: never."
    )


class ApiTokenOut(BaseModel):
    id: str
    name: str
    prefix: str = Field(description="The first characters, to recognise the token by.")
    scope: TokenScope
    created_at: AwareDatetime
    expires_at: AwareDatetime | None
    revoked_at: AwareDatetime | None
    last_used_at: AwareDatetime | None

    @classmethod
    def of(cls, token: ApiToken) -> ApiTokenOut:
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            scope=token.scope,
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
            last_used_at=token.last_used_at,
        )


class ApiTokenPage(Page[ApiTokenOut]):
    pass


class ApiTokenCreated(ApiTokenOut):
    token: str = Field(description="The secret. Shown this once; only its hash is kept.")


class AuditEventOut(BaseModel):
    id: int
    at: AwareDatetime
    actor_account_id: str | None
    actor_role: str | None
    action: str = Field(examples=["POST /v1/accounts"])
    resource_type: str
    resource_id: str | None
    outcome: str
    status: int
    request_id: str | None
    client_address: str | None

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventOut:
        return cls(
            id=event.id or 0,
            at=event.at,
            actor_account_id=event.actor_account_id,
            actor_role=event.actor_role,
            action=event.action,
            resource_type=event.resource_type,
            resource_id=event.resource_id,
            outcome=event.outcome.value,
            status=event.status,
            request_id=event.request_id,
            client_address=event.client_address,
        )


class AuditPage(Page[AuditEventOut]):
    pass
