"""GET /results/{job_id}/progress: Server-Sent Events from the job's Redis Stream."""

from __future__ import annotations

import asyncio
import json
import uuid

from verdict.progress import Progress, stream_key

BODY = {
    "failures": [
        {"test_name": "t.a", "error_message": "AssertionError: expected 200 got 500"},
        {"test_name": "t.b", "error_message": "ConnectionError: Connection refused"},
    ]
}


def parse(text: str) -> list[dict]:
    events = []
    for block in text.strip().split("\n\n"):
        event: dict = {}
        for line in block.splitlines():
            if line.startswith(":"):
                continue
            key, _, value = line.partition(": ")
            event[key] = json.loads(value) if key == "data" else value
        if event:
            events.append(event)
    return events


async def queue_job(client) -> str:
    response = await client.post("/analyze-failures?wait=false", json=BODY)
    return str((await response.json())["job_id"])


async def test_live_stream_follows_the_job_to_done(client, run_analyzer):
    job_id = await queue_job(client)
    response = await client.get(f"/results/{job_id}/progress")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/event-stream"
    reading = asyncio.create_task(response.text())
    await asyncio.sleep(0.2)
    assert not reading.done()  # open while the job waits for a worker
    await run_analyzer()
    events = parse(await asyncio.wait_for(reading, 10))
    names = [e["event"] for e in events]
    assert names[0] == "phase" and events[0]["data"]["phase"] == "analyzing"
    assert "groups" in names and names[-2:] == ["phase", "done"]
    groups = [e["data"] for e in events if e["event"] == "groups"]
    assert groups[-1] == {"job_id": job_id, "done": 2, "total": 2}
    assert events[-1]["data"]["status"] == "completed"
    assert all(e["id"] for e in events)


async def test_finished_job_replays_and_last_event_id_resumes(client, run_analyzer):
    job_id = await queue_job(client)
    await run_analyzer()
    events = parse(await (await client.get(f"/results/{job_id}/progress")).text())
    assert events[-1]["event"] == "done"

    resume = await client.get(
        f"/results/{job_id}/progress", headers={"Last-Event-ID": events[1]["id"]}
    )
    rest = parse(await resume.text())
    assert [e["id"] for e in rest] == [e["id"] for e in events[2:]]
    # The query parameter works too (EventSource cannot set headers on the first call).
    again = await client.get(f"/results/{job_id}/progress?last_event_id={events[-2]['id']}")
    assert [e["event"] for e in parse(await again.text())] == ["done"]


async def test_finished_job_without_stream_gets_a_done_from_its_row(
    client, run_analyzer, redis, settings
):
    job_id = await queue_job(client)
    await run_analyzer()
    await redis.delete(stream_key(settings, job_id))
    events = parse(await (await client.get(f"/results/{job_id}/progress")).text())
    assert [e["event"] for e in events] == ["done"]
    assert events[0]["data"]["status"] == "completed" and "id" not in events[0]


async def test_progress_errors(client):
    assert (await client.get(f"/results/{uuid.uuid4()}/progress")).status == 404
    job_id = await queue_job(client)
    response = await client.get(
        f"/results/{job_id}/progress", headers={"Last-Event-ID": "not an id"}
    )
    assert response.status == 422


async def test_publishing_with_redis_down_never_fails(settings):
    from verdict.queue import close, connect

    down = connect(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    try:
        progress = Progress(down, settings, uuid.uuid4())
        assert await progress.publish("phase", phase="analyzing") is None
        await progress.done("completed")  # gives up at once after the first failure
    finally:
        await close(down)
