from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated

from cases import selectors
from cases.api.lists import list_filters, list_parameters
from cases.api.scoping import HasScope
from cases.models import Case
from cases.permissions import Action


class CaseOutputSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api_case_detail", lookup_field="reference"
    )
    partnership = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    duplicate_of = serializers.SlugRelatedField(
        slug_field="reference",
        read_only=True,
        allow_null=True,
        help_text="A case withdrawn as a duplicate: the reference of the case it duplicates.",
    )

    class Meta:
        model = Case
        fields = [
            "reference",
            "url",
            "partnership",
            "stage",
            "opened_on",
            "created_at",
            "withdrawn_at",
            "duplicate_of",
        ]


class ScopedApiMixin:
    permission_classes = [IsAuthenticated, HasScope]
    required_action = Action.READ_API


@extend_schema(
    parameters=list_parameters(
        rows="cases", dated="date received (`opened_on`)", stage_of="the case"
    )
)
class CaseListApi(ScopedApiMixin, generics.ListAPIView):
    """The partnership's cases, newest first."""

    name = "Cases"

    serializer_class = CaseOutputSerializer

    def get_queryset(self):
        filters = list_filters(self.request)
        return selectors.case_list(
            scope=self.request.scope,
            stages=filters["stage"],
            received_from=filters["from"],
            received_to=filters["to"],
        )


class CaseDetailApi(ScopedApiMixin, generics.RetrieveAPIView):
    """One case by its reference; another partnership's case answers 404."""

    name = "Case"

    serializer_class = CaseOutputSerializer

    def get_object(self):
        return selectors.case_get(scope=self.request.scope, reference=self.kwargs["reference"])


class SchemaApi(SpectacularAPIView):
    """The OpenAPI schema: for anyone signed in (with a token, or both factors in a browser),
    whatever their organisation; it describes the API, it holds no case data."""

    permission_classes = [IsAuthenticated]
    requires_sign_in = True  # declared, like `required_action`, for the access tests


class SchemaDocs(SpectacularSwaggerSplitView):
    """The API's documentation page, for the same people as its schema."""

    permission_classes = [IsAuthenticated]
    requires_sign_in = True
