"""/metrics: queue depth per worker queue and jobs by status, in Prometheus text."""

from __future__ import annotations


async def test_queue_depth_and_job_counts(client, run_analyzer):
    for _ in range(2):
        await client.post("/analyze-failures?wait=false", json={"failures": [{"test_name": "t"}]})
    text = await (await client.get("/metrics")).text()
    assert 'verdict_queue_depth{queue="analyze"} 2' in text
    assert 'verdict_jobs{status="pending"} 2' in text
    assert "verdict_redis_up 1" in text

    await run_analyzer()
    text = await (await client.get("/metrics")).text()
    assert 'verdict_queue_depth{queue="analyze"} 0' in text
    assert 'verdict_jobs{status="completed"} 2' in text
