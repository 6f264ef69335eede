"""The Strawberry schema, built once per process.

Parser and validation caches are always on; extensions are passed as classes
or factories, never shared instances.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from datetime import date
from typing import Any

import strawberry
from graphql import GraphQLEnumType, GraphQLSchema
from strawberry.extensions import (
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from service.api import queries, subscriptions
from service.api.extensions import error_shaping, operation_metrics
from service.api.limits import (
    MAX_TOKENS,
    PRODUCTION_VALIDATION_RULES,
    VALIDATION_RULES,
    ValidationRules,
)
from service.api.mutations import (
    answers_save,
    api_key_create,
    api_key_revoke,
    assessment_archive,
    assessment_create,
    assessment_export,
    assessment_reopen,
    assessment_submit,
    assessment_update,
    audit_simulate,
    framework_import,
    member_add,
    member_change_role,
    member_remove,
    occurrences_import,
    occurrences_record,
    organization_create,
    organization_delete,
    organization_rename,
    policies_draft,
    policy_draft_review,
    provisioning_key,
    questionnaire_import,
    remediation_update,
    report_branding_set,
    report_link_create,
    report_link_revoke,
    sampling_profile_set,
    subservices_set,
    webhook_create,
    webhook_delete,
)
from service.api.pagination import Connection
from service.api.report_results import ReportResults, caching
from service.api.types.access import ApiKey
from service.api.types.assessment import AssessmentType
from service.api.types.catalog import Framework
from service.api.types.node import Node
from service.api.types.organization import OrganizationType
from service.api.types.policy import DraftProgressEvent, PolicyDraftType
from service.api.types.questionnaire import Questionnaire
from service.telemetry import Metrics


@strawberry.type(description="Reads. Everything is scoped to the caller's organisations.")
class Query:
    organizations: Connection[OrganizationType] = strawberry.field(
        resolver=queries.organizations,
        description="Organisations the caller belongs to, ordered by name.",
    )
    organization: OrganizationType | None = strawberry.field(
        resolver=queries.organization,
        description="One of the caller's organisations by id; null for any other.",
    )
    node: Node | None = strawberry.field(
        resolver=queries.node,
        description="Any object by its global id (Relay); null when it is not the caller's.",
    )
    frameworks: list[Framework] = strawberry.field(
        resolver=queries.frameworks,
        description="Latest version of every global framework, plus the organisation's own.",
    )
    framework: Framework | None = strawberry.field(
        resolver=queries.framework,
        description="A framework by key, at a version (default: the latest).",
    )
    questionnaire: Questionnaire | None = strawberry.field(
        resolver=queries.questionnaire,
        description="A questionnaire by key, at a version (default: the latest).",
    )
    assessment: AssessmentType | None = strawberry.field(
        resolver=queries.assessment,
        description="An assessment of one of the caller's organisations; null for any other.",
    )
    provisioning_keys: list[ApiKey] = strawberry.field(
        resolver=queries.provisioning_keys,
        description="Every provisioning key, newest first (platform admins).",
    )


@strawberry.type(
    description="Changes. Each returns a payload whose `errors` list what was wrong (with the "
    "input path); when there are errors nothing was changed."
)
class Mutation:
    """Each mutation's module holds its input, payload, resolver and description."""

    create_organization = organization_create.mutation
    rename_organization = organization_rename.mutation
    delete_organization = organization_delete.mutation
    create_assessment = assessment_create.mutation
    save_answers = answers_save.mutation
    submit_assessment = assessment_submit.mutation
    reopen_assessment = assessment_reopen.mutation
    archive_assessment = assessment_archive.mutation
    update_assessment = assessment_update.mutation
    set_subservice_organizations = subservices_set.mutation
    record_occurrences = occurrences_record.mutation
    import_occurrences = occurrences_import.mutation
    set_sampling_profile = sampling_profile_set.mutation
    simulate_audit = audit_simulate.mutation
    update_remediation = remediation_update.mutation
    set_report_branding = report_branding_set.mutation
    create_report_link = report_link_create.mutation
    revoke_report_link = report_link_revoke.mutation
    create_webhook = webhook_create.mutation
    create_provisioning_key = provisioning_key.create
    revoke_provisioning_key = provisioning_key.revoke
    delete_webhook = webhook_delete.delete
    resume_webhook = webhook_delete.resume
    export_assessment = assessment_export.mutation
    add_member = member_add.mutation
    change_member_role = member_change_role.mutation
    remove_member = member_remove.mutation
    create_api_key = api_key_create.mutation
    revoke_api_key = api_key_revoke.mutation
    draft_policies = policies_draft.mutation
    review_policy_draft = policy_draft_review.mutation
    import_framework = framework_import.mutation
    import_questionnaire = questionnaire_import.mutation


@strawberry.type(description="Streams over WebSocket (graphql-transport-ws).")
class Subscription:
    policy_draft_progress: AsyncGenerator[DraftProgressEvent, None] = strawberry.subscription(
        resolver=subscriptions.policy_draft_progress,
        description="Streams a draft's text as it is generated (graphql-transport-ws).",
    )


def build_schema(
    production: bool = False,
    metrics: Metrics | None = None,
    report_results: ReportResults | None = None,
) -> strawberry.Schema:
    """The schema; with ``report_results``, completed reports are kept there by version."""
    # The rule lists are built once, at import: rules built per request would never hit
    # the validation cache, which is keyed on them (strawberry issue 4635).
    rules = PRODUCTION_VALIDATION_RULES if production else VALIDATION_RULES
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        lambda: ValidationRules(rules),
        lambda: MaxTokensLimiter(MAX_TOKENS),
        ParserCache,
        ValidationCache,
        error_shaping(production),
    ]
    if metrics is not None:
        extensions.append(operation_metrics(metrics))
    if production:
        from strawberry.extensions import DisableIntrospection  # noqa: PLC0415

        extensions.append(DisableIntrospection)
    schema = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[OrganizationType, AssessmentType, PolicyDraftType],
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
        scalar_overrides={},
        execution_context_class=caching(report_results) if report_results else None,
    )
    _index_enum_output(schema._schema)
    return schema


def _index_enum_output(schema: GraphQLSchema) -> None:
    """Serialise enum members with one dictionary look-up.

    Strawberry's enum type finds a member's GraphQL name by scanning the enum's values
    on every call (about 7 µs): a third of the GraphQL cost of a full report, whose gaps
    and criteria carry several enums each. The names come from the schema's own values,
    and anything not in the index goes to Strawberry's method, errors included.
    """
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLEnumType) or graphql_type.name.startswith("__"):
            continue
        names: dict[Any, str] = {}
        members = getattr(graphql_type, "wrapped_cls", None)
        for name, value in graphql_type.values.items():
            for member in members or ():
                if member.value == value.value:
                    names[member] = name
        scan = graphql_type.coerce_output_value

        def coerce(
            output_value: Any, names: dict[Any, str] = names, scan: Callable[[Any], str] = scan
        ) -> str:
            try:
                return names[output_value]
            except (KeyError, TypeError):
                return scan(output_value)

        graphql_type.coerce_output_value = coerce  # type: ignore[method-assign]


def export_sdl() -> str:
    return build_schema().as_str() + "\n"


__all__ = ["build_schema", "date", "export_sdl"]
