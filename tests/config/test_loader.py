"""Config documents: structured once, every problem reported with its path."""

from pathlib import Path

import pytest

from daemon.config import (
    Duration,
    PermittedSynchronization,
    Secret,
    load_config,
    load_metadata_server_config,
    parse_config,
    parse_duration,
)
from daemon.errors import ConfigError

CONF = Path(__file__).resolve().parents[2] / "conf"


def minimal(**connector):
    return {
        "server_name": "d1",
        "services": [{"url_marker": "files-integrator", "connectors": [{"name": "c1", "connector": "folder", **connector}]}],
    }


def problems_of(document, environ=None):
    with pytest.raises(ConfigError) as caught:
        parse_config(document, environ=environ or {})
    return caught.value.problems


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("500ms", 0.5), ("30s", 30), ("5m", 300), ("1h", 3600), ("2d", 172800), ("0", 0), (15, 15), ("1.5s", 1.5)],
)
def test_durations_are_read_in_their_units(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["abc", "5 minutes", "-1s", True, None, "1y"])
def test_things_that_are_not_durations_are_refused(text):
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def test_a_duration_prints_in_its_largest_whole_unit():
    assert str(Duration(300)) == "5m" and str(Duration(0.25)) == "250ms" and str(Duration(90)) == "90s"


def test_a_minimal_document_gets_every_default():
    config = parse_config(minimal())
    connector = config.services[0].connectors[0]
    assert config.local_server_user_id == "integration-daemon"
    assert config.metadata_server.embedded
    assert config.event_bus.type == "embedded"
    assert connector.refresh == 3600 and connector.permitted_synchronization is None
    assert config.restart_policy.max_restarts == 5 and config.restart_policy.window == 60


def test_every_problem_is_listed_with_its_path():
    document = minimal(refresh="abc", permitted_synchronization="sideways", surprise=1)
    document["admin"] = {"port": "http"}
    document["services"].append({"url_marker": "no-such-integrator"})
    document["colour"] = "blue"
    problems = problems_of(document)
    assert "services[0].connectors[0].refresh: 'abc' is not a duration (use e.g. 500ms, 30s, 5m, 1h)" in problems
    assert any(p.startswith("services[0].connectors[0].permitted_synchronization: 'sideways'") for p in problems)
    assert "services[0].connectors[0]: unknown key(s): surprise" in problems
    assert "admin.port: 'http' is not an integer" in problems
    assert "(top): unknown key(s): colour" in problems
    assert len(problems) == 5  # the unknown service is checked once the shapes are right


def test_unknown_services_and_duplicate_connector_names_are_refused():
    document = minimal()
    document["services"][0]["connectors"].append({"name": "c1", "connector": "folder"})
    document["services"].append({"url_marker": "no-such-integrator"})
    problems = problems_of(document)
    assert len(problems) == 2
    assert "services[0].connectors[1].name: 'c1' is already used by services[0].connectors[0]" in problems
    assert any(p.startswith("services[1].url_marker: unknown integration service 'no-such-integrator'") for p in problems)


def test_a_missing_required_field_is_named():
    document = minimal()
    del document["services"][0]["connectors"][0]["connector"]
    assert problems_of(document) == ["services[0].connectors[0].connector: required field missing"]


def test_environment_variables_are_interpolated_with_defaults():
    document = minimal(endpoint="${DATA}/in", user_id="${WHO:-npa}", metadata_source="cost $$5")
    config = parse_config(document, environ={"DATA": "/srv"})
    connector = config.services[0].connectors[0]
    assert (connector.endpoint, connector.user_id, connector.metadata_source) == ("/srv/in", "npa", "cost $5")


def test_an_unset_variable_without_default_is_a_problem_with_its_path():
    problems = problems_of(minimal(endpoint="${NOT_SET_ANYWHERE}"))
    assert problems == [
        "services[0].connectors[0].endpoint: environment variable NOT_SET_ANYWHERE is not set (or write ${NOT_SET_ANYWHERE:-default})"
    ]


def test_numbers_and_booleans_may_arrive_as_strings():
    document = minimal(restart_policy={"max_restarts": "3", "multiplier": "1.5"})
    document["admin"] = {"port": "9555"}
    config = parse_config(document)
    policy = config.services[0].connectors[0].restart_policy.over(config.restart_policy)
    assert (config.admin.port, policy.max_restarts, policy.multiplier, policy.window) == (9555, 3, 1.5, 60)


def test_secrets_never_print():
    document = minimal()
    document["admin"] = {"token": "hunter2"}
    config = parse_config(document)
    assert isinstance(config.admin.token, Secret) and config.admin.token.reveal() == "hunter2"
    assert "hunter2" not in repr(config) and "hunter2" not in str(config.admin.token)


def test_permitted_synchronization_is_read_by_egeria_name():
    connector = parse_config(minimal(permitted_synchronization="to_third_party")).services[0].connectors[0]
    assert connector.permitted_synchronization is PermittedSynchronization.TO_THIRD_PARTY


def test_yaml_syntax_errors_name_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("server_name: x\nservices: [\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems[0].startswith("line 3")


@pytest.mark.parametrize("path", sorted(CONF.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_example_config_is_valid(path):
    if path.name.startswith("metadata-server"):
        config = load_metadata_server_config(path, environ={})
        assert config.tokens[0].users == ("*",) and config.event_bus.type == "embedded"
    else:
        assert load_config(path, environ={}).server_name
