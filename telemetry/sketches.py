"""The mathematics of the roll-ups: duration histograms and distinct-ID sketches.

Durations are summarised in a fixed log-bucket histogram. A positive duration `d` (integer
milliseconds) falls in bucket `ceil(ln(d) / ln(GAMMA))`, which holds the values in
`(GAMMA**(i-1), GAMMA**i]`; the bucket is reported as `2 * GAMMA**i / (GAMMA + 1)`, which is
within `(GAMMA - 1) / (GAMMA + 1)` = 0.99 % of every value in it. A zero duration has its own
bucket, ZERO_BUCKET, reported as 0. Histograms merge by adding counts bucket by bucket, so the
p50/p95/p99 of any set of hours (the value of rank `ceil(q * n)`) is within 1 % of the exact
one. A day of durations up to 24 h needs at most about 930 buckets.

Distinct session and user IDs are counted with a HyperLogLog sketch of 64-bit ID hashes.
"""

import hashlib
import math

GAMMA = 1.02
RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1)
ZERO_BUCKET = -1
LN_GAMMA = math.log(GAMMA)


def bucket_index(duration: int) -> int:
    """Return the histogram bucket of a duration in milliseconds (the SQL computes the same)."""
    if duration <= 0:
        return ZERO_BUCKET
    return math.ceil(math.log(duration) / LN_GAMMA)


def bucket_value(index: int) -> float:
    """Return the value reported for a bucket: within RELATIVE_ERROR of every value in it."""
    if index == ZERO_BUCKET:
        return 0.0
    return 2 * GAMMA**index / (GAMMA + 1)


def histogram_merge(histograms) -> dict[int, int]:
    """Return the sum of histograms given as {bucket: count} maps (keys may be strings)."""
    merged: dict[int, int] = {}
    for histogram in histograms:
        for bucket, count in histogram.items():
            key = int(bucket)
            merged[key] = merged.get(key, 0) + int(count)
    return merged


def histogram_quantiles(histogram: dict[int, int], quantiles) -> list[float | None]:
    """Return the value of rank ceil(q * n) for each q in `quantiles`, None when empty."""
    total = sum(histogram.values())
    if not total:
        return [None for _ in quantiles]
    ranks = [max(1, math.ceil(q * total)) for q in quantiles]
    results: list[float | None] = [None for _ in quantiles]
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        for position, rank in enumerate(ranks):
            if results[position] is None and seen >= rank:
                results[position] = round(bucket_value(bucket), 2)
    return results


SKETCH_PRECISION = 14
SKETCH_REGISTERS = 1 << SKETCH_PRECISION
_SKETCH_ALPHA = 0.7213 / (1 + 1.079 / SKETCH_REGISTERS)
_INVERSE_POWERS = [2.0**-rank for rank in range(66)]


def sketch_add(registers: bytearray, hashed: int) -> None:
    """Add a 64-bit ID hash to a HyperLogLog sketch of SKETCH_REGISTERS registers."""
    unsigned = hashed & 0xFFFF_FFFF_FFFF_FFFF
    index = unsigned & (SKETCH_REGISTERS - 1)
    rest = unsigned >> SKETCH_PRECISION
    rank = 64 - SKETCH_PRECISION - rest.bit_length() + 1
    if rank > registers[index]:
        registers[index] = rank


_LANE_HIGH_BITS = int.from_bytes(b"\x80" * SKETCH_REGISTERS, "big")
_ALL_BITS = (1 << (8 * SKETCH_REGISTERS)) - 1


def sketch_merge(sketches) -> bytearray:
    """Return the union of sketches (the register-wise maximum).

    The registers are compared all at once as one big integer of byte lanes: a rank is below
    128, so `(a | 0x80) - b` never borrows across lanes and its high bit says a >= b.
    """
    merged = 0
    for sketch in sketches:
        other = int.from_bytes(sketch, "big")
        a_wins = (((merged | _LANE_HIGH_BITS) - other) & _LANE_HIGH_BITS) >> 7
        mask = a_wins * 0xFF
        merged = (merged & mask) | (other & (_ALL_BITS ^ mask))
    return bytearray(merged.to_bytes(SKETCH_REGISTERS, "big"))


def sketch_estimate(registers: bytearray) -> int:
    """Return the estimated number of distinct IDs added (standard error 1.04/sqrt(m))."""
    registers = bytes(registers)
    estimate = (
        _SKETCH_ALPHA
        * SKETCH_REGISTERS**2
        / sum(registers.count(rank) * _INVERSE_POWERS[rank] for rank in set(registers))
    )
    empty = registers.count(0)
    if estimate <= 2.5 * SKETCH_REGISTERS and empty:
        estimate = SKETCH_REGISTERS * math.log(SKETCH_REGISTERS / empty)
    return round(estimate)


def value_hash(value: str) -> int:
    """Return the signed 64-bit hash SQLite stores for a session or user ID."""
    digest = hashlib.blake2b(value.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
