"""serve's /metrics, scraped while calls go through the real service (players' socket with
SO_PEERCRED, sqlite store, command billing; AMI events fed as parsed messages)."""

import asyncio
import json
import math
from datetime import datetime, timezone

from progmoh.player.sim.simulate_serve import realtime_single
from tests.support.ami_events import A, B, hangup, join, key, leave, msg
from tests.support.cache_factory import publish
from tests.support.metrics_support import scrape, scrape_text
from tests.support.service_scenario import (
    FAST,
    SLOW,
    connect,
    next_of,
    round_trip,
    run_with_split_billing,
    unlinked,
)


def test_values_move_as_the_call_does(tmp_path):
    async def scenario(service, clock, players, path):
        port = service.metrics_server.port
        before = await scrape(port)
        service.ami_up()
        service.ami_event(join(A, FAST, 1))
        clock.now_s += 7
        await asyncio.to_thread(realtime_single, "127.0.0.1", service.realtime.port, "/moh",
                                f"progmoh-{A}")
        await asyncio.to_thread(realtime_single, "127.0.0.1", service.realtime.port, "/moh",
                                "default")
        player = await connect(players, path, A)
        await next_of(player, "welcome")
        await next_of(player, "position")
        on_hold = await scrape(port)
        service.ami_event(key(A, "2"))
        await next_of(player, "balance")
        service.ami_event(key(A, "3"))
        await next_of(player, "next_class")
        after_keys = await scrape(port)
        await player.send("state", state={"music_class": "calm"}, now={"kind": "insert",
                          "name": "balance [b1]"}, audio={"blocked_writes": 2,
                          "schedule_resets": 1, "skipped_objects": 0, "internal_errors": 0})
        await player.send("state", state={"music_class": "calm"}, audio={
            "blocked_writes": 3, "schedule_resets": 1, "skipped_objects": 1,
            "internal_errors": 0})
        await round_trip(player, service, A)
        audio = await scrape(port)
        service.ami_event(leave(A, 1))
        service.ami_event(hangup(A))
        await player.stop()
        players.remove(player)
        await unlinked(service, A)
        service.ami_down()
        return before, on_hold, after_keys, audio, await scrape(port)

    before, on_hold, after_keys, audio, ended = run_with_split_billing(tmp_path, scenario)
    assert before("progmoh_calls_on_hold") == 0
    assert before("progmoh_ami_connected") == 0
    assert math.isnan(before("progmoh_ami_last_event_age_seconds"))
    assert before("progmoh_keys_pressed_total", key="2") == 0
    assert on_hold("progmoh_calls_on_hold") == 1
    assert on_hold("progmoh_players_connected") == 1
    assert on_hold("progmoh_ami_connected") == 1
    assert on_hold("progmoh_ami_last_event_age_seconds") == 7
    assert on_hold("progmoh_realtime_lookups_total", result="answered") == 1
    assert on_hold("progmoh_realtime_lookups_total", result="not_ours") == 1
    assert on_hold("progmoh_position_announcements_total", trigger="change") == 1
    assert on_hold("progmoh_inserts_sent_total", kind="position") == 1
    assert on_hold("progmoh_choice_store_operations_total", operation="read",
                   outcome="none") == 1
    # a key press counts once, and its insert once
    assert after_keys("progmoh_keys_pressed_total", key="2") == 1
    assert after_keys("progmoh_keys_pressed_total", key="3") == 1
    assert after_keys("progmoh_inserts_sent_total", kind="balance") == 1
    assert after_keys("progmoh_inserts_sent_total", kind="class_switch") == 1
    assert after_keys("progmoh_billing_lookups_total", outcome="ok") == 1
    assert after_keys("progmoh_billing_lookup_seconds_count") == 1
    # the player's counts are cumulative: 2 then 3 blocked writes are 3 in all
    assert audio("progmoh_player_audio_problems_total", problem="blocked_writes") == 3
    assert audio("progmoh_player_audio_problems_total", problem="skipped_objects") == 1
    assert audio("progmoh_call_audio_problems", uniqueid=A, problem="blocked_writes") == 3
    assert ended("progmoh_calls_on_hold") == 0
    assert ended("progmoh_players_connected") == 0
    assert ended("progmoh_ami_connected") == 0
    assert not ended.has("progmoh_call_audio_problems", uniqueid=A, problem="blocked_writes")
    assert ended("progmoh_player_audio_problems_total", problem="blocked_writes") == 3


