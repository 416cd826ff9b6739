"""HTTP API of the health app."""

import hmac

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, BasePermission, IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ApiError
from health.models import HealthStatus
from health.serializers import (
    HealthCronResultSerializer,
    HealthDocumentSerializer,
    ProjectHealthListSerializer,
    ProjectHealthQuerySerializer,
)
from health.services import HealthReport, health_check_run, project_health_read
from projects.selectors import projects_for_read, projects_visible


def _health_response(report: HealthReport, serializer=HealthDocumentSerializer) -> Response:
    unhealthy = report.status == HealthStatus.UNHEALTHY
    return Response(
        serializer(report).data,
        status=503 if unhealthy else 200,
        headers={"Cache-Control": "no-store"},
    )


class CronSecretPermission(BasePermission):
    """Admit requests bearing `Authorization: Bearer <CRON_SECRET>`, compared in constant time.

    Answer 503 while no secret is configured and 401 for a missing or wrong one.
    """

    def has_permission(self, request, view):
        secret = settings.CRON_SECRET
        if not secret:
            raise ApiError(
                "Cron endpoints are disabled: set CRON_SECRET to enable them.", status_code=503
            )
        scheme, _, credential = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            credential.strip().encode(), secret.encode()
        ):
            raise ApiError(
                "Send the cron secret as 'Authorization: Bearer <CRON_SECRET>'.",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="cron"'},
            )
        return True


class HealthLivenessApi(APIView):
    """Answer that the process is up; touches neither the database nor the cache."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="health_liveness",
        responses=inline_serializer("Liveness", {"status": serializers.CharField()}),
        auth=[],
    )
    def get(self, request):
        return Response({"status": "ok"})


class HealthExtendedApi(APIView):
    """Probe the database, cache, broker, sessions and error rate; 503 when unhealthy."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="health_extended",
        responses={
            200: HealthDocumentSerializer,
            503: OpenApiResponse(HealthDocumentSerializer, description="Unhealthy."),
        },
        auth=[],
    )
    def get(self, request):
        return _health_response(health_check_run(store=False))


_CRON_RESPONSES = {
    200: HealthCronResultSerializer,
    401: OpenApiResponse(description="Missing or wrong bearer secret."),
    503: OpenApiResponse(
        HealthCronResultSerializer, description="Unhealthy, or CRON_SECRET is not set."
    ),
}


class HealthCronCheckApi(APIView):
    """Run the periodic check for an external scheduler: store a snapshot, alert on change."""

    authentication_classes: list = []
    permission_classes = [CronSecretPermission]

    @extend_schema(operation_id="health_cron_check", responses=_CRON_RESPONSES, auth=[])
    def get(self, request):
        return _health_response(health_check_run(store=True), HealthCronResultSerializer)

    @extend_schema(
        operation_id="health_cron_check_post", request=None, responses=_CRON_RESPONSES, auth=[]
    )
    def post(self, request):
        return _health_response(health_check_run(store=True), HealthCronResultSerializer)


class HealthProjectsApi(APIView):
    """Answer each project's active sessions and error rate to staff (session or token)."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        operation_id="health_projects",
        parameters=[ProjectHealthQuerySerializer],
        responses={
            200: ProjectHealthListSerializer,
            400: OpenApiResponse(description="No such project you can see."),
            401: OpenApiResponse(description="Not authenticated."),
            403: OpenApiResponse(description="Not staff."),
        },
    )
    def get(self, request):
        query = ProjectHealthQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        slug = query.validated_data.get("project")
        # Every project they can see, `self` included; one by name when asked (400 otherwise).
        if slug:
            projects = projects_for_read(user=request.user, slug=slug)
        else:
            projects = projects_visible(user=request.user)
        figures = project_health_read(projects=projects)
        return Response(
            ProjectHealthListSerializer({"projects": figures}).data,
            headers={"Cache-Control": "no-store"},
        )
