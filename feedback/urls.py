from django.urls import path

from feedback import api

urlpatterns = [
    path("feedback", api.FeedbackSubmitApi.as_view(), name="feedback-submit"),
]
