"""Scraping serve's /metrics in tests: one HTTP GET, parsed with prometheus_client's own parser."""

import asyncio

from prometheus_client.parser import text_string_to_metric_families

SCRAPE_TIMEOUT_S = 10.0


async def scrape_text(port: int, path: str = "/metrics") -> tuple[str, str]:
    """(status line, body) of one GET to 127.0.0.1:port."""
    async def get():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
        answer = await reader.read()
        writer.close()
        return answer
    answer = await asyncio.wait_for(get(), SCRAPE_TIMEOUT_S)
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(), body.decode()


def samples(text: str) -> dict:
    """{(sample name, frozenset of label items): value} of a scrape."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name, frozenset(sample.labels.items())] = sample.value
    return found


def families(text: str) -> set[str]:
    """Every sample name a scrape has (counters with _total, histograms with _bucket...)."""
    return {name for name, _ in samples(text)}


async def scrape(port: int) -> "Scrape":
    status, body = await scrape_text(port)
    assert status == "HTTP/1.1 200 OK", status
    return Scrape(samples(body))


class Scrape:
    def __init__(self, values: dict) -> None:
        self.values = values

    def __call__(self, name: str, **labels) -> float:
        key = (name, frozenset(labels.items()))
        assert key in self.values, f"no sample {name}{labels} in the scrape"
        return self.values[key]

    def has(self, name: str, **labels) -> bool:
        return (name, frozenset(labels.items())) in self.values
