"""The results of a full `make bench` run, every figure made up (some miss their targets)."""


def spread(fast, slow):
    return {"fastest": fast, "slowest": slow}


def body(scrub, loads, ratio, size=1000):
    return {"bodyBytes": size, "jsonLoadsMs": loads, "scrubMs": scrub, "ratioToJsonLoads": ratio}


def processed(accepted=4000, exact=True, rate=1200):
    return {
        "accepted": accepted,
        "acceptedPerSecond": rate + 30,
        "processedPerSecond": rate,
        "settledSecondsAfterLoad": 0.31,
        "storedFrequencySum": accepted if exact else accepted - 1,
        "pendingLeft": 0,
        "groups": 10,
        "countsExact": exact,
    }


def error_run(ratio, p99, exact=True, deadlocks=0, non2xx=0):
    return {
        "requests": 4000,
        "perSecond": 1230,
        "p50Ms": 20.5,
        "p99Ms": p99,
        "non2xx": non2xx,
        "clientMeanMs": spread(18.2, 25.0),
        **processed(exact=exact),
        "deadlocks": deadlocks,
        "rawStatementsPerSecond": 800,
        "rawStatementP99Ms": 30.1,
        "rawStatementCountsExact": True,
        "ratioToRawStatement": ratio,
        "cpuMsPerReport": {"loadGenerator": 0.5, "postgres": 1.2, "web": 3.1},
        "rawStatementCpuMsPerReport": {"loadGenerator": 0.4, "postgres": 1.0},
        "ratioCeiling": 0.8,
    }


def full_results():
    return {
        "mode": "full",
        "sections": ["batch", "errors", "metrics", "retention"],
        "cpuCount": 2,
        "loadAverageAtStart": 1.234,
        "startedAt": "2026-12-02T13:00:00Z",
        "validation": {"serializerMicroseconds": 150.2, "fastMicroseconds": 12.3},
        "privacy": {
            "telemetryBatch1MiB": body(30.5, 2.1, 14.52, 1000000),
            "telemetryBatch1MiBDense": body(60.0, 2.0, 30.0),
            "errorReportLargest": body(5.1, 0.2, 25.5),
            "errorReportLargestDense": body(8.0, 0.2, 40.0),
            "sentryEvent1MiB": body(45.0, 3.0, 15.0),
            "sentryEvent1MiBDense": body(70.0, 3.0, 23.33),
            "realisticMicrosecondsPerEvent": 9.87,
        },
        "batchIngest": {
            "requests": 1200,
            "perSecond": 60,
            "p50Ms": 40.2,
            "p99Ms": 120.7,
            "non2xx": 0,
            "clientMeanMs": spread(35.0, 48.1),
            "clients": 16,
            "seconds": 20.01,
            "eventsAccepted": 120000,
            "eventsStored": 120000,
            "eventsLost": 0,
            "eventsPerSecond": 6000,
            "rawCopyRows": 120000,
            "rawCopyRowsPerSecond": 25000,
            "ratioToRawCopy": 0.24,
            "cpuMsPerBatch": {"loadGenerator": 2.0, "postgres": 4.5, "redis": 0.1, "web": 20.3},
        },
        "webWorkerPeakRssMB": 95.3,
        "rssSamples": 300,
        "scaleOut": {
            "webProcesses": 4,
            "celeryWorkersAnswering": 2,
            "celeryWorkersStarted": 2,
            "rollup": {
                "rolledUpUntil": "2026-12-02 13:01:00+00:00",
                "rawEvents": 120500,
                "rolledUpEvents": 120500,
            },
        },
        "emptyApiView": {
            "requests": 9000,
            "perSecond": 900,
            "p50Ms": 5.0,
            "p99Ms": 20.0,
            "non2xx": 0,
            "clientMeanMs": spread(4.0, 6.0),
            "cpuMsPerRequest": {"loadGenerator": 0.3, "web": 1.8},
        },
        "errorIngest": {
            "1": error_run(1.5, 260.0),
            "10": error_run(0.9, 80.0),
            "1000": error_run(1.1, 95.0, deadlocks=1),
        },
        "envelopeIngest": {
            "requests": 2000,
            "perSecond": 200,
            "p50Ms": 60.0,
            "p99Ms": 150.0,
            "non2xx": 0,
            "clientMeanMs": spread(50.0, 70.0),
            **processed(accepted=2000, rate=190),
            "envelopeBytes": 25992,
            "cpuMsPerEnvelope": {"loadGenerator": 0.5, "postgres": 1.5, "web": 9.0},
        },
        "digestCrash": {
            "requests": 3000,
            "perSecond": 750,
            "p50Ms": 30.0,
            "p99Ms": 90.0,
            "non2xx": 0,
            "clientMeanMs": spread(25.0, 40.0),
            **processed(accepted=3000, rate=700),
            "killedInsideBatch": True,
            "workerBack": True,
            "killText": "inside a digest transaction; its worker started a new pool process",
        },
        "metrics": {
            "events": 1_000_000,
            "loadSeconds": 12.3,
            "rollup": {"events": 1_000_100, "seconds": 30.2, "eventsPerSecond": 33116},
            "api": {
                "days=30": {"requests": 30, "p50Ms": 80.1, "p95Ms": 120.4},
                "days=7": {"requests": 30, "p50Ms": 40.0, "p95Ms": 60.2},
            },
            "windowStart": "2026-11-02T13:00:00+00:00",
            "answerTotalEvents": 1_000_100,
            "rawEventsInWindow": 1_000_100,
            "loadedEventsInWindow": 1_000_000,
            "seconds": 80.0,
        },
        "retention": {
            "expiredRows": 1_000_000,
            "purgeSeconds": 40.5,
            "purgeExitCode": 0,
            "expiredLeft": 0,
            "ingestAlone": {"p99Ms": 100.0},
            "ingestDuringPurge": {"p99Ms": 125.0, "non2xx": 0},
            "p99Increase": 0.25,
        },
    }
