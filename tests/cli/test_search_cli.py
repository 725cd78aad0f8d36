"""paperwire index / search / similar on a real database."""

import json

import pytest
from click.testing import CliRunner

from paperwire.cli import cli

PRUNING = "2606.27660"


@pytest.fixture(scope="module")
def sample_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-search")
    url = f"sqlite:///{folder / 'paperwire.db'}"
    runner = CliRunner()
    result = runner.invoke(cli, ["--database-url", url, "import", "--sample"])
    assert result.exit_code == 0, result.output
    assert "loaded 3294 precomputed quality vectors" in result.stderr
    result = runner.invoke(cli, ["--database-url", url, "index"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("indexed 3294 papers, 3294 fast vectors, 0 quality vectors")
    return url


def run(url, *args, input=None):
    return CliRunner().invoke(cli, ["--database-url", url, *args], input=input)


def test_index_again_does_nothing(sample_url):
    assert run(sample_url, "index").stdout.startswith("indexed 0 papers, 0 fast vectors")


def test_search_json_and_modes(sample_url):
    for mode in ("hybrid", "keyword", "semantic"):
        result = run(
            sample_url,
            "search",
            "token pruning vision language",
            "--mode",
            mode,
            "--json",
            "--limit",
            "5",
        )
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)
        assert len(rows) == 5
        assert {"id", "title", "score", "reason"} <= set(rows[0])
        assert rows == sorted(rows, key=lambda r: -r["score"])


def test_search_filters_and_bad_dates(sample_url):
    rows = json.loads(run(sample_url, "search", "robot", "--category", "cs.RO", "--json").stdout)
    assert rows and all("cs.RO" in r["categories"] for r in rows)
    bad = run(sample_url, "search", "robot", "--since", "yesterday")
    assert bad.exit_code == 2
    assert "--since" in bad.stderr
    assert run(sample_url, "search").exit_code == 2


def test_search_batch_prints_one_array_a_line(sample_url, tmp_path):
    queries = tmp_path / "q.txt"
    queries.write_text("token pruning\n\nAND (\nrobot grasping\n")
    result = run(sample_url, "search", "--batch", str(queries), "--limit", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    arrays = [json.loads(line) for line in lines]
    assert all(isinstance(a, list) and len(a) <= 3 for a in arrays)
    assert len(arrays[0]) == 3


def test_similar_and_batch(sample_url):
    result = run(sample_url, "similar", f"{PRUNING}v2", "--json", "--limit", "5")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 5 and PRUNING not in [r["id"] for r in rows]
    batch = run(
        sample_url, "similar", "--batch", "-", "--limit", "4", input=f"{PRUNING}\n9999.99999\n"
    )
    lines = batch.stdout.splitlines()
    assert len(lines) == 2
    assert len(json.loads(lines[0])) == 4
    assert json.loads(lines[1]) == []
    assert "no paper '9999.99999'" in batch.stderr
    missing = run(sample_url, "similar", "9999.99999")
    assert missing.exit_code == 1


def test_search_without_an_index_says_what_to_do(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    run(url, "db", "migrate")
    result = run(url, "search", "anything")
    assert result.exit_code == 1
    assert "paperwire index" in result.stderr
