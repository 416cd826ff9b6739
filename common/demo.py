"""Demo data: each app registers how to fill an empty database; `seed_demo` runs them all.

Apps register in their AppConfig.ready(), like retention purgers, so this shared module never
imports a domain app. A generator is called as
`generate(days=..., sessions_per_day=..., seed=..., progress=...)` and returns a one-line
summary of what it created; `has_data()` says whether its tables already hold anything.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoGenerator:
    name: str
    generate: Callable[..., str]
    has_data: Callable[[], bool]


_generators: dict[str, DemoGenerator] = {}


def demo_register(name: str, *, generate: Callable[..., str], has_data: Callable[[], bool]):
    """Register the demo data generator of one app under `name`."""
    _generators[name] = DemoGenerator(name=name, generate=generate, has_data=has_data)


def demo_generators() -> list[DemoGenerator]:
    """Return the registered generators in registration order."""
    return list(_generators.values())
