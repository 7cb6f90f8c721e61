"""Unit tests of toml_config_writer.toml_writer from dspy-coder's run: 0 judged it; 2 did not count and are skipped with the reason (remove a marker to run one)."""

import pytest

import toml_config_writer.toml_writer
import toml_config_writer.config_builder
from toml_config_writer.toml_writer import *  # noqa: F403
from toml_config_writer.config_builder import *  # noqa: F403


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_1():
    import tomli_w
    config = {'key1': 'value1', 'key2': 'value2'}
    file_path = 'test_config.toml'
    tomli_w.write_toml(config, file_path)
    with open(file_path, 'r') as f:
        content = f.read()
    assert content == 'key1 = "value1"\nkey2 = "value2"\n'


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_2():
    import tomli_w
    config = {'key1': 'value1', 'key2': 'value2'}
    file_path = 'test_config.toml'
    tomli_w.write_toml(config, file_path)
    loaded_config = tomli_w.read_toml(file_path)
    assert loaded_config == config
