"""factory_boy factories of the feedback app."""

import factory

from feedback.models import FeedbackSubmission


class FeedbackSubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackSubmission

    message = factory.Sequence(lambda n: f"The save button does nothing ({n})")
    category = "bug"
    page = "https://app.example.com/settings"
