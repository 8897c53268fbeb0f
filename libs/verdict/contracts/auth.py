"""Bodies and answers of the auth, user-token and admin endpoints (seed 003), plus
Verdict's scoped API keys."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from verdict.security.keys import MIN_CUSTOM_KEY_LENGTH, SCOPES

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,49}$")
RESERVED_USERNAME = "admin"

# Postgres text cannot hold NUL; refuse it at the edge instead of failing at the insert.
NO_NUL = r"^[^\x00]*$"

Role = Literal["admin", "user"]
Scope = Literal["analysis:read", "analysis:write", "history:write", "admin"]
assert set(SCOPES) == {"analysis:read", "analysis:write", "history:write", "admin"}


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    username: str = Field(min_length=1, pattern=NO_NUL)
    api_key: str = Field(min_length=1)


class Me(BaseModel):
    username: str
    role: Role
    is_admin: bool


class Ok(BaseModel):
    ok: bool = True


class UserTokens(BaseModel):
    github_token: str = ""
    jira_email: str = ""
    jira_token: str = ""


class UserTokensUpdate(BaseModel):
    """Only the fields present are changed; an empty string clears one."""

    model_config = ConfigDict(extra="ignore")

    github_token: str | None = None
    jira_email: str | None = Field(default=None, pattern=NO_NUL)
    jira_token: str | None = None


class CreateUserRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    username: str

    @field_validator("username")
    @classmethod
    def _valid_username(cls, value: str) -> str:
        if not USERNAME_PATTERN.match(value):
            raise ValueError(
                "username must be 2-50 characters, start with a letter or digit, and use "
                "only letters, digits, '.', '_' or '-'"
            )
        if value.lower() == RESERVED_USERNAME:
            raise ValueError("username 'admin' is reserved")
        return value


class CreatedUser(BaseModel):
    username: str
    api_key: str
    role: Role = "admin"


class UserRow(BaseModel):
    id: int
    username: str
    role: Role
    created_at: str | None
    last_seen: str | None


class UserList(BaseModel):
    users: list[UserRow]


class Deleted(BaseModel):
    deleted: str


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Role


class RoleChanged(BaseModel):
    username: str
    role: Role
    api_key: str | None = Field(default=None, description="Only when promoting to admin.")


class RotateKeyRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    new_key: str | None = Field(default=None, min_length=MIN_CUSTOM_KEY_LENGTH)


class RotatedKey(BaseModel):
    username: str
    new_api_key: str


class CreateApiKeyRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=100, pattern=NO_NUL)
    scopes: list[Scope] = Field(min_length=1)


class ApiKeyRow(BaseModel):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_by: str
    created_at: str | None
    last_used_at: str | None
    revoked_at: str | None


class CreatedApiKey(ApiKeyRow):
    api_key: str = Field(description="The secret; shown only in this response.")


class ApiKeyList(BaseModel):
    api_keys: list[ApiKeyRow]


class Revoked(BaseModel):
    revoked: int
