"""HTTP API of the health app."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


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