def test_a_billing_timeout_counts_as_a_timeout_and_a_restarted_player_adds_up(tmp_path):
    async def scenario(service, clock, players, path):
        port = service.metrics_server.port
        service.ami_event(join(B, SLOW, 1))
        first = await connect(players, path, B)
        await next_of(first, "welcome")
        service.ami_event(key(B, "2"))
        balance = await next_of(first, "balance")
        await first.send("state", state={"music_class": "calm"}, audio={
            "blocked_writes": 0, "schedule_resets": 0, "skipped_objects": 0,
            "internal_errors": 2})
        await first.stop()
        second = await connect(players, path, B)         # Asterisk restarted the player
        await next_of(second, "welcome")
        await second.send("state", state={"music_class": "calm"}, audio={
            "blocked_writes": 0, "schedule_resets": 0, "skipped_objects": 0,
            "internal_errors": 1})
        await round_trip(second, service, B)
        return balance, await scrape(port)

    balance, scraped = run_with_split_billing(tmp_path, scenario)
    assert balance["status"] == "unavailable"
    assert scraped("progmoh_billing_lookups_total", outcome="timeout") == 1
    assert scraped("progmoh_billing_lookups_total", outcome="unavailable") == 0
    assert scraped("progmoh_billing_lookup_seconds_count") == 1
    assert scraped("progmoh_player_audio_problems_total", problem="internal_errors") == 3
    assert scraped("progmoh_call_audio_problems", uniqueid=B, problem="internal_errors") == 3


def test_ami_reconnects_resyncs_and_refused_players_are_counted(tmp_path):
    async def scenario(service, clock, players, path):
        service.ami_up()
        service.ami_down()
        service.ami_up()
        service.ami_resync([msg(Event="QueueEntry", Queue="q", Position=1, Uniqueid=A,
                                CallerIDNum=FAST)])
        impostor = await connect(players, path, "not-a-call")
        denied = await impostor.message()
        return denied, await scrape(service.metrics_server.port)

    denied, scraped = run_with_split_billing(tmp_path, scenario)
    assert denied["type"] == "denied"
    assert scraped("progmoh_ami_reconnects_total") == 1
    assert scraped("progmoh_ami_resyncs_total") == 1
    assert scraped("progmoh_player_admissions_refused_total") == 1


def test_the_cache_generation_its_age_and_the_last_renders_problems(tmp_path):
    created = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
    made = publish(tmp_path / "cache", created=created)

    async def scenario(service, clock, players, path):
        return await scrape(service.metrics_server.port)

    scraped = run_with_split_billing(tmp_path, scenario)
    age_s = datetime.now(timezone.utc).timestamp() - created.timestamp()
    assert scraped("progmoh_cache_readable") == 1
    assert scraped("progmoh_cache_generation_info", generation=made.generation) == 1
    assert abs(scraped("progmoh_cache_generation_age_seconds") - age_s) < 60
    assert scraped("progmoh_cache_last_render_problems") == 0


def test_only_get_metrics_is_served(tmp_path):
    async def scenario(service, clock, players, path):
        port = service.metrics_server.port
        return await scrape_text(port, "/other"), await scrape_text(port)

    (status, _), (ok, body) = run_with_split_billing(tmp_path, scenario)
    assert status == "HTTP/1.1 404 Not Found"
    assert ok == "HTTP/1.1 200 OK" and "# TYPE progmoh_calls_on_hold gauge" in body
    assert json.dumps(body).count("secret") == 0
