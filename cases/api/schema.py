"""What the API answers when it refuses, stated in its OpenAPI schema (drf-spectacular
post-processing hook): every operation's 400, 401, 403, 404 and 429, with one body shape."""

ERROR = {
    "type": "object",
    "description": "A refusal, with a message for a person.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": (
        "Each refused field with its messages (a list field's messages are keyed by "
        "position); `detail` when the refusal is not about one field."
    ),
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "object"},
        ]
    },
}

RESPONSES = {
    "400": (
        "FieldErrors",
        "The request is not as this schema describes it (a missing or malformed field or "
        "parameter, an unreadable or too large body).",
    ),
    "401": ("Error", "No token, or a revoked one."),
    "403": (
        "Error",
        "The token's role may not use this endpoint, or the request names another "
        "partnership than the token's own.",
    ),
    "404": ("Error", "No such record in the token's partnership, or a page past the last."),
    "429": ("Error", "Too many requests from this token; wait as `Retry-After` says."),
}
RULE_BROKEN = (
    "FieldErrors",
    "The body is as this schema describes it, but a rule refuses it, with the reason "
    "(for example a date received in the future, an agency that does not work with "
    "the partnership, or an `Idempotency-Key` sent before with another body). Nothing "
    "was saved.",
)

# GETs whose parameters have limits a schema cannot state for a date (see each parameter).
RULES_ON_QUERIES = {"/api/v1/timescales/", "/api/v1/reports/{measure}/"}
# Every list (a GET with a `cursor`, cases/api/pagination.py) has such rules too.
RULES_ON_LISTS = (
    "FieldErrors",
    "The parameters are as this schema describes them, but a rule refuses them, named: "
    "a `cursor` that is not from this list's `next` or `previous` link, a `cursor` with "
    "`page` or with `pagination=page`, or `to` before `from`.",
)


def _response(component: str, description: str) -> dict:
    content = {"schema": {"$ref": f"#/components/schemas/{component}"}}
    return {"description": description, "content": {"application/json": content}}


# DRF refuses a NUL character in any text, and trims text before checking that a required
# one is not blank (so "   " is refused): the schema says both.
NO_NUL = r"^[^\u0000]*$"
VISIBLE_NO_NUL = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"


def _state_text_rules(component: dict) -> None:
    for prop in component.get("properties", {}).values():
        if prop.get("type") == "string" and not {"format", "enum", "pattern"} & prop.keys():
            prop["pattern"] = VISIBLE_NO_NUL if prop.get("minLength", 0) >= 1 else NO_NUL


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    schemas["FieldErrors"] = FIELD_ERRORS
    for name, component in schemas.items():
        if name.endswith("Request"):
            _state_text_rules(component)
    for route, path in result.get("paths", {}).items():
        for method, operation in path.items():
            responses = operation.setdefault("responses", {})
            for status, (component, description) in RESPONSES.items():
                responses.setdefault(status, _response(component, description))
            if method == "post":
                responses.setdefault("415", _response("Error", "The body is not JSON."))
            if method == "post" or route in RULES_ON_QUERIES:
                responses.setdefault("422", _response(*RULE_BROKEN))
            if method == "get" and any(
                p.get("name") == "cursor" for p in operation.get("parameters", [])
            ):
                responses.setdefault("422", _response(*RULES_ON_LISTS))
            responses["429"]["headers"] = {
                "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds."}
            }
    return result
