"""What the apps' models share."""

from django.db import models


def choices_constraint(
    field: str, choices: type[models.TextChoices], *, name: str, blank: bool = False
) -> models.CheckConstraint:
    """Return the database check that `field` holds one of `choices` (or "" with `blank`), so
    no value outside them is stored, whoever writes the row."""
    values = [*choices.values, ""] if blank else choices.values
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": values}), name=name)
