"""HTTP API of the feedback app."""

from django.conf import settings
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from common.api import ApiError, PublicApi
from common.ingest import ingest_admit, ingest_schema
from common.json_input import JsonBodyParser
from common.serializers import dataclass_from_camel_case
from feedback.serializers import FeedbackSubmitResultSerializer, FeedbackSubmitSerializer
from feedback.services import NewFeedback, feedback_submit


class FeedbackSubmitApi(PublicApi):
    """Record a bug report, feature request or other feedback, with an optional screenshot."""

    parser_classes = [JsonBodyParser, MultiPartParser, FormParser]

    @ingest_schema(
        operation_id="feedback_submit",
        request={
            "application/json": FeedbackSubmitSerializer,
            "multipart/form-data": FeedbackSubmitSerializer,
        },
        responses={201: FeedbackSubmitResultSerializer},
        refused="No message, unknown category, not an image.",
        too_large="Screenshot over 5 MB or body too large.",
    )
    def post(self, request):
        project_id = ingest_admit(request, scope="feedback", config=settings.FEEDBACK)
        if not hasattr(request.data, "get"):
            raise ApiError("The body must be a JSON object or a form.")
        serializer = FeedbackSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback = feedback_submit(
            feedback=dataclass_from_camel_case(NewFeedback, serializer.validated_data),
            request_user_agent=request.META.get("HTTP_USER_AGENT", ""),
            project_id=project_id,
        )
        return Response(
            {
                "success": True,
                "feedbackId": str(feedback.pk),
                "errorId": str(feedback.error_id) if feedback.error_id else None,
            },
            status=status.HTTP_201_CREATED,
        )
